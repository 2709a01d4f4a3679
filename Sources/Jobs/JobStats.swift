import FluentKit
import Foundation
import SQLKit

/// Read models for the Jobs page and metrics.
public enum JobStats {
    public struct Count: Sendable, Equatable {
        public var queue: String
        public var state: String
        public var count: Int
    }

    public static func counts(on db: any Database) async throws -> [Count] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("SELECT queue, state, COUNT(*) AS n FROM jobs GROUP BY queue, state ORDER BY queue, state").all()
        return try rows.map {
            Count(queue: try $0.decode(column: "queue", as: String.self), state: try $0.decode(column: "state", as: String.self),
                  count: try $0.decode(column: "n", as: Int.self))
        }
    }

    /// Seconds the oldest ready job has waited, per queue.
    public static func lag(now: Date, on db: any Database) async throws -> [String: Double] {
        let rows = try await JobRecord.query(on: db).filter(\.$state ~~ ["available", "retryable"]).filter(\.$scheduledAt <= now).all()
        var result: [String: Double] = [:]
        for row in rows { result[row.queue] = max(result[row.queue] ?? 0, now.timeIntervalSince(row.scheduledAt)) }
        return result
    }

    public static func running(on db: any Database) async throws -> [JobRecord] {
        try await JobRecord.query(on: db).filter(\.$state == "running").sort(\.$attemptedAt).limit(100).all()
    }

    public static func recentFailures(on db: any Database, limit: Int = 50) async throws -> [JobRecord] {
        try await JobRecord.query(on: db).group(.or) { $0.filter(\.$state == "discarded").filter(\.$state == "retryable") }
            .sort(\.$attemptedAt, .descending).limit(limit).all()
    }

    /// Jobs completed per minute over the last `minutes` minutes, oldest first (one entry per minute).
    public static func completedPerMinute(until now: Date, minutes: Int = 60, on db: any Database) async throws -> [(minute: Date, count: Int)] {
        let sql = db as! any SQLDatabase
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - Double(minutes - 1) * 60)
        let bucket: SQLQueryString = sql.dialect.name == "postgresql"
            ? "FLOOR(EXTRACT(EPOCH FROM completed_at) / 60)" : "CAST(completed_at / 60 AS INTEGER)"
        let rows = try await sql.raw("""
            SELECT \(bucket) AS minute, COUNT(*) AS n FROM jobs
            WHERE state = 'completed' AND completed_at >= \(bind: start) GROUP BY 1
            """).all()
        var counts: [Int: Int] = [:]
        for row in rows {
            let minute = try (try? row.decode(column: "minute", as: Int.self)) ?? Int(row.decode(column: "minute", as: Double.self))
            counts[minute] = try row.decode(column: "n", as: Int.self)
        }
        let first = Int(start.timeIntervalSince1970 / 60)
        return (0..<minutes).map { offset in
            (Date(timeIntervalSince1970: Double(first + offset) * 60), counts[first + offset] ?? 0)
        }
    }

    /// Jobs completed in the window, for throughput.
    public static func completed(since: Date, on db: any Database) async throws -> Int {
        try await JobRecord.query(on: db).filter(\.$state == "completed").filter(\.$completedAt >= since).count()
    }

    public static func workers(freshSince: Date, on db: any Database) async throws -> [(id: String, heartbeat: Date)] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("SELECT id, heartbeat_at FROM job_workers WHERE heartbeat_at >= \(bind: freshSince) ORDER BY id").all()
        return try rows.map { (try $0.decode(column: "id", as: String.self), try $0.decode(column: "heartbeat_at", as: Date.self)) }
    }

    /// Staff action: run a failed or discarded job again now.
    public static func retry(_ id: UUID, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            UPDATE jobs SET state = 'available', scheduled_at = \(bind: now), discarded_at = NULL,
                   max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
            WHERE id = \(bind: id) AND state IN ('retryable', 'discarded', 'cancelled') RETURNING id
            """).all()
        return !rows.isEmpty
    }

    /// Staff action: stop a waiting job.
    public static func discard(_ id: UUID, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            UPDATE jobs SET state = 'cancelled', discarded_at = \(bind: now)
            WHERE id = \(bind: id) AND state IN ('available', 'retryable') RETURNING id
            """).all()
        return !rows.isEmpty
    }

    public static func prune(olderThan date: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM jobs WHERE state = 'completed' AND completed_at < \(bind: date)").run()
    }
}
