import Foundation
import NIOCore
import NIOPosix
import NIOSSL
import RouterOS

/// A value shared between a test and the fake router's event loop.
final class Locked<Value>: @unchecked Sendable {
    // @unchecked: `value` is only touched with `lock` held.
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    func withLock<T>(_ body: (inout Value) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }

    var current: Value { withLock { $0 } }
}

/// The router end of one connection, handed to a test's script.
struct FakePeer: Sendable {
    let channel: any Channel

    func send(_ words: [String]) {
        channel.writeAndFlush(words, promise: nil)
    }

    /// Sends `words` with the `.tag` of `sentence` (when it had one).
    func reply(to sentence: RouterOSSentence, _ words: String...) {
        send(words + (sentence.tag.map { [".tag=\($0)"] } ?? []))
    }

    func close() {
        channel.close(promise: nil)
    }
}

/// A scripted stand-in for a router: it handles `/login` as configured and hands every other
/// sentence to the test's `answer` closure (on the connection's event loop).
final class FakeRouter: Sendable {
    enum Login: Sendable {
        /// RouterOS 6.45+: `/login =name= =password=`.
        case plain(user: String, password: String)
        /// Before 6.43: any first `/login` gets `=ret=challenge`; the second must carry `response`.
        case challenge(user: String, challenge: String, response: String)
        /// Accepts the connection and never says a word.
        case silent
    }

    let port: Int
    let host = "127.0.0.1"
    private let channel: any Channel
    private let log = Locked<[RouterOSSentence]>([])
    private let counts = Locked<(accepted: Int, closed: Int)>((0, 0))

    private init(port: Int, channel: any Channel) {
        self.port = port
        self.channel = channel
    }

    static func start(
        login: Login = .plain(user: "admin", password: "secret"), tls: NIOSSLContext? = nil,
        answer: @escaping @Sendable (RouterOSSentence, FakePeer) -> Void = { _, _ in }
    ) async throws -> FakeRouter {
        let box = Locked<FakeRouter?>(nil)
        let channel = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    guard let router = box.current else { throw ChannelError.ioOnClosedChannel }
                    router.counts.withLock { $0.accepted += 1 }
                    channel.closeFuture.whenComplete { _ in router.counts.withLock { $0.closed += 1 } }
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(RouterOSSentenceDecoder()))
                    try pipeline.addHandler(MessageToByteHandler(RouterOSSentenceEncoder()))
                    try pipeline.addHandler(FakeRouterHandler(login: login, log: router.log, answer: answer))
                }
            }
            .bind(host: "127.0.0.1", port: 0)
            .get()
        let router = FakeRouter(port: channel.localAddress!.port!, channel: channel)
        box.withLock { $0 = router }
        return router
    }

    /// Every sentence received, from all connections, in order.
    var received: [RouterOSSentence] { log.current }
    var accepted: Int { counts.current.accepted }
    var closed: Int { counts.current.closed }

    func endpoint(
        username: String = "admin", password: String = "secret", tls: RouterOSTLS = .off,
        connectTimeout: Duration = .seconds(10), commandTimeout: Duration = .seconds(10), maximumInFlight: Int = 16
    ) -> RouterOSEndpoint {
        RouterOSEndpoint(
            host: host, port: port, tls: tls, username: username, password: password,
            connectTimeout: connectTimeout, commandTimeout: commandTimeout, maximumInFlight: maximumInFlight)
    }

    func stop() async {
        try? await channel.close()
    }

    /// Waits (up to `limit`) until `condition` holds for what was received.
    func waitUntil(_ limit: Duration = .seconds(20), _ condition: ([RouterOSSentence]) -> Bool) async -> Bool {
        let deadline = ContinuousClock.now + limit
        while ContinuousClock.now < deadline {
            if condition(received) { return true }
            try? await Task.sleep(for: .milliseconds(10))
        }
        return condition(received)
    }
}

private final class FakeRouterHandler: ChannelInboundHandler {
    typealias InboundIn = [String]

    let login: FakeRouter.Login
    let log: Locked<[RouterOSSentence]>
    let answer: @Sendable (RouterOSSentence, FakePeer) -> Void

    init(login: FakeRouter.Login, log: Locked<[RouterOSSentence]>, answer: @escaping @Sendable (RouterOSSentence, FakePeer) -> Void) {
        self.login = login
        self.log = log
        self.answer = answer
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let sentence = RouterOSSentence(words: unwrapInboundIn(data))
        log.withLock { $0.append(sentence) }
        let peer = FakePeer(channel: context.channel)
        guard sentence.word == "/login" else { return answer(sentence, peer) }
        switch login {
        case .silent:
            break
        case .plain(let user, let password):
            if sentence["name"] == user && sentence["password"] == password {
                peer.reply(to: sentence, "!done")
            } else {
                refuse(sentence, peer)
            }
        case .challenge(let user, let challenge, let response):
            if let given = sentence["response"] {
                if sentence["name"] == user && given == response {
                    peer.reply(to: sentence, "!done")
                } else {
                    refuse(sentence, peer)
                }
            } else {
                peer.reply(to: sentence, "!done", "=ret=\(challenge)")
            }
        }
    }

    private func refuse(_ sentence: RouterOSSentence, _ peer: FakePeer) {
        peer.reply(to: sentence, "!trap", "=message=invalid user name or password (6)")
        peer.reply(to: sentence, "!done")
    }
}

extension RouterOSSentence {
    /// A sentence with the attributes in `expected`, for `#expect`s on what the router received.
    func has(_ word: String, _ attributes: [String: String] = [:]) -> Bool {
        self.word == word && attributes.allSatisfy { self[$0.key] == $0.value }
    }
}
