import FluentKit
import Foundation
import SQLKit

public enum BillingMigrations {
    public static let all: [any Migration] = [CreateCatalog(), CreateSubscriptions(), CreateInvoices(), CreateSubscriptionExtras(), AddRunProgress(), InvoiceTenantKeys(), AddCreditedInvoice()]
}

struct CreateCatalog: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Billing.CreateCatalog" }

    func prepare(on database: any Database) async throws {
        try await database.schema("plans")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("service_type", .string, .required)
            .field("download_kbps", .int, .required)
            .field("upload_kbps", .int, .required)
            .field("burst_download_kbps", .int)
            .field("burst_upload_kbps", .int)
            .field("burst_threshold_download_kbps", .int)
            .field("burst_threshold_upload_kbps", .int)
            .field("burst_time_seconds", .int)
            .field("price", .int64, .required)
            .field("currency", .string, .required)
            .field("billing_kind", .string, .required)
            .field("validity_days", .int)
            .field("setup_fee", .int64, .required)
            .field("data_quota_mb", .int64)
            .field("taxable", .bool, .required)
            .field("branch_ids", .string, .required)
            .field("description", .string)
            .field("status", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "code")
            .create()
        try await database.schema("addons")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("kind", .string, .required)
            .field("category", .string, .required)
            .field("price", .int64, .required)
            .field("currency", .string, .required)
            .field("taxable", .bool, .required)
            .field("description", .string)
            .field("status", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "code")
            .create()
        try await database.schema("discounts")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("name", .string, .required)
            .field("coupon_code", .string)
            .field("percent_bp", .int)
            .field("amount", .int64)
            .field("currency", .string, .required)
            .field("target", .string, .required)
            .field("target_id", .uuid)
            .field("cycles", .int)
            .field("usage_limit", .int)
            .field("used_count", .int, .required)
            .field("expires_on", .string)
            .field("status", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "coupon_code")
            .create()
        try await database.schema("tax_rules")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("rate_bp", .int, .required)
            .field("inclusive", .bool, .required)
            .field("applies_to", .string, .required)
            .field("effective_from", .string, .required)
            .field("effective_to", .string)
            .field("status", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "code")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX plans_org_name_idx ON plans (organization_id, status, name)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["tax_rules", "discounts", "addons", "plans"] { try await database.schema(table).delete() }
    }
}

struct CreateSubscriptions: AsyncMigration {
    var name: String { "Billing.CreateSubscriptions" }

