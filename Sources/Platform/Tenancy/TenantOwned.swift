import FluentKit
import Foundation
import MeghnaCore

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

    public static func decode(_ text: String) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data(text.utf8))) ?? []
    }
}
