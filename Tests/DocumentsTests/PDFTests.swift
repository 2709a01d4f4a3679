import Foundation
import Testing
@testable import Documents

// The PDF writer is checked three ways:
//  1. amounts in words against a table, and by reading the words back to a number;
//  2. with a reader in this file that follows the cross-reference table and the stream
//     lengths byte by byte, and rebuilds a QR code from the drawn rectangles;
//  3. with real PDF tools (InvoicePDFTests.swift): `qpdf --check` and `pdftotext`.

// MARK: - Reader

/// Reads back a file from `PDFDocument`: every object through the xref table, every stream
/// through its /Length. Each check records an issue; `require` stops at a broken skeleton.
struct PDFFileReader {
    let bytes: [UInt8]
    /// Object number → byte offset, from the xref table.
    private(set) var offsets: [Int: Int] = [:]
    /// Object number → stream data, for stream objects.
    private(set) var streams: [Int: [UInt8]] = [:]

    init(_ bytes: [UInt8], sourceLocation: SourceLocation = #_sourceLocation) throws {
        self.bytes = bytes
        #expect(bytes.starts(with: Array("%PDF-1.4\n".utf8)), sourceLocation: sourceLocation)
        #expect(bytes.suffix(6) == Array("%%EOF\n".utf8)[...], sourceLocation: sourceLocation)
        let startxref = try #require(Self.lastIndex(of: "startxref\n", in: bytes), sourceLocation: sourceLocation)
        let digits = bytes[(startxref + 10)...].prefix { $0 != 0x0A }
        let xref = try #require(Int(String(decoding: digits, as: UTF8.self)), sourceLocation: sourceLocation)
        try #require(Self.matches("xref\n0 ", in: bytes, at: xref), "startxref does not point at xref", sourceLocation: sourceLocation)
        let countDigits = bytes[(xref + 7)...].prefix { $0 != 0x0A }
        let count = try #require(Int(String(decoding: countDigits, as: UTF8.self)), sourceLocation: sourceLocation)
        var entry = xref + 7 + countDigits.count + 1
        #expect(Self.matches("0000000000 65535 f \n", in: bytes, at: entry), sourceLocation: sourceLocation)
        for number in 1..<count {
            entry += 20
            let line = String(decoding: bytes[entry..<min(entry + 20, bytes.count)], as: UTF8.self)
            #expect(line.count == 20 && line.hasSuffix(" 00000 n \n"), "xref entry \(number): \(line)", sourceLocation: sourceLocation)
            let offset = try #require(Int(line.prefix(10)), sourceLocation: sourceLocation)
            #expect(Self.matches("\(number) 0 obj\n", in: bytes, at: offset), "xref offset of object \(number) is off", sourceLocation: sourceLocation)
            offsets[number] = offset
        }
        #expect(Self.matches("trailer\n<< /Size \(count) /Root 1 0 R /Info 3 0 R >>\nstartxref\n", in: bytes, at: entry + 20),
                sourceLocation: sourceLocation)
        #expect(Self.occurrences(of: " 0 obj\n", in: bytes) == count - 1, "objects outside the xref table", sourceLocation: sourceLocation)

        for (number, offset) in offsets {
            let end = try #require(Self.firstIndex(of: "endobj\n", in: bytes, from: offset), sourceLocation: sourceLocation)
            let header = String(decoding: bytes[offset..<end].prefix(64), as: UTF8.self)
            guard let range = header.range(of: "<< /Length "), header.contains(">>\nstream\n") else { continue }
            let lengthText = header[range.upperBound...].prefix { $0.isNumber }
            let length = try #require(Int(lengthText), sourceLocation: sourceLocation)
            let start = offset + header.utf8.distance(from: header.startIndex, to: try #require(header.range(of: "stream\n")).upperBound)
            #expect(Self.matches("\nendstream\nendobj\n", in: bytes, at: start + length), "/Length of object \(number) is off", sourceLocation: sourceLocation)
            streams[number] = Array(bytes[start..<min(start + length, bytes.count)])
        }
    }

