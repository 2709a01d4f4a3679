import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Web

@Suite("Billing pages")
struct BillingPageTests {
    /// "Run now" queues the run; the runs page follows its job with a progress bar and stops
    /// refreshing once it has finished.
    @Test func runNowQueuesTheRunAndThePageFollowsIt() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME", "Home", "pppoe", "20M", "10M", "1000")
            let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
            let customer = try await Customers.create(ctx, .init(displayName: "Page Run", phones: ["01711000088"]), services: t.services, on: t.db)
            _ = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1",
                                                          startsOn: "2026-01-01", activate: "true"), services: t.services, on: t.db)
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/billing/runs")
            let future = try await browser.post("/billing/runs", [("on", "2099-01-01")])
            #expect(future.status == .unprocessableEntity && future.text.contains("must not be after today") && future.text.contains("2099-01-01"))
            let started = try await browser.post("/billing/runs", [("on", "2026-03-15")])
            #expect(started.status == .seeOther, "\(started.text)")
            let queued = try await browser.get("/billing/runs")
            #expect(queued.text.contains("started: this page shows its progress"))
            #expect(queued.text.contains(#"http-equiv="refresh""#) && queued.text.contains(#"data-status="queued""#) && queued.text.contains("<progress"))
            #expect(try await Invoice.query(on: t.db).count() == 0)
            #expect(try await t.drainJobs() == 1)
            let done = try await browser.get("/billing/runs")
            #expect(done.text.contains(#"data-status="finished""#) && !done.text.contains(#"http-equiv="refresh""#) && !done.text.contains("<progress"))
            #expect(try await Invoice.query(on: t.db).count() == 3)
        }
    }

    @Test func catalogListsPageByFifty() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            for i in 0..<53 {
                _ = try await Addons.create(ctx, .init(code: String(format: "AO-%02d", i), name: String(format: "Add-on %02d", i), kind: "recurring", price: "100"),
                                            services: t.services, on: t.db)
            }
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let first = try await browser.get("/addons")
            #expect(first.status == .ok && first.text.contains("Add-on 49") && !first.text.contains("Add-on 50"))
            let next = try #require(first.text.range(of: #"<nav class="pager"><a class="btn" href=""#).map { first.text[$0.upperBound...].prefix { $0 != "\"" } })
            let second = try await browser.get(String(next).replacingOccurrences(of: "&amp;", with: "&"))
            #expect(second.status == .ok && second.text.contains("Add-on 50") && second.text.contains("Add-on 52") && !second.text.contains("Add-on 49"))
            #expect(!second.text.contains(#"class="pager""#))
            #expect(try await browser.get("/addons?cursor=nonsense").status == .unprocessableEntity)
        }
    }
}
