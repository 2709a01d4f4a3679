import FluentKit
import Foundation
import SQLKit

public enum CollectionsMigrations {
    public static let all: [any Migration] = [CreatePayments()]
}

struct CreatePayments: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Collections.CreatePayments" }

    func prepare(on database: any Database) async throws {
        try await database.schema("payments")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("number", .string, .required)
            .field("method", .string, .required)
            .field("reference", .string)
            .field("received_on", .string, .required)
            .field("collector_id", .uuid, .references("users", "id"))
            .field("collector_name", .string, .required)
            .field("amount", .int64, .required)
            .field("allocated", .int64, .required)
            .field("currency", .string, .required)
            .field("status", .string, .required)
            .field("note", .string)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .field("reversal_reason", .string)
            .field("reversed_by", .string)
            .field("reversed_at", .datetime)
            .unique(on: "organization_id", "number")
            .create()
        try await database.schema("payment_allocations")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("payment_id", .uuid, .references("payments", "id"))
            .field("source", .string, .required)
            .field("amount", .int64, .required)
            .field("created_at", .datetime, .required)
            .field("reversed_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX payments_customer_idx ON payments (organization_id, customer_id, received_on)").run()
        try await sql.raw("CREATE INDEX payments_received_idx ON payments (organization_id, received_on)").run()
        try await sql.raw("CREATE INDEX payment_allocations_invoice_idx ON payment_allocations (invoice_id)").run()
        try await sql.raw("CREATE INDEX payment_allocations_payment_idx ON payment_allocations (payment_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("payment_allocations").delete()
        try await database.schema("payments").delete()
    }
}