    /// The text of object `number` between "N 0 obj" and "endobj".
    func object(_ number: Int) -> String {
        guard let offset = offsets[number], let end = Self.firstIndex(of: "endobj", in: bytes, from: offset) else { return "" }
        return String(decoding: bytes[offset..<end], as: UTF8.self)
    }

    /// The content streams of all pages, in page order.
    var contents: [String] {
        streams.keys.sorted().compactMap { streams[$0].map { String(decoding: $0, as: UTF8.self) } }
    }

    static func matches(_ text: String, in bytes: [UInt8], at offset: Int) -> Bool {
        offset >= 0 && offset <= bytes.count && bytes[offset...].starts(with: Array(text.utf8))
    }

    static func firstIndex(of text: String, in bytes: [UInt8], from start: Int = 0) -> Int? {
        let needle = Array(text.utf8)
        guard needle.count <= bytes.count else { return nil }
        return (start...(bytes.count - needle.count)).first { bytes[$0...].starts(with: needle) }
    }

    static func lastIndex(of text: String, in bytes: [UInt8]) -> Int? {
        let needle = Array(text.utf8)
        guard needle.count <= bytes.count else { return nil }
        return (0...(bytes.count - needle.count)).reversed().first { bytes[$0...].starts(with: needle) }
    }

    static func occurrences(of text: String, in bytes: [UInt8]) -> Int {
        var count = 0
        var from = 0
        while let index = firstIndex(of: text, in: bytes, from: from) {
            count += 1
            from = index + 1
        }
        return count
    }
}

/// Rebuilds the module grid from the `re` operators between `/QRCode BMC` and `EMC`.
func qrModules(in content: String, x: Double, y: Double, side: Double, size: Int, quietZone: Int, pageHeight: Double) throws -> Set<Int> {
    let start = try #require(content.range(of: "/QRCode BMC"))
    let end = try #require(content.range(of: "EMC", range: start.upperBound..<content.endIndex))
    let module = side / Double(size + 2 * quietZone)
    var dark = Set<Int>()
    for line in content[start.upperBound..<end.lowerBound].split(separator: "\n") where line.hasSuffix(" re") {
        let numbers = line.split(separator: " ").dropLast().compactMap { Double($0) }
        try #require(numbers.count == 4, "bad rectangle: \(line)")
        let column = Int(((numbers[0] - x) / module).rounded()) - quietZone
        let row = Int(((pageHeight - numbers[1] - numbers[3] - y) / module).rounded()) - quietZone
        let run = Int((numbers[2] / module).rounded())
        #expect(abs(numbers[3] - module) < 0.002)
        for offset in 0..<run { dark.insert(row * size + column + offset) }
    }
    return dark
}

func darkModules(of code: QRCode) -> Set<Int> {
    var dark = Set<Int>()
    for y in 0..<code.size {
        for x in 0..<code.size where code.isDark(x: x, y: y) { dark.insert(y * code.size + x) }
    }
    return dark
}

// MARK: - Amount in words

/// Reads South Asian (crore/lakh) or international words back to a number.
private func number(fromWords words: String) -> UInt64? {
    let small = ["Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten", "Eleven", "Twelve",
                 "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen"]
    let tens = ["Twenty": 20, "Thirty": 30, "Forty": 40, "Fifty": 50, "Sixty": 60, "Seventy": 70, "Eighty": 80, "Ninety": 90]
    let scales: [String: UInt64] = ["Thousand": 1000, "Lakh": 100_000, "Million": 1_000_000, "Billion": 1_000_000_000,
                                    "Trillion": 1_000_000_000_000, "Quadrillion": 1_000_000_000_000_000,
                                    "Quintillion": 1_000_000_000_000_000_000]
    var total: UInt64 = 0
    var current: UInt64 = 0
    for word in words.split(separator: " ").map(String.init) {
        if let value = small.firstIndex(of: word) { current += UInt64(value) }
        else if let value = tens[word] { current += UInt64(value) }
        else if word == "Hundred" { current *= 100 }
        else if word == "Crore" { total = (total + current) * 10_000_000; current = 0 }  // multiplies all before it
        else if let scale = scales[word] { total += current * scale; current = 0 }
        else { return nil }
    }
    return total + current
}

