import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import RouterOS

public struct RouterHeartbeatPayload: Codable, Sendable, Equatable {
    public var routerID: UUID
    public var organizationID: UUID

    public init(routerID: UUID, organizationID: UUID) {
        self.routerID = routerID
        self.organizationID = organizationID
    }

    enum CodingKeys: String, CodingKey {
        case routerID = "router_id"
        case organizationID = "organization_id"
    }
}

/// The heartbeat: every router is asked for `/system/resource` on its interval. Each answer or
/// miss is a sample; `down_after_misses` misses in a row mark the router down (an event, and
/// an email to the network staff), the first answer after that marks it up again.
public enum Heartbeat {
    public static let kind = JobKind<RouterHeartbeatPayload>("network.router_heartbeat")
    /// Runs every minute and queues the heartbeats that are due.
    public static let scheduleKind = "network.schedule_heartbeats"
    public static let queue = "network"
    /// How long a heartbeat waits for the answer.
    public static let timeout: Duration = .seconds(5)

    /// Queues one heartbeat per active router whose interval has passed (at most one waiting per
    /// router: the unique key holds the minute). Returns how many were queued.
    @discardableResult
    public static func queueDue(services: PlatformServices, on db: any Database) async throws -> Int {
        let now = services.clock.now()
        let routers = try await Router.query(on: db).filter(\.$status == .active).all()
        var queued = 0
        let minute = Int(now.timeIntervalSince1970 / 60)
        for router in routers {
            // A few seconds of slack, so a 60 s interval is not skipped by a late minute tick.
            if let last = router.lastCheckAt, now.timeIntervalSince(last) < Double(router.heartbeatSeconds) - 5 { continue }
            if try await services.jobs.enqueue(kind, .init(routerID: router.id!, organizationID: router.organizationID), queue: queue,
                                               organizationID: router.organizationID, uniqueKey: "heartbeat:\(router.id!):\(minute)",
                                               maxAttempts: 1, on: db) != nil {
                queued += 1
            }
        }
        return queued
    }

    /// A heartbeat at once (a router just added, or its connection settings changed), so its
    /// page shows whether it answers within seconds rather than at the next minute.
    static func queueNow(_ router: Router, services: PlatformServices, on db: any Database) async throws {
        guard router.status == .active else { return }
        try await services.jobs.enqueue(kind, .init(routerID: router.id!, organizationID: router.organizationID), queue: queue,
                                        organizationID: router.organizationID, maxAttempts: 1, on: db)
    }

    public enum Outcome: Sendable, Equatable {
        case up(rttMilliseconds: Int)
        case missed(String)
        /// Settings are wrong (a refused login, a certificate that does not match): nothing is
        /// sent until someone changes them or a test connection succeeds.
        case skipped(String)
        case notFound
    }

