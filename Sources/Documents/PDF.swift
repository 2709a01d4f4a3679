import Foundation

// A small PDF 1.4 writer. Pure Swift, no dependencies beyond Foundation.
//
// Layout of the implementation:
//   PDF.swift                 documents, pages and drawing, serialisation with the xref table
//   PDF+Text.swift            fonts, WinAnsiEncoding, measuring and wrapping, PDF syntax
//   PDF+FontMetrics.swift     Helvetica and Helvetica-Bold glyph widths

/// A page size in points (1/72 inch).
public struct PDFPageSize: Sendable, Hashable {
    /// Width in points.
    public var width: Double
    /// Height in points.
    public var height: Double

    /// A size of `width` × `height` points.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// ISO A4 portrait, 210 × 297 mm.
    public static let a4 = PDFPageSize(width: 595.28, height: 841.89)
}

/// A fill or stroke colour.
public enum PDFColor: Sendable, Hashable {
    /// A grey level from 0 (black) to 1 (white).
    case gray(Double)
    /// Red, green and blue components, each from 0 to 1.
    case rgb(Double, Double, Double)

    /// Black.
    public static let black = PDFColor.gray(0)
    /// White.
    public static let white = PDFColor.gray(1)

    var fillOperator: String { operands + (isGray ? " g" : " rg") }
    var strokeOperator: String { operands + (isGray ? " G" : " RG") }

    private var isGray: Bool {
        if case .gray = self { return true }
        return false
    }

    private var operands: String {
        func component(_ value: Double) -> String { PDFSyntax.number(min(max(value, 0), 1)) }
        switch self {
        case .gray(let level): return component(level)
        case .rgb(let red, let green, let blue): return "\(component(red)) \(component(green)) \(component(blue))"
        }
    }
}

/// One page of a ``PDFDocument``, drawn into with the methods below.
///
/// Coordinates are in points with the origin at the **top-left** corner of the page and `y`
/// growing downwards, as in most layout code; the writer converts them to PDF's bottom-left
/// system. For text, `y` is the baseline.
public struct PDFPage: Sendable {
    /// Horizontal placement of text relative to the `x` it is drawn at.
    public enum TextAlignment: Sendable {
        /// `x` is where the text starts.
        case left
        /// `x` is the middle of the text.
        case center
        /// `x` is where the text ends.
        case right
    }

    /// The page's width and height in points.
    public let size: PDFPageSize
    /// The content stream: PDF operators, 7-bit ASCII.
    private(set) var content = ""

    /// An empty page of the given size.
    public init(size: PDFPageSize = .a4) {
        self.size = size
    }

    /// Draws one line of text with its baseline at `y`. Line breaks and tabs are drawn as
    /// spaces (use ``PDFFont/wrap(_:size:width:)`` for several lines); characters outside
    /// WinAnsiEncoding are drawn as "?" (see ``PDFFont``).
    public mutating func drawText(
        _ text: String, x: Double, y: Double, font: PDFFont = .helvetica, size: Double = 10,
        color: PDFColor = .black, alignment: TextAlignment = .left
    ) {
        let bytes = WinAnsi.encode(text)
        guard !bytes.isEmpty else { return }
        let width = font.width(ofEncoded: bytes, size: size)
        let left = switch alignment {
        case .left: x
        case .center: x - width / 2
        case .right: x - width
        }
        content += "BT /\(font.resourceName) \(n(size)) Tf \(color.fillOperator) \(n(left)) \(n(self.size.height - y)) Td "
        content += PDFSyntax.literal(bytes) + " Tj ET\n"
    }

    /// Draws a straight line from (`x1`, `y1`) to (`x2`, `y2`).
    public mutating func drawLine(
        x1: Double, y1: Double, x2: Double, y2: Double, lineWidth: Double = 0.5, color: PDFColor = .black
    ) {
        content += "\(n(lineWidth)) w \(color.strokeOperator) \(n(x1)) \(n(size.height - y1)) m "
        content += "\(n(x2)) \(n(size.height - y2)) l S\n"
    }

    /// Outlines the rectangle whose top-left corner is (`x`, `y`).
    public mutating func strokeRectangle(
        x: Double, y: Double, width: Double, height: Double, lineWidth: Double = 0.5, color: PDFColor = .black
    ) {
        content += "\(n(lineWidth)) w \(color.strokeOperator) \(rectangle(x: x, y: y, width: width, height: height)) S\n"
    }

    /// Fills the rectangle whose top-left corner is (`x`, `y`).
    public mutating func fillRectangle(x: Double, y: Double, width: Double, height: Double, color: PDFColor) {
        content += "\(color.fillOperator) \(rectangle(x: x, y: y, width: width, height: height)) f\n"
    }

    /// Draws a QR code as vector rectangles (one per horizontal run of dark modules, filled as a
    /// single path so no seams show between them) in the square whose top-left corner is
    /// (`x`, `y`) and whose side is `side` points. `quietZone` light modules are left on each
    /// side inside that square; scanners want 4, 2 is usually enough on a white page.
    /// The drawing is marked as content with the tag `/QRCode`.
    public mutating func drawQRCode(
        _ code: QRCode, x: Double, y: Double, side: Double, quietZone: Int = 2, color: PDFColor = .black
    ) {
        let quietZone = max(0, quietZone)
        let module = side / Double(code.size + 2 * quietZone)
        content += "/QRCode BMC \(color.fillOperator)\n"
        for row in 0..<code.size {
            var column = 0
            while column < code.size {
                guard code.isDark(x: column, y: row) else {
                    column += 1
                    continue
                }
                let start = column
                while column < code.size, code.isDark(x: column, y: row) {
                    column += 1
                }
                content += rectangle(
                    x: x + Double(quietZone + start) * module, y: y + Double(quietZone + row) * module,
                    width: Double(column - start) * module, height: module
                ) + "\n"
            }
        }
        content += "f EMC\n"
    }

