import NIOCore
import NIOPosix
import NIOSSL
import RouterOS
import Synchronization

/// A simulated MikroTik router speaking the RouterOS API (plain on 8728 or TLS like API-SSL on
/// 8729) with in-memory menus, for tests, demos and the real Python clients to talk to.
/// Everything a test changes (latency, a hang, customers connecting) takes effect at once on
/// every open connection.
public final class RouterOSSimulator: Sendable {
    public enum LoginMethod: String, Sendable, Hashable {
        /// `/login =name= =password=` (RouterOS 6.43 and later; the only one since 6.45.1).
        case plain
        /// A `/login` without `=response=` gets `=ret=<challenge>`, then `=response=00<md5>` (before 6.43).
        case challenge
        /// Both (6.43–6.45): `=password=` logs in plainly, a bare `/login` gets the challenge.
        case both
    }

    public struct Configuration: Sendable {
        public var host: String
        /// 0: any free port (read `port` after start).
        public var port: Int
        public var username: String
        public var password: String
        public var login: LoginMethod
        public var identity: String
        /// 6.x answers yes/no booleans, 7.x true/false.
        public var version: String
        public var boardName: String
        /// `!empty` before `!done` when a print has nothing to show (RouterOS 7.18 and later).
        public var emptyReplies: Bool
        /// When set the simulator speaks TLS (API-SSL); see `RouterOSSimulator.tlsContext`.
        public var tls: NIOSSLContext?

        public init(host: String = "127.0.0.1", port: Int = 0, username: String = "admin", password: String = "",
                    login: LoginMethod = .plain, identity: String = "MikroTik", version: String = "7.18.2 (stable)",
                    boardName: String = "CCR2004-16G-2S+", emptyReplies: Bool = true, tls: NIOSSLContext? = nil) {
            self.host = host
            self.port = port
            self.username = username
            self.password = password
            self.login = login
            self.identity = identity
            self.version = version
            self.boardName = boardName
            self.emptyReplies = emptyReplies
            self.tls = tls
        }
    }

    private let core: SimulatorCore
    private let serverChannel: any Channel
    public let host: String
    public let port: Int

    private init(core: SimulatorCore, serverChannel: any Channel, host: String, port: Int) {
        self.core = core
        self.serverChannel = serverChannel
        self.host = host
        self.port = port
    }