@Suite("Amount in words (PDF)")
struct AmountInWordsTests {
    static let taka: [(Int64, String)] = [
        (0, "Zero Taka Only"), (100, "One Taka Only"), (1900, "Nineteen Taka Only"), (2000, "Twenty Taka Only"),
        (2100, "Twenty One Taka Only"), (9900, "Ninety Nine Taka Only"), (10000, "One Hundred Taka Only"),
        (10100, "One Hundred One Taka Only"), (99900, "Nine Hundred Ninety Nine Taka Only"),
        (100_000, "One Thousand Taka Only"), (100_100, "One Thousand One Taka Only"),
        (9_999_900, "Ninety Nine Thousand Nine Hundred Ninety Nine Taka Only"),
        (10_000_000, "One Lakh Taka Only"), (111_111_100, "Eleven Lakh Eleven Thousand One Hundred Eleven Taka Only"),
        (1_500_000_000, "One Crore Fifty Lakh Taka Only"), (10_000_000_000, "Ten Crore Taka Only"),
        (99_999_999_900, "Ninety Nine Crore Ninety Nine Lakh Ninety Nine Thousand Nine Hundred Ninety Nine Taka Only"),
        (100_000_000_000, "One Hundred Crore Taka Only"),
        (152_050, "One Thousand Five Hundred Twenty Taka and Fifty Paisa Only"),
        (50, "Fifty Paisa Only"), (1, "One Paisa Only"), (99, "Ninety Nine Paisa Only"),
        (-152_050, "Minus One Thousand Five Hundred Twenty Taka and Fifty Paisa Only"), (-50, "Minus Fifty Paisa Only"),
        (1_000_000_000_000_000, "Ten Lakh Crore Taka Only"),  // 10^15 minor units
        (10_000_000_000_000_000, "One Crore Crore Taka Only"),
        (123_456_789_012_345, "One Lakh Twenty Three Thousand Four Hundred Fifty Six Crore Seventy Eight Lakh Ninety Thousand "
            + "One Hundred Twenty Three Taka and Forty Five Paisa Only"),
        (Int64.max, "Nine Hundred Twenty Two Crore Thirty Three Lakh Seventy Two Thousand Thirty Six Crore Eighty Five Lakh "
            + "Forty Seven Thousand Seven Hundred Fifty Eight Taka and Seven Paisa Only"),
        (Int64.min, "Minus Nine Hundred Twenty Two Crore Thirty Three Lakh Seventy Two Thousand Thirty Six Crore Eighty Five Lakh "
            + "Forty Seven Thousand Seven Hundred Fifty Eight Taka and Eight Paisa Only"),
    ]

    @Test("taka use lakh and crore", arguments: taka)
    func takaWords(minorUnits: Int64, expected: String) {
        #expect(AmountInWords.english(minorUnits: minorUnits, currency: "BDT") == expected)
    }

    static let other: [(Int64, String, String)] = [
        (152_050, "USD", "One Thousand Five Hundred Twenty USD and 50/100 Only"), (0, "USD", "Zero USD Only"),
        (5, "usd", "Zero USD and 05/100 Only"), (-100, "EUR", "Minus One EUR Only"),
        (100_000_000, "USD", "One Million USD Only"), (10_000_000, "USD", "One Hundred Thousand USD Only"),
        (150_000_000_000, "USD", "One Billion Five Hundred Million USD Only"),
        (1500, "JPY", "One Thousand Five Hundred JPY Only"), (1500, "KWD", "One KWD and 500/1000 Only"),
        (Int64.max, "USD", "Ninety Two Quadrillion Two Hundred Thirty Three Trillion Seven Hundred Twenty Billion Three Hundred "
            + "Sixty Eight Million Five Hundred Forty Seven Thousand Seven Hundred Fifty Eight USD and 07/100 Only"),
    ]

    @Test("other currencies use million and billion", arguments: other)
    func otherWords(minorUnits: Int64, currency: String, expected: String) {
        #expect(AmountInWords.english(minorUnits: minorUnits, currency: currency) == expected)
    }

