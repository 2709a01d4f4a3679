import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Billing

/// A tenant with an admin context, two monthly plans and a customer.
struct BillingWorld {
    let t: TestApp
    let tenant: Tenant
    let ctx: TenantContext
    let home: Plan
    let fast: Plan
    let customer: Customer

    static func make(_ t: TestApp, name: String = "Alpha Net") async throws -> BillingWorld {
        let tenant = try await t.makeTenant(name)
        let ctx = try await t.context(of: tenant.admin)
        func plan(_ code: String, _ name: String, _ price: String) async throws -> Plan {
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = (code, name, "pppoe", "20M", "10M", price)
            return try await Plans.create(ctx, input, services: t.services, on: t.db)
        }
        let home = try await plan("HOME-20", "Home 20", "1000")
        let fast = try await plan("FAST-50", "Fast 50", "1500")
        let customer = try await Customers.create(ctx, .init(displayName: "Rahim Uddin", phones: ["01711000001"], address: .init(line1: "House 7")),
                                                  services: t.services, on: t.db)
        return BillingWorld(t: t, tenant: tenant, ctx: ctx, home: home, fast: fast, customer: customer)
    }

    func charges(_ s: Subscription) async throws -> [Int64] {
        try await BillingCharge.scoped(to: ctx, on: t.db).filter(\.$subscriptionID == s.id!).sort(\.$on).sort(\.$createdAt).all().map(\.amount)
    }

    func customerStatus() async throws -> CustomerStatus {
        try await Customers.find(ctx, customer.id!.uuidString, on: t.db).status
    }
}

