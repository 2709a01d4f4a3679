import FluentKit
import MeghnaCore
import Platform
import Foundation
import SQLKit

public enum CollectionsMigrations {
    public static let all: [any Migration] = [CreatePayments(), CreateDunning(), CreateRefundsAndWriteOffs(), CreateWalletTopUps(),
                                                CreateMessageTemplates(), RoomForStatusChanges()]
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

/// Dunning: each subscription's state, customers' exclusions, the notices decided on; and an
/// index of open invoices by customer and due date, which the daily pass reads.
struct CreateDunning: AsyncMigration {
    var name: String { "Collections.CreateDunning" }

    func prepare(on database: any Database) async throws {
        try await database.schema("dunning_states")
            .field("id", .uuid, .identifier(auto: false), .references("subscriptions", "id"))
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required)
            .field("stage", .string, .required)
            .field("stage_since", .string, .required)
            .field("due_on", .string)
            .field("overdue", .int64, .required)
            .field("late_fee_due_on", .string)
            .field("updated_at", .datetime, .required)
            .create()
        try await database.schema("dunning_exclusions")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("kind", .string, .required)
            .field("until", .string)
            .field("reason", .string, .required)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .field("ended_at", .datetime)
            .field("ended_by", .string)
            .create()
        try await database.schema("dunning_notices")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            // A log of what was decided, written ten thousand at a time by the pass: no foreign
            // keys beyond the organization's (subscriptions and customers are never deleted).
            .field("subscription_id", .uuid, .required)
            .field("customer_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("due_on", .string, .required)
            .field("step", .int, .required)
            .field("on", .string, .required)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .unique(on: "organization_id", "subscription_id", "kind", "due_on", "step")
            .create()
        try await database.schema("dunning_passes")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("on", .string, .required)
            .field("actor", .string, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime, .required)
            .field("evaluated", .int, .required)
            .field("reminders", .int, .required)
            .field("suspended", .int, .required)
            .field("restored", .int, .required)
            .field("terminated", .int, .required)
            .field("late_fees", .int, .required)
            .unique(on: "organization_id", "on")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX dunning_states_stage_idx ON dunning_states (organization_id, stage)").run()
        try await sql.raw("CREATE INDEX dunning_exclusions_customer_idx ON dunning_exclusions (organization_id, customer_id)").run()
        try await sql.raw("CREATE INDEX dunning_notices_unsent_idx ON dunning_notices (organization_id, created_at) WHERE sent_at IS NULL").run()
        try await sql.raw("""
            CREATE INDEX invoices_open_idx ON invoices (organization_id, customer_id, due_on) \
            WHERE kind = 'invoice' AND status IN ('issued', 'partially_paid')
            """).run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX invoices_open_idx").run()
        try await database.schema("dunning_passes").delete()
        try await database.schema("dunning_notices").delete()
        try await database.schema("dunning_exclusions").delete()
        try await database.schema("dunning_states").delete()
    }
}

/// Refunds of customer credit and write-offs of bad debt.
struct CreateRefundsAndWriteOffs: AsyncMigration {
    var name: String { "Collections.CreateRefundsAndWriteOffs" }

    func prepare(on database: any Database) async throws {
        try await database.schema("refunds")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("number", .string, .required)
            .field("method", .string, .required)
            .field("reference", .string)
            .field("paid_on", .string, .required)
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("reason", .string, .required)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "organization_id", "number")
            .create()
        try await database.schema("write_offs")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("reason", .string, .required)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX refunds_customer_idx ON refunds (organization_id, customer_id)").run()
        try await sql.raw("CREATE INDEX write_offs_customer_idx ON write_offs (organization_id, customer_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("write_offs").delete()
        try await database.schema("refunds").delete()
    }
}

/// Reseller wallet top-ups; reseller staff may now take payments (through their wallet only).
struct CreateWalletTopUps: AsyncMigration {
    var name: String { "Collections.CreateWalletTopUps" }

    func prepare(on database: any Database) async throws {
        try await database.schema("wallet_top_ups")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("reseller_id", .uuid, .required, .references("resellers", "id"))
            .field("number", .string, .required)
            .field("method", .string, .required)
            .field("reference", .string)
            .field("received_on", .string, .required)
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("note", .string)
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "organization_id", "number")
            .create()
        try await (database as! any SQLDatabase).raw("CREATE INDEX wallet_top_ups_reseller_idx ON wallet_top_ups (organization_id, reseller_id)").run()
        for role in try await Role.query(on: database).filter(\.$key == SystemRole.reseller.rawValue).filter(\.$isSystem == true).all() {
            role.permissions.insert(.paymentsWrite)
            try await role.save(on: database)
        }
    }

    func revert(on database: any Database) async throws {
        try await database.schema("wallet_top_ups").delete()
    }
}