    func prepare(on database: any Database) async throws {
        try await database.schema("subscriptions")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("service_address_id", .uuid, .references("service_addresses", "id"))
            .field("plan_id", .uuid, .required, .references("plans", "id"))
            .field("status", .string, .required)
            .field("billing_day", .int)
            .field("anchor_day", .int)
            .field("starts_on", .string, .required)
            .field("activated_on", .string)
            .field("terminated_on", .string)
            .field("expires_on", .string)
            .field("next_bill_on", .string)
            .field("billing_paused", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("subscription_plans")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("plan_id", .uuid, .required, .references("plans", "id"))
            .field("price", .int64, .required)
            .field("from_on", .string, .required)
            .field("prorated", .bool, .required)
            .field("created_at", .datetime)
            .create()
        try await database.schema("subscription_events")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("kind", .string, .required)
            .field("from_status", .string)
            .field("to_status", .string, .required)
            .field("reason", .string)
            .field("actor", .string, .required)
            .field("effective_on", .string, .required)
            .field("at", .datetime, .required)
            .create()
        try await database.schema("billing_charges")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("kind", .string, .required)
            .field("description", .string, .required)
            .field("detail", .string)
            .field("amount", .int64, .required)
            .field("currency", .string, .required)
            .field("category", .string, .required)
            .field("tax_scope", .string, .required)
            .field("taxable", .bool, .required)
            .field("on", .string, .required)
            .field("invoice_id", .uuid)
            .field("created_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX subscriptions_customer_idx ON subscriptions (organization_id, customer_id)").run()
        try await sql.raw("CREATE INDEX subscriptions_due_idx ON subscriptions (organization_id, next_bill_on)").run()
        try await sql.raw("CREATE INDEX subscription_plans_idx ON subscription_plans (subscription_id, from_on)").run()
        try await sql.raw("CREATE INDEX subscription_events_idx ON subscription_events (subscription_id, at)").run()
        try await sql.raw("CREATE INDEX billing_charges_open_idx ON billing_charges (subscription_id, invoice_id)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["billing_charges", "subscription_events", "subscription_plans", "subscriptions"] { try await database.schema(table).delete() }
    }
}

struct CreateInvoices: AsyncMigration {
    var name: String { "Billing.CreateInvoices" }

    func prepare(on database: any Database) async throws {
        try await database.schema("invoices")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("subscription_id", .uuid, .references("subscriptions", "id"))
            .field("kind", .string, .required)
            .field("number", .string, .required)
            .field("billing_key", .string)
            .field("status", .string, .required)
            .field("issue_on", .string, .required)
            .field("due_on", .string, .required)
            .field("period_start", .string)
            .field("period_end", .string)
            .field("currency", .string, .required)
            .field("subtotal", .int64, .required)
            .field("tax_total", .int64, .required)
            .field("total", .int64, .required)
            .field("paid_total", .int64, .required)
            .field("run_id", .uuid)
            .field("created_at", .datetime, .required)
            .unique(on: "organization_id", "number")
            .unique(on: "organization_id", "billing_key")
            .create()
        try await database.schema("invoice_lines")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("position", .int, .required)
            .field("kind", .string, .required)
            .field("description", .string, .required)
            .field("detail", .string)
            .field("amount", .int64, .required)
            .field("net", .int64, .required)
            .field("category", .string, .required)
            .create()
        try await database.schema("invoice_taxes")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("invoice_id", .uuid, .required, .references("invoices", "id"))
            .field("code", .string, .required)
            .field("name", .string, .required)
            .field("rate_bp", .int, .required)
            .field("inclusive", .bool, .required)
            .field("base", .int64, .required)
            .field("amount", .int64, .required)
            .create()
        try await database.schema("billing_runs")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("run_on", .string, .required)
            .field("status", .string, .required)
            .field("invoices", .int, .required)
            .field("total", .int64, .required)
            .field("subscriptions", .int, .required)
            .field("errors", .string)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime)
            .field("actor", .string, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX invoices_customer_idx ON invoices (organization_id, customer_id, issue_on)").run()
        try await sql.raw("CREATE INDEX invoices_issue_idx ON invoices (organization_id, issue_on)").run()
        try await sql.raw("CREATE INDEX invoice_lines_invoice_idx ON invoice_lines (invoice_id, position)").run()
        try await sql.raw("CREATE INDEX invoice_taxes_invoice_idx ON invoice_taxes (invoice_id)").run()
        try await sql.raw("CREATE INDEX billing_runs_org_idx ON billing_runs (organization_id, started_at)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["billing_runs", "invoice_taxes", "invoice_lines", "invoices"] { try await database.schema(table).delete() }
    }
}

/// Add-ons and discounts on subscriptions; a credit note that voids an invoice names it.
struct CreateSubscriptionExtras: AsyncMigration {
    var name: String { "Billing.CreateSubscriptionExtras" }

    func prepare(on database: any Database) async throws {
        try await database.schema("subscription_addons")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("addon_id", .uuid, .required, .references("addons", "id"))
            .field("name", .string, .required)
            .field("price", .int64, .required)
            .field("category", .string, .required)
            .field("taxable", .bool, .required)
            .field("from_on", .string, .required)
            .field("prorated", .bool, .required)
            .field("to_on", .string)
            .field("created_at", .datetime)
            .create()
        try await database.schema("subscription_discounts")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("discount_id", .uuid, .required, .references("discounts", "id"))
            .field("name", .string, .required)
            .field("coupon_code", .string)
            .field("percent_bp", .int)
            .field("amount", .int64)
            .field("currency", .string, .required)
            .field("target", .string, .required)
            .field("target_id", .uuid)
            .field("cycles", .int)
            .field("first_period_on", .string, .required)
            .field("ended_on", .string)
            .field("actor", .string, .required)
            .field("created_at", .datetime)
            .create()
        // One column per statement: SQLite's ALTER TABLE adds one at a time.
        try await database.schema("invoices").field("voids_invoice_id", .uuid).update()
        try await database.schema("invoices").field("void_reason", .string).update()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX subscription_addons_idx ON subscription_addons (subscription_id, from_on)").run()
        try await sql.raw("CREATE INDEX subscription_discounts_idx ON subscription_discounts (subscription_id)").run()
        // One credit note per voided invoice.
        try await sql.raw("CREATE UNIQUE INDEX invoices_voids_idx ON invoices (voids_invoice_id)").run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX invoices_voids_idx").run()
        try await database.schema("invoices").deleteField("void_reason").update()
        try await database.schema("invoices").deleteField("voids_invoice_id").update()
        for table in ["subscription_discounts", "subscription_addons"] { try await database.schema(table).delete() }
    }
}

/// A run started from the page is queued as a job: the subscriptions due when it started, for
/// its progress bar. A run reads each chunk's invoices by subscription: without this index every
/// chunk scanned the whole invoices table.
struct AddRunProgress: AsyncMigration {
    var name: String { "Billing.AddRunProgress" }

    func prepare(on database: any Database) async throws {
        try await database.schema("billing_runs").field("due", .int).update()
        try await (database as! any SQLDatabase).raw("CREATE INDEX invoices_subscription_idx ON invoices (organization_id, subscription_id, billing_key)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX invoices_subscription_idx").run()
        try await database.schema("billing_runs").deleteField("due").update()
    }
}

/// Keys a run writes a hundred thousand times, made cheaper and tighter:
/// - "one credit note per voided invoice" indexes only credit notes (a plain unique index
///   stored an entry for every invoice's empty `voids_invoice_id`);
/// - on PostgreSQL a line's and a tax's invoice is referenced with the organization,
///   `(invoice_id, organization_id)`, so the database itself refuses a row filed under another
///   organization than its invoice, and each row costs one key check instead of two (the
///   organization's own key is implied by the invoice's). SQLite cannot change a table's keys in
///   place; its tables keep the separate keys.
struct InvoiceTenantKeys: AsyncMigration {
    var name: String { "Billing.InvoiceTenantKeys" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX invoices_voids_idx").run()
        try await sql.raw("CREATE UNIQUE INDEX invoices_voids_idx ON invoices (voids_invoice_id) WHERE voids_invoice_id IS NOT NULL").run()
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("CREATE UNIQUE INDEX invoices_tenant_idx ON invoices (id, organization_id)").run()
        for table in ["invoice_lines", "invoice_taxes"] {
            try await sql.raw("""
                ALTER TABLE \(unsafeRaw: table) DROP CONSTRAINT IF EXISTS \(unsafeRaw: table)_organization_id_fkey, \
                DROP CONSTRAINT IF EXISTS \(unsafeRaw: table)_invoice_id_fkey, \
                ADD CONSTRAINT \(unsafeRaw: table)_invoice_fkey FOREIGN KEY (invoice_id, organization_id) REFERENCES invoices (id, organization_id)
                """).run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            for table in ["invoice_lines", "invoice_taxes"] {
                try await sql.raw("""
                    ALTER TABLE \(unsafeRaw: table) DROP CONSTRAINT \(unsafeRaw: table)_invoice_fkey, \
                    ADD CONSTRAINT \(unsafeRaw: table)_organization_id_fkey FOREIGN KEY (organization_id) REFERENCES organizations (id), \
                    ADD CONSTRAINT \(unsafeRaw: table)_invoice_id_fkey FOREIGN KEY (invoice_id) REFERENCES invoices (id)
                    """).run()
            }
            try await sql.raw("DROP INDEX invoices_tenant_idx").run()
        }
        try await sql.raw("DROP INDEX invoices_voids_idx").run()
        try await sql.raw("CREATE UNIQUE INDEX invoices_voids_idx ON invoices (voids_invoice_id)").run()
    }
}

/// Credit notes on part of an invoice (Collections) name the invoice they reduce; the void's
/// one-per-invoice key stays for whole voids.
struct AddCreditedInvoice: AsyncMigration {
    var name: String { "Billing.AddCreditedInvoice" }

    func prepare(on database: any Database) async throws {
        try await database.schema("invoices").field("credits_invoice_id", .uuid, .references("invoices", "id")).update()
        try await (database as! any SQLDatabase).raw("CREATE INDEX invoices_credits_idx ON invoices (organization_id, credits_invoice_id)").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("DROP INDEX invoices_credits_idx").run()
        try await database.schema("invoices").deleteField("credits_invoice_id").update()
    }
}