@Suite("Subscriptions")
struct SubscriptionTests {
    @Test func aYearOfChangesLeavesProratedChargesAndTheCustomerFollows() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let s = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, startsOn: "2026-03-10"),
                                                   services: t.services, on: t.db)
            #expect(s.status == .pending)
            _ = try await Subscriptions.activate(w.ctx, s.id!.uuidString, on: "2026-03-15", services: t.services, on: t.db)
            #expect(try await w.customerStatus() == .active)
            let active = try await Subscriptions.find(w.ctx, s.id!.uuidString, on: t.db)
            #expect(active.anchorDay == 15 && active.nextBillOn == "2026-03-15")   // anniversary rule

            // Upgrade on the 20th: period 15 Mar – 14 Apr (31 days), 26 days left counting the 20th.
            let preview = try await Subscriptions.changePlan(w.ctx, s.id!.uuidString, planID: w.fast.id!.uuidString, effective: "now", on: "2026-03-20",
                                                             preview: true, services: t.services, on: t.db)
            let q = try #require(preview.quote)
            #expect((q.period.start.description, q.period.end.description, q.remainingDays, q.periodDays) == ("2026-03-15", "2026-04-14", 26, 31))
            #expect((q.credit.minorUnits, q.charge.minorUnits, q.net.minorUnits) == (83_871, 125_806, 41_935))
            #expect(try await w.charges(s).isEmpty, "a preview writes nothing")
            _ = try await Subscriptions.changePlan(w.ctx, s.id!.uuidString, planID: w.fast.id!.uuidString, effective: "now", on: "2026-03-20",
                                                   preview: false, services: t.services, on: t.db)
            // A customer's request: billing pauses on the 25th (21 days of 1500 back), resumes 1 Apr (14 days charged).
            _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "Travelling", on: "2026-03-25", pauseBilling: true,
                                                services: t.services, on: t.db)
            #expect(try await w.customerStatus() == .suspended)
            _ = try await Subscriptions.resume(w.ctx, s.id!.uuidString, on: "2026-04-01", services: t.services, on: t.db)
            #expect(try await w.customerStatus() == .active)
            // Ends on 10 Apr: that day and the 4 after it come back.
            _ = try await Subscriptions.terminate(w.ctx, s.id!.uuidString, reason: "Moved away", on: "2026-04-10", services: t.services, on: t.db)
            #expect(try await w.customerStatus() == .terminated)
            #expect(try await w.charges(s) == [41_935, -101_613, 67_742, -24_194])
            let events = try await SubscriptionEvent.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID == s.id!).all().map(\.kind)
            #expect(events == ["created", "activated", "plan_changed", "paused", "resumed", "terminated"])
            // The customer's timeline tells the story.
            let timeline = try await Customers.timeline(w.ctx, w.customer.id!.uuidString, page: try CursorRequest(limit: 50), on: t.db).items.map(\.kind)
            #expect(timeline.contains("subscription.plan_changed") && timeline.contains("subscription.terminated"))
            // Terminated is final.
            await #expect(throws: DomainError.conflict("A terminated subscription cannot change plan.")) {
                try await Subscriptions.changePlan(w.ctx, s.id!.uuidString, planID: w.home.id!.uuidString, effective: "now", on: nil,
                                                   preview: true, services: t.services, on: t.db)
            }
        }
    }

    @Test func aChangeAtPeriodEndIsPricedFromTheNextPeriodAndTheScheduleShowsIt() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            _ = try await TaxRules.create(w.ctx, .init(code: "VAT", name: "VAT 5 %", rate: "5", inclusive: "false", effectiveFrom: "2026-01-01"),
                                          services: t.services, on: t.db)
            let s = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "31",
                                                                startsOn: "2026-01-31", activate: "true"), services: t.services, on: t.db)
            let change = try await Subscriptions.changePlan(w.ctx, s.id!.uuidString, planID: w.fast.id!.uuidString, effective: "period_end",
                                                            on: "2026-02-10", preview: false, services: t.services, on: t.db)
            #expect(change.quote == nil && change.startsOn.description == "2026-02-28")
            #expect(try await w.charges(s).isEmpty)
            let schedule = try await Subscriptions.schedule(w.ctx, s.id!.uuidString, count: 3, from: "2026-02-10", services: t.services, on: t.db)
            // Billing day 31: January 31 – February 27, February 28 – March 30, March 31 – April 29.
            #expect(schedule.map { "\($0.period.start)…\($0.period.end)" } == ["2026-01-31…2026-02-27", "2026-02-28…2026-03-30", "2026-03-31…2026-04-29"])
            #expect(schedule.map(\.planName) == ["Home 20", "Fast 50", "Fast 50"])
            #expect(schedule.map(\.total.minorUnits) == [105_000, 157_500, 157_500])
        }
    }

    @Test func badInputNamesTheFieldAndWritesNothing() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let other = try await BillingWorld.make(t, name: "Beta Net")
            func refused(_ input: Subscriptions.Input, _ field: String) async throws {
                do {
                    _ = try await Subscriptions.create(w.ctx, input, services: t.services, on: t.db)
                    Issue.record("accepted \(input)")
                } catch DomainError.validation(let errors) {
                    #expect(errors.map(\.field).contains(field), "\(errors)")
                }
            }
            let c = w.customer.id!.uuidString
            try await refused(.init(customerID: c, planID: other.home.id!.uuidString), "plan_id")
            try await refused(.init(customerID: other.customer.id!.uuidString, planID: w.home.id!.uuidString), "customer_id")
            try await refused(.init(customerID: c, planID: w.home.id!.uuidString, billingDay: "0"), "billing_day")
            try await refused(.init(customerID: c, planID: w.home.id!.uuidString, billingDay: "32"), "billing_day")
            try await refused(.init(customerID: c, planID: w.home.id!.uuidString, startsOn: "2026-02-30"), "starts_on")
            #expect(try await Subscription.scoped(to: w.ctx, on: t.db).count() == 0)
        }
    }
}

