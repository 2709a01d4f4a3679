import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

public enum LedgerMigrations {
    public static let all: [any Migration] = [CreateLedgerTables(), GrantLedgerReadToBillingOps()]
}

/// `ledger.read` arrived with the ledger; the stored billing-ops roles of existing
/// organizations get it as new ones do (`SystemRole.billingOps`). Custom roles are left alone.
struct GrantLedgerReadToBillingOps: AsyncMigration {
    var name: String { "Ledger.GrantLedgerReadToBillingOps" }

    func prepare(on database: any Database) async throws {
        for role in try await Role.query(on: database).filter(\.$key == SystemRole.billingOps.rawValue).filter(\.$isSystem == true).all() {
            role.permissions.insert(.ledgerRead)
            try await role.save(on: database)
        }
    }

    func revert(on database: any Database) async throws {}
}

struct CreateLedgerTables: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Ledger.CreateLedgerTables" }

    func prepare(on database: any Database) async throws {
        try await database.schema("ledger_accounts")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("key", .string, .required)
            .field("name", .string, .required)
            .field("type", .string, .required)
            .field("currency", .string, .required)
            .field("balance", .int64, .required)
            .field("version", .int64, .required)
            .field("created_at", .datetime)
            .unique(on: "organization_id", "key")
            .create()
        try await database.schema("ledger_transfers")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("idempotency_key", .string, .required)
            .field("kind", .string, .required)
            .field("reference_type", .string)
            .field("reference_id", .uuid)
            .field("memo", .string, .required)
            .field("event_at", .datetime, .required)
            .field("reverses_id", .uuid, .references("ledger_transfers", "id"))
            .field("actor", .string, .required)
            .field("created_at", .datetime, .required)
            .unique(on: "organization_id", "idempotency_key")
            .unique(on: "reverses_id")
            .create()
        try await database.schema("ledger_entries")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("transfer_id", .uuid, .required, .references("ledger_transfers", "id"))
            .field("account_id", .uuid, .required, .references("ledger_accounts", "id"))
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("event_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX ledger_transfers_reference_idx ON ledger_transfers (organization_id, reference_type, reference_id)").run()
        try await sql.raw("CREATE INDEX ledger_transfers_event_idx ON ledger_transfers (organization_id, event_at)").run()
        try await sql.raw("CREATE INDEX ledger_entries_account_idx ON ledger_entries (account_id, event_at)").run()
        try await sql.raw("CREATE INDEX ledger_entries_transfer_idx ON ledger_entries (transfer_id)").run()
        try await sql.raw("CREATE INDEX ledger_entries_event_idx ON ledger_entries (organization_id, event_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("ledger_entries").delete()
        try await database.schema("ledger_transfers").delete()
        try await database.schema("ledger_accounts").delete()
    }
}
