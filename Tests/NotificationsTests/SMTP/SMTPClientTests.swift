import Foundation
import NIOCore
import NIOPosix
import Testing

@testable import Notifications

/// End-to-end tests of `SMTPClient` against a real aiosmtpd server (Peers/smtp_server.py).
@Suite("SMTP client against a real aiosmtpd server")
struct SMTPClientTests {
    let client = SMTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton)

    static let username = "meghna-mailer"
    static let password = "s3cret-পাসওয়ার্ড"

    func configuration(
        _ server: SMTPPeerServer,
        security: SMTPConfiguration.Security = .none,
        username: String? = nil,
        password: String? = nil,
        timeout: Duration = .seconds(10),
        verifyCertificates: Bool = false
    ) -> SMTPConfiguration {
        SMTPConfiguration(
            host: "127.0.0.1", port: server.port, security: security,
            username: username, password: password, heloName: "meghna.test",
            timeout: timeout, verifyCertificates: verifyCertificates
        )
    }

    static func normalized(_ text: String?) -> String {
        (text ?? "").replacingOccurrences(of: "\r\n", with: "\n")
    }

    static func sample(to recipients: [EmailAddress]? = nil, subject: String = "বিল পরিশোধ নিশ্চিত — Invoice #42") -> EmailMessage {
        EmailMessage(
            from: EmailAddress("billing@meghna.example", name: "মেঘনা ইন্টারনেট"),
            to: recipients ?? [EmailAddress("rahim@example.com", name: "Rahim Uddin")],
            subject: subject,
            textBody: "Hello"
        )
    }

    @Test("plain delivery: recipients, decoded subject, Bengali text and dot-stuffing survive")
    func plainDelivery() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }

        let body = """
            Dear customer,
            We have received your payment: বিল পরিশোধ সম্পন্ন।
            .this line starts with a dot and must survive dot-stuffing
            ..and this one starts with two dots
            .
            From the accounts team — this is a long line that has to be wrapped by quoted-printable soft line breaks because it is far longer than seventy-six characters.
            Trailing spaces stay: \u{20}\u{20}
            Thanks for staying with Meghna Internet. Customer ID: 1042, package: Home 20 Mbps.
            """
        let subject = "বিল পরিশোধ নিশ্চিত — Invoice #42 for the month of January, payment received with thanks"
        let message = EmailMessage(
            from: EmailAddress("billing@meghna.example", name: "মেঘনা ইন্টারনেট"),
            to: [
                EmailAddress("rahim@example.com", name: "Rahim Uddin"),
                EmailAddress("karim@example.net"),
                EmailAddress("Rahim@Example.com", name: "duplicate, dropped from the envelope"),
            ],
            subject: subject,
            textBody: body,
            messageID: "invoice-42@meghna.example",
            headers: ["X-Meghna-Invoice": "42", "Reply-To": "support@meghna.example"]
        )

        let reply = try await client.send(message, using: configuration(server))
        #expect(reply.hasPrefix("250"))
        #expect(reply.contains("queued as MEGHNA0001"))

        let received = try server.receivedMessages()
        try #require(received.count == 1)
        let mail = received[0]
        #expect(mail.mail_from == "billing@meghna.example")
        #expect(mail.rcpt_tos == ["rahim@example.com", "karim@example.net"])
        #expect(mail.tls == false)
        #expect(mail.helo == "meghna.test")
        #expect(mail.parsed.defects.isEmpty, "email parser defects: \(mail.parsed.defects)")
        #expect(mail.parsed.subject == subject)
        // CPython's address parser keeps the (RFC 2047: ignorable) space between adjacent encoded
        // words of a display name, so compare without spaces there and decode the raw header exactly.
        #expect(mail.parsed.from.replacingOccurrences(of: " ", with: "") == "মেঘনাইন্টারনেট<billing@meghna.example>")
        let rawFrom = try #require(
            MIMEMessageTests.unfoldedHeaders(mail.raw).components(separatedBy: "\r\n").first { $0.hasPrefix("From: ") }
        )
        #expect(MIMEMessageTests.decodeEncodedWords(rawFrom) == "মেঘনা ইন্টারনেট")
        #expect(mail.parsed.to.contains("Rahim Uddin <rahim@example.com>"))
        #expect(mail.parsed.to.contains("karim@example.net"))
        #expect(mail.parsed.message_id == "<invoice-42@meghna.example>")
        #expect(mail.parsed.mime_version == "1.0")
        #expect(!mail.parsed.date.isEmpty)
        #expect(mail.parsed.headers["X-Meghna-Invoice"] == "42")
        #expect(mail.parsed.headers["Reply-To"] == "support@meghna.example")
        #expect(mail.parsed.content_type == "text/plain")
        #expect(mail.raw.contains("Content-Transfer-Encoding: quoted-printable"))

        let text = Self.normalized(mail.parsed.text)
        #expect(text == body + "\n")
        #expect(text.contains("বিল পরিশোধ"))
        #expect(text.contains("\n.this line starts with a dot"))
        #expect(text.contains("\n..and this one starts with two dots\n.\n"))

        // The wire format itself: 7-bit, CRLF only, no line over 998 octets, dots unstuffed by the server.
        let raw = mail.rawBytes
        #expect(raw.allSatisfy { $0 < 0x80 })
        let lines = mail.raw.components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 998 })
        #expect(lines.allSatisfy { !$0.contains("\n") && !$0.contains("\r") })
        #expect(lines.contains(".this line starts with a dot and must survive dot-stuffing"))
        #expect(lines.contains("."))
    }

    @Test("multipart/alternative: Bengali text (base64) and HTML (quoted-printable) parts")
    func multipartDelivery() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }

        let text = "প্রিয় গ্রাহক,\nআপনার বিল পরিশোধ সম্পন্ন হয়েছে। ধন্যবাদ।\n"
        let html = """
            <html><body>
            <p>প্রিয় গ্রাহক,</p>
            <p style="font-family: sans-serif">Your payment (<b>বিল পরিশোধ</b>) was received. Amount: ৳1,200 = paid in full.</p>
            <p>Thank you for choosing Meghna Internet.</p>
            </body></html>

            """
        let message = EmailMessage(
            from: EmailAddress("billing@meghna.example"),
            to: [EmailAddress("customer@example.com", name: "গ্রাহক \"VIP\"")],
            subject: "রসিদ",
            textBody: text,
            htmlBody: html
        )
        _ = try await client.send(message, using: configuration(server))

        let mail = try #require(try server.receivedMessages().first)
        #expect(mail.parsed.defects.isEmpty, "email parser defects: \(mail.parsed.defects)")
        #expect(mail.parsed.content_type == "multipart/alternative")
        #expect(mail.parsed.subject == "রসিদ")
        #expect(mail.parsed.to.contains("customer@example.com"))
        #expect(Self.normalized(mail.parsed.text) == text)
        #expect(Self.normalized(mail.parsed.html) == html)
        #expect(mail.raw.contains("Content-Transfer-Encoding: base64"))
        #expect(mail.raw.contains("Content-Transfer-Encoding: quoted-printable"))
        #expect(mail.parsed.message_id.hasSuffix("@meghna.example>"))
    }

    @Test("STARTTLS then AUTH PLAIN delivers over TLS")
    func startTLSWithAuthentication() async throws {
        let server = try await SMTPPeerServer.start([
            "--starttls", "--require-starttls", "--auth", "\(Self.username):\(Self.password)",
        ])
        defer { server.stop() }

        let reply = try await client.send(
            Self.sample(),
            using: configuration(server, security: .startTLS, username: Self.username, password: Self.password)
        )
        #expect(reply.hasPrefix("250"))
        let mail = try #require(try server.receivedMessages().first)
        #expect(mail.tls)
        #expect(mail.authenticated)
        #expect(mail.login == Self.username)
        #expect(mail.parsed.subject == "বিল পরিশোধ নিশ্চিত — Invoice #42")
    }

    @Test("implicit TLS, falling back to AUTH LOGIN when PLAIN is not offered")
    func implicitTLSWithAuthLogin() async throws {
        let server = try await SMTPPeerServer.start([
            "--implicit-tls", "--exclude-plain", "--auth", "\(Self.username):\(Self.password)",
        ])
        defer { server.stop() }

        _ = try await client.send(
            Self.sample(),
            using: configuration(server, security: .tls, username: Self.username, password: Self.password)
        )
        let mail = try #require(try server.receivedMessages().first)
        #expect(mail.tls)
        #expect(mail.authenticated)
        #expect(mail.login == Self.username)
    }

    @Test("wrong password → SMTPError.authenticationFailed, nothing delivered, password not in the error")
    func wrongPassword() async throws {
        let server = try await SMTPPeerServer.start(["--starttls", "--auth", "\(Self.username):\(Self.password)"])
        defer { server.stop() }

        let wrong = "definitely-wrong-password"
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(
                Self.sample(),
                using: configuration(server, security: .startTLS, username: Self.username, password: wrong)
            )
        }
        guard case .authenticationFailed(let reason) = error else {
            Issue.record("expected authenticationFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("535"))
        #expect(!String(describing: error).contains(wrong))
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test("credentials but the server offers no AUTH (TLS required first) → authenticationFailed")
    func authenticationNotOffered() async throws {
        let server = try await SMTPPeerServer.start(["--auth", "\(Self.username):\(Self.password)"])
        defer { server.stop() }

        let error = await #expect(throws: SMTPError.self) {
            try await client.send(
                Self.sample(), using: configuration(server, username: Self.username, password: Self.password)
            )
        }
        guard case .authenticationFailed = error else {
            Issue.record("expected authenticationFailed, got \(String(describing: error))")
            return
        }
    }

    @Test(".startTLS against a server without STARTTLS → SMTPError.tlsUnavailable")
    func startTLSUnavailable() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }

        let error = await #expect(throws: SMTPError.self) {
            try await client.send(Self.sample(), using: configuration(server, security: .startTLS))
        }
        guard case .tlsUnavailable = error else {
            Issue.record("expected tlsUnavailable, got \(String(describing: error))")
            return
        }
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test("certificates are verified by default: a self-signed server is refused")
    func certificateVerification() async throws {
        let server = try await SMTPPeerServer.start(["--starttls"])
        defer { server.stop() }

        let error = await #expect(throws: SMTPError.self) {
            try await client.send(
                Self.sample(), using: configuration(server, security: .startTLS, verifyCertificates: true)
            )
        }
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        #expect(reason.contains("TLS"))
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test("a rejected recipient → unexpectedReply for RCPT TO with the server's code")
    func rejectedRecipient() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }

        let error = await #expect(throws: SMTPError.self) {
            try await client.send(
                Self.sample(to: [EmailAddress("ok@example.com"), EmailAddress("reject-me@example.com")]),
                using: configuration(server)
            )
        }
        guard case .unexpectedReply(let command, let code, let message) = error else {
            Issue.record("expected unexpectedReply, got \(String(describing: error))")
            return
        }
        #expect(command.hasPrefix("RCPT TO"))
        #expect(code == 550)
        #expect(message.contains("rejected"))
        #expect(try server.receivedMessages().isEmpty)
    }

    @Test("clear-text data queued behind the STARTTLS reply is refused (STARTTLS injection)")
    func startTLSInjectionRefused() async throws {
        let server = try await SMTPPeerServer.start(["--inject-after-starttls"])
        defer { server.stop() }

        let error = await #expect(throws: SMTPError.self) {
            try await client.send(Self.sample(), using: configuration(server, security: .startTLS))
        }
        guard case .connectionFailed(let reason) = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
        // Normally caught before the handshake; should the injected bytes arrive in a later TCP
        // segment, they reach the TLS layer instead and the handshake fails — refused either way.
        #expect(reason.contains("STARTTLS injection") || reason.contains("TLS failure"), "\(reason)")
    }

    @Test("a server that never answers → SMTPError.timeout")
    func silentServerTimesOut() async throws {
        let server = try await SMTPPeerServer.start(["--blackhole"])
        defer { server.stop() }

        // The error kind proves the client gave up by itself; tests do not assert on wall-clock time.
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(Self.sample(), using: configuration(server, timeout: .milliseconds(500)))
        }
        guard case .timeout = error else {
            Issue.record("expected timeout, got \(String(describing: error))")
            return
        }
    }

    @Test("nothing listening → SMTPError.connectionFailed")
    func connectionRefused() async throws {
        // Bind a port, release it, and connect to it: nothing listens there any more.
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = try #require(channel.localAddress?.port)
        try await channel.close()

        let configuration = SMTPConfiguration(host: "127.0.0.1", port: port, security: .none, timeout: .seconds(5))
        let error = await #expect(throws: SMTPError.self) {
            try await client.send(Self.sample(), using: configuration)
        }
        guard case .connectionFailed = error else {
            Issue.record("expected connectionFailed, got \(String(describing: error))")
            return
        }
    }

    @Test("header injection through subject, names, addresses or headers is refused before connecting")
    func headerInjectionRejected() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }

        let good = Self.sample()
        var attempts: [(String, EmailMessage)] = []
        var message = good
        message.subject = "Your bill\r\nBcc: victim@example.org"
        attempts.append(("subject CRLF", message))
        message = good
        message.subject = "Your bill\nBcc: victim@example.org"
        attempts.append(("subject LF", message))
        message = good
        message.to = [EmailAddress("rahim@example.com>\r\nRCPT TO:<victim@example.org")]
        attempts.append(("recipient address", message))
        message = good
        message.from = EmailAddress("billing@meghna.example\r\nBcc: victim@example.org")
        attempts.append(("sender address", message))
        message = good
        message.to = [EmailAddress("rahim@example.com", name: "Rahim\r\nBcc: victim@example.org")]
        attempts.append(("recipient name", message))
        message = good
        message.from = EmailAddress("billing@meghna.example", name: "Billing\rBcc: victim@example.org")
        attempts.append(("sender name CR", message))
        message = good
        message.headers = ["X-Note": "ok\r\nBcc: victim@example.org"]
        attempts.append(("extra header value", message))
        message = good
        message.headers = ["X-Note\r\nBcc": "victim@example.org"]
        attempts.append(("extra header name", message))
        message = good
        message.messageID = "<id@meghna.example>\r\nBcc: victim@example.org"
        attempts.append(("message id", message))
        message = good
        message.headers = ["Bcc": "victim@example.org"]
        attempts.append(("reserved header", message))
        message = good
        message.to = [EmailAddress("not an address")]
        attempts.append(("malformed address", message))

        for (label, attempt) in attempts {
            let error = await #expect(throws: SMTPError.self, "\(label)") {
                try await client.send(attempt, using: configuration(server))
            }
            guard case .invalidAddress = error else {
                Issue.record("\(label): expected invalidAddress, got \(String(describing: error))")
                continue
            }
        }
        #expect(try server.receivedMessages().isEmpty)
    }
}
