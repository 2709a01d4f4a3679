import Foundation

/// Where the lines table's columns go. Quantity and unit price get a column only when some
/// line fills it; the description takes the rest of the width.
struct Columns {
    static let headingHeight = 20.0

    let descriptionX: Double
    let descriptionWidth: Double
    let quantityRight: Double?
    let unitPriceRight: Double?
    let amountRight: Double

    init(lines: [InvoiceDocument.Line], left: Double, right: Double) {
        descriptionX = left + 6
        amountRight = right - 6
        var edge = amountRight - 90
        if lines.contains(where: { !($0.unitPrice ?? "").isEmpty }) {
            unitPriceRight = edge
            edge -= 80
        } else {
            unitPriceRight = nil
        }
        if lines.contains(where: { !($0.quantity ?? "").isEmpty }) {
            quantityRight = edge
            edge -= 50
        } else {
            quantityRight = nil
        }
        descriptionWidth = edge - descriptionX - 10
    }
}

extension InvoiceLayout {
    // MARK: Addresses

    mutating func addresses() {
        let gap = 24.0
        let columnWidth = (contentWidth - gap) / 2
        let labels = doc.labels
        let customer = doc.billTo

        var billTo = [TextLine(text: labels.billTo, font: .helveticaBold, size: 7.5, color: Self.muted, height: 14)]
        billTo += measure(customer.name, font: .helveticaBold, size: 10.5, color: Self.ink, leading: 13, width: columnWidth)
        if let number = customer.customerNumber, !number.isEmpty {
            billTo += measure("\(labels.customerNumber) \(number)", size: 9, color: Self.ink, leading: 12, width: columnWidth)
        }
        for line in customer.addressLines + [customer.phone].compactMap({ $0 }) where !line.isEmpty {
            billTo += measure(line, size: 9, color: Self.ink, leading: 12, width: columnWidth)
        }
        var service: [TextLine] = []
        let serviceLines = doc.serviceAddressLines.filter { !$0.isEmpty }
        if !serviceLines.isEmpty {
            service = [TextLine(text: labels.serviceAddress, font: .helveticaBold, size: 7.5, color: Self.muted, height: 14)]
            for line in serviceLines {
                service += measure(line, size: 9, color: Self.ink, leading: 12, width: columnWidth)
            }
        }
        let top = y
        let leftEnd = draw(billTo, x: left, top: top)
        let rightEnd = draw(service, x: left + columnWidth + gap, top: top)
        y = max(leftEnd, rightEnd) + 14
    }

    // MARK: Lines table

    mutating func linesTable() {
        inTable = true
        ensure(Columns.headingHeight + 30)
        tableHeading()
        for line in doc.lines {
            tableRow(line)
        }
        inTable = false
    }

    mutating func tableHeading() {
        let labels = doc.labels
        page.fillRectangle(x: left, y: y, width: contentWidth, height: Columns.headingHeight, color: Self.band)
        let baseline = y + 13.5
        page.drawText(labels.description, x: columns.descriptionX, y: baseline, font: .helveticaBold, size: 8.5, color: Self.accent)
        if let x = columns.quantityRight {
            page.drawText(labels.quantity, x: x, y: baseline, font: .helveticaBold, size: 8.5, color: Self.accent, alignment: .right)
        }
        if let x = columns.unitPriceRight {
            page.drawText(labels.unitPrice, x: x, y: baseline, font: .helveticaBold, size: 8.5, color: Self.accent, alignment: .right)
        }
        page.drawText(labels.amount, x: columns.amountRight, y: baseline, font: .helveticaBold, size: 8.5, color: Self.accent, alignment: .right)
        y += Columns.headingHeight
    }

    /// One row; it moves whole to the next page when it does not fit, and is split between
    /// its text lines only when it is taller than a whole page.
    private mutating func tableRow(_ line: InvoiceDocument.Line) {
        let padding = 5.0
        var text = measure(line.description, size: 9.5, color: Self.ink, leading: 12.5, width: columns.descriptionWidth)
        if let detail = line.detail, !detail.isEmpty {
            text += measure(detail, size: 8, color: Self.muted, leading: 10.5, width: columns.descriptionWidth)
        }
        let height = text.reduce(2 * padding) { $0 + $1.height }
        if y + height > bottom, height <= freshPageCapacity { newPage() }
        y += padding
        for (index, textLine) in text.enumerated() {
            if y + textLine.height + padding > bottom { newPage(); y += padding }
            let baseline = y + textLine.size * 0.95
            page.drawText(textLine.text, x: columns.descriptionX, y: baseline, font: textLine.font, size: textLine.size, color: textLine.color)
            if index == 0 {
                if let x = columns.quantityRight, let quantity = line.quantity {
                    page.drawText(quantity, x: x, y: baseline, size: 9.5, color: Self.ink, alignment: .right)
                }
                if let x = columns.unitPriceRight, let price = line.unitPrice {
                    page.drawText(price, x: x, y: baseline, size: 9.5, color: Self.ink, alignment: .right)
                }
                page.drawText(line.amount, x: columns.amountRight, y: baseline, size: 9.5, color: Self.ink, alignment: .right)
            }
            y += textLine.height
        }
        y += padding
        page.drawLine(x1: left, y1: y, x2: right, y2: y, lineWidth: 0.5, color: Self.rule)
    }

    // MARK: Totals

