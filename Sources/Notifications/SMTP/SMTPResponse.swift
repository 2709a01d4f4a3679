/// One complete (possibly multi-line) SMTP reply.
struct SMTPResponse: Sendable, Equatable {
    var code: Int
    /// Text of each line without the code and separator.
    var lines: [String]

    /// The reply as one line, e.g. `250 2.0.0 OK queued as 4F2A1` (lines joined with "; ").
    var summary: String {
        let text = lines.filter { !$0.isEmpty }.joined(separator: "; ")
        return text.isEmpty ? "\(code)" : "\(code) \(text)"
    }

    var message: String { lines.joined(separator: "; ") }
}

/// Turns reply lines (already split at CRLF/LF) into `SMTPResponse`s, handling `250-…` continuations.
struct SMTPResponseParser {
    private var pendingCode: Int?
    private var pendingLines: [String] = []

    /// True while a multi-line reply has started but not finished.
    var inProgress: Bool { pendingCode != nil }

    /// Feeds one line (without its line terminator). Returns a reply once its last line arrived.
    mutating func feed(_ line: Substring) throws -> SMTPResponse? {
        let bytes = Array(line.utf8)
        guard bytes.count >= 3,
              bytes[0..<3].allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw SMTPError.connectionFailed("malformed SMTP reply line: \(String(reflecting: String(line.prefix(80))))")
        }
        let code = bytes[0..<3].reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
        let isLast: Bool
        let text: String
        if bytes.count == 3 {
            isLast = true
            text = ""
        } else if bytes[3] == UInt8(ascii: " ") || bytes[3] == UInt8(ascii: "-") {
            isLast = bytes[3] == UInt8(ascii: " ")
            text = String(decoding: bytes[4...], as: UTF8.self)
        } else {
            throw SMTPError.connectionFailed("malformed SMTP reply line: \(String(reflecting: String(line.prefix(80))))")
        }
        if let pendingCode, pendingCode != code {
            throw SMTPError.connectionFailed("SMTP reply changed code mid-reply (\(pendingCode) then \(code))")
        }
        pendingLines.append(text)
        guard isLast else {
            pendingCode = code
            return nil
        }
        let response = SMTPResponse(code: code, lines: pendingLines)
        pendingCode = nil
        pendingLines = []
        return response
    }
}

/// What an EHLO reply advertises.
struct SMTPCapabilities: Sendable, Equatable {
    /// Upper-cased keyword → parameters (e.g. "AUTH" → ["PLAIN", "LOGIN"]).
    private(set) var keywords: [String: [String]] = [:]

    init() {}

    init(ehloReply: SMTPResponse) {
        for line in ehloReply.lines.dropFirst() {
            // Both "AUTH PLAIN LOGIN" and the old "AUTH=PLAIN LOGIN" form.
            let normalized = line.replacingFirstEquals()
            let words = normalized.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let keyword = words.first?.uppercased() else { continue }
            let parameters = words.dropFirst().map { $0.uppercased() }
            keywords[keyword, default: []].append(contentsOf: parameters)
        }
    }

    func supports(_ keyword: String) -> Bool { keywords[keyword.uppercased()] != nil }

    var authMechanisms: Set<String> { Set(keywords["AUTH"] ?? []) }
}

extension String {
    fileprivate func replacingFirstEquals() -> String {
        guard let index = firstIndex(of: "="), !self[..<index].contains(" ") else { return self }
        var copy = self
        copy.replaceSubrange(index...index, with: " ")
        return copy
    }
}