    /// Listens on `configuration.host:port` (port 0: a free one) until `stop()`.
    public static func start(_ configuration: Configuration = .init(),
                             group: any EventLoopGroup = RouterOSConnection.eventLoopGroup) async throws -> RouterOSSimulator {
        let core = SimulatorCore(configuration)
        let tls = configuration.tls
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    if let tls { try pipeline.addHandler(NIOSSLServerHandler(context: tls)) }
                    try pipeline.addHandler(ByteToMessageHandler(RouterOSSentenceDecoder(maximumWordLength: 1 << 20,
                                                                                         maximumWordsPerSentence: 10_000)))
                    try pipeline.addHandler(MessageToByteHandler(RouterOSSentenceEncoder()))
                    try pipeline.addHandler(SimConnectionHandler(core: core))
                }
            }
        let channel = try await bootstrap.bind(host: configuration.host, port: configuration.port).get()
        let port = channel.localAddress?.port ?? configuration.port
        return RouterOSSimulator(core: core, serverChannel: channel, host: configuration.host, port: port)
    }

    /// Stops listening and closes every client connection.
    public func stop() async {
        try? await serverChannel.close()
        core.dropConnections()
    }

    /// A server TLS context from a PEM certificate (chain) and its PEM private key.
    public static func tlsContext(certificatePEM: String, privateKeyPEM: String) throws -> NIOSSLContext {
        let chain = try NIOSSLCertificate.fromPEMBytes(Array(certificatePEM.utf8))
        let key = try NIOSSLPrivateKey(bytes: Array(privateKeyPEM.utf8), format: .pem)
        let configuration = TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) },
                                                                     privateKey: .privateKey(key))
        return try NIOSSLContext(configuration: configuration)
    }

    // MARK: Faults, changeable at any time

    /// Added before each reply to each command (independently per command: tagged commands overlap).
    public func setLatency(_ latency: Duration) { core.update { $0.latency = latency } }
    /// Commands after login get no reply at all until un-hung (a `/cancel` still answers them).
    public func setHung(_ hung: Bool) {
        core.update { $0.hung = hung }
        if !hung { core.resumeAll() }
    }
    /// E.g. `!weird`: sent (with the command's `.tag`) before each `!done`.
    public func setUnknownReplyWord(_ word: String?) { core.update { $0.unknownReplyWord = word } }
    /// Commands whose word is `command` (e.g. `/ppp/secret/add`) are refused with `!trap`
    /// `message` (category 1, bad argument), as a router refuses data it cannot take; nil stops it.
    public func setRefusal(_ command: String, message: String?) { core.update { $0.refusals[command] = message } }
    /// Closes every open client connection now (the simulator keeps listening).
    public func dropConnections() { core.dropConnections() }
    /// The `cpu-load` `/system/resource/print` reports.
    public func setCPULoad(_ percent: Int) { core.update { $0.database.cpuLoad = percent } }
    public var openConnections: Int { core.read { $0.connections.count } }
    /// Sentences received on all connections since start, `/login` and `/cancel` included.
    public var commandsReceived: Int { core.read { $0.commandsReceived } }

    // MARK: Customers and state

    /// A PPP customer comes online: a row in `/ppp/active`; returns its `.id`.
    @discardableResult
    public func connectPPP(name: String, address: String, callerID: String = "AA:BB:CC:00:00:01",
                           service: String = "pppoe") -> String {
        core.update { state in
            let session = state.database.nextSessionID()
            return state.database.insert("/ppp/active", ["name": name, "service": service, "caller-id": callerID,
                                                         "address": address, "session-id": session],
                                         now: .now, connected: true)
        }
    }

    /// A hotspot customer logs in: a row in `/ip/hotspot/active`; returns its `.id`.
    @discardableResult
    public func connectHotspot(user: String, address: String, macAddress: String = "AA:BB:CC:00:00:02") -> String {
        core.update { state in
            state.database.insert("/ip/hotspot/active", ["user": user, "address": address, "mac-address": macAddress],
                                  now: .now, connected: true)
        }
    }

    /// The rows of a menu as `print` shows them, with `.id` (e.g. `rows("/ppp/secret")`); empty for an unknown menu.
    public func rows(_ menu: String) -> [[String: String]] {
        core.read { state in
            (state.database.printedRows(menu, now: .now) ?? []).map { Dictionary($0, uniquingKeysWith: { $1 }) }
        }
    }

    /// Adds a row as given, without the checks `add` makes (defaults are filled in); a menu the
    /// simulator does not model is made up, and then takes add/set/remove/print. Returns the `.id`.
    @discardableResult
    public func insert(_ menu: String, _ row: [String: String]) -> String {
        core.update { $0.database.insert(menu, row, now: .now, connected: false) }
    }

    /// The name `/system/identity/print` answers.
    public var identity: String { core.read { $0.database.identity } }
}

/// What all connections of one simulator share, behind one lock.
final class SimulatorCore: Sendable {
    struct State: Sendable {
        var database: SimDatabase
        var latency: Duration = .zero
        var hung = false
        var unknownReplyWord: String?
        var refusals: [String: String] = [:]
        var connections: [ObjectIdentifier: any Channel] = [:]
        var commandsReceived = 0
    }

    let configuration: RouterOSSimulator.Configuration
    private let state: Mutex<State>

    init(_ configuration: RouterOSSimulator.Configuration) {
        self.configuration = configuration
        state = Mutex(State(database: SimDatabase(identity: configuration.identity, version: configuration.version,
                                                              boardName: configuration.boardName, started: .now)))
    }

    func read<T>(_ body: (State) -> T) -> T { state.withLock { body($0) } }
    func update<T>(_ body: (inout State) -> T) -> T { state.withLock { body(&$0) } }

    var latency: Duration { read { $0.latency } }
    var isHung: Bool { read { $0.hung } }
    var unknownReplyWord: String? { read { $0.unknownReplyWord } }

    func countCommand() { update { $0.commandsReceived += 1 } }

    func execute(_ sentence: RouterOSSentence) -> SimOutcome {
        update { state in
            if let message = state.refusals[sentence.word] { return .trap(message, category: 1) }
            return state.database.execute(sentence, now: .now)
        }
    }

    func register(_ channel: any Channel) { update { $0.connections[ObjectIdentifier(channel)] = channel } }
    func unregister(_ channel: any Channel) { update { $0.connections[ObjectIdentifier(channel)] = nil } }

    func dropConnections() {
        for channel in read({ Array($0.connections.values) }) { channel.close(promise: nil) }
    }

    func resumeAll() {
        for channel in read({ Array($0.connections.values) }) {
            channel.pipeline.fireUserInboundEventTriggered(SimEvent.resume)
        }
    }
}
