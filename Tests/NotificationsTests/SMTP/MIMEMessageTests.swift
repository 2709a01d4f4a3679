import Foundation
import Testing

@testable import Notifications

@Suite("MIME rendering and SMTP reply parsing")
struct MIMEMessageTests {
    static func message(
        subject: String = "Hello",
        text: String = "Body",
        html: String? = nil,
        to: [EmailAddress] = [EmailAddress("rahim@example.com", name: "Rahim Uddin")]
    ) -> EmailMessage {
        EmailMessage(
            from: EmailAddress("billing@meghna.example", name: "Meghna Billing"),
            to: to, subject: subject, textBody: text, htmlBody: html
        )
    }

    /// Decodes a run of `=?UTF-8?B?…?=` words (as produced by the renderer) back to text.
    static func decodeEncodedWords(_ value: String) -> String {
        var bytes: [UInt8] = []
        for word in value.split(whereSeparator: { $0 == " " || $0 == "\r" || $0 == "\n" }) {
            guard word.hasPrefix("=?UTF-8?B?"), word.hasSuffix("?=") else { continue }
            let payload = word.dropFirst(10).dropLast(2)
            bytes.append(contentsOf: Data(base64Encoded: String(payload)) ?? Data())
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func headerBlock(_ rendered: String) -> String {
        String(rendered.components(separatedBy: "\r\n\r\n")[0])
    }

    /// The header block with folding undone (RFC 5322 §2.2.3: remove CRLF before WSP).
    static func unfoldedHeaders(_ rendered: String) -> String {
        headerBlock(rendered).replacingOccurrences(of: "\r\n ", with: " ").replacingOccurrences(of: "\r\n\t", with: "\t")
    }

    @Test func headersAreCRLFSevenBitAndFolded() throws {
        let subject = String(repeating: "বিল পরিশোধ নিশ্চিত করা হয়েছে। ", count: 6)
        let rendered = try MIMEMessage(Self.message(subject: subject, text: "x")).render()
        let lines = rendered.components(separatedBy: "\r\n")
        #expect(rendered.utf8.allSatisfy { $0 < 0x80 })
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\n"))
        #expect(!rendered.replacingOccurrences(of: "\r\n", with: "").contains("\r"))
        for line in Self.headerBlock(rendered).components(separatedBy: "\r\n") {
            #expect(line.utf8.count <= 76, "header line too long: \(line)")
        }
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })

        // Subject = first header line starting with "Subject:" plus its continuation lines.
        let headerLines = Self.headerBlock(rendered).components(separatedBy: "\r\n")
        let start = try #require(headerLines.firstIndex { $0.hasPrefix("Subject:") })
        var value = String(headerLines[start].dropFirst("Subject:".count))
        var index = start + 1
        while index < headerLines.count, headerLines[index].hasPrefix(" ") {
            value += headerLines[index]
            index += 1
        }
        #expect(Self.decodeEncodedWords(value) == subject)
        for word in value.split(separator: " ") {
            #expect(word.count <= 75)
        }
    }

    @Test func requiredHeadersPresent() throws {
        let date = Date(timeIntervalSince1970: 1_738_659_907)  // 2025-02-04 09:05:07 UTC, a Tuesday
        let rendered = try MIMEMessage(Self.message()).render(date: date)
        let header = Self.headerBlock(rendered)
        #expect(header.contains("Date: Tue, 04 Feb 2025 09:05:07 +0000"))
        #expect(header.contains("From: Meghna Billing <billing@meghna.example>"))
        #expect(header.contains("To: Rahim Uddin <rahim@example.com>"))
        #expect(header.contains("Subject: Hello"))
        #expect(header.contains("MIME-Version: 1.0"))
        #expect(header.contains("Content-Type: text/plain; charset=UTF-8"))
        #expect(header.contains("Content-Transfer-Encoding: quoted-printable"))
        let messageID = try #require(header.components(separatedBy: "\r\n").first { $0.hasPrefix("Message-ID: <") })
        #expect(messageID.hasSuffix("@meghna.example>"))
    }

    @Test func displayNamesAreQuotedOrEncoded() throws {
        let rendered = try MIMEMessage(Self.message(to: [
            EmailAddress("a@example.com", name: "Uddin, Rahim"),
            EmailAddress("b@example.com", name: "করিম"),
            EmailAddress("c@example.com"),
        ])).render()
        let header = Self.unfoldedHeaders(rendered)
        #expect(header.contains("\"Uddin, Rahim\" <a@example.com>,"))
        #expect(header.contains("=?UTF-8?B?\(Data("করিম".utf8).base64EncodedString())?= <b@example.com>,"))
        #expect(header.contains("c@example.com"))
    }

