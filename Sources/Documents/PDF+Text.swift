import Foundation

// Text for the PDF writer: the two standard fonts, WinAnsiEncoding, measuring and wrapping,
// and the PDF syntax for strings and numbers.

/// One of the standard Type 1 fonts every PDF viewer has built in, so nothing is embedded.
///
/// Text is set in WinAnsiEncoding (Windows code page 1252: ASCII, Latin-1 and a few
/// typographic marks such as “ ” – — € •). Characters outside it, Bengali script among them,
/// are drawn as "?"; the one exception is the taka sign ৳, written as "Tk". Showing Bengali
/// needs an embedded Unicode (CID) font, which is future work.
public enum PDFFont: Sendable, Hashable, CaseIterable {
    case helvetica
    case helveticaBold

    /// The PostScript name of the font.
    var baseFont: String {
        switch self {
        case .helvetica: "Helvetica"
        case .helveticaBold: "Helvetica-Bold"
        }
    }

    /// The name the page resources give the font.
    var resourceName: String {
        switch self {
        case .helvetica: "F1"
        case .helveticaBold: "F2"
        }
    }

    var widths: [UInt16] {
        switch self {
        case .helvetica: PDFFontMetrics.helvetica
        case .helveticaBold: PDFFontMetrics.helveticaBold
        }
    }

    /// The width in points of `text` set at `size` points, as a viewer draws it
    /// (after WinAnsi substitution; the standard fonts have no kerning here).
    public func width(of text: String, size: Double) -> Double {
        width(ofEncoded: WinAnsi.encode(text), size: size)
    }

    func width(ofEncoded bytes: [UInt8], size: Double) -> Double {
        let table = widths
        var units = 0
        for byte in bytes {
            units += Int(table[Int(byte)])
        }
        return Double(units) * size / 1000
    }

    /// Breaks `text` into lines no wider than `width` points at `size` points.
    ///
    /// Line breaks in the text are kept (an empty line stays empty), runs of spaces between
    /// words collapse to one, and a word wider than the whole line is split between characters.
    /// Always returns at least one line.
    public func wrap(_ text: String, size: Double, width: Double) -> [String] {
        var lines: [String] = []
        let spaceWidth = self.width(of: " ", size: size)
        for paragraph in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline) {
            var current = ""
            var currentWidth = 0.0
            for word in paragraph.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                let wordWidth = self.width(of: String(word), size: size)
                if current.isEmpty, wordWidth <= width {
                    current = String(word)
                    currentWidth = wordWidth
                } else if !current.isEmpty, currentWidth + spaceWidth + wordWidth <= width {
                    current += " " + word
                    currentWidth += spaceWidth + wordWidth
                } else {
                    if !current.isEmpty { lines.append(current) }
                    current = ""
                    currentWidth = 0
                    for character in word {
                        let characterWidth = self.width(of: String(character), size: size)
                        if !current.isEmpty, currentWidth + characterWidth > width {
                            lines.append(current)
                            current = ""
                            currentWidth = 0
                        }
                        current.append(character)
                        currentWidth += characterWidth
                    }
                }
            }
            lines.append(current)
        }
        return lines.isEmpty ? [""] : lines
    }
}

/// WinAnsiEncoding (PDF 32000-1:2008, Annex D.2), the single-byte encoding of the font dictionaries.
enum WinAnsi {
    /// Code points of the bytes 0x80...0x9F that differ from Latin-1.
    private static let windows1252: [UInt32: UInt8] = [
        0x20AC: 0x80, 0x201A: 0x82, 0x0192: 0x83, 0x201E: 0x84, 0x2026: 0x85, 0x2020: 0x86,
        0x2021: 0x87, 0x02C6: 0x88, 0x2030: 0x89, 0x0160: 0x8A, 0x2039: 0x8B, 0x0152: 0x8C,
        0x017D: 0x8E, 0x2018: 0x91, 0x2019: 0x92, 0x201C: 0x93, 0x201D: 0x94, 0x2022: 0x95,
        0x2013: 0x96, 0x2014: 0x97, 0x02DC: 0x98, 0x2122: 0x99, 0x0161: 0x9A, 0x203A: 0x9B,
        0x0153: 0x9C, 0x017E: 0x9E, 0x0178: 0x9F,
    ]

