import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// A model that belongs to one organization. Every query for it goes through `scoped(to:on:)`
/// or `find(_:in:on:)`, so one organization can never read another's rows; an id from another
/// organization is simply not found.
public protocol TenantOwned: Model where IDValue == UUID {
    static var organizationKey: KeyPath<Self, FieldProperty<Self, UUID>> { get }
    /// The thing's name in "… was not found." sentences.
    static var displayName: String { get }
    /// Applies the rest of what the context implies (its branch set, its reseller subtree).
    /// Models without branch or reseller columns keep the default, which adds nothing.
    static func narrow(_ query: QueryBuilder<Self>, to ctx: TenantContext)
}

extension TenantOwned {
    public static func narrow(_ query: QueryBuilder<Self>, to ctx: TenantContext) {}

    /// Every row the context may see: its organization, then `narrow` (branches, reseller subtree).
    public static func scoped(to ctx: TenantContext, on db: any Database) -> QueryBuilder<Self> {
        let query = query(on: db).filter(organizationKey == ctx.organizationID)
        narrow(query, to: ctx)
        return query
    }

    /// Every row of one organization, without `narrow`: for rules that must see the whole
    /// organization whatever the person's branch or reseller limit (duplicate and uniqueness
    /// checks, trees, the search index), and for code that acts for the organization itself
    /// (setup, migrations, the demo, jobs that carry the organization's id).
    public static func inOrganization(_ organizationID: UUID, on db: any Database) -> QueryBuilder<Self> {
        query(on: db).filter(organizationKey == organizationID)
    }

    /// The row with this id in the caller's organization, or `DomainError.notFound`.
    public static func find(_ id: UUID?, in ctx: TenantContext, on db: any Database) async throws -> Self {
        guard let id, let found = try await scoped(to: ctx, on: db).filter(\._$id == id).first() else {
            throw DomainError.notFound(displayName)
        }
        return found
    }

    /// Parses an id string from a path or body and finds it; malformed ids are simply not found.
    public static func find(_ id: String?, in ctx: TenantContext, on db: any Database) async throws -> Self {
        try await find(id.flatMap(UUID.init(uuidString:)), in: ctx, on: db)
    }
}

/// JSON text columns holding string arrays (permissions, abilities).
public enum JSONColumn {
    public static func encode(_ values: [String]) -> String {
        String(decoding: try! JSONEncoder().encode(values), as: UTF8.self)
    }

    /// The strings of a JSON array. Arrays of plain strings (no backslash escapes: tags,
    /// permissions, phones), read on every list row, are split directly; anything else goes
    /// through JSONDecoder.
    public static func decode(_ text: String) -> [String] {
        if let plain = plainStrings(text) { return plain }
        return (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }

    static func plainStrings(_ text: String) -> [String]? {
        let bytes = Array(text.utf8)
        var i = 0
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 } }
        skipSpace()
        guard i < bytes.count, bytes[i] == UInt8(ascii: "[") else { return nil }
        i += 1
        var out: [String] = []
        skipSpace()
        if i < bytes.count, bytes[i] == UInt8(ascii: "]") {
            i += 1
            skipSpace()
            return i == bytes.count ? out : nil
        }
        while i < bytes.count {
            skipSpace()
            guard i < bytes.count, bytes[i] == UInt8(ascii: "\"") else { return nil }
            i += 1
            let start = i
            while i < bytes.count, bytes[i] != UInt8(ascii: "\"") {
                if bytes[i] == UInt8(ascii: "\\") || bytes[i] < 0x20 { return nil }
                i += 1
            }
            guard i < bytes.count else { return nil }
            out.append(String(decoding: bytes[start..<i], as: UTF8.self))
            i += 1
            skipSpace()
            guard i < bytes.count else { return nil }
            if bytes[i] == UInt8(ascii: ",") {
                i += 1
                continue
            }
            guard bytes[i] == UInt8(ascii: "]") else { return nil }
            i += 1
            skipSpace()
            return i == bytes.count ? out : nil
        }
        return nil
    }
}

/// The tenant condition of raw SQL, named so that every statement states it the same way (a
/// test fails if `organization_id` is compared by hand outside the tenancy code).
public enum TenantSQL {
    /// Takes one tenant row's lock inside a write transaction, so that whoever changes it next
    /// queues behind this transaction: `FOR UPDATE` on PostgreSQL (`FOR NO KEY UPDATE` with
    /// `keysShared`, which leaves rows that only reference it free to be written); SQLite's
    /// single writer already holds every row.
    public static func lockRow(_ table: String, id: UUID, organizationID: UUID, keysShared: Bool = false, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name == "postgresql" else { return }
        let mode: SQLQueryString = keysShared ? "FOR NO KEY UPDATE" : "FOR UPDATE"
        try await sql.raw("SELECT id FROM \(ident: table) WHERE id = \(bind: id) AND \(organization(organizationID)) \(mode)").run()
    }

    /// Takes the organization's row lock (PostgreSQL; SQLite's writer lock covers it) without
    /// blocking rows that only reference it: work that must run one at a time per organization
    /// (the dunning pass and the re-evaluations after payments) queues here.
    public static func lockOrganization(_ id: UUID, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        guard sql.dialect.name == "postgresql" else { return }
        try await sql.raw("SELECT id FROM organizations WHERE id = \(bind: id) FOR NO KEY UPDATE").run()
    }

    /// " FOR UPDATE" on PostgreSQL, nothing on SQLite: the tail of a SELECT whose rows a write
    /// transaction changes next.
    public static func forUpdate(on db: any Database) -> SQLQueryString {
        (db as! any SQLDatabase).dialect.name == "postgresql" ? " FOR UPDATE" : ""
    }

    /// `organization_id = <bind>`, or `alias.organization_id = <bind>`.
    public static func organization(_ id: UUID, alias: String? = nil) -> SQLQueryString {
        if let alias { return "\(ident: alias).organization_id = \(bind: id)" }
        return "organization_id = \(bind: id)"
    }

    /// Two aliases of one statement in the same organization (a self-join of a tree).
    public static func sameOrganization(_ a: String, _ b: String) -> SQLQueryString {
        "\(ident: a).organization_id = \(ident: b).organization_id"
    }
}

extension CellStatement {
    /// `TenantSQL.organization` in a statement of cells: `alias.organization_id = <bind>`.
    /// The alias is the statement's own table name or alias, written by our code.
    public mutating func organization(_ id: UUID, alias: String? = nil) {
        append(alias.map { "\($0).organization_id = " } ?? "organization_id = ")
        bind(.uuid(id))
    }
}

extension OrganizationSetting {
    /// The organization's stored settings sections.
    public static func inOrganization(_ organizationID: UUID, on db: any Database) -> QueryBuilder<OrganizationSetting> {
        query(on: db).filter(\.$organizationID == organizationID)
    }
}

extension AuditEvent {
    /// The organization's audit events (platform events without an organization are not among them).
    public static func inOrganization(_ organizationID: UUID, on db: any Database) -> QueryBuilder<AuditEvent> {
        query(on: db).filter(\.$organizationID == organizationID)
    }
}
