import Foundation
import FluentKit
import Platform
import SQLKit

public enum CRMMigrations {
    public static let all: [any Migration] = [CreateAreasAndResellers(), CreateCustomers(), CreateLeads(), CreateImports(), CreateCustomerSearch(),
                                              AddSearchSortName(), AddAreaAndResellerContextTriggers(), AddSearchWordLists()]
}

struct CreateAreasAndResellers: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.CreateAreasAndResellers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("areas")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("parent_id", .uuid, .references("areas", "id"))
            .field("name", .string, .required)
            .field("kind", .string)
            .field("path", .string, .required)
            .field("full_name", .string, .required)
            .field("depth", .int, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("resellers")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("parent_id", .uuid, .references("resellers", "id"))
            .field("path", .string, .required)
            .field("depth", .int, .required)
            .field("name", .string, .required)
            .field("sort_name", .string, .required)
            .field("contact_name", .string)
            .field("phone", .string)
            .field("email", .string)
            .field("address", .string)
            .field("commission_bp", .int, .required)
            .field("status", .string, .required)
            .field("archived_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX areas_org_path_idx ON areas (organization_id, path)").run()
        try await sql.raw("CREATE INDEX resellers_org_path_idx ON resellers (organization_id, path)").run()
        try await sql.raw("CREATE INDEX resellers_org_name_idx ON resellers (organization_id, sort_name, id)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("resellers").delete()
        try await database.schema("areas").delete()
    }
}

struct CreateCustomers: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.CreateCustomers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("customers")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .required, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("number", .int64, .required)
            .field("number_text", .string, .required)
            .field("kind", .string, .required)
            .field("display_name", .string, .required)
            .field("sort_name", .string, .required)
            .field("legal_name", .string)
            .field("email", .string)
            .field("national_id", .string)
            .field("trade_license", .string)
            .field("joined_on", .string, .required)
            .field("status", .string, .required)
            .field("primary_phone", .string)
            .field("phones", .string, .required)
            .field("tags", .string, .required)
            .field("notes", .string)
            .field("area_id", .uuid, .references("areas", "id"))
            .field("external_ref", .string)
            .field("archived_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "number")
            .create()
        try await database.schema("customer_phones")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("contact_id", .uuid)
            .field("e164", .string, .required)
            .create()
        try await database.schema("customer_search_tokens")
            .field("organization_id", .uuid, .required)
            .field("token", .string, .required)
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .create()
        try await database.schema("service_addresses")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("label", .string)
            .field("line1", .string, .required)
            .field("line2", .string)
            .field("city", .string)
            .field("postcode", .string)
            .field("area_id", .uuid, .references("areas", "id"))
            .field("latitude_e6", .int64)
            .field("longitude_e6", .int64)
            .field("installation_notes", .string)
            .field("is_primary", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        try await database.schema("contacts")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .field("name", .string, .required)
            .field("role", .string, .required)
            .field("phones", .string, .required)
            .field("email", .string)
            .field("is_primary", .bool, .required)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .create()
        let sql = database as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            // Prefix ranges (token >= 'abc' AND token < 'abd') need byte order, whatever the
            // database's default collation is.
            try await sql.raw("ALTER TABLE customer_search_tokens ALTER COLUMN token TYPE TEXT COLLATE \"C\"").run()
        }
        for statement in [
            "CREATE INDEX customers_org_name_idx ON customers (organization_id, sort_name, id)",
            "CREATE INDEX customers_org_created_idx ON customers (organization_id, created_at, id)",
            "CREATE INDEX customers_org_joined_idx ON customers (organization_id, joined_on, id)",
            "CREATE INDEX customers_org_nid_idx ON customers (organization_id, national_id)",
            "CREATE INDEX customers_org_reseller_idx ON customers (organization_id, reseller_id)",
            "CREATE UNIQUE INDEX customers_org_external_idx ON customers (organization_id, external_ref)",
            "CREATE INDEX customer_phones_lookup_idx ON customer_phones (organization_id, e164)",
            "CREATE INDEX customer_phones_customer_idx ON customer_phones (customer_id)",
            "CREATE INDEX customer_tokens_lookup_idx ON customer_search_tokens (organization_id, token, customer_id)",
            "CREATE INDEX customer_tokens_customer_idx ON customer_search_tokens (customer_id, token)",
            "CREATE INDEX service_addresses_customer_idx ON service_addresses (customer_id)",
            "CREATE INDEX contacts_customer_idx ON contacts (customer_id)",
        ] {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        for table in ["contacts", "service_addresses", "customer_search_tokens", "customer_phones", "customers"] {
            try await database.schema(table).delete()
        }
    }
}

