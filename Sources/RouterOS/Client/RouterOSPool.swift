import Logging
import NIOCore
import NIOPosix

/// One long-lived session per router, opened on demand and reopened after it is lost. A router
/// that cannot be reached is tried again only after a backoff (1 s doubling to 30 s); until then
/// calls fail at once with the last error instead of hammering it.
public actor RouterOSPool {
    private enum State {
        case connecting(Task<RouterOSConnection, any Error>)
        case open(RouterOSConnection)
        case failed(RouterOSError, retryAt: ContinuousClock.Instant)
    }

    private struct Session {
        var endpoint: RouterOSEndpoint
        var state: State
        /// Told apart from a later session for the same key when a connect attempt finishes.
        var generation: Int
        /// The wait after the next failed connect.
        var backoff: Duration

        var openConnection: RouterOSConnection? {
            if case .open(let connection) = state { return connection }
            return nil
        }
    }

    private let group: any EventLoopGroup
    private let logger: Logger
    private let initialBackoff: Duration
    private let maximumBackoff: Duration
    private var sessions: [String: Session] = [:]
    private var generations = 0
    private var isShutDown = false

    public init(
        group: any EventLoopGroup = RouterOSConnection.eventLoopGroup, logger: Logger = Logger(label: "meghna.routeros.pool"),
        initialBackoff: Duration = .seconds(1), maximumBackoff: Duration = .seconds(30)
    ) {
        self.group = group
        self.logger = logger
        self.initialBackoff = initialBackoff
        self.maximumBackoff = maximumBackoff
    }

    /// Runs on the session for `key` (e.g. the router's id), opening it when needed; a changed
    /// endpoint for the same key (a password edited) closes the old session first.
    /// Commands are not retried on a lost connection: an `add` may already have happened.
    public func run(_ command: RouterOSCommand, key: String, endpoint: RouterOSEndpoint, timeout: Duration? = nil) async throws -> RouterOSReply {
        let connection = try await session(key: key, endpoint: endpoint)
        return try await connection.run(command, timeout: timeout)
    }

    /// The open session for `key`, connecting (once, however many callers wait) when there is none.
    public func connection(key: String, endpoint: RouterOSEndpoint) async throws -> RouterOSConnection {
        try await session(key: key, endpoint: endpoint)
    }

    public func close(key: String) async {
        guard let session = sessions.removeValue(forKey: key) else { return }
        await close(session)
    }

    /// Closes every session; later calls fail with `.closed`.
    public func shutdown() async {
        isShutDown = true
        let connections = sessions.values.compactMap(\.openConnection)
        sessions = [:]
        // In parallel: a TLS close waits for the router's close_notify, and dead routers never send one.
        await withTaskGroup(of: Void.self) { group in
            for connection in connections { group.addTask { await connection.close() } }
        }
    }

    /// An attempt still connecting finishes on its own: `connect(key:)` then finds its session
    /// gone and closes what it got.
    private func close(_ session: Session) async {
        await session.openConnection?.close()
    }

    private func session(key: String, endpoint: RouterOSEndpoint) async throws -> RouterOSConnection {
        if isShutDown { throw RouterOSError.closed }
        if let existing = sessions[key] {
            if existing.endpoint != endpoint {
                logger.info("the router's settings changed; closing its session", metadata: ["key": "\(key)"])
                sessions[key] = nil
                await close(existing)
                // Closing suspended: another caller may have opened the new session meanwhile.
                return try await session(key: key, endpoint: endpoint)
            }
            switch existing.state {
            case .open(let connection):
                if connection.isOpen { return connection }
                logger.debug("the session was lost; reconnecting", metadata: ["key": "\(key)"])
            case .connecting(let task):
                return try await task.value
            case .failed(let error, let retryAt):
                if ContinuousClock.now < retryAt { throw error }
            }
        }
        return try await connect(key: key, endpoint: endpoint)
    }

    private func connect(key: String, endpoint: RouterOSEndpoint) async throws -> RouterOSConnection {
        let backoff = sessions[key]?.backoff ?? initialBackoff
        generations += 1
        let generation = generations
        let task = Task { [group, logger] in
            try await RouterOSConnection.connect(to: endpoint, group: group, logger: logger)
        }
        sessions[key] = Session(endpoint: endpoint, state: .connecting(task), generation: generation, backoff: backoff)
        do {
            let connection = try await task.value
            guard sessions[key]?.generation == generation else {
                // Closed or replaced while connecting: nobody owns this connection.
                await connection.close()
                throw RouterOSError.closed
            }
            sessions[key] = Session(endpoint: endpoint, state: .open(connection), generation: generation, backoff: initialBackoff)
            return connection
        } catch {
            let failure = (error as? RouterOSError) ?? .connectionLost
            if sessions[key]?.generation == generation {
                // A permanent error (wrong password, pin) will not heal by itself: wait the longest.
                let wait = failure.isPermanent ? maximumBackoff : backoff
                sessions[key] = Session(
                    endpoint: endpoint, state: .failed(failure, retryAt: .now + wait), generation: generation,
                    backoff: min(backoff * 2, maximumBackoff))
                logger.info("cannot open the session", metadata: ["key": "\(key)", "error": "\(failure)", "retry-in": "\(wait)"])
            }
            throw failure
        }
    }
}
