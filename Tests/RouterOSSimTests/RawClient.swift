import Crypto
import NIOCore
import NIOPosix
import NIOSSL
import RouterOS
import RouterOSSim
import Synchronization

/// A bare RouterOS API client for the simulator's tests: sends sentences as given and hands back
/// every sentence the simulator sends, with the shared wire codec and nothing of the real client.
final class RawClient: Sendable {
    enum Event: Sendable, Equatable {
        case sentence([String])
        case closed
    }

    private let channel: any Channel
    private let inbox: Inbox

    private init(channel: any Channel, inbox: Inbox) {
        self.channel = channel
        self.inbox = inbox
    }

    static func connect(to simulator: RouterOSSimulator, tls: NIOSSLContext? = nil) async throws -> RawClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLClientHandler(context: tls, serverHostname: "routeros-sim")) }
                    try pipeline.addHandler(ByteToMessageHandler(RouterOSSentenceDecoder()))
                    try pipeline.addHandler(MessageToByteHandler(RouterOSSentenceEncoder()))
                    try pipeline.addHandler(Collector(inbox: inbox))
                }
            }
            .connect(host: simulator.host, port: simulator.port).get()
        return RawClient(channel: channel, inbox: inbox)
    }

    /// Connects and logs in plainly.
    static func loggedIn(to simulator: RouterOSSimulator, user: String = "admin", password: String = "") async throws -> RawClient {
        let client = try await connect(to: simulator)
        let reply = try await client.run(["/login", "=name=\(user)", "=password=\(password)"])
        guard reply == [["!done"]] else { throw Failure("login failed: \(reply)") }
        return client
    }

    func send(_ words: [String]) {
        channel.writeAndFlush(words, promise: nil)
    }

    /// A connection without the codec, for bytes that are not sentences; its events only say when it closes.
    static func connectBare(to simulator: RouterOSSimulator) async throws -> RawClient {
        let inbox = Inbox()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(CloseWatcher(inbox: inbox)) }
            }
            .connect(host: simulator.host, port: simulator.port).get()
        return RawClient(channel: channel, inbox: inbox)
    }

    func sendBytes(_ bytes: [UInt8]) {
        channel.writeAndFlush(ByteBuffer(bytes: bytes), promise: nil)
    }

    /// The next thing that arrives: a sentence, or that the simulator closed the connection.
    func next() async -> Event { await inbox.next() }

    /// The next thing that arrives, with the time it reached the connection.
    func nextTimed() async -> (Event, ContinuousClock.Instant) { await inbox.nextTimed() }

    /// Sentences received and not read yet.
    var waiting: Int { inbox.count }

    /// Sends a command and reads every sentence up to and including the `!done` (or `!fatal`) for it.
    func run(_ words: [String]) async throws -> [[String]] {
        send(words)
        return try await readReply(tag: RouterOSSentence(words: words).tag)
    }

    /// Reads until the `!done` carrying `tag`; sentences for other tags are kept for later reads.
    func readReply(tag: String? = nil) async throws -> [[String]] {
        var reply: [[String]] = []
        while true {
            switch await next() {
            case .closed: throw Failure("connection closed after \(reply)")
            case .sentence(let words):
                reply.append(words)
                if words.first == "!fatal" { return reply }
                if words.first == "!done" && RouterOSSentence(words: words).tag == tag { return reply }
            }
        }
    }

    /// `!re` rows of a reply as dictionaries.
    static func rows(_ reply: [[String]]) -> [[String: String]] {
        reply.filter { $0.first == "!re" }.map { RouterOSSentence(words: $0).row }
    }

    func close() async {
        try? await channel.close()
    }

    static func md5Response(password: String, challengeHex: String) -> String {
        var bytes: [UInt8] = []
        var index = challengeHex.startIndex
        while index < challengeHex.endIndex {
            let end = challengeHex.index(index, offsetBy: 2)
            bytes.append(UInt8(challengeHex[index..<end], radix: 16)!)
            index = end
        }
        var md5 = Insecure.MD5()
        md5.update(data: [0] + Array(password.utf8) + bytes)
        let digits = Array("0123456789abcdef")
        return "00" + String(md5.finalize().flatMap { [digits[Int($0 >> 4)], digits[Int($0 & 0x0F)]] })
    }
}

struct Failure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Sentences (and the close) in arrival order, for one reader at a time.
final class Inbox: Sendable {
    private struct State {
        var events: [(RawClient.Event, ContinuousClock.Instant)] = []
        var waiter: CheckedContinuation<(RawClient.Event, ContinuousClock.Instant), Never>?
    }

    private let state = Mutex(State())

    /// Called on the event loop as each event arrives; the arrival time is taken there, so timing
    /// tests measure the wire, not how late the test's task was scheduled on a busy machine.
    func push(_ event: RawClient.Event) {
        let arrived = ContinuousClock.now
        let waiter = state.withLock { state -> CheckedContinuation<(RawClient.Event, ContinuousClock.Instant), Never>? in
            if let waiter = state.waiter {
                state.waiter = nil
                return waiter
            }
            state.events.append((event, arrived))
            return nil
        }
        waiter?.resume(returning: (event, arrived))
    }

    func next() async -> RawClient.Event { await nextTimed().0 }

    /// The next event and when it arrived.
    func nextTimed() async -> (RawClient.Event, ContinuousClock.Instant) {
        await withCheckedContinuation { continuation in
            let event = state.withLock { state -> (RawClient.Event, ContinuousClock.Instant)? in
                if !state.events.isEmpty { return state.events.removeFirst() }
                state.waiter = continuation
                return nil
            }
            if let event { continuation.resume(returning: event) }
        }
    }

    var count: Int { state.withLock { $0.events.count } }
}

private final class Collector: ChannelInboundHandler {
    typealias InboundIn = [String]
    let inbox: Inbox
    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        inbox.push(.sentence(unwrapInboundIn(data)))
    }

    func channelInactive(context: ChannelHandlerContext) {
        inbox.push(.closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}

private final class CloseWatcher: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let inbox: Inbox
    init(inbox: Inbox) { self.inbox = inbox }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {}

    func channelInactive(context: ChannelHandlerContext) {
        inbox.push(.closed)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
