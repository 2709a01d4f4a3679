import Foundation

/// A validated `EmailMessage` rendered as an RFC 5322 / MIME message: CRLF line endings, every
/// line at most 998 octets, 7-bit clean (UTF-8 text travels as RFC 2047 encoded words in headers
/// and as quoted-printable or base64 in bodies).
struct MIMEMessage: Sendable {
    /// Header fields the renderer owns; `EmailMessage.headers` may not set them.
    static let reservedHeaderNames: Set<String> = [
        "date", "from", "sender", "to", "cc", "bcc", "subject", "message-id", "mime-version",
    ]

    let message: EmailMessage

    /// Validates addresses, names, subject and extra headers (no CR/LF anywhere: header injection).
    init(_ message: EmailMessage) throws {
        try Self.validateAddress(message.from.address, role: "sender")
        try Self.validateHeaderText(message.from.name, role: "sender name")
        guard !message.to.isEmpty else { throw SMTPError.invalidAddress("no recipients") }
        for recipient in message.to {
            try Self.validateAddress(recipient.address, role: "recipient")
            try Self.validateHeaderText(recipient.name, role: "recipient name")
        }
        try Self.validateHeaderText(message.subject, role: "subject")
        if let messageID = message.messageID {
            _ = try Self.normalizedMessageID(messageID)
        }
        for (name, value) in message.headers {
            try Self.validateHeaderName(name)
            try Self.validateHeaderText(value, role: "header \(name)")
        }
        self.message = message
    }

    /// Envelope recipients: `to` addresses in order, duplicates removed (case-insensitively).
    var envelopeRecipients: [String] {
        var seen = Set<String>()
        return message.to.map(\.address).filter { seen.insert($0.lowercased()).inserted }
    }

    /// The full message text (headers, blank line, body), ending with CRLF.
    func render(date: Date = Date(), boundary: String? = nil) -> String {
        var head: [String] = []
        head.append("Date: " + Self.rfc5322Date(date))
        head.append(MIMEHeaderEncoding.fold(name: "From", atoms: MIMEHeaderEncoding.mailboxAtoms(message.from)))
        var toAtoms: [String] = []
        for (index, mailbox) in message.to.enumerated() {
            var atoms = MIMEHeaderEncoding.mailboxAtoms(mailbox)
            if index < message.to.count - 1 { atoms[atoms.count - 1] += "," }
            toAtoms.append(contentsOf: atoms)
        }
        head.append(MIMEHeaderEncoding.fold(name: "To", atoms: toAtoms))
        head.append(MIMEHeaderEncoding.fold(name: "Subject", atoms: MIMEHeaderEncoding.unstructuredAtoms(message.subject)))
        let messageID = message.messageID.flatMap { try? Self.normalizedMessageID($0) }
        head.append("Message-ID: " + (messageID ?? Self.generatedMessageID(for: message.from.address)))
        head.append("MIME-Version: 1.0")
        for name in message.headers.keys.sorted() {
            head.append(MIMEHeaderEncoding.fold(name: name, atoms: MIMEHeaderEncoding.unstructuredAtoms(message.headers[name] ?? "")))
        }

        var text = head.joined(separator: "\r\n") + "\r\n"
        if let html = message.htmlBody {
            let boundary = boundary ?? "=_meghna_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            text += "Content-Type: multipart/alternative;\r\n boundary=\"\(boundary)\"\r\n"
            text += "\r\n"
            text += "This is a multi-part message in MIME format.\r\n"
            for (subtype, body) in [("plain", message.textBody), ("html", html)] {
                text += "--\(boundary)\r\n"
                text += Self.textPart(subtype: subtype, body: body)
                text += "\r\n"
            }
            text += "--\(boundary)--\r\n"
        } else {
            text += Self.textPart(subtype: "plain", body: message.textBody)
            if !text.hasSuffix("\r\n") { text += "\r\n" }
        }
        return text
    }

