import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// What a plan change costs: the period it falls in, the days left (the change day counts),
/// the credit for the old plan, the charge for the new, and the difference.
public struct PlanChangeQuote: Sendable {
    public var effective: String
    public var quote: ProrationQuote?
    /// For a change at period end: the day the new plan starts.
    public var startsOn: LocalDate
    public var applied: Bool
}

/// One coming period with what it is expected to cost at today's prices and taxes.
public struct ScheduledPeriod: Sendable {
    public var period: BillingPeriod
    public var planName: String
    public var net: Money
    public var tax: Money
    public var total: Money
}

extension Subscriptions {
    /// The day an event happens: given, or today; never before the service started.
    static func eventDay(_ raw: String?, _ s: Subscription, field: String = "on", services: PlatformServices, ctx: TenantContext) throws -> LocalDate {
        var v = Validator()
        let day = v.localDate(field, raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        if let activated = s.activatedOn.flatMap(LocalDate.init), day < activated { v.add(field, "must not be before the service started (\(activated))") }
        try v.check()
        return day
    }

    /// The plan price in force on a day (the latest row from on or before it).
    static func planRow(_ s: Subscription, on day: LocalDate, tx: any Database) async throws -> SubscriptionPlanPeriod? {
        try await SubscriptionPlanPeriod.query(on: tx).filter(\.$subscriptionID == s.id!).filter(\.$fromOn <= day.description)
            .sort(\.$fromOn, .descending).sort(\.$createdAt, .descending).first()
    }

    /// Prorates a change of what the subscription costs per period, from `day` to the end of
    /// its period, as a charge on the next invoice (monthly plans; prepaid ones change at the
    /// next recharge).
    static func prorate(_ ctx: TenantContext, _ s: Subscription, from old: Money, to new: Money, on day: LocalDate, text: String,
                        tx: any Database) async throws -> ProrationQuote? {
        guard let cycle = s.cycle, s.expiresOn == nil else { return nil }
        let quote = try Proration.quote(period: cycle.period(containing: day), changeOn: day, oldPrice: old, newPrice: new)
        let detail = "Prorated: \(quote.remainingDays) of \(quote.periodDays) days from \(day)"
        try await addCharge(ctx, s, kind: "proration", text: text, detail: detail, amount: quote.net, category: "internet", scope: .plans,
                            taxable: true, on: day, tx: tx)
        return quote
    }

    /// Suspends the service. `pauseBilling` (a customer's request) stops charging from `on` and
    /// credits the rest of the period; otherwise (non-payment) billing goes on.
    public static func suspend(_ ctx: TenantContext, _ id: String?, reason: String?, on raw: String?, pauseBilling: Bool,
                               services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        let s = try await Subscription.find(id, in: ctx, on: db)
        var v = Validator()
        let why = v.text("reason", reason, max: 300)
        try v.check()
        guard s.status == .active else { throw DomainError.conflict("Only an active subscription can be suspended; this one is \(s.status.rawValue).") }
        let day = try eventDay(raw, s, services: services, ctx: ctx)
        return try await db.writeTransaction { tx in
            if pauseBilling, let row = try await planRow(s, on: day, tx: tx) {
                let price = Money(minorUnits: row.price, currency: ctx.currency)
                _ = try await prorate(ctx, s, from: price, to: Money(minorUnits: 0, currency: ctx.currency), on: day,
                                      text: "Service paused from \(day)", tx: tx)
            }
            s.status = .suspended
            s.billingPaused = pauseBilling
            try await s.save(on: tx)
            try await record(ctx, s, kind: pauseBilling ? "paused" : "suspended", from: .active, reason: why, on: day,
                             summary: pauseBilling ? "Service suspended, billing paused" : "Service suspended", services: services, tx: tx)
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    /// Restores a suspended service; a paused one is charged again from `on`.
    public static func resume(_ ctx: TenantContext, _ id: String?, on raw: String?, services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        let s = try await Subscription.find(id, in: ctx, on: db)
        guard s.status == .suspended else { throw DomainError.conflict("Only a suspended subscription can be resumed; this one is \(s.status.rawValue).") }
        let day = try eventDay(raw, s, services: services, ctx: ctx)
        return try await db.writeTransaction { tx in
            if s.billingPaused, let row = try await planRow(s, on: day, tx: tx) {
                let price = Money(minorUnits: row.price, currency: ctx.currency)
                _ = try await prorate(ctx, s, from: Money(minorUnits: 0, currency: ctx.currency), to: price, on: day,
                                      text: "Service resumed on \(day)", tx: tx)
            }
            s.status = .active
            s.billingPaused = false
            try await s.save(on: tx)
            try await record(ctx, s, kind: "resumed", from: .suspended, reason: nil, on: day, summary: "Service resumed", services: services, tx: tx)
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    /// Ends the service on `on` (that day is no longer charged): the rest of a billed period is
    /// credited on a final invoice. A terminated subscription never changes again.
    public static func terminate(_ ctx: TenantContext, _ id: String?, reason: String?, on raw: String?,
                                 services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        let s = try await Subscription.find(id, in: ctx, on: db)
        var v = Validator()
        let why = v.text("reason", reason, max: 300)
        try v.check()
        guard s.status != .terminated else { throw DomainError.conflict("This subscription is already terminated.") }
        let day = try eventDay(raw, s, services: services, ctx: ctx)
        let from = s.status
        return try await db.writeTransaction { tx in
            if from != .pending, !s.billingPaused, let row = try await planRow(s, on: day, tx: tx) {
                let price = Money(minorUnits: row.price, currency: ctx.currency)
                _ = try await prorate(ctx, s, from: price, to: Money(minorUnits: 0, currency: ctx.currency), on: day,
                                      text: "Service ended on \(day)", tx: tx)
            }
            s.status = .terminated
            s.terminatedOn = day.description
            s.billingPaused = false
            try await s.save(on: tx)
            try await record(ctx, s, kind: "terminated", from: from, reason: why, on: day, summary: "Service terminated", services: services, tx: tx)
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    /// Moves to another plan, now (prorated from `on`, the change day counted as remaining) or at
    /// the end of the current period. With `preview` nothing is written: the quote is what would be.
    public static func changePlan(_ ctx: TenantContext, _ id: String?, planID: String?, effective: String?, on raw: String?, preview: Bool,
                                  services: PlatformServices, on db: any Database) async throws -> PlanChangeQuote {
        try ctx.require(preview ? .subscriptionsRead : .subscriptionsWrite)
        let s = try await Subscription.find(id, in: ctx, on: db)
        var v = Validator()
        let plan = try? await Plan.find(planID, in: ctx, on: db)
        if planID.nonBlank == nil { v.add("plan_id", "is required") } else if plan == nil {
            v.add("plan_id", "is not a plan you can see")
        } else if plan?.status != .active {
            v.add("plan_id", "is archived; choose a plan that is sold")
        } else if plan?.id == s.planID {
            v.add("plan_id", "is the subscription's plan already")
        } else if let plan, !plan.branchIDs.isEmpty, !plan.branchIDs.contains(s.branchID) {
            v.add("plan_id", "is not sold in the customer's branch")
        }
        let when = effective.nonBlank ?? "now"
        if when != "now", when != "period_end" { v.add("effective", "must be now or period_end") }
        try v.check()
        guard s.status == .active || s.status == .suspended else {
            throw DomainError.conflict("A \(s.status.rawValue) subscription cannot change plan.")
        }
        let day = try eventDay(raw, s, services: services, ctx: ctx)
        guard let newPlan = plan, let cycle = s.cycle else { throw DomainError.conflict("The subscription has no billing period yet.") }
        if newPlan.billingKind != .postpaidMonthly || s.expiresOn != nil {
            throw DomainError.invalid("plan_id", "prepaid plans change at the next recharge; choose a monthly plan")
        }
        let period = cycle.period(containing: day)
        let startsOn = when == "now" ? day : period.end.adding(days: 1)
        let body: @Sendable (any Database) async throws -> PlanChangeQuote = { tx in
            guard let row = try await planRow(s, on: day, tx: tx) else { throw DomainError.conflict("The subscription has no price yet.") }
            let old = Money(minorUnits: s.billingPaused ? 0 : row.price, currency: ctx.currency)
            let new = Money(minorUnits: s.billingPaused ? 0 : newPlan.price, currency: ctx.currency)
            var quote: ProrationQuote?
            if when == "now" {
                quote = try Proration.quote(period: period, changeOn: day, oldPrice: old, newPrice: new)
                if !preview {
                    _ = try await prorate(ctx, s, from: old, to: new, on: day, text: "Plan change to \(newPlan.name)", tx: tx)
                }
            }
            if !preview {
                try await pricePlan(ctx, s, plan: newPlan, from: startsOn, prorated: when == "now", tx: tx)
                if when == "now" {
                    s.planID = newPlan.id!
                    try await s.save(on: tx)
                }
                try await record(ctx, s, kind: "plan_changed", from: s.status, reason: nil, on: startsOn,
                                 summary: when == "now" ? "Plan changed to \(newPlan.name)" : "Plan changes to \(newPlan.name) on \(startsOn)",
                                 services: services, tx: tx)
            }
            return PlanChangeQuote(effective: when, quote: quote, startsOn: startsOn, applied: !preview)
        }
        if preview { return try await body(db) }
        return try await db.writeTransaction(body)
    }

    /// The next `count` periods from the one containing `from` (default today), each priced by
    /// the plan in force on its first day and the tax rules in force then.
    public static func schedule(_ ctx: TenantContext, _ id: String?, count: Int, from raw: String? = nil, services: PlatformServices,
                                on db: any Database) async throws -> [ScheduledPeriod] {
        try ctx.require(.subscriptionsRead)
        let s = try await Subscription.find(id, in: ctx, on: db)
        guard (1...24).contains(count) else { throw DomainError.invalid("count", "must be between 1 and 24") }
        guard s.status == .active || s.status == .suspended, let cycle = s.cycle else { return [] }
        var v = Validator()
        let from = v.localDate("from", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        try v.check()
        let rows = try await SubscriptionPlanPeriod.query(on: db).filter(\.$subscriptionID == s.id!).sort(\.$fromOn).sort(\.$createdAt).all()
        let plans = Dictionary(try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(rows.map(\.planID))).all().map { ($0.id!, $0) },
                               uniquingKeysWith: { a, _ in a })
        let taxes = try await TaxRules.inForce(on: from, organizationID: ctx.organizationID, on: db)
        return cycle.periods(startingWith: cycle.period(containing: max(from, LocalDate(s.activatedOn ?? "") ?? from)), count: count).map { period in
            let row = rows.last { $0.fromOn <= period.start.description }
            let plan = row.flatMap { plans[$0.planID] }
            let price = Money(minorUnits: s.billingPaused ? 0 : (row?.price ?? 0), currency: ctx.currency)
            let rates = (plan?.taxable ?? false) ? taxes.filter { $0.applies(on: period.start) && $0.appliesTo.contains(.plans) }.compactMap(\.rate) : []
            let taxed = Tax.apply(rates, to: price)
            let tax = taxed.taxes.reduce(Money(minorUnits: 0, currency: ctx.currency)) { $0 + $1.amount }
            return ScheduledPeriod(period: period, planName: plan?.name ?? "", net: taxed.net, tax: tax, total: taxed.gross)
        }
    }
}

/// One line of a subscription's history: an event or a charge, newest first.
public struct SubscriptionHistoryItem: Sendable {
    public var on: String
    public var what: String
    public var detail: String?
    public var by: String
    public var amount: Money?
    var at: Date
}

extension Subscriptions {
    public static func history(_ ctx: TenantContext, _ s: Subscription, on db: any Database) async throws -> [SubscriptionHistoryItem] {
        try ctx.require(.subscriptionsRead)
        let events = try await SubscriptionEvent.scoped(to: ctx, on: db).filter(\.$subscriptionID == s.id!).all().map {
            SubscriptionHistoryItem(on: $0.effectiveOn, what: $0.kind.replacingOccurrences(of: "_", with: " ").capitalized + " → " + $0.toStatus,
                                    detail: $0.reason, by: $0.actor, amount: nil, at: $0.at)
        }
        let charges = try await BillingCharge.scoped(to: ctx, on: db).filter(\.$subscriptionID == s.id!).all().map {
            SubscriptionHistoryItem(on: $0.on, what: $0.text, detail: [$0.detail, $0.invoiceID == nil ? "on the next invoice" : "invoiced"]
                                        .compactMap { $0 }.joined(separator: " · "),
                                    by: "", amount: Money(minorUnits: $0.amount, currency: $0.currency), at: $0.createdAt ?? .distantPast)
        }
        return (events + charges).sorted { ($0.on, $0.at) > ($1.on, $1.at) }
    }
}
