import FluentKit
import Foundation
import Logging
import MeghnaCore
import SQLKit

/// Claims and runs jobs. Several workers (in one or many processes) may share a database:
/// PostgreSQL claims with `FOR UPDATE SKIP LOCKED`, SQLite with a single `UPDATE … RETURNING`.
/// A claimed job carries a lease that the worker renews while it runs; when a worker dies, its
/// lease runs out and another worker claims the job again.
public final class JobWorker: Sendable {
    public struct Configuration: Sendable {
        public var queues: [String]
        public var concurrency: Int
        public var leaseSeconds: Double
        public var pollInterval: Duration

        public init(queues: [String] = ["default", "notifications", "network", "billing"], concurrency: Int = 4,
                    leaseSeconds: Double = 60, pollInterval: Duration = .milliseconds(500)) {
            self.queues = queues
            self.concurrency = concurrency
            self.leaseSeconds = leaseSeconds
            self.pollInterval = pollInterval
        }
    }

    public let id: String
    let db: any Database
    let registry: JobRegistry
    let configuration: Configuration
    let clock: Clock
    let logger: Logger

    public init(db: any Database, registry: JobRegistry, configuration: Configuration = .init(), clock: Clock = .system,
                logger: Logger = Logger(label: "meghna.jobs"), id: String? = nil) {
        self.db = db
        self.registry = registry
        self.configuration = configuration
        self.clock = clock
        self.logger = logger
        self.id = id ?? "\(ProcessInfo.processInfo.hostName):\(ProcessInfo.processInfo.processIdentifier):\(UUID().uuidString.prefix(8))"
    }

    struct Claimed: Sendable {
        let id: UUID
        let kind: String
        let payload: String
        let attempt: Int
        let maxAttempts: Int
        let organizationID: UUID?
    }

    /// Claims up to `limit` ready jobs (or jobs whose lease ran out) for this worker.
    func claim(limit: Int) async throws -> [Claimed] {
        let sql = db as! any SQLDatabase
        let now = clock.now()
        let lease = now.addingTimeInterval(configuration.leaseSeconds)
        let lock: SQLQueryString = sql.dialect.name == "postgresql" ? " FOR UPDATE SKIP LOCKED" : ""
        let rows = try await sql.raw("""
            UPDATE jobs SET state = 'running', attempt = attempt + 1, attempted_at = \(bind: now),
                   lease_expires_at = \(bind: lease), locked_by = \(bind: id)
            WHERE id IN (
                SELECT id FROM jobs
                WHERE queue IN (\(binds: configuration.queues))
                  AND ((state IN ('available', 'retryable') AND scheduled_at <= \(bind: now))
                       OR (state = 'running' AND lease_expires_at < \(bind: now) AND attempt < max_attempts))
                ORDER BY priority, scheduled_at
                LIMIT \(bind: limit)\(lock))
            RETURNING id, kind, payload, attempt, max_attempts, organization_id
            """).all()
        return try rows.map {
            Claimed(id: try $0.decode(column: "id", as: UUID.self), kind: try $0.decode(column: "kind", as: String.self),
                    payload: try $0.decode(column: "payload", as: String.self), attempt: try $0.decode(column: "attempt", as: Int.self),
                    maxAttempts: try $0.decode(column: "max_attempts", as: Int.self),
                    organizationID: try $0.decode(column: "organization_id", as: UUID?.self))
        }
    }

    /// Runs one claimed job and records the outcome.
    func perform(_ job: Claimed) async {
        let context = JobContext(id: job.id, kind: job.kind, payload: Data(job.payload.utf8), attempt: job.attempt,
                                 maxAttempts: job.maxAttempts, organizationID: job.organizationID, db: db, queue: JobQueue(clock: clock))
        var jobLogger = logger
        jobLogger[metadataKey: "job_id"] = "\(job.id)"
        jobLogger[metadataKey: "job_kind"] = "\(job.kind)"
        if let org = job.organizationID { jobLogger[metadataKey: "organization_id"] = "\(org)" }
        do {
            guard let handler = registry.handlers[job.kind] else {
                throw JobFailure.discard("no handler is registered for job kind \(job.kind)")
            }
            try await handler(context)
            try await finish(job, state: .completed)
            jobLogger.debug("job completed")
        } catch JobFailure.snooze(let seconds) {
            try? await reschedule(job, after: Double(seconds), error: nil, countAttempt: false)
        } catch JobFailure.discard(let reason) {
            jobLogger.warning("job discarded", metadata: ["error": "\(reason)"])
            try? await finish(job, state: .discarded, error: reason)
        } catch {
            let message = String(describing: error)
            if job.attempt >= job.maxAttempts {
                jobLogger.error("job failed for the last time", metadata: ["error": "\(message)"])
                try? await finish(job, state: .discarded, error: message)
            } else {
                jobLogger.warning("job failed; will retry", metadata: ["error": "\(message)", "attempt": "\(job.attempt)"])
                try? await reschedule(job, after: Self.backoff(attempt: job.attempt), error: message, countAttempt: true)
            }
        }
    }

    /// Exponential backoff with ±20 % jitter: 15 s, 30 s, 1 min, … capped at 6 h.
    public static func backoff(attempt: Int, jitter: Double = Double.random(in: -0.2...0.2)) -> Double {
        let base = min(15 * pow(2, Double(max(attempt - 1, 0))), 6 * 3600)
        return base * (1 + jitter)
    }

    private func appendError(_ job: Claimed, _ message: String) async throws -> String {
        let record = try await JobRecord.find(job.id, on: db)
        var list = record?.errorList ?? []
        list.append(JobErrorEntry(at: clock.now(), attempt: job.attempt, error: String(message.prefix(4000))))
        return String(decoding: try JSONEncoder.jobs.encode(list.suffix(20)), as: UTF8.self)
    }

