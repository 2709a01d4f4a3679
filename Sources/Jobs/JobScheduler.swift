import FluentKit
import Foundation
import Logging
import MeghnaCore
import SQLKit

/// A recurring job: when `cron` fires, enqueue `kind` with `payload`.
public struct ScheduledJob: Sendable {
    public var name: String
    public var cron: CronExpression
    public var kind: String
    public var payload: String
    public var queue: String
    public var timeZone: TimeZone

    public init(name: String, cron: CronExpression, kind: String, payload: String = "{}", queue: String = "default",
                timeZone: TimeZone = TimeZone(identifier: "Asia/Dhaka")!) {
        self.name = name
        self.cron = cron
        self.kind = kind
        self.payload = payload
        self.queue = queue
        self.timeZone = timeZone
    }
}

/// A named lease in the database: one holder at a time, until it expires or is renewed.
public struct DatabaseLease: Sendable {
    public let name: String
    public let holder: String

    public init(name: String, holder: String) {
        self.name = name
        self.holder = holder
    }

    /// Takes or renews the lease; false when another holder's lease is still valid.
    public func acquire(for seconds: Double, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            INSERT INTO leases (name, holder, expires_at) VALUES (\(bind: name), \(bind: holder), \(bind: now.addingTimeInterval(seconds)))
            ON CONFLICT (name) DO UPDATE SET holder = excluded.holder, expires_at = excluded.expires_at
            WHERE leases.holder = excluded.holder OR leases.expires_at < \(bind: now)
            RETURNING holder
            """).all()
        return try rows.first?.decode(column: "holder", as: String.self) == holder
    }
}

/// Enqueues recurring jobs. Every instance may run a scheduler; a database lease makes one of
/// them the active one, and each fire time carries a unique key so even a lost lease cannot
/// enqueue twice.
public final class JobScheduler: Sendable {
    let db: any Database
    let schedules: [ScheduledJob]
    let clock: Clock
    let lease: DatabaseLease
    let logger: Logger

    public init(db: any Database, schedules: [ScheduledJob], clock: Clock = .system, instanceID: String = UUID().uuidString,
                logger: Logger = Logger(label: "meghna.scheduler")) {
        self.db = db
        self.schedules = schedules
        self.clock = clock
        self.lease = DatabaseLease(name: "scheduler", holder: instanceID)
        self.logger = logger
    }

    /// One pass: when this instance holds the lease, enqueue every fire time that is due. Returns jobs enqueued.
    @discardableResult
    public func tick() async throws -> Int {
        let now = clock.now()
        guard try await lease.acquire(for: 60, now: now, on: db) else { return 0 }
        let sql = db as! any SQLDatabase
        let queue = JobQueue(clock: clock)
        var enqueued = 0
        for schedule in schedules {
            let row = try await sql.raw("SELECT last_fired_at FROM scheduled_job_runs WHERE name = \(bind: schedule.name)").first()
            // A new schedule starts from now: it does not replay fire times from before it existed.
            let last = try row?.decode(column: "last_fired_at", as: Date.self) ?? now.addingTimeInterval(-1)
            var cursor = last
            var fired = 0
            while let next = schedule.cron.next(after: cursor, in: schedule.timeZone), next <= now, fired < 100 {
                let key = "cron:\(schedule.name):\(Int(next.timeIntervalSince1970))"
                let id = try await queue.enqueue(schedule.kind, json: schedule.payload, queue: schedule.queue, uniqueKey: key, on: db)
                if id != nil { enqueued += 1 }
                cursor = next
                fired += 1
            }
            try await sql.raw("""
                INSERT INTO scheduled_job_runs (name, last_fired_at) VALUES (\(bind: schedule.name), \(bind: cursor))
                ON CONFLICT (name) DO UPDATE SET last_fired_at = excluded.last_fired_at
                """).run()
        }
        return enqueued
    }

    public func run(every interval: Duration = .seconds(10)) async {
        while !Task.isCancelled {
            do {
                try await tick()
            } catch {
                logger.error("scheduler tick failed", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }
}

