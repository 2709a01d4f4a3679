import Billing
import CRM
import FluentKit
import Foundation
import Jobs
import Ledger
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
@testable import Receivables

/// A customer billed 1000.00 on 1 March 2026, due 8 March; grace 3 days, late fee 50.
struct DunningWorld {
    let w: CollectionsWorld
    let subscription: Subscription

    static func make(_ t: TestApp, name: String = "Alpha Net", phone: String = "01711000001") async throws -> DunningWorld {
        let tenant = try await t.makeTenant(name)
        let ctx = try await t.context(of: tenant.admin)
        _ = try await Settings.update(ctx, ["dunning": ["late_fee": .int(50)]], services: t.services, on: t.db)
        var input = Plans.Input()
        (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME-20", "Home 20", "pppoe", "20M", "10M", "1000")
        let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
        let customer = try await Customers.create(ctx, .init(displayName: "Rahim Uddin", phones: [phone]), services: t.services, on: t.db)
        let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1",
                                                          startsOn: "2026-03-01", activate: "true"), services: t.services, on: t.db)
        _ = try await InvoiceRuns.run(organizationID: tenant.id, through: try #require(LocalDate("2026-03-01")), dryRun: false, actor: "test",
                                      services: t.services, on: t.db)
        let invoices = try await Invoice.scoped(to: ctx, on: t.db).filter(\.$customerID == customer.id!).all()
        return DunningWorld(w: CollectionsWorld(t: t, tenant: tenant, ctx: ctx, customer: customer, invoices: invoices), subscription: s)
    }

    func pass(_ day: String) async throws -> Dunning.Outcome {
        try await Dunning.run(organizationID: w.tenant.id, today: LocalDate(day), services: w.t.services, on: w.t.db).outcome
    }

    func status() async throws -> String {
        let s = try await Subscription.find(subscription.id!.uuidString, in: w.ctx, on: w.t.db)
        let state = try await DunningState.inOrganization(w.tenant.id, on: w.t.db).filter(\.$id == subscription.id!).first()
        return "\(s.status.rawValue)/\(state?.stage.rawValue ?? "none")"
    }

    /// The router jobs queued for the subscription, oldest first: "status reason".
    func networkJobs() async throws -> [String] {
        try await JobRecord.query(on: w.t.db).filter(\.$kind == NetworkContracts.applySubscriptionState.name).sort(\.$insertedAt).all()
            .compactMap { try? JSONDecoder.jobs.decode(SubscriptionStatePayload.self, from: Data($0.payload.utf8)) }
            .filter { $0.subscriptionID == subscription.id! }.map { "\($0.status) \($0.reason)" }
    }

    func notices() async throws -> [String] {
        try await DunningNotice.inOrganization(w.tenant.id, on: w.t.db).sort(\.$on).sort(\.$step).all().map { "\($0.kind)\($0.step) \($0.on)" }
    }
}

@Suite("Dunning pass")
struct DunningPassTests {
    @Test func unpaidServiceIsSuspendedAfterGraceAndAPaymentRestoresItAtOnce() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            #expect(d.w.invoices.first?.dueOn == "2026-03-08")
            let first = try await d.networkJobs()
            #expect(first == ["pending created", "active activated"], "signing up and activating asked the routers to follow")
            #expect(try await d.pass("2026-03-05").notices == 1)
            #expect(try await d.pass("2026-03-05").notices == 0, "the same day again sends nothing twice")
            let ninth = try await d.pass("2026-03-09")
            #expect(ninth == { var o = Dunning.Outcome(); o.evaluated = 1; o.notices = 1; return o }(), "the due-date reminder missed on the 8th goes out once")
            #expect(try await d.status() == "active/overdue")
            let cut = try await d.pass("2026-03-12")
            #expect(cut.suspended == 1 && cut.lateFees == 1 && cut.notices == 1)
            #expect(try await d.status() == "suspended/suspended")
            #expect(try await d.networkJobs() == ["pending created", "active activated", "suspended non_payment"])
            #expect(try await Customer.find(d.w.customer.id!.uuidString, in: d.w.ctx, on: t.db).status == .suspended)
            let fee = try await BillingCharge.inOrganization(d.w.tenant.id, on: t.db).filter(\.$kind == "late_fee").all()
            #expect(fee.map(\.amount) == [5_000] && fee.first?.invoiceID == nil, "the late fee waits for the next invoice")
            #expect(try await d.pass("2026-03-13") == { var o = Dunning.Outcome(); o.evaluated = 1; return o }())

