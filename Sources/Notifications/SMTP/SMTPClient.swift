import Foundation
import NIOCore
import NIOPosix
import NIOSSL

/// Delivers one message per `send` over a fresh SMTP connection (SwiftNIO + NIOSSL).
///
/// Nothing here logs; errors never contain the password (AUTH commands are reported as
/// "AUTH PLAIN" / "AUTH LOGIN" without their arguments).
public struct SMTPClient: Sendable {
    public let eventLoopGroup: any EventLoopGroup

    public init(eventLoopGroup: any EventLoopGroup) {
        self.eventLoopGroup = eventLoopGroup
    }

    /// Connects, EHLO, STARTTLS when configured (then EHLO again), AUTH PLAIN (fallback AUTH LOGIN)
    /// when credentials are set, MAIL FROM, RCPT TO each, DATA with dot-stuffing, QUIT.
    ///
    /// The message (and `heloName`) are validated before any connection is made
    /// (`SMTPError.invalidAddress`). AUTH is attempted only when `username` is non-empty.
    /// Returns the server's reply to the end of DATA — the acceptance, e.g.
    /// `250 2.0.0 Ok: queued as 4F2A1` — for the delivery log. A failing QUIT after that is ignored.
    public func send(_ message: EmailMessage, using configuration: SMTPConfiguration) async throws -> String {
        let mime = try MIMEMessage(message)
        try Self.validateHeloName(configuration.heloName)
        let payload = MIMEMessage.dataPayload(mime.render())
        let tlsContext = try Self.makeTLSContext(for: configuration)

        let failure = SMTPConnectionFailure()
        let channel = try await connect(
            configuration, implicitTLS: configuration.security == .tls ? tlsContext : nil, failure: failure
        )
        let session = SMTPSession(channel: channel, configuration: configuration, failure: failure)
        do {
            let accepted = try await withTaskCancellationHandler {
                try await session.deliver(
                    from: message.from.address,
                    recipients: mime.envelopeRecipients,
                    payload: payload,
                    startTLS: configuration.security == .startTLS ? tlsContext : nil
                )
            } onCancel: {
                channel.close(promise: nil)
            }
            await session.quit()
            await session.close()
            return accepted.summary
        } catch {
            let mapped = SMTPError.wrapping(error)
            switch mapped {
            case .unexpectedReply, .authenticationFailed, .tlsUnavailable:
                await session.quit()
            default:
                break
            }
            await session.close()
            if Task.isCancelled { throw CancellationError() }
            throw mapped
        }
    }

    private func connect(
        _ configuration: SMTPConfiguration, implicitTLS: NIOSSLContext?, failure: SMTPConnectionFailure
    ) async throws -> any Channel {
        let timeout = TimeAmount(configuration.timeout)
        let serverHostname = Self.serverNameIndication(for: configuration.host)
        let bootstrap = ClientBootstrap(group: eventLoopGroup)
            .connectTimeout(timeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let implicitTLS {
                        try pipeline.addHandler(NIOSSLClientHandler(context: implicitTLS, serverHostname: serverHostname))
                    }
                    try pipeline.addHandler(SMTPChannelHandler(replyTimeout: timeout, failure: failure))
                }
            }
        do {
            return try await bootstrap.connect(host: configuration.host, port: configuration.port).get()
        } catch {
            switch SMTPError.wrapping(error) {
            case .timeout: throw SMTPError.timeout
            default: throw SMTPError.connectionFailed("cannot connect to \(configuration.host):\(configuration.port): \(error)")
            }
        }
    }

    /// EHLO/HELO argument: a domain or address literal, no spaces or control characters.
    static func validateHeloName(_ name: String) throws {
        guard !name.isEmpty, name.utf8.count <= 255, name.utf8.allSatisfy({ $0 > 32 && $0 < 127 }) else {
            throw SMTPError.invalidAddress("heloName \(String(reflecting: name)) must be a domain name without spaces")
        }
    }

    static func makeTLSContext(for configuration: SMTPConfiguration) throws -> NIOSSLContext? {
        guard configuration.security != .none else { return nil }
        var tls = TLSConfiguration.makeClientConfiguration()
        tls.minimumTLSVersion = .tlsv12
        tls.certificateVerification = configuration.verifyCertificates ? .fullVerification : .none
        do {
            return try NIOSSLContext(configuration: tls)
        } catch {
            throw SMTPError.connectionFailed("cannot set up TLS: \(error)")
        }
    }

    /// SNI must be a host name; IP literals get none (certificate checks then use the IP).
    static func serverNameIndication(for host: String) -> String? {
        if (try? SocketAddress(ipAddress: host, port: 0)) != nil { return nil }
        let trimmed = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        if (try? SocketAddress(ipAddress: trimmed, port: 0)) != nil { return nil }
        return host.isEmpty ? nil : host
    }
}

/// One SMTP conversation on a connected channel.
struct SMTPSession: Sendable {
    let channel: any Channel
    let configuration: SMTPConfiguration
    let failure: SMTPConnectionFailure