    private func finish(_ job: Claimed, state: JobState, error: String? = nil) async throws {
        let sql = db as! any SQLDatabase
        let now = clock.now()
        if let error {
            let errors = try await appendError(job, error)
            try await sql.raw("""
                UPDATE jobs SET state = \(bind: state.rawValue), discarded_at = \(bind: now), lease_expires_at = NULL, errors = \(bind: errors)
                WHERE id = \(bind: job.id) AND locked_by = \(bind: id)
                """).run()
        } else {
            try await sql.raw("""
                UPDATE jobs SET state = \(bind: state.rawValue), completed_at = \(bind: now), lease_expires_at = NULL
                WHERE id = \(bind: job.id) AND locked_by = \(bind: id)
                """).run()
        }
    }

    private func reschedule(_ job: Claimed, after seconds: Double, error: String?, countAttempt: Bool) async throws {
        let sql = db as! any SQLDatabase
        let at = clock.now().addingTimeInterval(seconds)
        var errors: String?
        if let error { errors = try await appendError(job, error) }
        let attemptFix: SQLQueryString = countAttempt ? "" : ", attempt = attempt - 1"
        if let errors {
            try await sql.raw("""
                UPDATE jobs SET state = 'retryable', scheduled_at = \(bind: at), lease_expires_at = NULL, errors = \(bind: errors)\(attemptFix)
                WHERE id = \(bind: job.id) AND locked_by = \(bind: id)
                """).run()
        } else {
            try await sql.raw("""
                UPDATE jobs SET state = 'available', scheduled_at = \(bind: at), lease_expires_at = NULL\(attemptFix)
                WHERE id = \(bind: job.id) AND locked_by = \(bind: id)
                """).run()
        }
    }

    /// Extends the leases of this worker's running jobs and records the worker's heartbeat.
    public func heartbeat() async throws {
        let sql = db as! any SQLDatabase
        let now = clock.now()
        try await sql.raw("""
            UPDATE jobs SET lease_expires_at = \(bind: now.addingTimeInterval(configuration.leaseSeconds))
            WHERE state = 'running' AND locked_by = \(bind: id)
            """).run()
        let queues = configuration.queues.joined(separator: ",")
        let info = ProcessInfo.processInfo
        try await sql.raw("""
            INSERT INTO job_workers (id, hostname, pid, queues, started_at, heartbeat_at)
            VALUES (\(bind: id), \(bind: info.hostName), \(bind: Int(info.processIdentifier)), \(bind: queues), \(bind: now), \(bind: now))
            ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at
            """).run()
    }

    /// Discards running jobs whose lease expired after their last allowed attempt, and forgets dead workers.
    public func sweep() async throws {
        let sql = db as! any SQLDatabase
        let now = clock.now()
        let entry = String(decoding: try JSONEncoder.jobs.encode(JobErrorEntry(at: now, attempt: 0, error: "worker lease expired on the last attempt")),
                           as: UTF8.self)
        let rows = try await sql.raw("""
            SELECT id, errors FROM jobs WHERE state = 'running' AND lease_expires_at < \(bind: now) AND attempt >= max_attempts
            """).all()
        for row in rows {
            let id = try row.decode(column: "id", as: UUID.self)
            let errors = try row.decode(column: "errors", as: String.self)
            let merged = errors == "[]" ? "[\(entry)]" : String(errors.dropLast()) + ",\(entry)]"
            try await sql.raw("""
                UPDATE jobs SET state = 'discarded', discarded_at = \(bind: now), lease_expires_at = NULL, errors = \(bind: merged)
                WHERE id = \(bind: id) AND state = 'running'
                """).run()
        }
        try await sql.raw("DELETE FROM job_workers WHERE heartbeat_at < \(bind: now.addingTimeInterval(-3600))").run()
    }

    /// Runs jobs until none is ready. Returns how many ran. Used by tests, benchmarks and `meghna jobs drain`.
    @discardableResult
    public func drain(maxJobs: Int = .max) async throws -> Int {
        var ran = 0
        while ran < maxJobs {
            let batch = try await claim(limit: min(configuration.concurrency, maxJobs - ran))
            if batch.isEmpty { break }
            await withTaskGroup(of: Void.self) { group in
                for job in batch { group.addTask { await self.perform(job) } }
            }
            ran += batch.count
        }
        return ran
    }

    /// The long-running loop: heartbeat, sweep, claim, run; until the task is cancelled.
    public func run() async {
        logger.info("worker started", metadata: ["worker": "\(id)", "queues": "\(configuration.queues.joined(separator: ","))"])
        let heartbeatEvery = max(configuration.leaseSeconds / 3, 1)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                while !Task.isCancelled {
                    do {
                        try await self.heartbeat()
                        try await self.sweep()
                    } catch {
                        self.logger.error("worker heartbeat failed", metadata: ["error": "\(error)"])
                    }
                    try? await Task.sleep(for: .seconds(heartbeatEvery))
                }
            }
            group.addTask {
                while !Task.isCancelled {
                    do {
                        let ran = try await self.drain(maxJobs: self.configuration.concurrency * 8)
                        if ran == 0 { try? await Task.sleep(for: self.configuration.pollInterval) }
                    } catch {
                        self.logger.error("claiming jobs failed", metadata: ["error": "\(error)"])
                        try? await Task.sleep(for: .seconds(2))
                    }
                }
            }
            await group.waitForAll()
        }
        // Leave the live-worker list at once rather than after the heartbeat ages out.
        try? await (db as! any SQLDatabase).raw("DELETE FROM job_workers WHERE id = \(bind: id)").run()
        logger.info("worker stopped", metadata: ["worker": "\(id)"])
    }
}
