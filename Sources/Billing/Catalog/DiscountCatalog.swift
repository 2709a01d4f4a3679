import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Discounts and coupons: a percentage or an amount off a plan, an add-on or the whole invoice,
/// for N cycles or for ever.
public enum Discounts {
    public struct Input: Sendable {
        public var name: String?
        public var couponCode: String?
        /// "percent" or "fixed"
        public var kind: String?
        /// A percentage ("10", "12.5") or an amount ("200.00"), by `kind`.
        public var value: String?
        public var target: String?
        public var targetID: String?
        public var cycles: String?
        public var usageLimit: String?
        public var expiresOn: String?
        public var status: String?

        public init(name: String? = nil, couponCode: String? = nil, kind: String? = nil, value: String? = nil, target: String? = nil,
                    targetID: String? = nil, cycles: String? = nil, usageLimit: String? = nil, expiresOn: String? = nil, status: String? = nil) {
            self.name = name
            self.couponCode = couponCode
            self.kind = kind
            self.value = value
            self.target = target
            self.targetID = targetID
            self.cycles = cycles
            self.usageLimit = usageLimit
            self.expiresOn = expiresOn
            self.status = status
        }
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<Discount> {
        try ctx.require(.plansRead)
        return try await Discount.scoped(to: ctx, on: db).paginate(page, by: \.$name)
    }

    /// Discounts that can be given, by name, for pickers.
    public static func active(_ ctx: TenantContext, on db: any Database) async throws -> [Discount] {
        try ctx.require(.plansRead)
        return try await Discount.scoped(to: ctx, on: db).filter(\.$status == .active).sort(\.$name).limit(500).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Discount {
        try ctx.require(.plansRead)
        return try await Discount.find(id, in: ctx, on: db)
    }

    /// A coupon as a customer or clerk types it: it must exist, be active, not be expired on
    /// `today` and have uses left. Errors name `field`.
    public static func redeemable(_ code: String, today: LocalDate, field: String, organizationID: UUID, on db: any Database) async throws -> Discount {
        let typed = code.trimmingCharacters(in: .whitespaces).uppercased()
        guard let discount = try await Discount.inOrganization(organizationID, on: db).filter(\.$couponCode == typed).first(),
              discount.status == .active else { throw DomainError.invalid(field, "is not a coupon of this organization") }
        if let refusal = refusal(discount, today: today) { throw DomainError.invalid(field, refusal) }
        return discount
    }

    /// Why `discount` cannot be given on `today`, if it cannot: archived, expired or used up.
    public static func refusal(_ discount: Discount, today: LocalDate) -> String? {
        if discount.status != .active { return "is archived" }
        if let expiry = discount.expiresOn.flatMap(LocalDate.init), today > expiry { return "expired on \(expiry)" }
        if let limit = discount.usageLimit, discount.usedCount >= limit { return "has been used up (\(limit) uses)" }
        return nil
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Discount {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "discounts")
        let discount = Discount()
        discount.id = UUID()
        discount.organizationID = ctx.organizationID
        discount.currency = ctx.currency
        discount.status = .active
        discount.usedCount = 0
        try await apply(input, to: discount, creating: true, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await discount.create(on: tx)
            try await Audit.record("discount.created", "Created discount \(discount.name)", ctx: ctx, target: .init("discount", discount.id),
                                   at: services.clock.now(), on: tx)
            return discount
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Discount {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "discounts")
        let discount = try await Discount.find(id, in: ctx, on: db)
        try await apply(input, to: discount, creating: false, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await discount.save(on: tx)
            try await Audit.record("discount.updated", "Changed discount \(discount.name)", ctx: ctx, target: .init("discount", discount.id),
                                   at: services.clock.now(), on: tx)
            return discount
        }
    }

    static func apply(_ input: Input, to discount: Discount, creating: Bool, _ ctx: TenantContext, on db: any Database) async throws {
        var v = Validator()
        let name = v.text("name", input.name, required: creating, max: 100)
        let status = v.choice("status", input.status, as: CatalogStatus.self)
        let target = v.choice("target", input.target, as: Discount.Target.self, required: creating)
        var coupon: String?? = nil
        if let raw = input.couponCode { coupon = raw.nonBlank == nil ? .some(nil) : v.code("coupon_code", raw).map(Optional.some) }
        var kind = input.kind.nonBlank
        if creating, kind == nil { v.add("kind", "is required (percent or fixed)") }
        if let k = kind, k != "percent", k != "fixed" {
            v.add("kind", "must be percent or fixed")
            kind = nil
        }
        var percent: Int?
        var amount: Int64?
        let chosenKind = kind ?? (discount.percentBasisPoints != nil ? "percent" : "fixed")
        if input.value != nil || kind != nil {
            if chosenKind == "percent" {
                percent = v.percent("value", input.value)
                if let p = percent, p == 0 { v.add("value", "must be more than 0 %") }
            } else {
                amount = v.money("value", input.value, currency: discount.currency)
                if let a = amount, a == 0 { v.add("value", "must be more than 0") }
            }
        }
        var cycles: Int?? = nil
        if let raw = input.cycles { cycles = raw.nonBlank == nil ? .some(nil) : v.integer("cycles", raw, in: 1...120).map(Optional.some) }
        var limit: Int?? = nil
        if let raw = input.usageLimit { limit = raw.nonBlank == nil ? .some(nil) : v.integer("usage_limit", raw, in: 1...1_000_000).map(Optional.some) }
        var expires: String?? = nil
        if let raw = input.expiresOn { expires = raw.nonBlank == nil ? .some(nil) : v.localDate("expires_on", raw).map { .some($0.description) } }
        // The plan or add-on it is limited to: one of the organization's, matching the target.
        var targetID: UUID?? = nil
        let finalTarget = target ?? (creating ? .invoice : discount.target)
        if let raw = input.targetID {
            if raw.nonBlank == nil {
                targetID = .some(nil)
            } else {
                switch finalTarget {
                case .plan:
                    if let plan = try? await Plan.find(raw, in: ctx, on: db) { targetID = .some(plan.id) } else { v.add("target_id", "is not a plan you can see") }
                case .addon:
                    if let addon = try? await Addon.find(raw, in: ctx, on: db) { targetID = .some(addon.id) } else { v.add("target_id", "is not an add-on you can see") }
                case .invoice:
                    v.add("target_id", "must be empty for a discount on the whole invoice")
                }
            }
        } else if !creating, target != nil, target != discount.target, discount.targetID != nil {
            targetID = .some(nil)
        }
        if let coupon = coupon ?? nil, coupon != (creating ? nil : discount.couponCode),
           try await Discount.inOrganization(ctx.organizationID, on: db).filter(\.$couponCode == coupon).first() != nil {
            v.add("coupon_code", "is already used by another discount")
        }
        try v.check()
        if let name { discount.name = name }
        if let status { discount.status = status }
        if let target { discount.target = target }
        if let coupon { discount.couponCode = coupon }
        if let percent {
            discount.percentBasisPoints = percent
            discount.amount = nil
        }
        if let amount {
            discount.amount = amount
            discount.percentBasisPoints = nil
        }
        if let cycles { discount.cycles = cycles }
        if let limit { discount.usageLimit = limit }
        if let expires { discount.expiresOn = expires }
        if let targetID { discount.targetID = targetID }
    }
}