    /// The byte for one scalar, or nil when WinAnsi has no glyph for it.
    static func byte(for scalar: Unicode.Scalar) -> UInt8? {
        switch scalar.value {
        case 0x20...0x7E, 0xA0...0xFF: UInt8(scalar.value)
        case 0x09, 0x0A, 0x0D: 0x20
        case 0x2010, 0x2011, 0x2012, 0x2212: 0x2D  // hyphens and the minus sign
        default: scalar.properties.generalCategory == .spaceSeparator ? 0x20 : windows1252[scalar.value]
        }
    }

    /// Encodes text one character (grapheme) at a time, composing accents first so that
    /// "e" + U+0301 becomes é. A character with no WinAnsi form becomes "?".
    static func encode(_ text: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        for character in text {
            let scalars = String(character).precomposedStringWithCanonicalMapping.unicodeScalars
            if scalars.count == 1, let scalar = scalars.first, let byte = byte(for: scalar) {
                bytes.append(byte)
            } else if character == "\r\n" {
                bytes.append(0x20)
            } else if character == "\u{09F3}" {
                bytes.append(contentsOf: Array("Tk".utf8))  // Bengali rupee (taka) sign
            } else {
                bytes.append(UInt8(ascii: "?"))
            }
        }
        return bytes
    }
}

/// Lexical pieces of PDF syntax.
enum PDFSyntax {
    /// A literal string: ( ) and \ escaped, anything outside printable ASCII as \ddd octal.
    static func literal(_ bytes: [UInt8]) -> String {
        var out = "("
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "("), UInt8(ascii: ")"), UInt8(ascii: "\\"):
                out.append("\\")
                out.unicodeScalars.append(Unicode.Scalar(byte))
            case 0x20...0x7E:
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                let octal = String(byte, radix: 8)
                out += "\\" + String(repeating: "0", count: 3 - octal.count) + octal
            }
        }
        return out + ")"
    }

    /// A text string for the document information dictionary: a literal string when the text
    /// is printable ASCII, otherwise UTF-16BE with a byte order mark, in hex, so any script survives.
    static func textString(_ text: String) -> String {
        if text.unicodeScalars.allSatisfy({ (0x20...0x7E).contains($0.value) }) {
            return literal(Array(text.utf8))
        }
        var hex = "<FEFF"
        for unit in text.utf16 {
            let digits = String(unit, radix: 16, uppercase: true)
            hex += String(repeating: "0", count: 4 - digits.count) + digits
        }
        return hex + ">"
    }

    /// A real number with at most three decimals and no exponent, independent of locale.
    static func number(_ value: Double) -> String {
        let scaled = (value * 1000).rounded()
        guard scaled.isFinite, abs(scaled) < 1e15 else { return "0" }
        let thousandths = Int64(scaled)
        let magnitude = thousandths.magnitude
        let sign = thousandths < 0 ? "-" : ""
        let fraction = magnitude % 1000
        guard fraction != 0 else { return sign + String(magnitude / 1000) }
        var decimals = String(fraction)
        decimals = String(repeating: "0", count: 3 - decimals.count) + decimals
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return sign + String(magnitude / 1000) + "." + decimals
    }

    /// A date as a PDF date string, D:YYYYMMDDHHmmSSZ in UTC.
    static func date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let year = String(parts.year ?? 1970)
        let paddedYear = String(repeating: "0", count: max(0, 4 - year.count)) + year
        return "(D:" + paddedYear + two(parts.month) + two(parts.day) + two(parts.hour)
            + two(parts.minute) + two(parts.second) + "Z)"
    }
}
