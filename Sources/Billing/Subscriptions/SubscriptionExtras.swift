import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// What adding or removing an add-on costs now: a prorated charge or credit for the rest of the
/// period (recurring), or the one-time price.
public struct AddonChangeQuote: Sendable {
    public var quote: ProrationQuote?
    public var oneTime: Money?
    public var applied: Bool
}

extension Subscriptions {
    /// The subscription's recurring add-ons, those still on it first.
    public static func addons(_ ctx: TenantContext, _ s: Subscription, on db: any Database) async throws -> [SubscriptionAddon] {
        try ctx.require(.subscriptionsRead)
        let rows = try await SubscriptionAddon.inOrganization(ctx.organizationID, on: db).filter(\.$subscriptionID == s.id!).sort(\.$fromOn).all()
        return rows.filter { $0.toOn == nil } + rows.filter { $0.toOn != nil }
    }

    /// The discounts given to the subscription, those still running first.
    public static func discounts(_ ctx: TenantContext, _ s: Subscription, on db: any Database) async throws -> [SubscriptionDiscount] {
        try ctx.require(.subscriptionsRead)
        let rows = try await SubscriptionDiscount.inOrganization(ctx.organizationID, on: db).filter(\.$subscriptionID == s.id!).sort(\.$createdAt).all()
        return rows.filter { $0.endedOn == nil } + rows.filter { $0.endedOn != nil }
    }

