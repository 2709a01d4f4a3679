import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Tax rules: VAT and the like, inclusive or exclusive, on plans, add-ons and fees, in force
/// between dates. Bangladesh's 5 % VAT on internet service is the demo's.
public enum TaxRules {
    public struct Input: Sendable {
        public var code: String?
        public var name: String?
        public var rate: String?
        public var inclusive: String?
        public var appliesTo: [String]?
        public var effectiveFrom: String?
        public var effectiveTo: String?
        public var status: String?

        public init(code: String? = nil, name: String? = nil, rate: String? = nil, inclusive: String? = nil, appliesTo: [String]? = nil,
                    effectiveFrom: String? = nil, effectiveTo: String? = nil, status: String? = nil) {
            self.code = code
            self.name = name
            self.rate = rate
            self.inclusive = inclusive
            self.appliesTo = appliesTo
            self.effectiveFrom = effectiveFrom
            self.effectiveTo = effectiveTo
            self.status = status
        }
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<TaxRule> {
        try ctx.require(.plansRead)
        return try await TaxRule.scoped(to: ctx, on: db).paginate(page, by: \.$name)
    }

    /// Every active rule of the organization (each invoice line takes those in force on its
    /// issue day, `TaxRule.applies(on:)`), for the invoice run and the schedule.
    public static func active(organizationID: UUID, on db: any Database) async throws -> [TaxRule] {
        try await TaxRule.inOrganization(organizationID, on: db).filter(\.$status == .active).sort(\.$code).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> TaxRule {
        try ctx.require(.plansRead)
        return try await TaxRule.find(id, in: ctx, on: db)
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> TaxRule {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "tax rules")
        let rule = TaxRule()
        rule.id = UUID()
        rule.organizationID = ctx.organizationID
        rule.status = .active
        rule.inclusive = false
        rule.appliesToJSON = JSONColumn.encode(TaxRule.Scope.allCases.map(\.rawValue))
        try await apply(input, to: rule, creating: true, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await rule.create(on: tx)
            try await Audit.record("tax_rule.created", "Created tax rule \(rule.code) (\(percentText(rule.rateBasisPoints)) %)", ctx: ctx,
                                   target: .init("tax_rule", rule.id), at: services.clock.now(), on: tx)
            return rule
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices, on db: any Database) async throws -> TaxRule {
        try CatalogAccess.requireManage(ctx)
        try CatalogAccess.requireWholeOrganization(ctx, "tax rules")
        let rule = try await TaxRule.find(id, in: ctx, on: db)
        try await apply(input, to: rule, creating: false, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await rule.save(on: tx)
            try await Audit.record("tax_rule.updated", "Changed tax rule \(rule.code) (\(percentText(rule.rateBasisPoints)) %)", ctx: ctx,
                                   target: .init("tax_rule", rule.id), at: services.clock.now(), on: tx)
            return rule
        }
    }

    static func apply(_ input: Input, to rule: TaxRule, creating: Bool, _ ctx: TenantContext, on db: any Database) async throws {
        var v = Validator()
        let code = v.code("code", input.code, required: creating)
        let name = v.text("name", input.name, required: creating, max: 100)
        let rate = v.percent("rate", input.rate, required: creating)
        let inclusive = v.flag("inclusive", input.inclusive)
        let status = v.choice("status", input.status, as: CatalogStatus.self)
        let from = v.localDate("effective_from", input.effectiveFrom, required: creating)
        var to: LocalDate?? = nil
        if let raw = input.effectiveTo { to = raw.nonBlank == nil ? .some(nil) : v.localDate("effective_to", raw).map(Optional.some) }
        var scopes: [TaxRule.Scope]?
        if let raw = input.appliesTo {
            var found: [TaxRule.Scope] = []
            for (i, text) in raw.enumerated() {
                guard let scope = TaxRule.Scope(rawValue: text) else {
                    v.add("applies_to[\(i)]", "must be one of plans, addons, fees")
                    continue
                }
                if !found.contains(scope) { found.append(scope) }
            }
            if found.isEmpty, raw.allSatisfy({ TaxRule.Scope(rawValue: $0) != nil }) { v.add("applies_to", "must name at least one of plans, addons, fees") }
            scopes = found
        }
        let finalFrom = from ?? (creating ? nil : LocalDate(rule.effectiveFrom))
        if let finalFrom, let end = to ?? rule.effectiveTo.flatMap(LocalDate.init), end < finalFrom {
            v.add("effective_to", "must not be before effective_from")
        }
        if let code, code != (creating ? nil : rule.code),
           try await TaxRule.inOrganization(ctx.organizationID, on: db).filter(\.$code == code).first() != nil {
            v.add("code", "is already used by another tax rule")
        }
        try v.check()
        if let code { rule.code = code }
        if let name { rule.name = name }
        if let rate { rule.rateBasisPoints = rate }
        if let inclusive { rule.inclusive = inclusive }
        if let status { rule.status = status }
        if let from { rule.effectiveFrom = from.description }
        if let to { rule.effectiveTo = to?.description }
        if let scopes { rule.appliesToJSON = JSONColumn.encode(scopes.map(\.rawValue)) }
    }
}
