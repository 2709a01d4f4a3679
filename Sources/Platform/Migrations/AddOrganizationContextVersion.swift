import FluentKit
import SQLKit

/// `organizations.context_version`: bumped by the database itself (triggers) whenever one of the
/// organization's settings, branches or branch assignments is written (CRM adds areas and resellers), so the request context
/// can keep those in memory and know, from the one statement that reads the session or token,
/// whether they are still current (`OrganizationContexts`). Triggers, not application code:
/// every writer (any process, raw SQL, a restore script) bumps it, or nothing could be cached.
struct AddOrganizationContextVersion: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.AddOrganizationContextVersion" }

    static let tables = ["organization_settings", "branches", "user_branches"]

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("ALTER TABLE organizations ADD COLUMN context_version BIGINT NOT NULL DEFAULT 0").run()
        if sql.dialect.name != "sqlite" {
            try await sql.raw("""
                CREATE FUNCTION bump_organization_context() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                  IF TG_OP <> 'INSERT' THEN
                    UPDATE organizations SET context_version = context_version + 1 WHERE id = OLD.organization_id;
                  END IF;
                  IF TG_OP <> 'DELETE' THEN
                    UPDATE organizations SET context_version = context_version + 1 WHERE id = NEW.organization_id;
                  END IF;
                  RETURN NULL;
                END $$
                """).run()
        }
        try await OrganizationContextTriggers.create(on: sql, tables: Self.tables)
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await OrganizationContextTriggers.drop(on: sql, tables: Self.tables)
        if sql.dialect.name != "sqlite" { try await sql.raw("DROP FUNCTION IF EXISTS bump_organization_context()").run() }
        try await sql.raw("ALTER TABLE organizations DROP COLUMN context_version").run()
    }
}

/// The triggers that bump `organizations.context_version` on every insert, update or delete of
/// a table with an `organization_id` column. Other areas add their own tables (CRM: areas and
/// resellers) in their migrations.
public enum OrganizationContextTriggers {
    public static func create(on sql: any SQLDatabase, tables: [String]) async throws {
        for table in tables {
            if sql.dialect.name == "sqlite" {
                for (event, rows) in [("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])] {
                    let bumps = rows.map { "UPDATE organizations SET context_version = context_version + 1 WHERE id = \($0).organization_id;" }
                    try await sql.raw("""
                        CREATE TRIGGER \(unsafeRaw: table)_context_\(unsafeRaw: event.lowercased()) AFTER \(unsafeRaw: event) ON \(unsafeRaw: table) \
                        BEGIN \(unsafeRaw: bumps.joined(separator: " ")) END
                        """).run()
                }
            } else {
                try await sql.raw("""
                    CREATE TRIGGER \(unsafeRaw: table)_context AFTER INSERT OR UPDATE OR DELETE ON \(unsafeRaw: table) \
                    FOR EACH ROW EXECUTE FUNCTION bump_organization_context()
                    """).run()
            }
        }
    }

    public static func drop(on sql: any SQLDatabase, tables: [String]) async throws {
        for table in tables {
            if sql.dialect.name == "sqlite" {
                for event in ["insert", "update", "delete"] { try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_context_\(unsafeRaw: event)").run() }
            } else {
                try await sql.raw("DROP TRIGGER IF EXISTS \(unsafeRaw: table)_context ON \(unsafeRaw: table)").run()
            }
        }
    }
}