    /// Adds an add-on from `on` (default today). A recurring one is billed every period from the
    /// next, the rest of this one prorated now (the day counted); a one-time one is charged once on
    /// the next invoice. With `preview` nothing is written.
    public static func addAddon(_ ctx: TenantContext, _ id: String?, addonID: String?, on raw: String?, preview: Bool,
                                services: PlatformServices, on db: any Database) async throws -> AddonChangeQuote {
        try ctx.require(preview ? .subscriptionsRead : .subscriptionsWrite)
        let current = try await Subscription.find(id, in: ctx, on: db)  // another organization's id is not found before anything else
        var v = Validator()
        let addon = try? await Addon.find(addonID, in: ctx, on: db)
        if addonID.nonBlank == nil { v.add("addon_id", "is required") } else if addon == nil {
            v.add("addon_id", "is not an add-on you can see")
        } else if addon?.status != .active {
            v.add("addon_id", "is archived; choose an add-on that is sold")
        }
        try v.check()
        let chosen = addon!
        let prepaid = try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id == current.planID).first()?.billingKind == .prepaid
        let body: @Sendable (Subscription, any Database) async throws -> AddonChangeQuote = { s, tx in
            guard s.status != .terminated else { throw DomainError.conflict("A terminated subscription cannot get add-ons.") }
            if prepaid, chosen.kind == .recurring { throw DomainError.invalid("addon_id", "is billed every period; a prepaid service takes only one-time add-ons") }
            let day: LocalDate
            if s.status == .pending {
                day = try dayOrToday(raw, services: services, ctx: ctx)
            } else {
                day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            }
            let price = chosen.priceMoney
            if chosen.kind == .oneTime {
                if !preview {
                    try await addCharge(ctx, s, kind: "one_time", text: chosen.name, detail: nil, amount: price, category: chosen.category, scope: .addons,
                                        taxable: chosen.taxable, on: day, tx: tx)
                    try await record(ctx, s, kind: "addon_added", from: s.status, reason: nil, on: day, summary: "Add-on \(chosen.name) (one time)",
                                     services: services, tx: tx)
                }
                return AddonChangeQuote(quote: nil, oneTime: price, applied: !preview)
            }
            let current = try await SubscriptionAddon.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
                .filter(\.$addonID == chosen.id!).filter(\.$toOn == nil).first()
            if current != nil { throw DomainError.invalid("addon_id", "is on the subscription already") }
            var quote: ProrationQuote?
            if let cycle = s.cycle, s.status != .pending {
                let charged = Money(minorUnits: s.billingPaused ? 0 : price.minorUnits, currency: price.currency)
                quote = try Proration.quote(period: cycle.period(containing: day), changeOn: day, oldPrice: Money(minorUnits: 0, currency: price.currency),
                                            newPrice: charged)
            }
            if !preview {
                let row = SubscriptionAddon()
                row.organizationID = ctx.organizationID
                row.subscriptionID = s.id!
                row.addonID = chosen.id!
                row.name = chosen.name
                row.price = chosen.price
                row.category = chosen.category
                row.taxable = chosen.taxable
                // A pending subscription's add-on starts with the service (activation moves the day).
                row.fromOn = s.status == .pending ? s.startsOn : day.description
                row.prorated = s.status != .pending
                try await row.create(on: tx)
                if let quote {
                    try await addProration(ctx, s, quote, text: "Add-on \(chosen.name) from \(day)", category: chosen.category, scope: .addons,
                                           taxable: chosen.taxable, tx: tx)
                }
                try await record(ctx, s, kind: "addon_added", from: s.status, reason: nil, on: day, summary: "Add-on \(chosen.name) added",
                                 services: services, tx: tx)
            }
            return AddonChangeQuote(quote: quote, oneTime: nil, applied: !preview)
        }
        if preview { return try await body(current, db) }
        return try await changing(ctx, id, on: db, body)
    }

    /// Takes a recurring add-on off from `on` (that day no longer charged): the rest of the
    /// period is credited on the next invoice.
    public static func removeAddon(_ ctx: TenantContext, _ id: String?, itemID: String?, on raw: String?, preview: Bool,
                                   services: PlatformServices, on db: any Database) async throws -> AddonChangeQuote {
        try ctx.require(preview ? .subscriptionsRead : .subscriptionsWrite)
        let body: @Sendable (Subscription, any Database) async throws -> AddonChangeQuote = { s, tx in
            guard let itemUUID = itemID.flatMap(UUID.init(uuidString:)),
                  let row = try await SubscriptionAddon.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
                    .filter(\.$id == itemUUID).first() else { throw DomainError.notFound("Add-on of this subscription") }
            guard row.toOn == nil else { throw DomainError.conflict("This add-on was removed on \(row.toOn ?? "").") }
            guard s.status != .terminated else { throw DomainError.conflict("A terminated subscription does not change.") }
            if s.status == .pending {
                if !preview {
                    try await row.delete(on: tx)
                    try await record(ctx, s, kind: "addon_removed", from: s.status, reason: nil, on: try dayOrToday(raw, services: services, ctx: ctx),
                                     summary: "Add-on \(row.name) removed", services: services, tx: tx)
                }
                return AddonChangeQuote(quote: nil, oneTime: nil, applied: !preview)
            }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            if let from = LocalDate(row.fromOn), day < from { throw DomainError.invalid("on", "must not be before the add-on was added (\(from))") }
            var quote: ProrationQuote?
            if let cycle = s.cycle {
                let charged = Money(minorUnits: s.billingPaused ? 0 : row.price, currency: ctx.currency)
                quote = try Proration.quote(period: cycle.period(containing: day), changeOn: day, oldPrice: charged,
                                            newPrice: Money(minorUnits: 0, currency: ctx.currency))
            }
            if !preview {
                row.toOn = day.description
                try await row.save(on: tx)
                if let quote {
                    try await addProration(ctx, s, quote, text: "Add-on \(row.name) removed on \(day)", category: row.category, scope: .addons,
                                           taxable: row.taxable, tx: tx)
                }
                try await record(ctx, s, kind: "addon_removed", from: s.status, reason: nil, on: day, summary: "Add-on \(row.name) removed",
                                 services: services, tx: tx)
            }
            return AddonChangeQuote(quote: quote, oneTime: nil, applied: !preview)
        }
        if preview { return try await body(try await Subscription.find(id, in: ctx, on: db), db) }
        return try await changing(ctx, id, on: db, body)
    }

    /// Gives the subscription a discount from the catalog, by id (staff) or by coupon code (an
    /// expired or used-up coupon is refused). It runs from the first period not yet billed, for
    /// the discount's cycles.
    public static func giveDiscount(_ ctx: TenantContext, _ id: String?, discountID: String?, couponCode: String?,
                                    services: PlatformServices, on db: any Database) async throws -> SubscriptionDiscount {
        try ctx.require(.subscriptionsWrite)
        _ = try await Subscription.find(id, in: ctx, on: db)  // another organization's id is not found before anything else
        let today = LocalDate.today(services.clock.now(), in: ctx.timeZone)
        var v = Validator()
        var discount: Discount?
        let field = discountID.nonBlank != nil ? "discount_id" : "coupon_code"
        if let raw = discountID.nonBlank {
            if couponCode.nonBlank != nil { v.add("coupon_code", "give either a discount or a coupon code, not both") }
            discount = try? await Discount.find(raw, in: ctx, on: db)
            if let d = discount {
                if let refusal = Discounts.refusal(d, today: today) { v.add(field, refusal) }
            } else {
                v.add("discount_id", "is not a discount you can see")
            }
        } else if let code = couponCode.nonBlank {
            discount = try await Discounts.redeemable(code, today: today, field: "coupon_code", organizationID: ctx.organizationID, on: db)
        } else {
            v.add("discount_id", "is required (or a coupon_code)")
        }
        try v.check()
        let chosen = discount!
        return try await changing(ctx, id, on: db) { s, tx in
            guard s.status != .terminated else { throw DomainError.conflict("A terminated subscription cannot get a discount.") }
            let plan = try await Plan.inOrganization(ctx.organizationID, on: tx).filter(\.$id == s.planID).first()
            if s.expiresOn != nil || plan?.billingKind == .prepaid {
                throw DomainError.invalid(field, "applies to monthly billing; a prepaid service has no billing periods")
            }
            if try await SubscriptionDiscount.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
                .filter(\.$discountID == chosen.id!).filter(\.$endedOn == nil).first() != nil {
                throw DomainError.invalid(field, "is given to this subscription already")
            }
            if chosen.target == .plan, let only = chosen.targetID, only != s.planID {
                throw DomainError.invalid(field, "is for another plan than the subscription's")
            }
            if chosen.target == .addon, let only = chosen.targetID,
               try await SubscriptionAddon.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!).filter(\.$addonID == only)
                .filter(\.$toOn == nil).first() == nil {
                throw DomainError.invalid(field, "is for an add-on the subscription does not have")
            }
            // One use more, only while under the limit (two people redeeming the last use at once: one wins).
            let used = try await tx.rows("""
                UPDATE discounts SET used_count = used_count + 1 WHERE id = \(bind: chosen.id!) AND \(TenantSQL.organization(ctx.organizationID)) \
                AND (usage_limit IS NULL OR used_count < usage_limit) RETURNING id
                """)
            guard !used.isEmpty else { throw DomainError.invalid(field, "has been used up") }
            let grant = SubscriptionDiscount()
            grant.organizationID = ctx.organizationID
            grant.subscriptionID = s.id!
            grant.discountID = chosen.id!
            grant.name = chosen.name
            grant.couponCode = chosen.couponCode
            grant.percentBasisPoints = chosen.percentBasisPoints
            grant.amount = chosen.amount
            grant.currency = chosen.currency
            grant.target = chosen.target.rawValue
            grant.targetID = chosen.targetID
            grant.cycles = chosen.cycles
            grant.firstPeriodOn = s.nextBillOn ?? s.startsOn
            grant.actor = ctx.actor.label
            try await grant.create(on: tx)
            // Dated the day it was given, like every event; the grant holds the period it starts from.
            try await record(ctx, s, kind: "discount_given", from: s.status, reason: chosen.couponCode.map { "coupon \($0)" }, on: today,
                             summary: "Discount \(chosen.name) given, from the period of \(grant.firstPeriodOn)", services: services, tx: tx)
            return grant
        }
    }

    /// Ends a discount: periods starting after `on` are billed without it.
    public static func endDiscount(_ ctx: TenantContext, _ id: String?, grantID: String?, on raw: String?,
                                   services: PlatformServices, on db: any Database) async throws -> SubscriptionDiscount {
        try ctx.require(.subscriptionsWrite)
        return try await changing(ctx, id, on: db) { s, tx in
            guard let grantUUID = grantID.flatMap(UUID.init(uuidString:)),
                  let grant = try await SubscriptionDiscount.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
                    .filter(\.$id == grantUUID).first() else { throw DomainError.notFound("Discount of this subscription") }
            guard grant.endedOn == nil else { throw DomainError.conflict("This discount ended on \(grant.endedOn ?? "").") }
            let day = try dayOrToday(raw, services: services, ctx: ctx)
            grant.endedOn = day.description
            try await grant.save(on: tx)
            try await record(ctx, s, kind: "discount_ended", from: s.status, reason: nil, on: day, summary: "Discount \(grant.name) ended",
                             services: services, tx: tx)
            return grant
        }
    }

    static func dayOrToday(_ raw: String?, field: String = "on", services: PlatformServices, ctx: TenantContext) throws -> LocalDate {
        var v = Validator()
        let day = v.localDate(field, raw)
        try v.check()
        return day ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
    }

    /// A prorated difference as a charge (or credit) on the next invoice.
    static func addProration(_ ctx: TenantContext, _ s: Subscription, _ quote: ProrationQuote, text: String, category: String, scope: TaxRule.Scope,
                             taxable: Bool, tx: any Database) async throws {
        let detail = "Prorated: \(quote.remainingDays) of \(quote.periodDays) days from \(quote.changeOn)"
        try await addCharge(ctx, s, kind: "proration", text: text, detail: detail, amount: quote.net, category: category, scope: scope, taxable: taxable,
                            on: quote.changeOn, tx: tx)
    }
}