    /// Part headers, blank line, encoded body (without a trailing line break unless the body had one).
    private static func textPart(subtype: String, body: String) -> String {
        let encoding = MIMEBodyEncoding.preferred(for: body)
        var part = "Content-Type: text/\(subtype); charset=UTF-8\r\n"
        part += "Content-Transfer-Encoding: \(encoding.rawValue)\r\n\r\n"
        switch encoding {
        case .quotedPrintable: part += MIMEBodyEncoding.quotedPrintable(body)
        case .base64: part += MIMEBodyEncoding.base64(body)
        }
        return part
    }

    /// The bytes to send after DATA's 354: dot-stuffed, terminated by `CRLF . CRLF`.
    static func dataPayload(_ rendered: String) -> [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(rendered.utf8.count + 16)
        var atLineStart = true
        for byte in rendered.utf8 {
            if atLineStart && byte == UInt8(ascii: ".") { output.append(UInt8(ascii: ".")) }
            output.append(byte)
            atLineStart = byte == UInt8(ascii: "\n")
        }
        if !atLineStart { output.append(contentsOf: [13, 10]) }
        output.append(contentsOf: Array(".\r\n".utf8))
        return output
    }

    // MARK: Validation

    static func containsLineBreak(_ text: String) -> Bool {
        text.utf8.contains { $0 == 13 || $0 == 10 || $0 == 0 }
    }

    static func validateHeaderText(_ text: String?, role: String) throws {
        guard let text else { return }
        if containsLineBreak(text) {
            throw SMTPError.invalidAddress("\(role) contains a line break or NUL (header injection refused)")
        }
    }

    static func validateHeaderName(_ name: String) throws {
        if containsLineBreak(name) {
            throw SMTPError.invalidAddress("header name \(String(reflecting: name)) contains a line break (header injection refused)")
        }
        let bytes = Array(name.utf8)
        guard !bytes.isEmpty, bytes.count <= 76,
              bytes.allSatisfy({ $0 >= 33 && $0 <= 126 && $0 != UInt8(ascii: ":") })
        else {
            throw SMTPError.invalidAddress("header name \(String(reflecting: name)) is not a valid field name")
        }
        let lowered = name.lowercased()
        if reservedHeaderNames.contains(lowered) || lowered.hasPrefix("content-") {
            throw SMTPError.invalidAddress("header \(name) is set by the SMTP client and cannot be overridden")
        }
    }

    /// A deliberately strict check: printable ASCII `local@domain`, no spaces, quotes, brackets,
    /// commas or line breaks. (Internationalised domains must be given in punycode.)
    static func validateAddress(_ address: String, role: String) throws {
        let shown = String(reflecting: address)
        if containsLineBreak(address) {
            throw SMTPError.invalidAddress("\(role) address \(shown) contains a line break (header injection refused)")
        }
        let bytes = Array(address.utf8)
        guard !bytes.isEmpty, bytes.count <= 254 else {
            throw SMTPError.invalidAddress("\(role) address \(shown) is empty or too long")
        }
        let forbidden = Set("<>,;()\\\"".utf8)
        guard bytes.allSatisfy({ $0 > 32 && $0 < 127 && !forbidden.contains($0) }) else {
            throw SMTPError.invalidAddress("\(role) address \(shown) contains characters not allowed in an address")
        }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].utf8.count <= 64, !parts[1].isEmpty,
              !parts[1].hasPrefix("."), !parts[1].hasSuffix(".")
        else {
            throw SMTPError.invalidAddress("\(role) address \(shown) is not of the form local@domain")
        }
    }

    /// `<id>` form of a caller-supplied Message-ID (brackets optional on input).
    static func normalizedMessageID(_ raw: String) throws -> String {
        if containsLineBreak(raw) {
            throw SMTPError.invalidAddress("Message-ID contains a line break (header injection refused)")
        }
        var core = Substring(raw.trimmingCharacters(in: .whitespaces))
        if core.hasPrefix("<") && core.hasSuffix(">") && core.count >= 2 {
            core = core.dropFirst().dropLast()
        }
        let bytes = Array(core.utf8)
        guard !bytes.isEmpty, bytes.count <= 900,
              bytes.allSatisfy({ $0 > 32 && $0 < 127 && $0 != UInt8(ascii: "<") && $0 != UInt8(ascii: ">") })
        else {
            throw SMTPError.invalidAddress("Message-ID \(String(reflecting: raw)) is not valid")
        }
        return "<\(core)>"
    }

    static func generatedMessageID(for sender: String) -> String {
        let domain = sender.split(separator: "@").last.map(String.init) ?? "localhost"
        return "<\(UUID().uuidString.lowercased())@\(domain)>"
    }

    /// `Tue, 04 Feb 2025 09:05:07 +0000`.
    static func rfc5322Date(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(secondsFromGMT: 0) ?? calendar.timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        func two(_ value: Int?) -> String {
            let value = value ?? 0
            return value < 10 ? "0\(value)" : "\(value)"
        }
        let weekday = weekdays[((parts.weekday ?? 1) - 1) % 7]
        let month = months[((parts.month ?? 1) - 1) % 12]
        return "\(weekday), \(two(parts.day)) \(month) \(parts.year ?? 1970) "
            + "\(two(parts.hour)):\(two(parts.minute)):\(two(parts.second)) +0000"
    }
}

