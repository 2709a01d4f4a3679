import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

extension Subscriptions {
    /// Buys one validity package of the subscription's prepaid plan: service through
    /// `Prepaid.extend` (from the day after the current expiry while still valid, else from `on`,
    /// default today), invoiced at once (due the same day) with its ledger transfer, keyed
    /// `<subscription>:<first day>` like every period, so the same package cannot be invoiced twice.
    public static func recharge(_ ctx: TenantContext, _ id: String?, on raw: String?, services: PlatformServices,
                                on db: any Database) async throws -> Invoice {
        try ctx.require(.subscriptionsWrite)
        return try await recharge(paidBy: ctx, id, on: raw, services: services, on: db)
    }

    /// The recharge for a caller that has checked who may sell it and pays its invoice in the
    /// same transaction (a reseller's wallet: `payments.write`). The subscription is still found
    /// within what `ctx` may see.
    public static func recharge(paidBy ctx: TenantContext, _ id: String?, on raw: String?, services: PlatformServices,
                                on db: any Database) async throws -> Invoice {
        let invoiceID = try await changing(ctx, id, on: db) { s, tx -> UUID in
            guard s.status == .active || s.status == .suspended else {
                throw DomainError.conflict("Only an active or suspended subscription can be recharged; this one is \(s.status.rawValue).")
            }
            let day = try await eventDay(raw, s, services: services, ctx: ctx, tx: tx)
            guard let plan = try await Plan.inOrganization(ctx.organizationID, on: tx).filter(\.$id == s.planID).first() else { throw DomainError.notFound("Plan") }
            return try await rechargeNow(ctx, s, plan: plan, on: day, services: services, tx: tx)
        }
        guard let invoice = try await Invoice.inOrganization(ctx.organizationID, on: db).filter(\.$id == invoiceID).first() else { throw DomainError.notFound("Invoice") }
        return invoice
    }

    /// The recharge inside a change's transaction: the invoice, the new expiry, the event.
    static func rechargeNow(_ ctx: TenantContext, _ s: Subscription, plan: Plan, on day: LocalDate, services: PlatformServices,
                            tx: any Database) async throws -> UUID {
        guard plan.billingKind == .prepaid, let days = plan.validityDays else {
            throw DomainError.conflict("\(plan.name) is a monthly plan; monthly subscriptions are billed by the invoice run.")
        }
        let period = try Prepaid.period(expiresOn: s.expiresOn.flatMap(LocalDate.init), today: day, days: days)
        let key = InvoiceGenerator.billingKey(s.id!.lowercasedText, period.start)
        let facts = SubscriptionFacts(subscriptionID: s.id!, customerID: s.customerID, activatedOn: period.start, anchorDay: 1, terminatedOn: nil,
                                      plans: [], pauses: [], openCharges: [])
        let taxes = try await InvoiceRuns.taxFacts(organizationID: ctx.organizationID, on: tx)
        // Charges waiting (a setup fee, one-time add-ons) go on the package's invoice.
        let open = try await BillingCharge.inOrganization(ctx.organizationID, on: tx).filter(\.$subscriptionID == s.id!).filter(\.$invoiceID == nil)
            .sort(\.$on).sort(\.$createdAt).all()
        var lines: [(kind: String, text: String, detail: String?, amount: Money, category: String, scope: String, taxable: Bool)] = [
            ("plan", "\(plan.name), \(period.start) – \(period.end)", "\(days) days of service", plan.priceMoney, "internet", "plans", plan.taxable)]
        for c in open {
            lines.append((c.taxScope == "fees" ? "fee" : "adjustment", c.text, c.detail, Money(minorUnits: c.amount, currency: c.currency), c.category,
                          c.taxScope, c.taxable))
        }
        let draft = InvoiceGenerator.draft(key: key, facts, period: period, issueOn: day, dueDays: 0, lines: lines, chargeIDs: open.map { $0.id! },
                                           taxes: taxes, currency: ctx.currency)
        let customer = try await Customer.inOrganization(ctx.organizationID, on: tx).filter(\.$id == s.customerID).field(\.$id).field(\.$numberText).first()
        let written = try await InvoiceRuns.write([draft], subscriptions: [s.id!: .init(s)], moves: [s.id!: (nil, s.planID)],
                                                  labels: [s.customerID: customer?.numberText ?? "customer"], runID: nil, ctx, zone: ctx.timeZone, on: tx)
        guard written.count == 1,
              let invoice = try await Invoice.inOrganization(ctx.organizationID, on: tx).filter(\.$billingKey == key).first() else {
            throw DomainError.conflict("This package (from \(period.start)) is invoiced already.")
        }
        s.expiresOn = period.end.description
        s.nextBillOn = nil
        try await s.save(on: tx)
        try await record(ctx, s, kind: "recharged", from: s.status, reason: nil, on: day,
                         summary: "Recharged \(plan.name): service through \(period.end) (\(invoice.number))", services: services, tx: tx)
        return invoice.id!
    }
}
