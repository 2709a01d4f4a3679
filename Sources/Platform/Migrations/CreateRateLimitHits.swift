import FluentKit
import SQLKit

/// Hits counted by `RateLimits` (password-reset requests, the public interest form, reset emails
/// per account), kept apart from sign-in failures.
struct CreateRateLimitHits: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateRateLimitHits" }

    func prepare(on database: any Database) async throws {
        try await database.schema("rate_limit_hits")
            .id()
            .field("key", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await (database as! any SQLDatabase).raw("CREATE INDEX rate_limit_hits_key_idx ON rate_limit_hits (key, at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("rate_limit_hits").delete()
    }
}
