import FluentKit
import Foundation
import SQLKit

public enum BillingMigrations {
    public static let all: [any Migration] = [CreateCatalog()]
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
