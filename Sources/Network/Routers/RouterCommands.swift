import FluentKit
import Foundation
import Logging
import MeghnaCore
import Platform
import RouterOS

/// How Network reaches routers: one long-lived session per router (the pool) for commands and
/// heartbeats, a fresh connection for "Test connection".
public struct RouterLink: Sendable {
    public let pool: RouterOSPool
    /// Serializes the reconciles of each router in this process.
    public let locks = RouterLocks()
    /// Overrides how "Test connection" opens its connection (tests point it at a simulator).
    public var connect: @Sendable (RouterOSEndpoint) async throws -> RouterOSConnection

    public init(pool: RouterOSPool, connect: (@Sendable (RouterOSEndpoint) async throws -> RouterOSConnection)? = nil) {
        self.pool = pool
        self.connect = connect ?? { endpoint in try await RouterOSConnection.connect(to: endpoint) }
    }
}

/// Who sent a command, as the audit shows it.
public struct RouterActor: Sendable, Equatable {
    public var userID: UUID?
    public var label: String

    public init(userID: UUID?, label: String) {
        self.userID = userID
        self.label = label
    }

    public init(_ ctx: TenantContext) {
        self.init(userID: ctx.actor.userID, label: ctx.actor.label)
    }

    public static func job(_ kind: String) -> RouterActor { RouterActor(userID: nil, label: "job \(kind)") }
}

/// Every command sent to a router goes through here and leaves one audit entry, whatever the
/// outcome: its menu and action, the attributes with secrets redacted, the answer or the error,
/// and how long it took.
public enum RouterCommands {
    /// Runs `command` on the router's pooled session.
    public static func run(_ command: RouterOSCommand, on router: Router, by actor: RouterActor, customerID: UUID? = nil, timeout: Duration? = nil,
                           link: RouterLink, services: PlatformServices, on db: any Database) async throws -> RouterOSReply {
        let endpoint = try Routers.endpoint(router, services: services)
        return try await audited(command, router: router, actor: actor, customerID: customerID, services: services, on: db) {
            try await link.pool.run(command, key: router.id!.uuidString, endpoint: endpoint, timeout: timeout)
        }
    }

    /// Runs `body` (which sends `command`) and records it, through the one write path of the
    /// audit (`recordBatch`, which also writes the customer's timeline).
    static func audited(_ command: RouterOSCommand, router: Router, actor: RouterActor, customerID: UUID?, services: PlatformServices, on db: any Database,
                        _ body: () async throws -> RouterOSReply) async throws -> RouterOSReply {
        let started = ContinuousClock.now
        let result: Result<RouterOSReply, RouterOSError>
        do {
            result = .success(try await body())
        } catch let error as RouterOSError {
            result = .failure(error)
        }
        try await recordBatch([BatchItem(command, customerID: customerID)], [result], [ContinuousClock.now - started], router: router, actor: actor,
                              services: services, on: db)
        return try result.get()
    }

    /// The attributes and queries as a JSON object of strings, secrets redacted.
    public static func arguments(_ command: RouterOSCommand) -> String {
        var object: [String: String] = [:]
        for attribute in command.redactedAttributes { object[attribute.name] = attribute.value }
        if !command.queries.isEmpty { object["?"] = command.queries.joined(separator: " ") }
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self)
    }

    /// The audit, newest first, filtered.
    public struct Filter: Sendable {
        public var routerID: String?
        public var customerID: String?
        public var menu: String?
        public var outcome: String?
        public var actor: String?

        public init(routerID: String? = nil, customerID: String? = nil, menu: String? = nil, outcome: String? = nil, actor: String? = nil) {
            self.routerID = routerID
            self.customerID = customerID
            self.menu = menu
            self.outcome = outcome
            self.actor = actor
        }
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<RouterCommandEntry> {
        try ctx.require(.routersRead)
        var v = Validator()
        if let outcome = filter.outcome.nonBlank, !["done", "trap", "error"].contains(outcome) { v.add("outcome", "must be one of done, trap, error") }
        try v.check()
        let query = RouterCommandEntry.scoped(to: ctx, on: db)
        // Branch staff see the commands of their branches' routers only.
        if ctx.branchIDs != nil || ctx.isResellerScoped {
            let visible = try await Router.scoped(to: ctx, on: db).all(\.$id)
            query.filter(\.$routerID ~~ visible)
        }
        if let raw = filter.routerID.nonBlank {
            query.filter(\.$routerID == (UUID(uuidString: raw) ?? UUID()))
        }
        if let raw = filter.customerID.nonBlank {
            query.filter(\.$customerID == (UUID(uuidString: raw) ?? UUID()))
        }
        if let menu = filter.menu.nonBlank { query.filter(\.$menu == (menu.hasPrefix("/") ? menu : "/" + menu)) }
        if let outcome = filter.outcome.nonBlank { query.filter(\.$outcome == outcome) }
        if let actor = filter.actor.nonBlank { query.filter(\.$actorLabel, .custom("LIKE"), "%\(actor)%") }
        return try await query.paginateNewestFirst(page, by: \.$at)
    }
}

/// One writer per router at a time: two reconciles of one router (a subscription's change and
/// the quarter-hour run) must not both add the same missing entry.
public actor RouterLocks {
    private var held: Set<UUID> = []
    private var waiters: [UUID: [CheckedContinuation<Void, Never>]] = [:]

    public init() {}

    public func withLock<T: Sendable>(_ key: UUID, _ body: @Sendable () async throws -> T) async throws -> T {
        await acquire(key)
        do {
            let result = try await body()
            release(key)
            return result
        } catch {
            release(key)
            throw error
        }
    }

    private func acquire(_ key: UUID) async {
        if held.insert(key).inserted { return }
        await withCheckedContinuation { waiters[key, default: []].append($0) }
    }

    private func release(_ key: UUID) {
        if var queue = waiters[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiters[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            held.remove(key)
        }
    }
}