    mutating func summary() {
        guard !doc.summary.isEmpty else { return }
        let blockWidth = 250.0
        let x = right - blockWidth
        struct Row {
            var label: [String]
            var amount: String
            var font: PDFFont
            var size: Double
            var bold: Bool
            var height: Double
        }
        let rows = doc.summary.map { row -> Row in
            let font: PDFFont = row.bold ? .helveticaBold : .helvetica
            let size = row.bold ? 10.0 : 9.0
            let amountWidth = font.width(of: row.amount, size: size)
            let label = font.wrap(row.label, size: size, width: max(40, blockWidth - 28 - amountWidth))
            let height = (row.bold ? 20.0 : 16.0) + Double(label.count - 1) * 12
            return Row(label: label, amount: row.amount, font: font, size: size, bold: row.bold, height: height)
        }
        y += 8
        ensure(rows.reduce(0) { $0 + $1.height })
        for row in rows {
            if row.bold {
                page.fillRectangle(x: x, y: y, width: blockWidth, height: row.height, color: Self.band)
            }
            var baseline = y + (row.bold ? 13.8 : 11.5)
            page.drawText(row.amount, x: right - 6, y: baseline, font: row.font, size: row.size, color: Self.ink, alignment: .right)
            for label in row.label {
                page.drawText(label, x: x + 8, y: baseline, font: row.font, size: row.size, color: row.bold ? Self.ink : Self.muted)
                baseline += 12
            }
            y += row.height
        }
    }

    // MARK: Amount in words

    mutating func amountInWords() {
        guard let words = doc.amountInWords, !words.isEmpty else { return }
        let label = doc.labels.amountInWords
        let indent = PDFFont.helveticaBold.width(of: label, size: 9) + 5
        let lines = PDFFont.helvetica.wrap(words, size: 9, width: contentWidth - indent)
        y += 14
        ensure(Double(lines.count) * 12)
        page.drawText(label, x: left, y: y + 9, font: .helveticaBold, size: 9, color: Self.ink)
        for line in lines {
            page.drawText(line, x: left + indent, y: y + 9, size: 9, color: Self.ink)
            y += 12
        }
    }

    // MARK: Notes, payment link and QR code

    mutating func notesAndPayment() {
        let notes = doc.notes.flatMap { $0.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty ? nil : $0 }
        let link = doc.paymentLink.flatMap { $0.isEmpty ? nil : $0 }
        guard notes != nil || link != nil else { return }

        let qrSide = 92.0
        let linkWidth = 130.0
        let code = link.flatMap { try? QRCode(text: $0, errorCorrection: .medium) }
        let textWidth = link == nil ? contentWidth : contentWidth - linkWidth - 24
        var noteLines: [TextLine] = []
        if let notes {
            noteLines = [TextLine(text: doc.labels.notes, font: .helveticaBold, size: 9, color: Self.ink, height: 15)]
            noteLines += measure(notes, size: 9, color: Self.ink, leading: 12, width: textWidth)
        }
        var linkLines: [TextLine] = []
        if let link {
            if code != nil {
                linkLines = [TextLine(text: doc.labels.scanToPay, font: .helveticaBold, size: 8, color: Self.ink, height: 11)]
            }
            // A very long link is cut short in print; the QR code carries all of it.
            var printed = measure(link, size: 7.5, color: Self.muted, leading: 9.5, width: linkWidth)
            if printed.count > 6 {
                printed = Array(printed.prefix(6))
                printed[5].text = String(printed[5].text.dropLast(2)) + "\u{2026}"
            }
            linkLines += printed
        }
        let linkHeight = (code == nil ? 0 : qrSide + 4) + linkLines.reduce(0) { $0 + $1.height }
        let notesHeight = noteLines.reduce(0) { $0 + $1.height }

        y += 18
        if max(linkHeight, notesHeight) <= bottom - continuationTop {
            ensure(max(linkHeight, notesHeight))
        } else {
            ensure(max(linkHeight, noteLines.prefix(2).reduce(0) { $0 + $1.height }))
        }
        let top = y
        var linkEnd = top
        if link != nil {
            let x = right - linkWidth
            if let code {
                page.drawQRCode(code, x: x + (linkWidth - qrSide) / 2, y: top, side: qrSide, quietZone: 2)
                linkEnd += qrSide + 4
            }
            for line in linkLines {
                page.drawText(line.text, x: x + linkWidth / 2, y: linkEnd + line.size, font: line.font, size: line.size, color: line.color, alignment: .center)
                linkEnd += line.height
            }
        }
        var samePage = true
        for line in noteLines {
            if ensure(line.height) { samePage = false }
            page.drawText(line.text, x: left, y: y + line.size, font: line.font, size: line.size, color: line.color)
            y += line.height
        }
        if samePage { y = max(y, linkEnd) }
    }

    // MARK: Helpers

    /// Wraps `text` into lines of one font, size, colour and leading.
    func measure(
        _ text: String, font: PDFFont = .helvetica, size: Double, color: PDFColor, leading: Double, width: Double
    ) -> [TextLine] {
        font.wrap(text, size: size, width: width).map {
            TextLine(text: $0, font: font, size: size, color: color, height: leading)
        }
    }

    /// Draws lines top down from `top` in one column and returns the y below the last.
    mutating func draw(_ lines: [TextLine], x: Double, top: Double) -> Double {
        var y = top
        for line in lines {
            page.drawText(line.text, x: x, y: y + line.size, font: line.font, size: line.size, color: line.color)
            y += line.height
        }
        return y
    }
}
