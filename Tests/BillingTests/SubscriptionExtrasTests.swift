import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Billing

/// Add-ons and discounts on subscriptions, and voiding an invoice, through the real writes and runs.
@Suite("Subscription add-ons, discounts and voids")
struct SubscriptionExtrasTests {
    static func run(_ w: BillingWorld, _ day: String) async throws {
        _ = try await InvoiceRuns.run(organizationID: w.tenant.id, through: LocalDate(day)!, dryRun: false, actor: "test", services: w.t.services, on: w.t.db)
    }

    static func lines(_ w: BillingWorld, _ s: Subscription, period: String) async throws -> [Int64] {
        let invoice = try #require(try await Invoice.scoped(to: w.ctx, on: w.t.db).filter(\.$subscriptionID == s.id!).filter(\.$periodStart == period).first(),
                                   "no invoice for \(period)")
        return try await InvoiceLine.scoped(to: w.ctx, on: w.t.db).filter(\.$invoiceID == invoice.id!).sort(\.$position).all().map(\.amount)
    }

    static func monthly(_ w: BillingWorld, from day: String = "2026-03-01") async throws -> Subscription {
        try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "1", startsOn: day,
                                                    activate: "true"), services: w.t.services, on: w.t.db)
    }

    @Test func addOnsAndADiscountAreProratedBilledAndEnded() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let ip = try await Addons.create(w.ctx, .init(code: "IP", name: "Static IP", kind: "recurring", category: "static_ip", price: "300"),
                                             services: t.services, on: t.db)
            let loyalty = try await Discounts.create(w.ctx, .init(name: "Loyalty", kind: "percent", value: "10", target: "plan", cycles: "2"),
                                                     services: t.services, on: t.db)
            let s = try await Self.monthly(w)
            try await Self.run(w, "2026-03-01")
            // 10 March: 22 of 31 days of 300.00, quoted first, nothing written by the quote.
            let quote = try await Subscriptions.addAddon(w.ctx, s.id!.uuidString, addonID: ip.id!.uuidString, on: "2026-03-10", preview: true,
                                                         services: t.services, on: t.db)
            #expect(quote.quote?.net.minorUnits == 21_290 && quote.quote?.remainingDays == 22 && !quote.applied)
            #expect(try await SubscriptionAddon.query(on: t.db).count() == 0)
            #expect(try await w.charges(s).isEmpty)
            _ = try await Subscriptions.addAddon(w.ctx, s.id!.uuidString, addonID: ip.id!.uuidString, on: "2026-03-10", preview: false,
                                                 services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("addon_id", "is on the subscription already")) {
                _ = try await Subscriptions.addAddon(w.ctx, s.id!.uuidString, addonID: ip.id!.uuidString, on: "2026-03-11", preview: false,
                                                     services: t.services, on: t.db)
            }
            let grant = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: loyalty.id!.uuidString, couponCode: nil,
                                                             services: t.services, on: t.db)
            #expect(grant.firstPeriodOn == "2026-04-01", "from the first period not yet billed")
            // The schedule prices each period as the run will: March without the add-on (its
            // first days are a charge), April and May with it and 10 % off the plan, June without.
            let schedule = try await Subscriptions.schedule(w.ctx, s.id!.uuidString, count: 4, from: "2026-03-10", services: t.services, on: t.db)
            #expect(schedule.map(\.period.start.description) == ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"])
            #expect(schedule.map(\.total.minorUnits) == [100_000, 120_000, 120_000, 130_000])
            try await Self.run(w, "2026-04-01")
            try await Self.run(w, "2026-05-01")
            // Removed 20 May: 12 of 31 days of 300.00 back.
            let item = try #require(try await Subscriptions.addons(w.ctx, s, on: t.db).first)
            _ = try await Subscriptions.removeAddon(w.ctx, s.id!.uuidString, itemID: item.id!.uuidString, on: "2026-05-20", preview: false,
                                                    services: t.services, on: t.db)
            try await Self.run(w, "2026-06-01")
            #expect(try await Self.lines(w, s, period: "2026-03-01") == [100_000])
            #expect(try await Self.lines(w, s, period: "2026-04-01") == [100_000, 30_000, -10_000, 21_290])
            #expect(try await Self.lines(w, s, period: "2026-05-01") == [100_000, 30_000, -10_000])
            #expect(try await Self.lines(w, s, period: "2026-06-01") == [100_000, -11_613], "two cycles of the discount, then none")
            // July: the plan only; the history tells the story.
            #expect(try await Subscriptions.schedule(w.ctx, s.id!.uuidString, count: 1, from: "2026-07-01", services: t.services, on: t.db)
                .map(\.total.minorUnits) == [100_000])
            let kinds = try await SubscriptionEvent.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!).all().map(\.kind)
            #expect(kinds.filter { $0.hasPrefix("addon") || $0.hasPrefix("discount") } == ["addon_added", "discount_given", "addon_removed"])
            let given = try #require(try await SubscriptionEvent.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!)
                .filter(\.$kind == "discount_given").first())
            #expect(given.effectiveOn == LocalDate.today(t.services.clock.now(), in: w.ctx.timeZone).description, "dated the day it was given")
            #expect(try await Discount.find(loyalty.id, on: t.db)?.usedCount == 1)
            #expect(try await InvoiceRuns.ledgerProblems(organizationID: w.tenant.id, on: t.db).isEmpty)
        }
    }

    @Test func aPauseCreditsThePlanAndEachAddOnApartAndAOneTimeAddOnIsChargedOnce() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let ip = try await Addons.create(w.ctx, .init(code: "IP", name: "Static IP", kind: "recurring", category: "static_ip", price: "300"),
                                             services: t.services, on: t.db)
            let install = try await Addons.create(w.ctx, .init(code: "INST", name: "Installation", kind: "one_time", category: "installation", price: "500"),
                                                  services: t.services, on: t.db)
            let s = try await Self.monthly(w)
            _ = try await Subscriptions.addAddon(w.ctx, s.id!.uuidString, addonID: ip.id!.uuidString, on: "2026-03-01", preview: false,
                                                 services: t.services, on: t.db)
            let once = try await Subscriptions.addAddon(w.ctx, s.id!.uuidString, addonID: install.id!.uuidString, on: "2026-03-01", preview: false,
                                                        services: t.services, on: t.db)
            #expect(once.oneTime?.minorUnits == 50_000)
            try await Self.run(w, "2026-03-01")
            // Added on the period's first day "now": this period through the proration, the line from April.
            #expect(try await Self.lines(w, s, period: "2026-03-01") == [100_000, 30_000, 50_000])
            _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "Travelling", on: "2026-03-17", pauseBilling: true,
                                                services: t.services, on: t.db)
            // 15 of 31 days back: 483.87 of the plan, 145.16 of the add-on, each its own charge.
            let credits = try await BillingCharge.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!).filter(\.$on == "2026-03-17").all()
            #expect(Set(credits.map { "\($0.category) \($0.amount)" }) == ["internet -48387", "static_ip -14516"])
            try await Self.run(w, "2026-04-01")
            #expect(try await Self.lines(w, s, period: "2026-04-01") == [-48_387, -14_516], "paused: no plan nor add-on line")
        }
    }

    @Test func couponsAreRefusedWhenExpiredUsedUpForAnotherPlanOrGivenTwice() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let s = try await Self.monthly(w)
            let other = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, activate: "true"),
                                                       services: t.services, on: t.db)
            let once = try await Discounts.create(w.ctx, .init(name: "Eid", couponCode: "EID26", kind: "fixed", value: "100", target: "invoice", usageLimit: "1"),
                                                  services: t.services, on: t.db)
            _ = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: nil, couponCode: " eid26 ", services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("coupon_code", "has been used up (1 uses)")) {
                _ = try await Subscriptions.giveDiscount(w.ctx, other.id!.uuidString, discountID: nil, couponCode: "EID26", services: t.services, on: t.db)
            }
            let old = try await Discounts.create(w.ctx, .init(name: "Old", couponCode: "OLD", kind: "percent", value: "5", target: "plan"),
                                                 services: t.services, on: t.db)
            old.expiresOn = "2020-01-31"
            try await old.save(on: t.db)
            await #expect(throws: DomainError.invalid("coupon_code", "expired on 2020-01-31")) {
                _ = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: nil, couponCode: "old", services: t.services, on: t.db)
            }
            let fastOnly = try await Discounts.create(w.ctx, .init(name: "Fast", kind: "percent", value: "5", target: "plan", targetID: w.fast.id!.uuidString),
                                                      services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("discount_id", "is for another plan than the subscription's")) {
                _ = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: fastOnly.id!.uuidString, couponCode: nil, services: t.services, on: t.db)
            }
            let any = try await Discounts.create(w.ctx, .init(name: "Any", kind: "percent", value: "5", target: "plan"), services: t.services, on: t.db)
            _ = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: any.id!.uuidString, couponCode: nil, services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("discount_id", "is given to this subscription already")) {
                _ = try await Subscriptions.giveDiscount(w.ctx, s.id!.uuidString, discountID: any.id!.uuidString, couponCode: nil, services: t.services, on: t.db)
            }
            // Nothing half-written: one use of each given discount, two grants in all.
            #expect(try await Discount.find(once.id, on: t.db)?.usedCount == 1)
            #expect(try await Discount.find(any.id, on: t.db)?.usedCount == 1)
            #expect(try await SubscriptionDiscount.query(on: t.db).count() == 2)
        }
    }

    @Test func voidingAnInvoiceIssuesACreditNoteOnceAndKeepsTheBooksBalanced() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let s = try await Self.monthly(w)
            try await Self.run(w, "2026-03-01")
            let invoice = try #require(try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!).first())
            await #expect(throws: DomainError.invalid("reason", "is required")) {
                _ = try await Invoices.void(w.ctx, invoice.id!.uuidString, reason: " ", services: t.services, on: t.db)
            }
            let note = try await Invoices.void(w.ctx, invoice.id!.uuidString, reason: "Billed before the connection worked", services: t.services, on: t.db)
            #expect(note.kind == "credit_note" && note.number.hasPrefix("CN-") && note.total == -invoice.total && note.voidsInvoiceID == invoice.id)
            let voided = try #require(try await Invoice.find(invoice.id, on: t.db))
            #expect(voided.status == .void && voided.voidReason == "Billed before the connection worked" && voided.total == invoice.total)
            await #expect(throws: DomainError.conflict("Invoice \(invoice.number) is void already.")) {
                _ = try await Invoices.void(w.ctx, invoice.id!.uuidString, reason: "again", services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.conflict("A credit note cannot be voided.")) {
                _ = try await Invoices.void(w.ctx, note.id!.uuidString, reason: "a credit note", services: t.services, on: t.db)
            }
            #expect(try await Invoice.query(on: t.db).filter(\.$voidsInvoiceID == invoice.id!).count() == 1)
            #expect(try await InvoiceRuns.ledgerProblems(organizationID: w.tenant.id, on: t.db).isEmpty)
            let receivable = try await LedgerAccount.query(on: t.db).filter(\.$organizationID == w.tenant.id).filter(\.$key, .custom("LIKE"), "receivable:%").all()
            #expect(receivable.map(\.balance) == [0], "the customer owes nothing after the void")
            // The period is not billed again.
            try await Self.run(w, "2026-03-02")
            #expect(try await Invoice.query(on: t.db).filter(\.$subscriptionID == s.id!).filter(\.$kind == "invoice").count() == 1)
        }
    }
}

