import FluentKit
import Foundation
import SQLKit

/// Service accounts on routers, what Meghna last wrote to each router entry, drift held for a
/// decision, and the reconcile history.
public struct CreateProvisioning: AsyncMigration {
    public var name: String { "Network.CreateProvisioning" }
    public init() {}

    public func prepare(on database: any Database) async throws {
        try await database.schema("service_accounts")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subscription_id", .uuid, .required, .references("subscriptions", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid)
            .field("router_id", .uuid, .required, .references("routers", "id"))
            .field("service", .string, .required)
            .field("username", .string, .required)
            .field("password_sealed", .string, .required)
            .field("static_ip", .string)
            .field("caller_id", .string)
            .field("profile_override", .string)
            .field("label", .string, .required)
            .field("sync_state", .string, .required)
            .field("sync_message", .string)
            .field("synced_at", .datetime)
            .field("created_at", .datetime, .required)
            .field("updated_at", .datetime)
            .unique(on: "subscription_id")
            .unique(on: "router_id", "username")
            .create()
        try await database.schema("router_entries")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("router_id", .uuid, .required, .references("routers", "id"))
            .field("menu", .string, .required)
            .field("key", .string, .required)
            .field("fields", .string, .required)
            .field("applied_at", .datetime, .required)
            .unique(on: "router_id", "menu", "key")
            .create()
        try await database.schema("router_drift")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("router_id", .uuid, .required, .references("routers", "id"))
            .field("menu", .string, .required)
            .field("key", .string, .required)
            .field("field", .string, .required)
            .field("meghna_value", .string)
            .field("router_value", .string)
            .field("account_id", .uuid)
            .field("detected_at", .datetime, .required)
            .field("decision", .string)
            .field("decided_by", .string)
            .field("decided_at", .datetime)
            .unique(on: "router_id", "menu", "key", "field")
            .create()
        try await database.schema("reconcile_runs")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("router_id", .uuid, .required, .references("routers", "id"))
            .field("trigger", .string, .required)
            .field("actor", .string, .required)
            .field("started_at", .datetime, .required)
            .field("finished_at", .datetime, .required)
            .field("outcome", .string, .required)
            .field("added", .int, .required)
            .field("changed", .int, .required)
            .field("removed", .int, .required)
            .field("drift", .int, .required)
            .field("conflicts", .int, .required)
            .field("commands", .int, .required)
            .field("message", .string)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX service_accounts_router_idx ON service_accounts (organization_id, router_id)").run()
        try await sql.raw("CREATE INDEX service_accounts_customer_idx ON service_accounts (organization_id, customer_id)").run()
        try await sql.raw("CREATE INDEX reconcile_runs_router_idx ON reconcile_runs (organization_id, router_id, started_at)").run()
    }

    public func revert(on database: any Database) async throws {
        for table in ["reconcile_runs", "router_drift", "router_entries", "service_accounts"] { try await database.schema(table).delete() }
    }
}