    /// One heartbeat of one router.
    @discardableResult
    public static func beat(_ payload: RouterHeartbeatPayload, link: RouterLink, services: PlatformServices, on db: any Database) async throws -> Outcome {
        guard let router = try await Router.inOrganization(payload.organizationID, on: db).filter(\.$id == payload.routerID).first(),
              router.status == .active else { return .notFound }
        if router.lastErrorPermanent, let error = router.lastError { return .skipped(error) }
        let settings = try await Settings.load(organizationID: router.organizationID, services: services, on: db)
        let missesToDown = max(1, settings.int("network", "down_after_misses"))
        let started = ContinuousClock.now
        let now = services.clock.now()
        let sample = RouterSample()
        sample.id = TimeOrderedID.next(at: now)
        sample.organizationID = router.organizationID
        sample.routerID = router.id!
        sample.at = now
        sample.periodSeconds = 0
        sample.checks = 1
        let outcome: Outcome
        do {
            let reply = try await RouterCommands.run(.print("/system/resource"), on: router, by: .job(kind.name), timeout: timeout,
                                                     link: link, services: services, on: db)
            let rtt = (ContinuousClock.now - started).wholeMilliseconds
            let row = reply.rows.first ?? [:]
            sample.upChecks = 1
            sample.rttMilliseconds = rtt
            sample.cpuLoad = row["cpu-load"].flatMap(Int.init)
            sample.freeMemory = row["free-memory"].flatMap(Int64.init)
            sample.totalMemory = row["total-memory"].flatMap(Int64.init)
            sample.uptimeSeconds = row["uptime"].flatMap(RouterReadings.seconds)
            router.rttMilliseconds = rtt
            router.cpuLoad = sample.cpuLoad
            router.freeMemory = sample.freeMemory
            router.totalMemory = sample.totalMemory
            router.uptimeSeconds = sample.uptimeSeconds
            if let version = row["version"] { router.rosVersion = version }
            if let board = row["board-name"] { router.boardName = board }
            router.lastSeenAt = now
            router.lastError = nil
            router.consecutiveMisses = 0
            outcome = .up(rttMilliseconds: rtt)
        } catch let error as RouterOSError {
            sample.upChecks = 0
            router.lastError = error.description
            router.lastErrorPermanent = error.isPermanent
            router.consecutiveMisses += 1
            outcome = .missed(error.description)
        }
        router.lastCheckAt = now
        let previous = router.health
        let next: RouterHealth = switch outcome {
        case .up: .up
        case .missed: router.consecutiveMisses >= missesToDown || router.lastErrorPermanent ? .down : (previous == .unknown ? .unknown : previous)
        default: previous
        }
        try await db.writeTransaction { tx in
            try await sample.create(on: tx)
            if next != previous {
                router.health = next
                router.healthSince = now
                if next != .unknown, previous != .unknown || next == .down {
                    try await changed(router, to: next, at: now, services: services, on: tx)
                }
            }
            try await router.save(on: tx)
            // Answering again (or for the first time): whatever it missed goes out now.
            if next == .up && previous != .up {
                try await SubscriptionSync.queueReconcile(router, trigger: "recovery", services: services, on: tx)
            }
        }
        return outcome
    }

    /// A router went down or came back: an event for SLA and incidents, and an email to the
    /// staff who look after it.
    static func changed(_ router: Router, to health: RouterHealth, at now: Date, services: PlatformServices, on db: any Database) async throws {
        let event = RouterEvent()
        event.id = TimeOrderedID.next(at: now)
        event.organizationID = router.organizationID
        event.routerID = router.id!
        event.kind = health == .down ? "down" : "up"
        event.at = now
        event.message = health == .down
            ? "\(router.name) (\(router.host)) is down: \(router.lastError ?? "no answer")"
            : "\(router.name) (\(router.host)) answers again"
        try await event.create(on: db)
        let subject = health == .down ? "Router \(router.name) is down" : "Router \(router.name) is up again"
        let link = "\(services.baseURL)/routers/\(router.id!.uuidString)"
        for staff in try await networkStaff(of: router, on: db) {
            try await services.outbox.queueEmail(OutgoingEmail(organizationID: router.organizationID, to: staff.email, toName: staff.name,
                                                               subject: subject, text: "\(event.message).\n\n\(link)\n", purpose: "router.\(event.kind)"), db)
        }
        try await Audit.record("router.\(event.kind)", event.message, organizationID: router.organizationID, actorUserID: nil,
                               actorLabel: "job \(kind.name)", target: .init("router", router.id), ip: nil, userAgent: nil, at: now, on: db)
    }

    /// Active organization staff whose role may manage routers and who work in the router's branch.
    static func networkStaff(of router: Router, on db: any Database) async throws -> [User] {
        let roles = try await Role.inOrganization(router.organizationID, on: db).all().filter { $0.permissions.contains(.routersManage) }
        guard !roles.isEmpty else { return [] }
        let users = try await User.inOrganization(router.organizationID, on: db)
            .filter(\.$roleID ~~ roles.map { $0.id! }).filter(\.$status == .active).filter(\.$resellerID == nil).all()
        let limits = try await UserBranch.inOrganization(router.organizationID, on: db).filter(\.$userID ~~ users.map { $0.id! }).all()
        return users.filter { user in
            let branches = limits.filter { $0.userID == user.id }.map(\.branchID)
            return branches.isEmpty || branches.contains(router.branchID)
        }
    }
}
