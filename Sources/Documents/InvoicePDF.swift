import Foundation

// Invoice layout on A4.
//   InvoiceDocument.swift       what is printed (pre-formatted strings)
//   InvoicePDF.swift            page frame: headers, footers, page flow
//   InvoicePDF+Sections.swift   addresses, lines table, totals, amount in words, notes and QR

/// Renders an ``InvoiceDocument`` as a PDF.
public enum InvoicePDF {
    /// The invoice as a PDF file on A4 pages.
    ///
    /// Page one has the seller with the document title, number and dates beside it (and the
    /// status stamp when there is one), then the customer and service address side by side.
    /// The lines table flows onto further pages as needed, repeating its column headings under
    /// a short continuation header; a description longer than its column wraps. The totals,
    /// the amount in words, the notes with the payment link and its QR code follow, each kept
    /// together where it fits on a page. Every page ends with the footer and "Page X of Y".
    public static func render(_ document: InvoiceDocument) -> [UInt8] {
        var layout = InvoiceLayout(document)
        layout.run()
        return layout.pdf()
    }
}

/// A block of measured text: each line with the font, size and space it takes.
struct TextLine {
    var text: String
    var font: PDFFont
    var size: Double
    var color: PDFColor
    var height: Double
}

/// The mutable state of one rendering: finished pages, the page being drawn, and the cursor.
struct InvoiceLayout {
    static let ink = PDFColor.gray(0.1)
    static let muted = PDFColor.gray(0.4)
    static let rule = PDFColor.gray(0.8)
    static let band = PDFColor.gray(0.94)
    static let accent = PDFColor.rgb(0.1, 0.27, 0.45)

    let doc: InvoiceDocument
    let size = PDFPageSize.a4
    let left = 42.0
    let right: Double
    /// The lowest baseline area content may reach; the footer sits below it.
    let bottom: Double
    /// Where the body starts on a continuation page.
    let continuationTop = 78.0
    let footerLines: [String]
    let columns: Columns

    var pages: [PDFPage] = []
    var page = PDFPage()
    /// The top of the free space on the current page.
    var y = 0.0
    /// While true, a new page repeats the table's column headings.
    var inTable = false

    init(_ document: InvoiceDocument) {
        doc = document
        right = size.width - left
        let footerWidth = size.width - 2 * left - 90
        let footer = document.footer.map { PDFFont.helvetica.wrap($0, size: 7.5, width: footerWidth) } ?? []
        footerLines = Array(footer.prefix(4))
        let firstFooterBaseline = size.height - 26 - Double(max(footerLines.count, 1) - 1) * 9.5
        bottom = firstFooterBaseline - 24
        columns = Columns(lines: document.lines, left: left, right: right)
    }

    var contentWidth: Double { right - left }

    mutating func run() {
        firstPageHeader()
        addresses()
        linesTable()
        summary()
        amountInWords()
        notesAndPayment()
    }

    /// Finishes the last page, adds footers and page numbers, and serialises the document.
    mutating func pdf() -> [UInt8] {
        pages.append(page)
        page = PDFPage()
        let labels = doc.labels
        let ruleY = bottom + 12
        for index in pages.indices {
            pages[index].drawLine(x1: left, y1: ruleY, x2: right, y2: ruleY, lineWidth: 0.5, color: Self.rule)
            var baseline = ruleY + 12
            for line in footerLines {
                pages[index].drawText(line, x: left, y: baseline, size: 7.5, color: Self.muted)
                baseline += 9.5
            }
            pages[index].drawText(
                "\(labels.page) \(index + 1) \(labels.of) \(pages.count)", x: right, y: ruleY + 12, size: 8,
                color: Self.muted, alignment: .right
            )
        }
        var pdf = PDFDocument(
            title: "\(doc.title) \(doc.number)", author: doc.seller.name, subject: doc.billTo.name,
            creator: "Meghna", creationDate: doc.creationDate
        )
        pdf.pages = pages
        return pdf.bytes()
    }

    // MARK: Page flow