@Suite("Catalog")
struct CatalogTests {
    @Test func refusesBadCatalogInputNamingTheField() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            func refused(_ field: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("\(field): accepted")
                } catch DomainError.validation(let errors) {
                    #expect(errors.map(\.field).contains(field), "\(field): \(errors)")
                } catch {
                    Issue.record("\(field): \(error)")
                }
            }
            func plan(_ change: (inout Plans.Input) -> Void) async throws {
                var input = Plans.Input()
                (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("P1", "P", "pppoe", "20M", "10M", "100")
                change(&input)
                _ = try await Plans.create(w.ctx, input, services: t.services, on: t.db)
            }
            await refused("price") { try await plan { $0.price = "100.505" } }        // a fraction of a poisha
            await refused("price") { try await plan { $0.price = "-1" } }
            await refused("price") { try await plan { $0.price = "1e3" } }
            await refused("code") { try await plan { $0.code = "HOME-20" } }          // taken, case-insensitively
            await refused("validity_days") { try await plan { $0.billingKind = "prepaid" } }
            await refused("validity_days") { try await plan { $0.validityDays = "30" } }  // monthly plans have none
            await refused("download_speed") { try await plan { $0.downloadSpeed = "fast" } }
            await refused("burst.upload") { try await plan { ($0.burstDownload, $0.burstTime) = ("40M", "8") } }
            await refused("burst.download") {
                try await plan { ($0.burstDownload, $0.burstUpload, $0.burstThresholdDownload, $0.burstThresholdUpload, $0.burstTime) = ("10M", "20M", "15M", "8M", "8") }
            }
            await refused("value") { _ = try await Discounts.create(w.ctx, .init(name: "Too much", kind: "percent", value: "150", target: "invoice"), services: t.services, on: t.db) }
            await refused("value") { _ = try await Discounts.create(w.ctx, .init(name: "Odd", kind: "fixed", value: "10.001", target: "invoice"), services: t.services, on: t.db) }
            await refused("cycles") { _ = try await Discounts.create(w.ctx, .init(name: "Z", kind: "percent", value: "5", target: "plan", cycles: "0"), services: t.services, on: t.db) }
            await refused("rate") { _ = try await TaxRules.create(w.ctx, .init(code: "X", name: "X", rate: "101", effectiveFrom: "2026-01-01"), services: t.services, on: t.db) }
            await refused("effective_to") {
                _ = try await TaxRules.create(w.ctx, .init(code: "X", name: "X", rate: "5", effectiveFrom: "2026-05-01", effectiveTo: "2026-04-30"), services: t.services, on: t.db)
            }
            #expect(try await Plan.scoped(to: w.ctx, on: t.db).count() == 2)
            #expect(try await Discount.scoped(to: w.ctx, on: t.db).count() == 0)
            // A coupon past its expiry or used up is refused by name.
            _ = try await Discounts.create(w.ctx, .init(name: "Eid", couponCode: "eid26", kind: "percent", value: "10", target: "invoice", usageLimit: "1",
                                                        expiresOn: "2026-04-30"), services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("coupon", "expired on 2026-04-30")) {
                try await Discounts.redeemable("EID26", today: try #require(LocalDate("2026-05-01")), field: "coupon", organizationID: w.tenant.id, on: t.db)
            }
            let ok = try await Discounts.redeemable(" eid26 ", today: try #require(LocalDate("2026-04-30")), field: "coupon", organizationID: w.tenant.id, on: t.db)
            #expect(ok.name == "Eid")
        }
    }

    @Test func planSpeedsBecomeTheRouterRateLimit() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("b", "Burst", "hotspot", "10M", "1.5M", "500")
            (input.burstDownload, input.burstUpload, input.burstThresholdDownload, input.burstThresholdUpload, input.burstTime) = ("20M", "3M", "8M", "1200k", "16")
            let plan = try await Plans.create(w.ctx, input, services: t.services, on: t.db)
            #expect(plan.code == "B")
            #expect(plan.rateLimit == "1500k/10M 3M/20M 1200k/8M 16/16")
            #expect(w.home.rateLimit == "10M/20M")
        }
    }
}
