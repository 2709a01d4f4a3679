import FluentKit
import MeghnaCore
import SQLKit

public enum PlatformMigrations {
    public static let all: [any Migration] = [CreateOrganizations(), CreateUsers(), CreateAccessTables(), CreateAuditAndSettings(),
                                              CreateNumberSequences(), AddResellerStaff(), CreateActivities(),
                                              AddPlatformAdministrators(), AddLoginAttemptKind(), CreateRateLimitHits(),
                                              AddOrganizationContextVersion(), CreateIdempotencyKeys()]
}

struct CreateOrganizations: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateOrganizations" }

    func prepare(on database: any Database) async throws {
        try await database.schema("organizations")
            .id()
            .field("name", .string, .required)
            .field("slug", .string, .required)
            .field("currency", .string, .required)
            .field("time_zone", .string, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "slug")
            .create()
        try await database.schema("branches")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("name", .string, .required)
            .field("code", .string, .required)
            .field("address", .string)
            .field("phone", .string)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "code")
            .create()
        try await database.schema("roles")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("key", .string, .required)
            .field("name", .string, .required)
            .field("permissions", .string, .required)
            .field("is_system", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "key")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("roles").delete()
        try await database.schema("branches").delete()
        try await database.schema("organizations").delete()
    }
}

struct CreateUsers: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateUsers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("role_id", .uuid, .required, .references("roles", "id"))
            .field("email", .string, .required)
            .field("name", .string, .required)
            .field("password_hash", .string)
            .field("status", .string, .required)
            .field("email_verified_at", .datetime)
            .field("totp_secret", .string)
            .field("totp_pending_secret", .string)
            .field("totp_enabled_at", .datetime)
            .field("totp_last_step", .int64)
            .field("session_epoch", .int, .required)
            .field("last_login_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "email")
            .create()
        try await database.schema("user_branches")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("branch_id", .uuid, .required, .references("branches", "id", onDelete: .cascade))
            .unique(on: "user_id", "branch_id")
            .create()
        try await database.schema("user_recovery_codes")
            .id()
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("code_hash", .string, .required)
            .field("used_at", .datetime)
            .create()
        try await database.schema("user_tokens")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("purpose", .string, .required)
            .field("token_hash", .string, .required)
            .field("expires_at", .datetime, .required)
            .field("used_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX users_org_idx ON users (organization_id, name)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["user_tokens", "user_recovery_codes", "user_branches", "users"] {
            try await database.schema(table).delete()
        }
    }
}

struct CreateAccessTables: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateAccessTables" }

    func prepare(on database: any Database) async throws {
        try await database.schema("api_tokens")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("token_hash", .string, .required)
            .field("prefix", .string, .required)
            .field("abilities", .string, .required)
            .field("last_used_at", .datetime)
            .field("expires_at", .datetime)
            .field("revoked_at", .datetime)
            .field("created_at", .datetime)
            .unique(on: "token_hash")
            .create()
        try await database.schema("staff_sessions")
            .id()
            .field("token_hash", .string, .required)
            .field("user_id", .uuid, .required, .references("users", "id", onDelete: .cascade))
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("epoch", .int, .required)
            .field("two_factor_passed", .bool, .required)
            .field("branch_id", .uuid)
            .field("ip", .string)
            .field("user_agent", .string)
            .field("created_at", .datetime, .required)
            .field("last_seen_at", .datetime, .required)
            .unique(on: "token_hash")
            .create()
        try await database.schema("login_attempts")
            .id()
            .field("email", .string, .required)
            .field("ip", .string, .required)
            .field("succeeded", .bool, .required)
            .field("at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX login_attempts_email_idx ON login_attempts (email, at)").run()
        try await sql.raw("CREATE INDEX login_attempts_ip_idx ON login_attempts (ip, at)").run()
        try await sql.raw("CREATE INDEX api_tokens_org_idx ON api_tokens (organization_id, user_id)").run()
    }

    func revert(on database: any Database) async throws {
        for table in ["login_attempts", "staff_sessions", "api_tokens"] {
            try await database.schema(table).delete()
        }
    }
}

struct CreateAuditAndSettings: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateAuditAndSettings" }

    func prepare(on database: any Database) async throws {
        try await database.schema("audit_events")
            .id()
            .field("organization_id", .uuid)
            .field("actor_user_id", .uuid)
            .field("actor_label", .string, .required)
            .field("action", .string, .required)
            .field("target_type", .string)
            .field("target_id", .string)
            .field("summary", .string, .required)
            .field("ip", .string)
            .field("user_agent", .string)
            .field("metadata", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        try await database.schema("organization_settings")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("section", .string, .required)
            .field("values", .string, .required)
            .field("secrets", .string, .required)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "section")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX audit_events_org_idx ON audit_events (organization_id, created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("organization_settings").delete()
        try await database.schema("audit_events").delete()
    }
}

/// Reseller staff: a `reseller_id` on users and the reseller system role in every existing
/// organization (new organizations get it from `Organizations.create`).
struct AddResellerStaff: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.AddResellerStaff" }

    func prepare(on database: any Database) async throws {
        try await database.schema("users").field("reseller_id", .uuid).update()
        let role = SystemRole.reseller
        for org in try await Organization.query(on: database).all() {
            let exists = try await Role.inOrganization(org.id!, on: database).filter(\.$key == role.rawValue).first()
            if exists == nil {
                try await Role(organizationID: org.id!, key: role.rawValue, name: role.displayName, permissions: role.permissions, isSystem: true)
                    .create(on: database)
            }
        }
    }

    func revert(on database: any Database) async throws {
        try await Role.query(on: database).filter(\.$key == SystemRole.reseller.rawValue).delete()
        try await database.schema("users").deleteField("reseller_id").update()
    }
}

struct CreateActivities: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateActivities" }

    func prepare(on database: any Database) async throws {
        try await database.schema("activities")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("subject_type", .string, .required)
            .field("subject_id", .uuid, .required)
            .field("kind", .string, .required)
            .field("summary", .string, .required)
            .field("body", .string)
            .field("changes", .string, .required)
            .field("related_type", .string)
            .field("related_id", .uuid)
            .field("actor_user_id", .uuid)
            .field("actor_label", .string, .required)
            .field("created_at", .datetime, .required)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX activities_subject_idx ON activities (organization_id, subject_type, subject_id, created_at)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("activities").delete()
    }
}