            // The payment itself restores service: no pass needed.
            t.clock.set(LocalDate("2026-03-14")!.start(in: d.w.ctx.timeZone).addingTimeInterval(3_600 * 10))
            _ = try await d.w.pay("1000", on: "2026-03-14")
            #expect(try await d.status() == "active/clear")
            // (The clock was set back to March, so the last job is not the newest by time.)
            #expect(try await d.networkJobs().sorted() == ["active activated", "active payment", "pending created", "suspended non_payment"])
            #expect(try await Customer.find(d.w.customer.id!.uuidString, in: d.w.ctx, on: t.db).status == .active)
            #expect(try await d.notices() == ["reminder-3 2026-03-05", "reminder0 2026-03-09", "suspended0 2026-03-12", "restored0 2026-03-14"])
            let history = try await SubscriptionEvent.inOrganization(d.w.tenant.id, on: t.db).filter(\.$subscriptionID == d.subscription.id!)
                .sort(\.$effectiveOn).all().map { "\($0.kind) \($0.effectiveOn)" }
            #expect(history.suffix(2) == ["suspended 2026-03-12", "resumed 2026-03-14"])
            #expect(try await d.w.booksAreClean())
        }
    }

    @Test func promisesHoldSuspensionOffAndVIPsAreNeverSuspended() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            _ = try await d.pass("2026-03-12")
            #expect(try await d.status() == "suspended/suspended")
            t.clock.set(LocalDate("2026-03-13")!.start(in: d.w.ctx.timeZone).addingTimeInterval(3_600 * 10))
            // A promise to pay lifts the suspension at once, until its day.
            let promise = try await Exclusions.add(d.w.ctx, .init(customerID: d.w.customer.id!.uuidString, kind: "promise_to_pay", until: "2026-03-16",
                                                                   reason: "Salary on the 15th"), services: t.services, on: t.db)
            #expect(try await d.status() == "active/overdue")
            #expect(try await d.pass("2026-03-16").suspended == 0)
            #expect(try await d.pass("2026-03-17").suspended == 1)
            // Bad input: a promise in the past, too far off, or without a day; an unknown kind.
            for (kind, until) in [("promise_to_pay", "2026-03-01"), ("promise_to_pay", "2026-07-01"), ("promise_to_pay", ""), ("forever", "")] {
                await #expect(throws: DomainError.self) {
                    _ = try await Exclusions.add(d.w.ctx, .init(customerID: d.w.customer.id!.uuidString, kind: kind, until: until, reason: "x"),
                                                 services: t.services, on: t.db)
                }
            }
            _ = try await Exclusions.end(d.w.ctx, promise.id!.uuidString, services: t.services, on: t.db)
            await #expect(throws: DomainError.self) { _ = try await Exclusions.end(d.w.ctx, promise.id!.uuidString, services: t.services, on: t.db) }
            let vip = try await Exclusions.add(d.w.ctx, .init(customerID: d.w.customer.id!.uuidString, kind: "vip", reason: "Hospital"),
                                               services: t.services, on: t.db)
            #expect(vip.until == nil)
            #expect(try await d.status() == "active/overdue")
            #expect(try await d.pass("2026-04-20").suspended == 0)
            // Another organization cannot end it.
            let other = try await CollectionsWorld.make(t, name: "Beta Net", phone: "01711000002")
            await #expect(throws: DomainError.self) { _ = try await Exclusions.end(other.ctx, vip.id!.uuidString, services: t.services, on: t.db) }
            #expect(try await d.w.booksAreClean())
        }
    }

    @Test func aPartPaymentNeverSuspendsTheDailyPassDoes() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            t.clock.set(LocalDate("2026-03-12")!.start(in: d.w.ctx.timeZone).addingTimeInterval(3_600 * 8))
            _ = try await d.w.pay("500", on: "2026-03-12")
            #expect(try await d.status() == "active/overdue", "past its grace, but nobody is cut off in the minute they pay part")
            #expect(try await d.pass("2026-03-12").suspended == 1)
            #expect(try await d.w.booksAreClean())
        }
    }

    @Test func noticesAreTextedOnceThroughTheOutbox() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            _ = try await d.pass("2026-03-05")
            _ = try await d.pass("2026-03-12")
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 2)
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 0, "each notice goes once")
            let texts = try await OutboxMessage.query(on: t.db).filter(\.$organizationID == d.w.tenant.id).filter(\.$channel == .sms).all()
                .map { "\($0.purpose): \($0.body)" }.sorted()
            #expect(texts.count == 2)
            #expect(texts[0] == "notice.due_soon: Alpha Net: Dear Rahim Uddin, your bill of BDT 1,000.00 is due on 8 Mar 2026. Please pay on time.", "\(texts)")
            #expect(texts[1].hasPrefix("notice.suspended: Alpha Net: Your internet service is suspended for an unpaid bill of BDT 1,0"), "\(texts)")
            #expect(texts.allSatisfy { SMSSegments(String($0.drop { $0 != ":" }.dropFirst(2))).parts == 1 }, "each fits one SMS")
        }
    }

    @Test func thePreviewNamesWhoWillBeSuspendedAndWritesNothing() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let plan = try await Dunning.run(organizationID: d.w.tenant.id, today: LocalDate("2026-03-12"), dryRun: true, services: t.services, on: t.db).plan
            #expect(plan.map(\.decision.action) == [.suspend] && plan.first?.customerID == d.w.customer.id)
            #expect(try await d.status() == "active/none")
            #expect(try await d.notices().isEmpty)
        }
    }

    /// A large pass on PostgreSQL writes half its customers over a second connection: the result
    /// is the single transaction's (every customer suspended once, with a notice, a late fee and
    /// a router job), with one audit entry and one sender job. (SQLite writes it in one.)
    @Test func aPassWrittenInTwoHalvesAtOnceDoesWhatOneTransactionDoes() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let ctx = d.w.ctx
            let plan = try #require(try await Plan.scoped(to: ctx, on: t.db).first())
            for i in 0..<9 {
                let c = try await Customers.create(ctx, .init(displayName: "Split Customer \(i)", phones: ["0171200000\(i)"]), services: t.services, on: t.db)
                _ = try await Subscriptions.create(ctx, .init(customerID: c.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1", startsOn: "2026-03-01",
                                                              activate: "true"), services: t.services, on: t.db)
            }
            _ = try await InvoiceRuns.run(organizationID: d.w.tenant.id, through: try #require(LocalDate("2026-03-01")), dryRun: false, actor: "test",
                                          services: t.services, on: t.db)
            let o = try await Dunning.run(organizationID: d.w.tenant.id, today: LocalDate("2026-03-12"), splitAbove: 1, services: t.services, on: t.db).outcome
            #expect(o.evaluated == 10 && o.suspended == 10 && o.notices == 10 && o.lateFees == 10, "\(o)")
            let suspended = try await Subscription.scoped(to: ctx, on: t.db).filter(\.$status == .suspended).count()
            #expect(suspended == 10)
            #expect(try await DunningState.inOrganization(d.w.tenant.id, on: t.db).filter(\.$stage == .suspended).count() == 10)
            #expect(try await BillingCharge.scoped(to: ctx, on: t.db).filter(\.$kind == "late_fee").count() == 10)
            let jobs = try await JobRecord.query(on: t.db).filter(\.$organizationID == d.w.tenant.id).all()
            #expect(jobs.filter { $0.kind == NetworkContracts.applySubscriptionState.name }.count >= 10)
            #expect(jobs.filter { $0.kind == DunningWrites.sendNoticesJob }.count == 1)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$organizationID == d.w.tenant.id).filter(\.$action == "dunning.applied").count() == 1)
            let pass = try #require(try await DunningPass.inOrganization(d.w.tenant.id, on: t.db).first())
            #expect(pass.suspended == 10 && pass.lateFees == 10 && pass.reminders == 10)
            // Again the same day: nothing more.
            let again = try await Dunning.run(organizationID: d.w.tenant.id, today: LocalDate("2026-03-12"), splitAbove: 1, services: t.services, on: t.db).outcome
            #expect(again.suspended == 0 && again.notices == 0 && again.lateFees == 0)
            #expect(try await d.w.booksAreClean())
        }
    }
}
