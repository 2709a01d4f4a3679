import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

public enum LedgerMigrations {
    public static let all: [any Migration] = [CreateLedgerTables(), GrantLedgerReadToBillingOps(), LedgerTenantKeys()]
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

/// Keys every posting writes, made cheaper and tighter (PostgreSQL; SQLite cannot change a
/// table's keys in place and keeps the first ones):
/// - "a transfer is reversed once" indexes only reversals (a unique constraint stored an entry
///   for every transfer's empty `reverses_id`);
/// - an entry references its transfer and its account together with the organization,
///   `(transfer_id, organization_id)` and `(account_id, organization_id)`: the database itself
///   refuses an entry filed under another organization than its transfer or account, and each
///   entry costs two key checks instead of three (the organization's own key is implied).
struct LedgerTenantKeys: AsyncMigration {
    var name: String { "Ledger.LedgerTenantKeys" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw(#"ALTER TABLE ledger_transfers DROP CONSTRAINT IF EXISTS "uq:ledger_transfers.reverses_id""#).run()
        try await sql.raw("CREATE UNIQUE INDEX ledger_transfers_reverses_idx ON ledger_transfers (reverses_id) WHERE reverses_id IS NOT NULL").run()
        try await sql.raw("CREATE UNIQUE INDEX ledger_transfers_tenant_idx ON ledger_transfers (id, organization_id)").run()
        try await sql.raw("CREATE UNIQUE INDEX ledger_accounts_tenant_idx ON ledger_accounts (id, organization_id)").run()
        try await sql.raw("""
            ALTER TABLE ledger_entries DROP CONSTRAINT IF EXISTS ledger_entries_organization_id_fkey, \
            DROP CONSTRAINT IF EXISTS ledger_entries_transfer_id_fkey, DROP CONSTRAINT IF EXISTS ledger_entries_account_id_fkey, \
            ADD CONSTRAINT ledger_entries_transfer_fkey FOREIGN KEY (transfer_id, organization_id) REFERENCES ledger_transfers (id, organization_id), \
            ADD CONSTRAINT ledger_entries_account_fkey FOREIGN KEY (account_id, organization_id) REFERENCES ledger_accounts (id, organization_id)
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("""
            ALTER TABLE ledger_entries DROP CONSTRAINT ledger_entries_transfer_fkey, DROP CONSTRAINT ledger_entries_account_fkey, \
            ADD CONSTRAINT ledger_entries_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id), \
            ADD CONSTRAINT ledger_entries_transfer_id_fkey FOREIGN KEY (transfer_id) REFERENCES ledger_transfers (id), \
            ADD CONSTRAINT ledger_entries_account_id_fkey FOREIGN KEY (account_id) REFERENCES ledger_accounts (id)
            """).run()
        try await sql.raw("DROP INDEX ledger_accounts_tenant_idx").run()
        try await sql.raw("DROP INDEX ledger_transfers_tenant_idx").run()
        try await sql.raw("DROP INDEX ledger_transfers_reverses_idx").run()
        try await sql.raw(#"ALTER TABLE ledger_transfers ADD CONSTRAINT "uq:ledger_transfers.reverses_id" UNIQUE (reverses_id)"#).run()
    }
}