@Suite("Prepaid recharges")
struct PrepaidRechargeTests {
    @Test func activationBuysTheFirstPackageAndRechargesExtendFromTheLaterOfTodayAndTheExpiry() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed) = ("HS-7", "Hotspot 7 days", "hotspot", "5M", "2M")
            (input.price, input.billingKind, input.validityDays, input.setupFee) = ("150", "prepaid", "7", "50")
            let hotspot = try await Plans.create(w.ctx, input, services: t.services, on: t.db)
            let s = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: hotspot.id!.uuidString, startsOn: "2026-03-10",
                                                                activate: "true"), services: t.services, on: t.db)
            let active = try await Subscriptions.find(w.ctx, s.id!.uuidString, on: t.db)
            #expect(active.expiresOn == "2026-03-16" && active.nextBillOn == nil && active.anchorDay == nil)
            let first = try #require(try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!).first())
            #expect(first.periodStart == "2026-03-10" && first.periodEnd == "2026-03-16" && first.total == 20_000 && first.dueOn == "2026-03-10",
                    "the package and the setup fee, due at once")
            // While valid: the new week follows the expiry without a gap.
            let second = try await Subscriptions.recharge(w.ctx, s.id!.uuidString, on: "2026-03-14", services: t.services, on: t.db)
            #expect(second.periodStart == "2026-03-17" && second.periodEnd == "2026-03-23" && second.total == 15_000)
            // Lapsed: from the recharge day.
            let third = try await Subscriptions.recharge(w.ctx, s.id!.uuidString, on: "2026-04-02", services: t.services, on: t.db)
            #expect(third.periodStart == "2026-04-02" && third.periodEnd == "2026-04-08")
            #expect(try await Subscriptions.find(w.ctx, s.id!.uuidString, on: t.db).expiresOn == "2026-04-08")
            // The invoice run never bills a prepaid service, and the books hold.
            let run = try await InvoiceRuns.run(organizationID: w.tenant.id, through: LocalDate("2026-05-01")!, dryRun: false, actor: "test",
                                                services: t.services, on: t.db)
            #expect(run.invoices == 0)
            #expect(try await InvoiceRuns.ledgerProblems(organizationID: w.tenant.id, on: t.db).isEmpty)
            // Monthly subscriptions cannot be recharged; prepaid ones take no recurring add-ons nor plan changes.
            let monthly = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, activate: "true"),
                                                         services: t.services, on: t.db)
            await #expect(throws: DomainError.conflict("Home 20 is a monthly plan; monthly subscriptions are billed by the invoice run.")) {
                _ = try await Subscriptions.recharge(w.ctx, monthly.id!.uuidString, on: nil, services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.conflict("A prepaid subscription cannot change plan; terminate it and sign the customer up for the new plan.")) {
                _ = try await Subscriptions.changePlan(w.ctx, s.id!.uuidString, planID: w.fast.id!.uuidString, effective: "now", on: "2026-04-03",
                                                       preview: true, services: t.services, on: t.db)
            }
        }
    }
}
