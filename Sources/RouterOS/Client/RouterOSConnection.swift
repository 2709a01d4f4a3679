import Crypto
import Logging
import NIOCore
import NIOPosix
import NIOSSL

/// One logged-in API session. Commands are tagged, so many run at once on the one connection
/// (up to the endpoint's `maximumInFlight`; the rest wait their turn).
public final class RouterOSConnection: Sendable {
    public let endpoint: RouterOSEndpoint
    private let channel: any Channel
    private let handler: NIOLoopBound<RouterOSClientHandler>
    private let state: RouterOSConnectionState
    private let logger: Logger

    private init(endpoint: RouterOSEndpoint, channel: any Channel, handler: NIOLoopBound<RouterOSClientHandler>,
                 state: RouterOSConnectionState, logger: Logger) {
        self.endpoint = endpoint
        self.channel = channel
        self.handler = handler
        self.state = state
        self.logger = logger
    }

    /// The event loop RouterOS sessions use unless given one: a thread of their own, so a web
    /// server's busy loops never delay a router's reply or a heartbeat's timeout (in a full test
    /// run on two cores the shared loops once held a 250 ms connect timeout for 16 s).
    public static let eventLoopGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)

    /// Connects and logs in; the endpoint's connect timeout covers TCP, TLS and the login together.
    /// The steps run as one chain on the session's event loop and the caller waits once for the
    /// end: the deadline measures the router, not how long the caller's task waited for a thread
    /// (in a fully loaded test run a task once resumed after the whole connect timeout had gone).
    public static func connect(
        to endpoint: RouterOSEndpoint, group: any EventLoopGroup = RouterOSConnection.eventLoopGroup,
        logger: Logger = Logger(label: "meghna.routeros")
    ) async throws -> RouterOSConnection {
        var logger = logger
        logger[metadataKey: "router"] = "\(endpoint.host):\(endpoint.port)"
        let start = ContinuousClock.now
        let mapper = RouterOSErrorMapper(endpoint: endpoint)
        let state = RouterOSConnectionState()
        let sslContext = try RouterOSTLSSetup.context(for: endpoint.tls)
        let loop = group.next()
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(endpoint.connectTimeout.timeAmount)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelOption(.socketOption(.so_keepalive), value: 1)
            .channelInitializer { [logger] channel in
                channel.eventLoop.makeCompletedFuture {
                    let client = RouterOSClientHandler(
                        maximumInFlight: endpoint.maximumInFlight, mapper: mapper, state: state, logger: logger)
                    let pipeline = channel.pipeline.syncOperations
                    if let sslContext {
                        try pipeline.addHandler(
                            RouterOSTLSSetup.handler(for: endpoint.tls, context: sslContext, host: endpoint.host, clientHandler: client))
                    }
                    try pipeline.addHandler(ByteToMessageHandler(RouterOSSentenceDecoder()))
                    try pipeline.addHandler(MessageToByteHandler(RouterOSSentenceEncoder()))
                    try pipeline.addHandler(client)
                }
            }
            .connect(host: endpoint.host, port: endpoint.port)
            .hop(to: loop)
            .flatMapErrorThrowing { [logger] error -> any Channel in
                let mapped = mapper.connectFailure(error)
                logger.info("cannot connect", metadata: ["error": "\(mapped)"])
                throw mapped
            }
        let loggedIn = connected.flatMap { [logger] channel -> EventLoopFuture<RouterOSConnection> in
            let handler: NIOLoopBound<RouterOSClientHandler>
            do {
                handler = NIOLoopBound(try channel.pipeline.syncOperations.handler(type: RouterOSClientHandler.self), eventLoop: channel.eventLoop)
            } catch {
                // The channel closed before the pipeline could be read: the TLS handshake failed or
                // the router hung up at once; the handler recorded which.
                let failure = state.failure ?? .connectionLost
                logger.info("cannot connect", metadata: ["error": "\(failure)"])
                return channel.close().flatMapThrowing { throw failure }.flatMapErrorThrowing { _ in throw failure }
            }
            let connection = RouterOSConnection(endpoint: endpoint, channel: channel, handler: handler, state: state, logger: logger)
            return connection.logIn(until: start + endpoint.connectTimeout, mapper: mapper)
                .map { connection }
                .flatMapError { error in
                    logger.info("cannot log in", metadata: ["error": "\(error)"])
                    handler.value.close()
                    return channel.close().flatMapThrowing { throw error }.flatMapErrorThrowing { _ in throw error }
                }
        }
        let connection = try await loggedIn.get()
        logger.debug("logged in")
        return connection
    }

    /// Plain login first; a `=ret=` in its `!done` means a router before 6.43, which wants the MD5
    /// challenge. Runs on the session's event loop.
    private func logIn(until deadline: ContinuousClock.Instant, mapper: RouterOSErrorMapper) -> EventLoopFuture<Void> {
        let endpoint = self.endpoint
        let loop = channel.eventLoop
        let remaining: @Sendable () -> Duration = { deadline - ContinuousClock.now }
        let plain = RouterOSCommand("/login", attributes: [
            .init(name: "name", value: endpoint.username), .init(name: "password", value: endpoint.password),
        ])
        return submit(plain, timeout: remaining()).flatMap { reply -> EventLoopFuture<Void> in
            guard let challenge = reply.ret else { return loop.makeSucceededVoidFuture() }
            guard let response = RouterOSConnection.challengeResponse(password: endpoint.password, challenge: challenge) else {
                return loop.makeFailedFuture(RouterOSError.protocolError("the login challenge is not hex: \(challenge)"))
            }
            let answer = RouterOSCommand("/login", attributes: [
                .init(name: "name", value: endpoint.username), .init(name: "response", value: response),
            ])
            return self.submit(answer, timeout: remaining()).map { _ in () }
        }.flatMapErrorThrowing { error in
            switch error {
            case RouterOSError.trap(let message, _): throw RouterOSError.loginRefused(RouterOSError.loginMessage(message))
            case RouterOSError.timeout: throw RouterOSError.noAnswer(host: endpoint.host, port: endpoint.port, seconds: mapper.connectSeconds)
            default: throw error
            }
        }
    }

    /// Hands a command to the session's handler; the future completes on the event loop.
    private func submit(_ command: RouterOSCommand, timeout: Duration) -> EventLoopFuture<RouterOSReply> {
        let promise = channel.eventLoop.makePromise(of: RouterOSReply.self)
        let handler = self.handler
        channel.eventLoop.execute { handler.value.submit(command, timeout: timeout, promise: promise) }
        return promise.futureResult
    }

    /// The `=response=` for the pre-6.43 challenge login: "00" + hex(MD5(0x00 ‖ password ‖ unhex(challenge))).
    /// Nil when the challenge is not hex.
    public static func challengeResponse(password: String, challenge: String) -> String? {
        guard let challengeBytes = unhex(challenge) else { return nil }
        let digest = Insecure.MD5.hash(data: [0] + Array(password.utf8) + challengeBytes)
        return "00" + digest.map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    private static func unhex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var index = 0
        while index < digits.count {
            guard let high = hexValue(digits[index]), let low = hexValue(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        return bytes
    }

    private static func hexValue(_ digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }

    /// Runs one command; throws `.trap` when the router answers `!trap`, `.timeout` after
    /// `timeout` (default: the endpoint's command timeout), when the router is sent `/cancel`.
    public func run(_ command: RouterOSCommand, timeout: Duration? = nil) async throws -> RouterOSReply {
        let limit = timeout ?? endpoint.commandTimeout
        let eventLoop = channel.eventLoop
        let promise = eventLoop.makePromise(of: RouterOSReply.self)
        let handler = self.handler
        eventLoop.execute { handler.value.submit(command, timeout: limit, promise: promise) }
        return try await withTaskCancellationHandler {
            try await promise.futureResult.get()
        } onCancel: {
            eventLoop.execute { handler.value.cancel(promise.futureResult) }
        }
    }

    /// The rows of a `print`.
    public func print(_ menu: String, proplist: [String]? = nil, queries: [String] = []) async throws -> [[String: String]] {
        try await run(.print(menu, proplist: proplist, queries: queries)).rows
    }

    /// Adds an item and returns its new `.id` (the `=ret=` of `!done`; empty when the router gives
    /// none, as `/file/add` before about 7.13 does).
    public func add(_ menu: String, _ attributes: [(String, String)]) async throws -> String {
        try await run(.add(menu, attributes)).ret ?? ""
    }

    public func set(_ menu: String, id: String, _ attributes: [(String, String)]) async throws {
        _ = try await run(.set(menu, id: id, attributes))
    }

    public func remove(_ menu: String, id: String) async throws {
        _ = try await run(.remove(menu, id: id))
    }

    /// Closes the session; commands still in flight fail with `.closed`.
    public func close() async {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.close() }
        try? await channel.closeFuture.get()
    }

    /// False once the connection failed, was lost or closed: the pool then opens a new one.
    public var isOpen: Bool { !state.isClosed && channel.isActive }
}