/// RFC 2047 / RFC 5322 header value helpers.
enum MIMEHeaderEncoding {
    /// Preferred maximum line length (RFC 2047 caps lines holding encoded words at 76).
    static let lineLimit = 76
    /// UTF-8 bytes per encoded word: 39 bytes → 52 base64 chars → 64-char word.
    static let bytesPerEncodedWord = 39

    static func needsEncoding(_ text: String) -> Bool {
        text.unicodeScalars.contains { !($0.value == 9 || (0x20...0x7E).contains($0.value)) }
            || text.contains("=?")
    }

    /// `=?UTF-8?B?…?=` words of at most 64 characters, split between characters (grapheme
    /// clusters, so a Bengali conjunct or vowel sign is never cut off; scalars only for a single
    /// over-long cluster). Every word is valid UTF-8 on its own, as RFC 2047 requires.
    static func encodedWords(_ text: String) -> [String] {
        var words: [String] = []
        var chunk: [UInt8] = []
        func add(_ bytes: [UInt8]) {
            if !chunk.isEmpty && chunk.count + bytes.count > bytesPerEncodedWord {
                words.append(encodedWord(chunk))
                chunk = []
            }
            chunk.append(contentsOf: bytes)
        }
        for character in text {
            let bytes = Array(String(character).utf8)
            if bytes.count <= bytesPerEncodedWord {
                add(bytes)
            } else {
                for scalar in character.unicodeScalars { add(Array(String(scalar).utf8)) }
            }
        }
        if !chunk.isEmpty || words.isEmpty { words.append(encodedWord(chunk)) }
        return words
    }

    private static func encodedWord(_ bytes: [UInt8]) -> String {
        "=?UTF-8?B?" + Data(bytes).base64EncodedString() + "?="
    }

    /// Atoms of an unstructured value (Subject, extra headers): the words as they are, or encoded words.
    static func unstructuredAtoms(_ value: String) -> [String] {
        let words = value.split(separator: " ", omittingEmptySubsequences: false)
        if needsEncoding(value) || words.contains(where: { $0.utf8.count > 900 }) {
            return encodedWords(value)
        }
        return words.map(String.init)
    }

    private static let atextSymbols = Set("!#$%&'*+-/=?^_`{|}~".utf8)

    /// Atoms of a display name: plain atoms, one quoted string, or encoded words.
    static func phraseAtoms(_ name: String) -> [String] {
        if needsEncoding(name) || name.utf8.count > 900 {
            return encodedWords(name)
        }
        let isAtext: (UInt8) -> Bool = { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || atextSymbols.contains(byte)
        }
        let words = name.split(separator: " ")
        if !words.isEmpty, words.allSatisfy({ $0.utf8.allSatisfy(isAtext) }) {
            return words.map(String.init)
        }
        var quoted = "\""
        for character in name {
            if character == "\"" || character == "\\" { quoted.append("\\") }
            quoted.append(character)
        }
        quoted.append("\"")
        return [quoted]
    }