    private func rectangle(x: Double, y: Double, width: Double, height: Double) -> String {
        "\(n(x)) \(n(size.height - y - height)) \(n(width)) \(n(height)) re"
    }

    private func n(_ value: Double) -> String { PDFSyntax.number(value) }
}

/// A PDF 1.4 document built from ``PDFPage``s, using the standard fonts Helvetica and
/// Helvetica-Bold in WinAnsiEncoding.
///
/// Limitations: text outside WinAnsiEncoding (Bengali script, for one) is drawn as "?",
/// because no font is embedded; embedding a Unicode font is future work. Streams are
/// stored uncompressed. The output is deterministic: the same document gives the same bytes,
/// and no date is written unless ``creationDate`` is set.
public struct PDFDocument: Sendable {
    /// The document title (Info /Title), shown by viewers in place of the file name.
    public var title: String?
    /// Who wrote the document (Info /Author), e.g. the seller's name.
    public var author: String?
    /// What the document is about (Info /Subject).
    public var subject: String?
    /// The application that made the content (Info /Creator).
    public var creator: String?
    /// Written as /CreationDate when set; left out otherwise so that output is reproducible.
    public var creationDate: Date?
    /// The pages, in order.
    public var pages: [PDFPage] = []

    /// An empty document with the given information entries.
    public init(
        title: String? = nil, author: String? = nil, subject: String? = nil, creator: String? = nil,
        creationDate: Date? = nil
    ) {
        self.title = title
        self.author = author
        self.subject = subject
        self.creator = creator
        self.creationDate = creationDate
    }

    /// Appends a page.
    public mutating func addPage(_ page: PDFPage) {
        pages.append(page)
    }

    /// The PDF file. A document without pages gets one blank A4 page, because a PDF needs one.
    public func bytes() -> [UInt8] {
        let pages = self.pages.isEmpty ? [PDFPage()] : self.pages
        var writer = PDFWriter()
        // Objects: 1 catalog, 2 page tree, 3 info, 4–5 fonts, then a page and its content per page.
        let fonts = PDFFont.allCases
        let firstPage = 4 + fonts.count
        let kids = pages.indices.map { "\(firstPage + 2 * $0) 0 R" }.joined(separator: " ")

        writer.object("<< /Type /Catalog /Pages 2 0 R >>")
        writer.object("<< /Type /Pages /Kids [\(kids)] /Count \(pages.count) >>")
        var info = "<< /Producer (Meghna Documents)"
        for (key, value) in [("Title", title), ("Author", author), ("Subject", subject), ("Creator", creator)] {
            if let value { info += " /\(key) \(PDFSyntax.textString(value))" }
        }
        if let creationDate { info += " /CreationDate \(PDFSyntax.date(creationDate))" }
        writer.object(info + " >>")
        for font in fonts {
            writer.object("<< /Type /Font /Subtype /Type1 /BaseFont /\(font.baseFont) /Encoding /WinAnsiEncoding >>")
        }
        let fontResources = zip(fonts, fonts.indices).map { "/\($0.resourceName) \(4 + $1) 0 R" }.joined(separator: " ")
        for (index, page) in pages.enumerated() {
            let box = "[0 0 \(PDFSyntax.number(page.size.width)) \(PDFSyntax.number(page.size.height))]"
            writer.object(
                "<< /Type /Page /Parent 2 0 R /MediaBox \(box) /Resources << /Font << \(fontResources) >> "
                    + "/ProcSet [/PDF /Text] >> /Contents \(firstPage + 2 * index + 1) 0 R >>"
            )
            writer.stream(Array(page.content.utf8))
        }
        return writer.finish(root: 1, info: 3)
    }

    /// The PDF file as `Data`.
    public func data() -> Data {
        Data(bytes())
    }
}

/// Serialises numbered objects in order and records where each starts for the xref table.
struct PDFWriter {
    private(set) var output: [UInt8] = Array("%PDF-1.4\n%".utf8) + [0xE2, 0xE3, 0xCF, 0xD3, 0x0A]
    private var offsets: [Int] = []

    /// Writes the next object (numbered 1, 2, 3, … in call order) and returns its number.
    @discardableResult
    mutating func object(_ body: String) -> Int {
        begin()
        append(body + "\nendobj\n")
        return offsets.count
    }

    /// Writes the next object as a stream with an exact /Length.
    @discardableResult
    mutating func stream(_ data: [UInt8]) -> Int {
        begin()
        append("<< /Length \(data.count) >>\nstream\n")
        output += data
        append("\nendstream\nendobj\n")
        return offsets.count
    }

    /// Appends the cross-reference table and trailer and returns the file.
    func finish(root: Int, info: Int) -> [UInt8] {
        var file = output
        let xref = file.count
        var table = "xref\n0 \(offsets.count + 1)\n0000000000 65535 f \n"
        for offset in offsets {
            let digits = String(offset)
            table += String(repeating: "0", count: max(0, 10 - digits.count)) + digits + " 00000 n \n"
        }
        table += "trailer\n<< /Size \(offsets.count + 1) /Root \(root) 0 R /Info \(info) 0 R >>\n"
        table += "startxref\n\(xref)\n%%EOF\n"
        file += Array(table.utf8)
        return file
    }

    private mutating func begin() {
        offsets.append(output.count)
        append("\(offsets.count) 0 obj\n")
    }

    private mutating func append(_ text: String) {
        output += Array(text.utf8)
    }
}