    /// Space for content on a fresh continuation page, below its header (and table headings).
    var freshPageCapacity: Double {
        bottom - continuationTop - (inTable ? Columns.headingHeight : 0)
    }

    /// Starts a new page unless `height` more points fit on this one; returns whether it did.
    @discardableResult
    mutating func ensure(_ height: Double) -> Bool {
        guard y + height > bottom else { return false }
        newPage()
        return true
    }

    mutating func newPage() {
        pages.append(page)
        page = PDFPage(size: size)
        continuationHeader()
    }

    private mutating func continuationHeader() {
        let name = PDFFont.helveticaBold.wrap(doc.seller.name, size: 11, width: contentWidth / 2 - 10).first ?? ""
        page.drawText(name, x: left, y: 50, font: .helveticaBold, size: 11, color: Self.ink)
        page.drawText(
            "\(doc.title) \(doc.number) (\(doc.labels.continued))", x: right, y: 50, font: .helveticaBold,
            size: 10, color: Self.accent, alignment: .right
        )
        page.drawLine(x1: left, y1: 60, x2: right, y2: 60, lineWidth: 0.75, color: Self.rule)
        y = continuationTop
        if inTable { tableHeading() }
    }

    // MARK: First page header

    private mutating func firstPageHeader() {
        let seller = doc.seller
        let blockWidth = 200.0
        let sellerWidth = contentWidth - blockWidth - 20

        var leftY = 58.0
        for line in PDFFont.helveticaBold.wrap(seller.name, size: 16, width: sellerWidth) {
            page.drawText(line, x: left, y: leftY, font: .helveticaBold, size: 16, color: Self.ink)
            leftY += 19
        }
        leftY -= 3
        let details = seller.addressLines + [seller.phone, seller.email, seller.taxID].compactMap { $0 }
        for detail in details where !detail.isEmpty {
            for line in PDFFont.helvetica.wrap(detail, size: 8.5, width: sellerWidth) {
                page.drawText(line, x: left, y: leftY, size: 8.5, color: Self.muted)
                leftY += 11
            }
        }

        page.drawText(doc.title, x: right, y: 62, font: .helveticaBold, size: 22, color: Self.accent, alignment: .right)
        var rightY = 86.0
        let labels = doc.labels
        let rows: [(String, String?, Bool)] = [
            (labels.number, doc.number, true), (labels.issueDate, doc.issueDate, false),
            (labels.dueDate, doc.dueDate, false), (labels.period, doc.period, false),
        ]
        let labelX = right - blockWidth
        for (label, value, bold) in rows {
            guard let value, !value.isEmpty else { continue }
            page.drawText(label, x: labelX, y: rightY, size: 8.5, color: Self.muted)
            let font: PDFFont = bold ? .helveticaBold : .helvetica
            for line in font.wrap(value, size: 9, width: blockWidth - 72) {
                page.drawText(line, x: right, y: rightY, font: font, size: 9, color: Self.ink, alignment: .right)
                rightY += 12
            }
        }
        if let status = doc.status, !status.isEmpty {
            let color: PDFColor = switch doc.statusTone {
            case .neutral: .gray(0.35)
            case .positive: .rgb(0.08, 0.5, 0.25)
            case .negative: .rgb(0.75, 0.12, 0.12)
            }
            let text = PDFFont.helveticaBold.wrap(status, size: 12, width: blockWidth - 20).first ?? ""
            let width = PDFFont.helveticaBold.width(of: text, size: 12) + 20
            rightY += 6
            page.strokeRectangle(x: right - width, y: rightY, width: width, height: 22, lineWidth: 1.5, color: color)
            page.drawText(text, x: right - width / 2, y: rightY + 15.3, font: .helveticaBold, size: 12, color: color, alignment: .center)
            rightY += 22
        }

        y = max(leftY, rightY) + 8
        page.drawLine(x1: left, y1: y, x2: right, y2: y, lineWidth: 0.75, color: Self.rule)
        y += 18
    }
}
