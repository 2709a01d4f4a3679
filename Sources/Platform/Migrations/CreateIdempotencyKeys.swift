import FluentKit
import SQLKit

/// Keys of money-moving API requests (`IdempotencyKeys`): the first request's answer, kept so
/// a retry with the same key gets it again instead of moving the money twice.
struct CreateIdempotencyKeys: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateIdempotencyKeys" }

    func prepare(on database: any Database) async throws {
        try await database.schema("idempotency_keys")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("principal", .string, .required)
            .field("key", .string, .required)
            .field("request_hash", .string, .required)
            .field("status", .int)
            .field("content_type", .string)
            .field("body", .data)
            .field("created_at", .datetime, .required)
            .unique(on: "organization_id", "principal", "key")
            .create()
        try await (database as! any SQLDatabase).raw("CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("idempotency_keys").delete()
    }
}
