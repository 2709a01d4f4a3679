import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// Read models for the Jobs page and metrics, and the page's two staff actions.
///
/// `organization` scopes everything to one tenant's jobs; nil means every job (platform
/// operators and `/metrics`). Jobs without an organization are platform jobs and only appear
/// unscoped.
public enum JobStats {
    public struct Count: Sendable, Equatable {
        public var queue: String
        public var state: String
        public var count: Int
    }

    static func scope(_ organization: UUID?) -> SQLQueryString {
        guard let organization else { return "" }
        return " AND organization_id = \(bind: organization)"
    }

    public static func counts(organization: UUID? = nil, on db: any Database) async throws -> [Count] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            SELECT queue, state, COUNT(*) AS n FROM jobs WHERE 1 = 1\(scope(organization)) GROUP BY queue, state ORDER BY queue, state
            """).all()
        return try rows.map {
            Count(queue: try $0.decode(column: "queue", as: String.self), state: try $0.decode(column: "state", as: String.self),
                  count: try $0.decode(column: "n", as: Int.self))
        }
    }

    /// Seconds the oldest ready job has waited, per queue.
    public static func lag(now: Date, on db: any Database) async throws -> [String: Double] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            SELECT queue, MIN(scheduled_at) AS oldest FROM jobs
            WHERE state IN ('available', 'retryable') AND scheduled_at <= \(bind: now) GROUP BY queue
            """).all()
        var result: [String: Double] = [:]
        for row in rows {
            result[try row.decode(column: "queue", as: String.self)] = now.timeIntervalSince(try row.decode(column: "oldest", as: Date.self))
        }
        return result
    }

    static func query(_ organization: UUID?, on db: any Database) -> QueryBuilder<JobRecord> {
        let query = JobRecord.query(on: db)
        if let organization { query.filter(\.$organizationID == organization) }
        return query
    }

    public static func running(organization: UUID? = nil, on db: any Database) async throws -> [JobRecord] {
        try await query(organization, on: db).filter(\.$state == "running").sort(\.$attemptedAt).limit(100).all()
    }

    public static func recentFailures(organization: UUID? = nil, on db: any Database, limit: Int = 50) async throws -> [JobRecord] {
        try await query(organization, on: db).group(.or) { $0.filter(\.$state == "discarded").filter(\.$state == "retryable") }
            .sort(\.$attemptedAt, .descending).limit(limit).all()
    }

    /// Jobs completed per minute over the last `minutes` minutes, oldest first (one entry per minute).
    public static func completedPerMinute(until now: Date, minutes: Int = 60, organization: UUID? = nil,
                                          on db: any Database) async throws -> [(minute: Date, count: Int)] {
        let sql = db as! any SQLDatabase
        let start = Date(timeIntervalSince1970: (now.timeIntervalSince1970 / 60).rounded(.down) * 60 - Double(minutes - 1) * 60)
        let bucket: SQLQueryString = sql.dialect.name == "postgresql"
            ? "FLOOR(EXTRACT(EPOCH FROM completed_at) / 60)" : "CAST(completed_at / 60 AS INTEGER)"
        let rows = try await sql.raw("""
            SELECT \(bucket) AS minute, COUNT(*) AS n FROM jobs
            WHERE state = 'completed' AND completed_at >= \(bind: start)\(scope(organization)) GROUP BY 1
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
    public static func completed(since: Date, organization: UUID? = nil, on db: any Database) async throws -> Int {
        try await query(organization, on: db).filter(\.$state == "completed").filter(\.$completedAt >= since).count()
    }

    public static func workers(freshSince: Date, on db: any Database) async throws -> [(id: String, heartbeat: Date)] {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("SELECT id, heartbeat_at FROM job_workers WHERE heartbeat_at >= \(bind: freshSince) ORDER BY id").all()
        return try rows.map { (try $0.decode(column: "id", as: String.self), try $0.decode(column: "heartbeat_at", as: Date.self)) }
    }

    /// Staff action: run a failed or discarded job again now. False when the job is in a state
    /// that does not allow it; a job outside `organization` is not found (404), as any other
    /// tenant's row.
    public static func retry(_ id: UUID, organization: UUID? = nil, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            UPDATE jobs SET state = 'available', scheduled_at = \(bind: now), discarded_at = NULL,
                   max_attempts = CASE WHEN attempt >= max_attempts THEN attempt + 1 ELSE max_attempts END
            WHERE id = \(bind: id) AND state IN (\(binds: JobState.allCases.filter(\.canRetry).map(\.rawValue)))\(scope(organization)) RETURNING id
            """).all()
        return try await changed(rows, id, organization: organization, on: sql)
    }

    /// Staff action: stop a waiting job. False when its state does not allow it; a job outside
    /// `organization` is not found.
    public static func discard(_ id: UUID, organization: UUID? = nil, now: Date, on db: any Database) async throws -> Bool {
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            UPDATE jobs SET state = 'cancelled', discarded_at = \(bind: now)
            WHERE id = \(bind: id) AND state IN (\(binds: JobState.allCases.filter(\.canDiscard).map(\.rawValue)))\(scope(organization)) RETURNING id
            """).all()
        return try await changed(rows, id, organization: organization, on: sql)
    }

    private static func changed(_ rows: [any SQLRow], _ id: UUID, organization: UUID?, on sql: any SQLDatabase) async throws -> Bool {
        if !rows.isEmpty { return true }
        guard try await sql.raw("SELECT id FROM jobs WHERE id = \(bind: id)\(scope(organization))").first() != nil else {
            throw DomainError.notFound("Job")
        }
        return false
    }

    public static func prune(olderThan date: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM jobs WHERE state = 'completed' AND completed_at < \(bind: date)").run()
    }
}
