import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Add-ons: recurring (static IP, extra speed, equipment rent) or one-time (installation).
public enum Addons {
    public struct Input: Sendable {
        public var code: String?
        public var name: String?
        public var kind: String?
        public var category: String?
        public var price: String?
        public var taxable: String?
        public var description: String?
        public var status: String?

        public init(code: String? = nil, name: String? = nil, kind: String? = nil, category: String? = nil, price: String? = nil,
                    taxable: String? = nil, description: String? = nil, status: String? = nil) {
            self.code = code
            self.name = name
            self.kind = kind
            self.category = category
            self.price = price
            self.taxable = taxable
            self.description = description
            self.status = status
        }
    }

    public static func list(_ ctx: TenantContext, status: String?, page: CursorRequest, on db: any Database) async throws -> CursorPage<Addon> {
        try ctx.require(.plansRead)
        var v = Validator()
        let status = v.choice("status", status, as: CatalogStatus.self)
        try v.check()
        let query = Addon.scoped(to: ctx, on: db)
        if let status { query.filter(\.$status == status) }
        return try await query.paginate(page, by: \.$name)
    }

    /// Add-ons on sale, by name, for pickers.
    public static func active(_ ctx: TenantContext, on db: any Database) async throws -> [Addon] {
        try ctx.require(.plansRead)
        return try await Addon.scoped(to: ctx, on: db).filter(\.$status == .active).sort(\.$name).limit(500).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Addon {
        try ctx.require(.plansRead)
        return try await Addon.find(id, in: ctx, on: db)
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Addon {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "add-ons")
        let addon = Addon()
        addon.id = UUID()
        addon.organizationID = ctx.organizationID
        addon.currency = ctx.currency
        addon.status = .active
        addon.taxable = true
        addon.category = "other"
        try await apply(input, to: addon, creating: true, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await addon.create(on: tx)
            try await Audit.record("addon.created", "Created add-on \(addon.code) (\(addon.name))", ctx: ctx, target: .init("addon", addon.id),
                                   at: services.clock.now(), on: tx)
            return addon
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Addon {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "add-ons")
        let addon = try await Addon.find(id, in: ctx, on: db)
        try await apply(input, to: addon, creating: false, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await addon.save(on: tx)
            try await Audit.record("addon.updated", "Changed add-on \(addon.code) (\(addon.name))", ctx: ctx, target: .init("addon", addon.id),
                                   at: services.clock.now(), on: tx)
            return addon
        }
    }

    static func apply(_ input: Input, to addon: Addon, creating: Bool, _ ctx: TenantContext, on db: any Database) async throws {
        var v = Validator()
        let code = v.code("code", input.code, required: creating)
        let name = v.text("name", input.name, required: creating, max: 100)
        let kind = v.choice("kind", input.kind, as: Addon.Kind.self, required: creating)
        let price = v.money("price", input.price, currency: addon.currency, required: creating)
        let taxable = v.flag("taxable", input.taxable)
        let status = v.choice("status", input.status, as: CatalogStatus.self)
        let details = input.description.map { v.text("description", $0, required: false, max: 500) }
        var category: String?
        if let raw = input.category.nonBlank {
            if Addon.categories.contains(raw) { category = raw } else { v.add("category", "must be one of \(Addon.categories.joined(separator: ", "))") }
        }
        if let code, code != (creating ? nil : addon.code),
           try await Addon.inOrganization(ctx.organizationID, on: db).filter(\.$code == code).first() != nil {
            v.add("code", "is already used by another add-on")
        }
        try v.check()
        if let code { addon.code = code }
        if let name { addon.name = name }
        if let kind { addon.kind = kind }
        if let price { addon.price = price }
        if let taxable { addon.taxable = taxable }
        if let status { addon.status = status }
        if let details { addon.details = details }
        if let category { addon.category = category }
    }
}