struct CreateLeads: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.CreateLeads" }

    func prepare(on database: any Database) async throws {
        try await database.schema("leads")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("branch_id", .uuid, .references("branches", "id"))
            .field("reseller_id", .uuid, .references("resellers", "id"))
            .field("number", .int64, .required)
            .field("number_text", .string, .required)
            .field("name", .string, .required)
            .field("sort_name", .string, .required)
            .field("phones", .string, .required)
            .field("primary_phone", .string)
            .field("email", .string)
            .field("address", .string)
            .field("area_id", .uuid, .references("areas", "id"))
            .field("interest", .string)
            .field("source", .string, .required)
            .field("tags", .string, .required)
            .field("assigned_user_id", .uuid, .references("users", "id"))
            .field("next_follow_up_on", .string)
            .field("status", .string, .required)
            .field("lost_reason", .string)
            .field("notes", .string)
            .field("customer_id", .uuid, .references("customers", "id"))
            .field("converted_at", .datetime)
            .field("archived_at", .datetime)
            .field("created_at", .datetime)
            .field("updated_at", .datetime)
            .unique(on: "organization_id", "number")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX leads_org_status_idx ON leads (organization_id, status, created_at)").run()
        try await sql.raw("CREATE INDEX leads_org_phone_idx ON leads (organization_id, primary_phone)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("leads").delete()
    }
}

struct CreateImports: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.CreateImports" }

    func prepare(on database: any Database) async throws {
        try await database.schema("customer_imports")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("created_by", .uuid)
            .field("actor_label", .string, .required)
            .field("file_name", .string, .required)
            .field("content", .string, .required)
            .field("mapping", .string, .required)
            .field("branch_id", .uuid)
            .field("status", .string, .required)
            .field("total_rows", .int, .required)
            .field("processed_rows", .int, .required)
            .field("imported_rows", .int, .required)
            .field("skipped_rows", .int, .required)
            .field("error_rows", .int, .required)
            .field("report", .string, .required)
            .field("created_at", .datetime)
            .field("finished_at", .datetime)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("customer_imports").delete()
    }
}

/// The search box's index, replacing `customer_search_tokens`: one document per customer
/// (`customer_search_docs`) whose words are matched by a full-text index. On SQLite that is a
/// contentless FTS5 table keyed by the document id; on PostgreSQL a `tsvector` column with a GIN
/// index.
/// Existing token rows are carried over, then the token table is dropped.
struct CreateCustomerSearch: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.CreateCustomerSearch" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let sqlite = sql.dialect.name == "sqlite"
        var docs = database.schema("customer_search_docs")
            .field("id", .int64, .identifier(auto: true))
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .unique(on: "customer_id")
        if !sqlite { docs = docs.field("words", .custom("tsvector"), .required) }
        try await docs.create()
        if sqlite {
            // Words are hex-encoded UTF-8 (see SearchIndex.document), so the ascii tokenizer keeps
            // each whole and a prefix of a word is a prefix of its encoding. Prefix indexes cover
            // one to three letters; detail=none: no positions, only which document has a word.
            for statement in [
                """
                CREATE VIRTUAL TABLE customer_search USING fts5(words, content='', contentless_delete=1, tokenize='ascii', \
                prefix='2 4 6', detail=none)
                """,
                """
                CREATE TRIGGER customer_search_docs_deleted AFTER DELETE ON customer_search_docs \
                BEGIN DELETE FROM customer_search WHERE rowid = old.id; END
                """,
            ] {
                try await sql.raw(SQLQueryString(statement)).run()
            }
        } else {
            try await sql.raw("CREATE INDEX customer_search_docs_words_idx ON customer_search_docs USING gin (words)").run()
            try await sql.raw("CREATE INDEX customer_search_docs_org_idx ON customer_search_docs (organization_id)").run()
        }
        // Carry the existing index words over, a thousand customers at a time.
        var after: UUID?
        while true {
            var page: SQLQueryString = "SELECT DISTINCT customer_id FROM customer_search_tokens"
            if let after { page += " WHERE customer_id > \(bind: after)" }
            page += " ORDER BY customer_id LIMIT 1000"
            let ids = try await sql.raw(page).all().map { try $0.decode(column: "customer_id", as: UUID.self) }
            guard let last = ids.last else { break }
            let rows = try await sql.raw("""
                SELECT organization_id, customer_id, token FROM customer_search_tokens \
                WHERE customer_id IN (\(binds: ids.map { $0 as any Encodable & Sendable }))
                """).all()
            var words: [UUID: (UUID, Set<String>)] = [:]
            for row in rows {
                let customer = try row.decode(column: "customer_id", as: UUID.self)
                let org = try row.decode(column: "organization_id", as: UUID.self)
                words[customer, default: (org, [])].1.insert(try row.decode(column: "token", as: String.self))
            }
            try await SearchIndex.writeDocuments(words.map { (organizationID: $0.value.0, customerID: $0.key, sortName: nil, words: $0.value.1) },
                                                 on: sql)
            after = last
        }
        try await database.schema("customer_search_tokens").delete()
    }

    func revert(on database: any Database) async throws {
        // The token table comes back empty; the search index is rebuilt by editing customers.
        let sql = database as! any SQLDatabase
        try await database.schema("customer_search_tokens")
            .field("organization_id", .uuid, .required)
            .field("token", .string, .required)
            .field("customer_id", .uuid, .required, .references("customers", "id", onDelete: .cascade))
            .create()
        if sql.dialect.name == "sqlite" { try await sql.raw("DROP TABLE customer_search").run() }
        try await database.schema("customer_search_docs").delete()
    }
}