    @Test("words read back to the same number at every magnitude")
    func readBack() throws {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for digits in 1...18 {
            for _ in 0..<200 {
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                var limit: UInt64 = 1
                for _ in 0..<digits { limit *= 10 }
                let value = state % limit
                let south = AmountInWords.southAsian(value)
                #expect(number(fromWords: south) == value, "\(value): \(south)")
                let international = AmountInWords.international(value)
                #expect(number(fromWords: international) == value, "\(value): \(international)")
                #expect(!south.contains("  ") && !international.contains("  "))
            }
        }
        #expect(AmountInWords.international(UInt64.max).hasPrefix("Eighteen Quintillion"))
    }
}

// MARK: - Writer

@Suite("PDF writer")
struct PDFWriterTests {
    @Test("xref offsets and stream lengths are exact, with several pages and Unicode info")
    func structure() throws {
        var document = PDFDocument(title: "বিল 2025 (March)", author: "Meghna \\ Net", creator: "Tests")
        for index in 1...3 {
            var page = PDFPage()
            page.drawText("Page \(index) — ( ) \\ café", x: 50, y: 60, font: index == 2 ? .helveticaBold : .helvetica, size: 12)
            page.fillRectangle(x: 50, y: 100, width: 100, height: 20, color: .rgb(0.2, 0.4, 0.6))
            page.strokeRectangle(x: 50, y: 130, width: 100, height: 20, lineWidth: 1, color: .gray(0.5))
            page.drawLine(x1: 50, y1: 160, x2: 150, y2: 160)
            document.addPage(page)
        }
        let bytes = document.bytes()
        let file = try PDFFileReader(bytes)
        #expect(file.offsets.count == 5 + 2 * 3)
        #expect(file.streams.count == 3)
        #expect(file.object(1).contains("/Type /Catalog /Pages 2 0 R"))
        #expect(file.object(2).contains("/Kids [6 0 R 8 0 R 10 0 R] /Count 3"))
        #expect(file.object(4).contains("/BaseFont /Helvetica /Encoding /WinAnsiEncoding"))
        #expect(file.object(5).contains("/BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding"))
        #expect(file.object(6).contains("/MediaBox [0 0 595.28 841.89]"))
        let info = file.object(3)
        #expect(info.contains("/Title <FEFF09AC09BF09B20020003200300032003500200028004D00610072006300680029>"))
        #expect(info.contains("/Author (Meghna \\\\ Net)"))
        #expect(!info.contains("/CreationDate"))
        #expect(file.contents[1].contains("BT /F2 12 Tf 0 g 50 781.89 Td (Page 2 \\227 \\( \\) \\\\ caf\\351) Tj ET"))
        #expect(file.contents[0].contains("0.2 0.4 0.6 rg 50 721.89 100 20 re f"))
        #expect(file.contents[0].contains("1 w 0.5 G 50 691.89 100 20 re S"))
        #expect(file.contents[0].contains("0.5 w 0 G 50 681.89 m 150 681.89 l S"))
        // Content streams are 7-bit ASCII; so is everything but the binary comment on line 2.
        #expect(bytes.dropFirst(15).allSatisfy { $0 < 0x80 })
        #expect(document.bytes() == bytes, "output is deterministic")
    }

    @Test("an empty document still has one page; a creation date is written when given")
    func emptyAndDated() throws {
        let date = Date(timeIntervalSince1970: 1_740_830_400)  // 2025-03-01 12:00:00 UTC
        let file = try PDFFileReader(PDFDocument(creationDate: date).bytes())
        #expect(file.object(2).contains("/Count 1"))
        #expect(file.object(3).contains("/CreationDate (D:20250301120000Z)"))
        #expect(file.streams.values.first == [])
    }

    @Test("strings escape ( ) \\ and write non-ASCII WinAnsi bytes as octal")
    func escaping() {
        #expect(PDFSyntax.literal(Array("a(b)c\\d".utf8)) == "(a\\(b\\)c\\\\d)")
        #expect(PDFSyntax.literal([0x00, 0x0A, 0x7F, 0x80, 0xFF]) == "(\\000\\012\\177\\200\\377)")
        var page = PDFPage()
        page.drawText("(1) \\ 2", x: 0, y: 0)
        #expect(page.content.contains("(\\(1\\) \\\\ 2) Tj"))
    }