    static func mailboxAtoms(_ mailbox: EmailAddress) -> [String] {
        guard let name = mailbox.name, !name.trimmingCharacters(in: .whitespaces).isEmpty else {
            return [mailbox.address]
        }
        return phraseAtoms(name) + ["<\(mailbox.address)>"]
    }

    /// `Name: atom atom…`, folded (CRLF + space) before an atom that would pass `lineLimit`.
    static func fold(name: String, atoms: [String]) -> String {
        var output = name + ":"
        var lineLength = output.utf8.count
        for atom in atoms {
            let length = atom.utf8.count
            if !atom.isEmpty && lineLength + 1 + length > lineLimit && lineLength > 1 {
                output += "\r\n " + atom
                lineLength = 1 + length
            } else {
                output += " " + atom
                lineLength += 1 + length
            }
        }
        return output
    }
}

/// Content-Transfer-Encoding of text parts.
enum MIMEBodyEncoding: String, Sendable {
    case quotedPrintable = "quoted-printable"
    case base64

    /// Quoted-printable while at most half of the UTF-8 bytes are non-ASCII (English or mixed text
    /// stays readable on the wire); base64 for mostly non-ASCII text such as all-Bengali bodies.
    static func preferred(for text: String) -> MIMEBodyEncoding {
        var total = 0
        var high = 0
        for byte in text.utf8 {
            total += 1
            if byte >= 0x80 { high += 1 }
        }
        return high * 2 > total ? .base64 : .quotedPrintable
    }

    /// Text split into lines at CRLF, CR or LF (as UTF-8 bytes).
    static func lines(_ text: String) -> [[UInt8]] {
        var lines: [[UInt8]] = [[]]
        var previousWasCR = false
        for byte in text.utf8 {
            switch byte {
            case 13:
                lines.append([])
                previousWasCR = true
            case 10:
                if !previousWasCR { lines.append([]) }
                previousWasCR = false
            default:
                lines[lines.count - 1].append(byte)
                previousWasCR = false
            }
        }
        return lines
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)
    private static let fromPrefix = Array("From ".utf8)

    /// RFC 2045 quoted-printable of the UTF-8 text: hard line breaks as CRLF, encoded lines ≤ 76
    /// characters with `=` soft breaks, trailing whitespace and a leading "From " protected.
    static func quotedPrintable(_ text: String) -> String {
        var output: [UInt8] = []
        for (lineNumber, line) in lines(text).enumerated() {
            if lineNumber > 0 { output.append(contentsOf: [13, 10]) }
            var lineLength = 0
            let startsWithFrom = line.starts(with: fromPrefix)
            for (index, byte) in line.enumerated() {
                let isLast = index == line.count - 1
                var literal: Bool
                switch byte {
                case UInt8(ascii: "="): literal = false
                case 0x20, 0x09: literal = !isLast
                case 0x21...0x7E: literal = true
                default: literal = false
                }
                if index == 0 && startsWithFrom { literal = false }
                let tokenLength = literal ? 1 : 3
                if lineLength + tokenLength > (isLast ? 76 : 75) {
                    output.append(contentsOf: [UInt8(ascii: "="), 13, 10])
                    lineLength = 0
                }
                if literal {
                    output.append(byte)
                } else {
                    output.append(UInt8(ascii: "="))
                    output.append(hexDigits[Int(byte >> 4)])
                    output.append(hexDigits[Int(byte & 0x0F)])
                }
                lineLength += tokenLength
            }
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Base64 of the text in canonical form (CRLF line breaks), in lines of 76 characters.
    static func base64(_ text: String) -> String {
        var canonical: [UInt8] = []
        for (lineNumber, line) in lines(text).enumerated() {
            if lineNumber > 0 { canonical.append(contentsOf: [13, 10]) }
            canonical.append(contentsOf: line)
        }
        let encoded = Array(Data(canonical).base64EncodedString().utf8)
        var output: [UInt8] = []
        var start = 0
        while start < encoded.count {
            let end = min(start + 76, encoded.count)
            if start > 0 { output.append(contentsOf: [13, 10]) }
            output.append(contentsOf: encoded[start..<end])
            start = end
        }
        return String(decoding: output, as: UTF8.self)
    }
}
