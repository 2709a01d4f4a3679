import Foundation

/// RFC 4180 CSV: quoted fields with doubled quotes, CRLF or LF line ends, a UTF-8 byte order
/// mark tolerated. Input that is not UTF-8 is refused with the line it broke on, because a
/// silently mangled name is worse than a clear error.
public enum CSV {
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case notUTF8(line: Int)
        case unterminatedQuote(line: Int)
        case empty

        public var description: String {
            switch self {
            case .notUTF8(let line):
                "The file is not UTF-8 text (line \(line)). Save it as “CSV UTF-8” and upload it again."
            case .unterminatedQuote(let line):
                "A quoted field that starts on line \(line) never ends."
            case .empty:
                "The file is empty."
            }
        }
    }

    /// Parses the whole file into records (each a list of fields).
    public static func parse(_ bytes: [UInt8]) throws(Problem) -> [[String]] {
        var data = bytes[...]
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data = data.dropFirst(3) }
        guard let text = String(validating: data, as: UTF8.self) else {
            // Find the line of the first invalid byte for the message.
            var line = 1
            var start = data.startIndex
            for index in data.indices where data[index] == 0x0A {
                if String(validating: data[start...index], as: UTF8.self) == nil { break }
                line += 1
                start = index + 1
            }
            throw .notUTF8(line: line)
        }
        return try parse(text)
    }

    public static func parse(_ text: String) throws(Problem) -> [[String]] {
        var records: [[String]] = []
        var record: [String] = []
        var field = ""
        var inQuotes = false
        var quoteLine = 0
        var line = 1
        var fieldStarted = false
        var iterator = text.unicodeScalars.makeIterator()
        var pending: Unicode.Scalar?
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        while let c = next() {
            if inQuotes {
                if c == "\"" {
                    if let after = next() {
                        if after == "\"" { field.unicodeScalars.append("\"") } else { inQuotes = false; pending = after }
                    } else {
                        inQuotes = false
                    }
                } else {
                    if c == "\n" { line += 1 }
                    field.unicodeScalars.append(c)
                }
                continue
            }
            switch c {
            case "\"" where field.isEmpty:
                inQuotes = true
                quoteLine = line
                fieldStarted = true
            case ",":
                record.append(field)
                field = ""
                fieldStarted = true
            case "\r":
                continue
            case "\n":
                record.append(field)
                if !(record.count == 1 && record[0].isEmpty && !fieldStarted) { records.append(record) }
                record = []
                field = ""
                fieldStarted = false
                line += 1
            default:
                field.unicodeScalars.append(c)
                fieldStarted = true
            }
        }
        if inQuotes { throw .unterminatedQuote(line: quoteLine) }
        if fieldStarted || !field.isEmpty || !record.isEmpty {
            record.append(field)
            records.append(record)
        }
        if records.isEmpty { throw .empty }
        return records
    }

    /// One line of CSV (with CRLF), quoting where needed. Fields that a spreadsheet would run as a
    /// formula (=, +, -, @ first) get a leading apostrophe.
    public static func line(_ fields: [String]) -> String {
        fields.map(escape).joined(separator: ",") + "\r\n"
    }

    public static func escape(_ value: String) -> String {
        var v = value
        // A plain signed number ("+8801711…", "-150.00") is data, not a formula.
        let plainNumber = v.count > 1 && v.dropFirst().allSatisfy { $0.isNumber || $0 == "." } && v.dropFirst().first?.isNumber == true
        if let first = v.first, "=+-@\t\r".contains(first), !((first == "+" || first == "-") && plainNumber) {
            v = "'" + v
        }
        if v.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) {
            return "\"" + v.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        return v
    }
}