    static let winAnsiCases: [(String, [UInt8])] = [
        ("Meghna মেঘনা", Array("Meghna ???".utf8)),
        ("Café – 5€ “ok”", [0x43, 0x61, 0x66, 0xE9, 0x20, 0x96, 0x20, 0x35, 0x80, 0x20, 0x93, 0x6F, 0x6B, 0x94]),
        ("e\u{301}", [0xE9]),  // composed first
        ("৳1,520", Array("Tk1,520".utf8)),
        ("a\tb\nc\r\nd", Array("a b c d".utf8)),
        ("−5 \u{00A0}x\u{2009}y", [0x2D, 0x35, 0x20, 0xA0, 0x78, 0x20, 0x79]),
        ("😀 中 \u{0007}", Array("? ? ?".utf8)),
    ]

    @Test("characters outside WinAnsi become ?", arguments: winAnsiCases)
    func winAnsi(text: String, expected: [UInt8]) {
        #expect(WinAnsi.encode(text) == expected)
    }

    @Test("widths follow the AFM metrics")
    func widths() {
        #expect(abs(PDFFont.helvetica.width(of: "Hello", size: 10) - 22.78) < 1e-9)
        #expect(abs(PDFFont.helveticaBold.width(of: "Hello", size: 10) - 24.45) < 1e-9)
        #expect(abs(PDFFont.helvetica.width(of: "€ é", size: 1000) - (556 + 278 + 556)) < 1e-9)
        #expect(PDFFont.helvetica.width(of: "মেঘনা", size: 10) == PDFFont.helvetica.width(of: "???", size: 10))
        // Every printable WinAnsi code has a width in both fonts.
        for code in Array(0x20...0x7E) + [0x80] + Array(0x82...0x8C) + [0x8E] + Array(0x91...0x9C) + Array(0x9E...0xFF) {
            #expect(PDFFontMetrics.helvetica[code] > 0 && PDFFontMetrics.helveticaBold[code] > 0, "code \(code)")
        }
    }

    @Test("wrapping keeps words, breaks long ones and respects the width")
    func wrapping() {
        let text = "Static IPv4 address with reverse DNS  and abuse handling\n\nSupercalifragilisticexpialidocious-and-more"
        let lines = PDFFont.helvetica.wrap(text, size: 10, width: 100)
        #expect(lines.allSatisfy { PDFFont.helvetica.width(of: $0, size: 10) <= 100 })
        #expect(lines.contains(""))
        #expect(lines.joined().replacingOccurrences(of: " ", with: "") == text.filter { !$0.isWhitespace })
        #expect(PDFFont.helvetica.wrap("", size: 10, width: 50) == [""])
        #expect(PDFFont.helveticaBold.wrap("One Two", size: 10, width: 1000) == ["One Two"])
        #expect(PDFFont.helvetica.wrap("WWW", size: 10, width: 1) == ["W", "W", "W"])
    }

    @Test("numbers have at most three decimals and no exponent")
    func numbers() {
        #expect(PDFSyntax.number(595.28) == "595.28")
        #expect(PDFSyntax.number(0.1 + 0.2) == "0.3")
        #expect(PDFSyntax.number(-12.0625) == "-12.063")
        #expect(PDFSyntax.number(-0.0004) == "0")
        #expect(PDFSyntax.number(1e-7) == "0")
        #expect(PDFSyntax.number(.infinity) == "0")
        #expect(PDFSyntax.number(1234567) == "1234567")
    }

    @Test("a QR code is drawn as one rectangle per run of dark modules")
    func qrRectangles() throws {
        let code = try QRCode(text: "https://pay.example/i/INV-1", errorCorrection: .medium)
        var page = PDFPage()
        page.drawQRCode(code, x: 100, y: 200, side: 116, quietZone: 4)
        let drawn = try qrModules(in: page.content, x: 100, y: 200, side: 116, size: code.size, quietZone: 4,
                                  pageHeight: page.size.height)
        #expect(drawn == darkModules(of: code))
        #expect(page.content.contains("\nf EMC\n"))
        _ = try PDFFileReader({ var document = PDFDocument(); document.addPage(page); return document.bytes() }())
    }
}