    @Test func quotedPrintableKeepsLinesShortAndRoundTrips() {
        let text = "From here on: " + String(repeating: "বিল পরিশোধ = paid; ", count: 20) + "end  \nnext\tline\t\r\nlast"
        let encoded = MIMEBodyEncoding.quotedPrintable(text)
        let lines = encoded.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 76 })
        #expect(lines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        #expect(encoded.hasPrefix("=46rom"))
        #expect(Self.decodeQuotedPrintable(encoded) == text.replacingOccurrences(of: "\r\n", with: "\n"))
    }

    static func decodeQuotedPrintable(_ encoded: String) -> String {
        var bytes: [UInt8] = []
        let input = Array(encoded.utf8)
        var index = 0
        while index < input.count {
            let byte = input[index]
            if byte == UInt8(ascii: "=") {
                if index + 2 < input.count, input[index + 1] == 13, input[index + 2] == 10 {
                    index += 3
                    continue
                }
                let hex = String(decoding: input[(index + 1)...(index + 2)], as: UTF8.self)
                bytes.append(UInt8(hex, radix: 16) ?? 0)
                index += 3
            } else if byte == 13, index + 1 < input.count, input[index + 1] == 10 {
                bytes.append(10)
                index += 2
            } else {
                bytes.append(byte)
                index += 1
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func mostlyBengaliBodiesUseBase64() throws {
        let text = "আপনার বিল পরিশোধ সম্পন্ন হয়েছে। ধন্যবাদ।"
        #expect(MIMEBodyEncoding.preferred(for: text) == .base64)
        #expect(MIMEBodyEncoding.preferred(for: "Payment received: বিল পরিশোধ. Thank you for your payment!") == .quotedPrintable)
        let encoded = MIMEBodyEncoding.base64(String(repeating: text + "\n", count: 10))
        #expect(encoded.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 76 })
    }

    @Test func multipartAlternativeStructure() throws {
        let rendered = try MIMEMessage(Self.message(text: "plain", html: "<b>html</b>")).render(boundary: "=_b")
        #expect(rendered.contains("Content-Type: multipart/alternative;\r\n boundary=\"=_b\"\r\n"))
        #expect(rendered.contains("\r\n--=_b\r\nContent-Type: text/plain; charset=UTF-8\r\n"))
        #expect(rendered.contains("plain\r\n--=_b\r\nContent-Type: text/html; charset=UTF-8\r\n"))
        #expect(rendered.hasSuffix("<b>html</b>\r\n--=_b--\r\n"))
    }

    @Test func dotStuffingAndTerminator() {
        let payload = MIMEMessage.dataPayload("Subject: x\r\n\r\n.one\r\n..two\r\n.\r\nend")
        #expect(String(decoding: payload, as: UTF8.self) == "Subject: x\r\n\r\n..one\r\n...two\r\n..\r\nend\r\n.\r\n")
        let ready = MIMEMessage.dataPayload("a\r\n")
        #expect(String(decoding: ready, as: UTF8.self) == "a\r\n.\r\n")
    }

    @Test(arguments: [
        "plain@example.com", "first.last+tag@sub.example.co.bd", "user@[127.0.0.1]",
    ])
    func validAddresses(_ address: String) throws {
        try MIMEMessage.validateAddress(address, role: "test")
    }

    @Test(arguments: [
        "", "no-at-sign", "@example.com", "user@", "two@@example.com", "a b@example.com",
        "user@example.com\r\n", "user@example.com\nBcc: x@y", "<user@example.com>", "a,b@example.com",
        "user@.example.com", "ব্যবহারকারী@example.com", "quote\"@example.com",
    ])
    func invalidAddresses(_ address: String) {
        #expect(throws: SMTPError.self) { try MIMEMessage.validateAddress(address, role: "test") }
    }

    @Test func multiLineRepliesAreJoined() throws {
        var parser = SMTPResponseParser()
        #expect(try parser.feed("250-mail.example.com Hello"[...]) == nil)
        #expect(parser.inProgress)
        #expect(try parser.feed("250-AUTH=LOGIN"[...]) == nil)
        #expect(try parser.feed("250-auth plain login"[...]) == nil)
        #expect(try parser.feed("250-STARTTLS"[...]) == nil)
        let reply = try #require(try parser.feed("250 SIZE 1000"[...]))
        #expect(reply.code == 250)
        #expect(reply.lines.count == 5)
        #expect(!parser.inProgress)
        let capabilities = SMTPCapabilities(ehloReply: reply)
        #expect(capabilities.supports("starttls"))
        #expect(capabilities.authMechanisms == ["LOGIN", "PLAIN"])
        #expect(!capabilities.supports("mail.example.com"))

        #expect(try parser.feed("221"[...]) == SMTPResponse(code: 221, lines: [""]))
        #expect(throws: SMTPError.self) { try parser.feed("hello"[...]) }
        var mismatched = SMTPResponseParser()
        _ = try mismatched.feed("250-a"[...])
        #expect(throws: SMTPError.self) { try mismatched.feed("550 b"[...]) }
    }

    @Test func configurationNeverShowsThePassword() {
        let configuration = SMTPConfiguration(
            host: "smtp.example.com", port: 587, security: .startTLS, username: "mailer", password: "hunter2-secret"
        )
        #expect(!configuration.description.contains("hunter2"))
        #expect(!String(reflecting: configuration).contains("hunter2"))
        #expect(!"\(configuration)".contains("hunter2"))
        var dumped = ""
        dump(configuration, to: &dumped)
        #expect(!dumped.contains("hunter2"))
        #expect(configuration.description.contains("<redacted>"))
        #expect(SMTPConfiguration.Security(rawValue: "starttls") == .startTLS)
    }
}
