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
    /// Runs a change of one subscription in a write transaction, on the row as it is inside that
    /// transaction: locked on PostgreSQL (`FOR UPDATE`), behind SQLite's single writer. So two
    /// people activating, pausing or changing the same subscription at once queue, and the second
    /// sees the first's state (its status check refuses, nothing is charged twice). Another
    /// organization's id is not found before anything else is checked.
    static func changing<T: Sendable>(_ ctx: TenantContext, _ id: String?, on db: any Database,
                                      _ body: @escaping @Sendable (Subscription, any Database) async throws -> T) async throws -> T {
        let found = try await Subscription.find(id, in: ctx, on: db)
        let subscriptionID = found.id!
        return try await db.writeTransaction { tx in
            try await TenantSQL.lockRow("subscriptions", id: subscriptionID, organizationID: ctx.organizationID, on: tx)
            return try await body(try await Subscription.find(subscriptionID, in: ctx, on: tx), tx)
        }
    }

    /// The day an event happens: given, or today; never before the service started nor before
    /// the subscription's latest event (a resumption dated before its pause would charge days
    /// twice; a termination dated before a change would undo an invoiced period unseen).
    static func eventDay(_ raw: String?, _ s: Subscription, field: String = "on", services: PlatformServices, ctx: TenantContext,
                         tx: any Database) async throws -> LocalDate {
        var v = Validator()
        let day = v.localDate(field, raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        try v.check()
        // Discounts change no day of service, so they hold nothing back.
        let latest = try await SubscriptionEvent.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
            .filter(\.$kind !~ ["discount_given", "discount_ended"]).sort(\.$effectiveOn, .descending).first().flatMap { LocalDate($0.effectiveOn) }
        if let activated = s.activatedOn.flatMap(LocalDate.init), day < activated {
            v.add(field, "must not be before the service started (\(activated))")
        } else if let latest, day < latest {
            v.add(field, "must not be before the subscription's last change (\(latest))")
        }
        try v.check()
        return day
    }

    /// The plan price in force on a day (the latest row from on or before it).
    static func planRow(_ ctx: TenantContext, _ s: Subscription, on day: LocalDate, tx: any Database) async throws -> SubscriptionPlanPeriod? {
        try await SubscriptionPlanPeriod.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!).filter(\.$fromOn <= day.description)
            .sort(\.$fromOn, .descending).sort(\.$createdAt, .descending).first()
    }

    /// Prorates a change of what the subscription costs per period, from `day` to the end of
    /// its period, as a charge on the next invoice.
    static func prorate(_ ctx: TenantContext, _ s: Subscription, from old: Money, to new: Money, on day: LocalDate, text: String,
                        category: String = "internet", scope: TaxRule.Scope = .plans, taxable: Bool = true, tx: any Database) async throws -> ProrationQuote? {
        guard let cycle = s.cycle, s.expiresOn == nil else { return nil }
        let quote = try Proration.quote(period: cycle.period(containing: day), changeOn: day, oldPrice: old, newPrice: new)
        try await addProration(ctx, s, quote, text: text, category: category, scope: scope, taxable: taxable, tx: tx)
        return quote
    }

    /// The plan price the subscription is charged per period from `day`, or 0 while paused.
    static func price(_ ctx: TenantContext, _ s: Subscription, on day: LocalDate, tx: any Database) async throws -> Money {
        let row = try await planRow(ctx, s, on: day, tx: tx)
        return Money(minorUnits: s.billingPaused ? 0 : (row?.price ?? 0), currency: ctx.currency)
    }

    /// Everything charged per period on `day`: the plan, then each recurring add-on on it then.
    static func recurringItems(_ ctx: TenantContext, _ s: Subscription, on day: LocalDate, tx: any Database) async throws
        -> [(name: String?, price: Money, category: String, scope: TaxRule.Scope, taxable: Bool)] {
        let plan = try await planRow(ctx, s, on: day, tx: tx)
        let taxable = try await plan.asyncMap { row in try await Plan.inOrganization(ctx.organizationID, on: tx).filter(\.$id == row.planID).first()?.taxable } ?? nil
        var items: [(name: String?, price: Money, category: String, scope: TaxRule.Scope, taxable: Bool)] = [
            (nil, Money(minorUnits: plan?.price ?? 0, currency: ctx.currency), "internet", .plans, taxable ?? true)]
        for addon in try await SubscriptionAddon.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!)
            .filter(\.$fromOn <= day.description).sort(\.$fromOn).all() where addon.toOn.map({ day.description < $0 }) ?? true {
            items.append((addon.name, Money(minorUnits: addon.price, currency: ctx.currency), addon.category, .addons, addon.taxable))
        }
        return items
    }

    /// Prorates every recurring item from `day` on: stopping (`on: false`) credits the rest of the
    /// period, starting again charges it. The plan's charge keeps `text`; each add-on's names it.
    static func prorateAll(_ ctx: TenantContext, _ s: Subscription, on: Bool, day: LocalDate, text: String, tx: any Database) async throws {
        let zero = Money(minorUnits: 0, currency: ctx.currency)
        for item in try await recurringItems(ctx, s, on: day, tx: tx) {
            _ = try await prorate(ctx, s, from: on ? zero : item.price, to: on ? item.price : zero, on: day,
                                  text: item.name.map { "\($0): \(text.prefix(1).lowercased() + text.dropFirst())" } ?? text,
                                  category: item.category, scope: item.scope, taxable: item.taxable, tx: tx)
        }
    }

    /// Suspends the service. `pauseBilling` (a customer's request) stops charging from `on` and
    /// credits the rest of the period; otherwise (non-payment) billing goes on.
    public static func suspend(_ ctx: TenantContext, _ id: String?, reason: String?, on raw: String?, pauseBilling: Bool,
                               services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        return try await changing(ctx, id, on: db) { s, tx in
            var v = Validator()
            let why = v.text("reason", reason, max: 300)
            try v.check()
            guard s.status == .active else { throw DomainError.conflict("Only an active subscription can be suspended; this one is \(s.status.rawValue).") }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            if pauseBilling { try await prorateAll(ctx, s, on: false, day: day, text: "Service paused from \(day)", tx: tx) }
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
        return try await changing(ctx, id, on: db) { s, tx in
            guard s.status == .suspended else { throw DomainError.conflict("Only a suspended subscription can be resumed; this one is \(s.status.rawValue).") }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            if s.billingPaused {
                s.billingPaused = false
                try await prorateAll(ctx, s, on: true, day: day, text: "Service resumed on \(day)", tx: tx)
            }
            s.status = .active
            try await s.save(on: tx)
            try await record(ctx, s, kind: "resumed", from: .suspended, reason: nil, on: day, summary: "Service resumed", services: services, tx: tx)
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    /// Ends the service on `on` (that day is no longer charged): the rest of a billed period is
    /// credited on a final invoice, which the next run issues. A terminated subscription never
    /// changes again.
    public static func terminate(_ ctx: TenantContext, _ id: String?, reason: String?, on raw: String?,
                                 services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        return try await changing(ctx, id, on: db) { s, tx in
            var v = Validator()
            let why = v.text("reason", reason, max: 300)
            try v.check()
            guard s.status != .terminated else { throw DomainError.conflict("This subscription is already terminated.") }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            let from = s.status
            if from != .pending, !s.billingPaused { try await prorateAll(ctx, s, on: false, day: day, text: "Service ended on \(day)", tx: tx) }
            s.status = .terminated
            s.terminatedOn = day.description
            s.billingPaused = false
            // The next run picks it up from the termination day on (for the final invoice).
            if let next = s.nextBillOn.flatMap(LocalDate.init), next > day { s.nextBillOn = day.description }
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
        let current = try await Subscription.find(id, in: ctx, on: db)
        var v = Validator()
        let plan = try? await Plan.find(planID, in: ctx, on: db)
        if planID.nonBlank == nil { v.add("plan_id", "is required") } else if plan == nil {
            v.add("plan_id", "is not a plan you can see")
        } else if plan?.status != .active {
            v.add("plan_id", "is archived; choose a plan that is sold")
        } else if plan?.id == current.planID {
            v.add("plan_id", "is the subscription's plan already")
        } else if let plan, !plan.branchIDs.isEmpty, !plan.branchIDs.contains(current.branchID) {
            v.add("plan_id", "is not sold in the customer's branch")
        } else if plan?.billingKind != .postpaidMonthly {
            v.add("plan_id", "must be a monthly plan (prepaid plans are sold by recharge)")
        }
        let when = effective.nonBlank ?? "now"
        if when != "now", when != "period_end" { v.add("effective", "must be now or period_end") }
        try v.check()
        let newPlan = plan!
        let body: @Sendable (Subscription, any Database) async throws -> PlanChangeQuote = { s, tx in
            guard s.status == .active || s.status == .suspended else { throw DomainError.conflict("A \(s.status.rawValue) subscription cannot change plan.") }
            guard let cycle = s.cycle else {
                throw DomainError.conflict("A prepaid subscription cannot change plan; terminate it and sign the customer up for the new plan.")
            }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            let period = cycle.period(containing: day)
            let startsOn = when == "now" ? day : period.end.adding(days: 1)
            var quote: ProrationQuote?
            if when == "now" {
                let old = try await price(ctx, s, on: day, tx: tx)
                let new = Money(minorUnits: s.billingPaused ? 0 : newPlan.price, currency: ctx.currency)
                quote = try Proration.quote(period: period, changeOn: day, oldPrice: old, newPrice: new)
                if !preview {
                    _ = try await prorate(ctx, s, from: old, to: new, on: day, text: "Plan change to \(newPlan.name)", taxable: newPlan.taxable, tx: tx)
                }
            }
            if !preview {
                try await pricePlan(ctx, s, plan: newPlan, from: startsOn, prorated: when == "now", tx: tx)
                if when == "now" {
                    s.planID = newPlan.id!
                    try await s.save(on: tx)
                }
                // Dated the day it was decided: a change at period end must not hold back what happens before it.
                try await record(ctx, s, kind: "plan_changed", from: s.status, reason: nil, on: day,
                                 summary: when == "now" ? "Plan changed to \(newPlan.name)" : "Plan changes to \(newPlan.name) on \(startsOn)",
                                 services: services, tx: tx)
            }
            return PlanChangeQuote(effective: when, quote: quote, startsOn: startsOn, applied: !preview)
        }
        if preview { return try await body(current, db) }
        return try await changing(ctx, id, on: db, body)
    }

    /// The next `count` periods from the one containing `from` (default today), each priced as
    /// the run will invoice it: by the invoice generator, from the same facts a run reads (the
    /// plan in force on the period's first day, recurring add-ons, discounts and their cycles,
    /// paused billing, the tax rules in force then). Charges not yet invoiced are left out: they
    /// go on the next invoice whatever the period, and the subscription's history lists them.
    public static func schedule(_ ctx: TenantContext, _ id: String?, count: Int, from raw: String? = nil, services: PlatformServices,
                                on db: any Database) async throws -> [ScheduledPeriod] {
        try ctx.require(.subscriptionsRead)
        let s = try await Subscription.find(id, in: ctx, on: db)
        guard (1...24).contains(count) else { throw DomainError.invalid("count", "must be between 1 and 24") }
        guard s.status == .active || s.status == .suspended, let cycle = s.cycle else { return [] }
        var v = Validator()
        let from = v.localDate("from", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        try v.check()
        let run = InvoiceRuns.RunSubscription(s)
        guard var facts = try await InvoiceRuns.loadFacts([run], ctx, currency: ctx.currency, on: db).facts[run.id] else { return [] }
        let periods = cycle.periods(startingWith: cycle.period(containing: max(from, facts.activatedOn)), count: count)
        guard let first = periods.first, let last = periods.last else { return [] }
        // Priced from the first period shown (a later activation keeps its stub), as if none were invoiced yet.
        facts.activatedOn = max(facts.activatedOn, first.start)
        facts.openCharges = []
        let taxes = try await InvoiceRuns.taxFacts(organizationID: ctx.organizationID, on: db)
        let drafts = try InvoiceGenerator.generate(facts, invoiced: [], through: last.start, taxes: taxes, currency: ctx.currency, dueDays: 0).drafts
        let byStart = Dictionary(drafts.compactMap { d in d.period.map { ($0.start, d) } }, uniquingKeysWith: { a, _ in a })
        let zero = Money(minorUnits: 0, currency: ctx.currency)
        return periods.map { period in
            let start = max(period.start, facts.activatedOn)
            let draft = byStart[start]
            let plan = InvoiceGenerator.basePlan(facts, at: start)
            return ScheduledPeriod(period: period, planName: plan?.name ?? "", net: draft.map { $0.total - $0.taxTotal } ?? zero,
                                   tax: draft?.taxTotal ?? zero, total: draft?.total ?? zero)
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