/// Each search document carries its customer's sort name under an index (organization, sort
/// name, customer), so a search listed by name on SQLite walks the documents in order and asks
/// the full-text row set about each, without reading customer rows (`CustomerDirectory.search`).
/// The name is written with the document, in the same transaction as the customer; existing
/// documents take it from their customer here.
struct AddSearchSortName: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.AddSearchSortName" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("ALTER TABLE customer_search_docs ADD COLUMN sort_name TEXT NOT NULL DEFAULT ''").run()
        try await sql.raw("""
            UPDATE customer_search_docs SET sort_name = COALESCE((SELECT c.sort_name FROM customers c WHERE c.id = customer_search_docs.customer_id), '')
            """).run()
        if sql.dialect.name == "sqlite" {
            try await sql.raw("CREATE INDEX customer_search_docs_org_name_idx ON customer_search_docs (organization_id, sort_name, customer_id)").run()
        }
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        try await sql.raw("DROP INDEX IF EXISTS customer_search_docs_org_name_idx").run()
        try await sql.raw("ALTER TABLE customer_search_docs DROP COLUMN sort_name").run()
    }
}

/// Writes to areas and resellers bump the organization's context version too, so the customer
/// list's filter choices (branches, areas, resellers) can be kept in memory under it.
struct AddAreaAndResellerContextTriggers: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.AddAreaAndResellerContextTriggers" }

    func prepare(on database: any Database) async throws {
        try await OrganizationContextTriggers.create(on: database as! any SQLDatabase, tables: ["areas", "resellers"])
    }

    func revert(on database: any Database) async throws {
        try await OrganizationContextTriggers.drop(on: database as! any SQLDatabase, tables: ["areas", "resellers"])
    }
}

/// SQLite: each search document keeps its words as one text too (`SearchIndex.wordList`), so a
/// very common word's page walks the documents in name order and tests each one, instead of
/// first collecting every document the full-text index matches (a common first name that is
/// also part of an area's name matched 18,000 of 100,000). The index on the name order carries
/// the word list, so the walk reads no table row until a document matches. Existing documents
/// get theirs from their customers here. PostgreSQL keeps its `tsvector` and is not changed.
struct AddSearchWordLists: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "CRM.AddSearchWordLists" }

    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("ALTER TABLE customer_search_docs ADD COLUMN word_list TEXT").run()
        try await SearchIndex.fillWordLists(on: database)
        try await sql.raw("DROP INDEX IF EXISTS customer_search_docs_org_name_idx").run()
        try await sql.raw("""
            CREATE INDEX customer_search_docs_org_name_words_idx ON customer_search_docs (organization_id, sort_name, customer_id, word_list)
            """).run()
    }

    func revert(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        guard sql.dialect.name == "sqlite" else { return }
        try await sql.raw("DROP INDEX IF EXISTS customer_search_docs_org_name_words_idx").run()
        try await sql.raw("CREATE INDEX customer_search_docs_org_name_idx ON customer_search_docs (organization_id, sort_name, customer_id)").run()
        try await sql.raw("ALTER TABLE customer_search_docs DROP COLUMN word_list").run()
    }
}