    /// Runs the transaction up to and including the end of DATA; returns that reply.
    func deliver(from sender: String, recipients: [String], payload: [UInt8], startTLS: NIOSSLContext?) async throws -> SMTPResponse {
        let greeting = try await exchange(nil, name: "connection greeting")
        guard greeting.code == 220 else {
            throw SMTPError.unexpectedReply(command: "connection greeting", code: greeting.code, message: greeting.message)
        }
        var capabilities = try await hello()

        if let startTLS {
            guard capabilities.supports("STARTTLS") else { throw SMTPError.tlsUnavailable }
            let reply = try await exchange("STARTTLS", name: "STARTTLS")
            guard reply.code == 220 else { throw SMTPError.tlsUnavailable }
            try await upgradeToTLS(startTLS)
            capabilities = try await hello(allowHELO: false)
        }

        if let username = configuration.username, !username.isEmpty {
            try await authenticate(username: username, password: configuration.password ?? "", capabilities: capabilities)
        }

        try await expect(exchange("MAIL FROM:<\(sender)>", name: "MAIL FROM"), 250, command: "MAIL FROM")
        for recipient in recipients {
            let reply = try await exchange("RCPT TO:<\(recipient)>", name: "RCPT TO")
            guard reply.code == 250 || reply.code == 251 else {
                throw SMTPError.unexpectedReply(command: "RCPT TO <\(recipient)>", code: reply.code, message: reply.message)
            }
        }
        try await expect(exchange("DATA", name: "DATA"), 354, command: "DATA")
        let accepted = try await exchange(bytes: ByteBuffer(bytes: payload))
        try expect(accepted, 250, command: "end of DATA")
        return accepted
    }

    /// Best effort QUIT (bounded by the reply timeout); errors are ignored.
    func quit() async {
        guard channel.isActive else { return }
        _ = try? await exchange("QUIT", name: "QUIT")
    }

    func close() async {
        try? await channel.close()
    }

    // MARK: Steps

    private func hello(allowHELO: Bool = true) async throws -> SMTPCapabilities {
        let ehlo = try await exchange("EHLO \(configuration.heloName)", name: "EHLO")
        if ehlo.code == 250 { return SMTPCapabilities(ehloReply: ehlo) }
        guard allowHELO, ehlo.code == 500 || ehlo.code == 502 else {
            throw SMTPError.unexpectedReply(command: "EHLO", code: ehlo.code, message: ehlo.message)
        }
        try await expect(exchange("HELO \(configuration.heloName)", name: "HELO"), 250, command: "HELO")
        return SMTPCapabilities()
    }

    private func upgradeToTLS(_ context: NIOSSLContext) async throws {
        let serverHostname = SMTPClient.serverNameIndication(for: configuration.host)
        let channel = self.channel
        try await channel.eventLoop.submit {
            let pipeline = channel.pipeline.syncOperations
            let handler = try pipeline.handler(type: SMTPChannelHandler.self)
            if handler.hasUnconsumedInput {
                throw SMTPError.connectionFailed("server sent data before the TLS handshake (STARTTLS injection refused)")
            }
            let tls = try NIOSSLClientHandler(context: context, serverHostname: serverHostname)
            try pipeline.addHandler(tls, position: .first)
        }.get()
    }

    private func authenticate(username: String, password: String, capabilities: SMTPCapabilities) async throws {
        let mechanisms = capabilities.authMechanisms
        if mechanisms.contains("PLAIN") {
            let token = Data("\u{0}\(username)\u{0}\(password)".utf8).base64EncodedString()
            let reply = try await exchange("AUTH PLAIN \(token)", name: "AUTH PLAIN")
            if reply.code == 235 { return }
            // 504: mechanism not accepted after all → try LOGIN when offered.
            guard reply.code == 504, mechanisms.contains("LOGIN") else {
                throw SMTPError.authenticationFailed(reply.summary)
            }
        }
        guard mechanisms.contains("LOGIN") else {
            let offered = mechanisms.isEmpty ? "no AUTH mechanisms" : "only " + mechanisms.sorted().joined(separator: ", ")
            throw SMTPError.authenticationFailed("server offers \(offered); PLAIN or LOGIN required")
        }
        let start = try await exchange("AUTH LOGIN", name: "AUTH LOGIN")
        guard start.code == 334 else { throw SMTPError.authenticationFailed(start.summary) }
        let user = try await exchange(Data(username.utf8).base64EncodedString(), name: "AUTH LOGIN")
        guard user.code == 334 else { throw SMTPError.authenticationFailed(user.summary) }
        let done = try await exchange(Data(password.utf8).base64EncodedString(), name: "AUTH LOGIN")
        guard done.code == 235 else { throw SMTPError.authenticationFailed(done.summary) }
    }

    // MARK: Wire

    private func expect(_ reply: SMTPResponse, _ code: Int, command: String) throws {
        guard reply.code == code else {
            throw SMTPError.unexpectedReply(command: command, code: reply.code, message: reply.message)
        }
    }

    /// Sends `line` + CRLF (or nothing when nil) and waits for the next reply.
    /// `name` is only for error text and never contains arguments such as credentials.
    private func exchange(_ line: String?, name: String) async throws -> SMTPResponse {
        if let line, MIMEMessage.containsLineBreak(line) {
            throw SMTPError.invalidAddress("\(name) argument contains a line break")
        }
        return try await exchange(bytes: line.map { ByteBuffer(string: $0 + "\r\n") })
    }

    private func exchange(bytes: ByteBuffer?) async throws -> SMTPResponse {
        let reply = channel.eventLoop.makePromise(of: SMTPResponse.self)
        channel.writeAndFlush(SMTPRequest(bytes: bytes, reply: reply)).whenFailure { error in
            reply.fail(error)
        }
        do {
            return try await reply.futureResult.get()
        } catch {
            // Prefer the recorded cause (e.g. the TLS handshake error) over "I/O on closed channel".
            throw failure.error ?? SMTPError.wrapping(error)
        }
    }
}
