import FluentKit
import Foundation
import Jobs
import SQLKit

/// Daily clean-up of data that only matters for a while.
public enum Maintenance {
    public static func prune(now: Date, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("DELETE FROM login_attempts WHERE at < \(bind: now.addingTimeInterval(-86_400))").run()
        try await sql.raw("DELETE FROM staff_sessions WHERE last_seen_at < \(bind: now.addingTimeInterval(-86_400))").run()
        try await sql.raw("DELETE FROM rate_limit_hits WHERE at < \(bind: now.addingTimeInterval(-86_400))").run()
        // Idempotency keys are promised for 24 hours; kept for two days.
        try await sql.raw("DELETE FROM idempotency_keys WHERE created_at < \(bind: now.addingTimeInterval(-2 * 86_400))").run()
        try await sql.raw("DELETE FROM user_tokens WHERE expires_at < \(bind: now.addingTimeInterval(-30 * 86_400))").run()
        try await JobStats.prune(olderThan: now.addingTimeInterval(-14 * 86_400), on: db)
    }
}
