import Billing
import CRM
import Fluent
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
            #expect(queued.text.contains(#"http-equiv="refresh" content="2;url=/billing/runs""#) && queued.text.contains(#"data-status="queued""#) && queued.text.contains("<progress"))
            #expect(try await Invoice.query(on: t.db).count() == 0)
            #expect(try await t.drainJobs(queues: ["default"]) == 1)
            let done = try await browser.get("/billing/runs")
            #expect(done.text.contains(#"data-status="finished""#) && !done.text.contains(#"http-equiv="refresh""#) && !done.text.contains("<progress"))
            #expect(try await Invoice.query(on: t.db).count() == 3)
        }
    }

    /// A refused removal of an add-on or end of a discount says why above its list, where it
    /// shows whether or not the add form does.
    @Test func refusedRowButtonsSayWhyAboveTheirList() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME", "Home", "pppoe", "20M", "10M", "1000")
            let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
            let ip = try await Addons.create(ctx, .init(code: "IP", name: "Static IP", kind: "recurring", category: "static_ip", price: "300"),
                                             services: t.services, on: t.db)
            let customer = try await Customers.create(ctx, .init(displayName: "Row Buttons", phones: ["01711000089"]), services: t.services, on: t.db)
            let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1",
                                                              startsOn: "2026-01-01", activate: "true"), services: t.services, on: t.db)
            _ = try await Subscriptions.addAddon(ctx, s.id!.uuidString, addonID: ip.id!.uuidString, on: nil, preview: false, services: t.services, on: t.db)
            let item = try #require(try await SubscriptionAddon.query(on: t.db).filter(\.$subscriptionID == s.id!).first())
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let path = "/subscriptions/\(s.id!.uuidString)"
            _ = try await browser.get(path)
            #expect(try await browser.post(path + "/addons/remove", [("item_id", item.id!.uuidString)]).status == .seeOther)
            let again = try await browser.post(path + "/addons/remove", [("item_id", item.id!.uuidString)])
            #expect(again.status == .unprocessableEntity)
            let message = try #require(again.text.range(of: "This add-on was removed on"))
            let list = try #require(again.text.range(of: #"id="subscription-addons""#))
            #expect(message.lowerBound < list.lowerBound, "above the add-ons, not inside the add form")
            let unknown = try await browser.post(path + "/discounts/end", [("grant_id", "nonsense")])
            #expect(unknown.status == .notFound, "a grant that is not this subscription's is not found")
        }
    }

    /// The subscriptions list shows staff of one branch only that branch's services, and reseller
    /// staff only their reseller's.
    @Test func theSubscriptionListKeepsToTheViewersBranchesAndReseller() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let uttara = try await Branches.create(ctx, .init(name: "Uttara"), services: t.services, on: t.db)
            let franchise = try await Resellers.create(ctx, .init(name: "Mirpur Franchise"), services: t.services, on: t.db)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME", "Home", "pppoe", "20M", "10M", "1000")
            let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
            for (name, phone, branch, reseller) in [("Head Office Customer", "01711000101", nil, nil), ("Uttara Customer", "01711000102", uttara.id, nil),
                                                    ("Franchise Customer", "01711000103", nil, franchise.id)] as [(String, String, UUID?, UUID?)] {
                let customer = try await Customers.create(ctx, .init(displayName: name, phones: [phone], branchID: branch?.uuidString,
                                                                     resellerID: reseller?.uuidString), services: t.services, on: t.db)
                _ = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, activate: "true"),
                                                   services: t.services, on: t.db)
            }
            let all = Browser(t.app)
            try await all.signIn(tenant.admin.email)
            let everything = try await all.get("/subscriptions")
            #expect(everything.status == .ok)
            for name in ["Head Office Customer", "Uttara Customer", "Franchise Customer"] { #expect(everything.text.contains(name), "\(name)") }

            let manager = try await t.makeUser(in: tenant, role: .branchAdmin, email: "uttara@alpha.test")
            try await UserBranch(organizationID: tenant.id, userID: manager.id!, branchID: uttara.id!).create(on: t.db)
            let branchView = Browser(t.app)
            try await branchView.signIn("uttara@alpha.test")
            let mine = try await branchView.get("/subscriptions")
            #expect(mine.status == .ok && mine.text.contains("Uttara Customer"))
            #expect(!mine.text.contains("Head Office Customer") && !mine.text.contains("Franchise Customer"))

            let staff = try await t.makeUser(in: tenant, role: .reseller, email: "franchise@alpha.test")
            staff.resellerID = franchise.id
            try await staff.save(on: t.db)
            let resellerView = Browser(t.app)
            try await resellerView.signIn("franchise@alpha.test")
            let theirs = try await resellerView.get("/subscriptions")
            #expect(theirs.status == .ok && theirs.text.contains("Franchise Customer"))
            #expect(!theirs.text.contains("Head Office Customer") && !theirs.text.contains("Uttara Customer"))
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

    /// "Sold in" is a list of branch boxes: several, none (every branch), kept as ticked after an
    /// error; staff of some branches must tick one of theirs.
    @Test func aPlanIsSoldInTheTickedBranches() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let head = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == tenant.id).first())
            let uttara = try await Branches.create(ctx, .init(name: "Uttara"), services: t.services, on: t.db)
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/plans/new")
            let fields: [(String, String)] = [("code", "DUO"), ("name", "Duo"), ("service_type", "pppoe"), ("download_speed", "20M"), ("upload_speed", "10M"),
                                              ("billing_kind", "postpaid_monthly"), ("setup_fee", "0"), ("taxable", "true"), ("branches_shown", "1"),
                                              ("branch_ids[]", head.id!.uuidString), ("branch_ids[]", uttara.id!.uuidString)]
            let refused = try await browser.post("/plans", fields + [("price", "12.345")])
            #expect(refused.status == .unprocessableEntity && refused.text.contains("at most 2 decimals"))
            let kept = try #require(refused.text.components(separatedBy: #"id="plan-branches""#).dropFirst().first?.components(separatedBy: "</fieldset>").first)
            #expect(kept.components(separatedBy: " checked").count - 1 == 2, "the ticked branches stay ticked after an error")
            #expect(refused.text.contains(#"value="Duo""#), "the typed name stays")
            let created = try await browser.post("/plans", fields + [("price", "1200")])
            #expect(created.status == .seeOther, "\(created.text)")
            let plan = try #require(try await Plan.query(on: t.db).filter(\.$code == "DUO").first())
            #expect(Set(plan.branchIDs) == [head.id!, uttara.id!])
            let edit = try await browser.get("/plans/\(plan.id!)")
            let boxes = try #require(edit.text.components(separatedBy: #"id="plan-branches""#).dropFirst().first?.components(separatedBy: "</fieldset>").first)
            #expect(boxes.components(separatedBy: " checked").count - 1 == 2, "both branches ticked on the edit page: \(boxes)")
            let everywhere = try await browser.post("/plans/\(plan.id!)", fields.filter { $0.0 != "branch_ids[]" } + [("price", "1200"), ("status", "active")])
            #expect(everywhere.status == .seeOther, "\(everywhere.text)")
            #expect(try await Plan.find(plan.id, on: t.db)?.branchIDs == [], "none ticked: every branch")

            // A branch manager of Uttara cannot sell everywhere from the page.
            let manager = try await t.makeUser(in: tenant, role: .branchAdmin, email: "uttara@alpha.test")
            try await UserBranch(organizationID: tenant.id, userID: manager.id!, branchID: uttara.id!).create(on: t.db)
            let limited = try await t.context(of: manager)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("LOCAL", "Local", "pppoe", "20M", "10M", "900")
            input.branchIDs = []
            await #expect(throws: DomainError.invalid("branch_ids", "must name at least one of your branches")) {
                try await Plans.create(limited, input, services: t.services, on: t.db)
            }
            input.branchIDs = [uttara.id!.uuidString]
            #expect(try await Plans.create(limited, input, services: t.services, on: t.db).branchIDs == [uttara.id!])
        }
    }
}
