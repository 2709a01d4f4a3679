import FluentKit
import Foundation
import SQLKit

/// Organizations' own message texts, and the "invoice issued" notices the dunning pass
/// writes for the notice sender.
struct CreateMessageTemplates: AsyncMigration {
    var name: String { "Collections.CreateMessageTemplates" }

    func prepare(on database: any Database) async throws {
        try await database.schema("message_templates")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("event", .string, .required)
            .field("channel", .string, .required)
            .field("subject", .string)
            .field("body", .string, .required)
            .field("enabled", .bool, .required)
            .field("updated_at", .datetime, .required)
            .field("updated_by", .string, .required)
            .unique(on: "organization_id", "event", "channel")
            .create()
        // One row per invoice (its id is the invoice's), so the pass can add the day's new
        // invoices with one INSERT … SELECT that skips those already noticed.
        try await database.schema("invoice_notices")
            .field("id", .uuid, .identifier(auto: false))
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required)
            .field("on", .string, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await (database as! any SQLDatabase)
            .raw("CREATE INDEX invoice_notices_unsent_idx ON invoice_notices (organization_id, created_at) WHERE sent_at IS NULL").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("invoice_notices").delete()
        try await database.schema("message_templates").delete()
    }
}
