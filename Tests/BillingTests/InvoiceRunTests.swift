import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Billing

@Suite("Invoice runs")
struct InvoiceRunTests {
    @Test func eachPeriodIsInvoicedOnceWithGaplessNumbersAndItsLedgerTransfer() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            _ = try await TaxRules.create(w.ctx, .init(code: "VAT", name: "VAT 5 %", rate: "5", inclusive: "false", effectiveFrom: "2026-01-01"),
                                          services: t.services, on: t.db)
            var subscriptions: [Subscription] = []
            for i in 0..<3 {
                let customer = try await Customers.create(w.ctx, .init(displayName: "Customer \(i)", phones: ["0171100010\(i)"]), services: t.services, on: t.db)
                subscriptions.append(try await Subscriptions.create(w.ctx, .init(customerID: customer.id!.uuidString, planID: w.home.id!.uuidString,
                                                                                 billingDay: "1", startsOn: "2026-01-01", activate: "true"),
                                                                    services: t.services, on: t.db))
            }
            let march = try #require(LocalDate("2026-03-15"))
            let preview = try await InvoiceRuns.run(organizationID: w.tenant.id, through: march, dryRun: true, actor: "test", services: t.services, on: t.db)
            #expect(preview.invoices == 9 && preview.total == 9 * 105_000)
            #expect(try await Invoice.scoped(to: w.ctx, on: t.db).count() == 0, "a dry run writes nothing")
            let first = try await InvoiceRuns.run(organizationID: w.tenant.id, through: march, dryRun: false, actor: "test", services: t.services, on: t.db)
            #expect(first.invoices == 9 && first.total == 9 * 105_000)
            let again = try await InvoiceRuns.run(organizationID: w.tenant.id, through: march, dryRun: false, actor: "test", services: t.services, on: t.db)
            #expect(again.invoices == 0, "running again adds nothing")
            // An upgrade on 10 March lands on April's invoice.
            _ = try await Subscriptions.changePlan(w.ctx, subscriptions[0].id!.uuidString, planID: w.fast.id!.uuidString, effective: "now",
                                                   on: "2026-03-10", preview: false, services: t.services, on: t.db)
            let april = try await InvoiceRuns.run(organizationID: w.tenant.id, through: try #require(LocalDate("2026-04-01")), dryRun: false,
                                                  actor: "test", services: t.services, on: t.db)
            #expect(april.invoices == 3)
            let invoices = try await Invoice.scoped(to: w.ctx, on: t.db).sort(\.$number).all()
            #expect(invoices.map(\.number) == (1...12).map { NumberSequences.format(Int64($0), prefix: "INV-2026-") })
            let upgraded = try #require(invoices.first { $0.subscriptionID == subscriptions[0].id && $0.issueOn == "2026-04-01" })
            let lines = try await InvoiceLine.scoped(to: w.ctx, on: t.db).filter(\.$invoiceID == upgraded.id!).sort(\.$position).all()
            // Fast 50 for April, and 22 of 31 days of the difference: 1064.52 − 709.68.
            #expect(lines.map(\.amount) == [150_000, 35_484])
            #expect(upgraded.total == 150_000 + 35_484 + 7_500 + 1_774)
            #expect(try await Subscription.find(subscriptions[0].id, on: t.db)?.nextBillOn == "2026-05-01")
            // The books: one transfer per invoice, balanced, and receivables equal what was invoiced.
            #expect(try await Ledger.check(organizationID: w.tenant.id, on: t.db).isEmpty)
            #expect(try await InvoiceRuns.ledgerProblems(organizationID: w.tenant.id, on: t.db).isEmpty)
            let books = try await TrialBalance.build(asOf: try #require(LocalDate("2026-04-30")), w.ctx, on: t.db)
            #expect(books.balanced)
            #expect(books.rows.first { $0.key == "receivable" }?.debit.minorUnits == invoices.reduce(0) { $0 + $1.total })
            #expect(books.rows.first { $0.key == "tax_payable:vat" }?.credit.minorUnits == invoices.reduce(0) { $0 + $1.taxTotal })
            let runs = try await BillingRun.scoped(to: w.ctx, on: t.db).all()
            #expect(runs.count == 3 && runs.allSatisfy { $0.status == "finished" })
            // The PDF passes qpdf --check and reads back with pdftotext.
            let (name, bytes) = try await Invoices.pdf(w.ctx, upgraded.id!.uuidString, on: t.db)
            #expect(name == "\(upgraded.number).pdf")
            let file = FileManager.default.temporaryDirectory.appendingPathComponent("meghna-invoice-\(UUID().uuidString).pdf")
            try Data(bytes).write(to: file)
            defer { try? FileManager.default.removeItem(at: file) }
            #expect(try tool("/usr/bin/qpdf", ["--check", file.path]).status == 0)
            let text = try tool("/usr/bin/pdftotext", ["-layout", file.path, "-"]).output
            for expected in [upgraded.number, "Customer 0", "Fast 50, 2026-04-01 – 2026-04-30", "Prorated: 22 of 31 days", "1,947.58",
                             "One Thousand Nine Hundred Forty Seven Taka and Fifty Eight Paisa Only", "VAT 5 %"] {
                #expect(text.contains(expected), "PDF text lacks \(expected):\n\(text)")
            }
        }
    }
}

extension InvoiceRunTests {
    @Test func aPeriodWhoseChargesCancelItIsAZeroInvoiceWithNoTransfer() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let s = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "1",
                                                                startsOn: "2026-01-01", activate: "true"), services: t.services, on: t.db)
            // Paused from the first day of February: February is billed and wholly credited.
            _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "Travelling", on: "2026-02-01", pauseBilling: true, services: t.services, on: t.db)
            let run = try await InvoiceRuns.run(organizationID: w.tenant.id, through: try #require(LocalDate("2026-03-01")), dryRun: false, actor: "test",
                                                services: t.services, on: t.db)
            #expect(run.invoices == 2, "January, and February at zero; March is paused")
            let totals = try await Invoice.scoped(to: w.ctx, on: t.db).sort(\.$issueOn).all().map(\.total)
            #expect(totals == [100_000, 0])
            #expect(try await LedgerTransfer.scoped(to: w.ctx, on: t.db).count() == 1)
            #expect(try await InvoiceRuns.ledgerProblems(organizationID: w.tenant.id, on: t.db).isEmpty)
            #expect(try await Ledger.check(organizationID: w.tenant.id, on: t.db).isEmpty)
        }
    }
}

extension InvoiceRunTests {
    @Test func theScheduleRunsEachOrganizationOnceADayAfterItsTime() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            _ = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "1",
                                                            startsOn: "2026-11-01", activate: "true"), services: t.services, on: t.db)
            // Default schedule 02:00 in Dhaka. At 01:30 nothing runs; at 02:05 it runs once; at 03:00 not again.
            let day = try #require(LocalDate("2026-12-01")).start(in: w.ctx.timeZone)
            #expect(try await InvoiceRuns.runScheduled(now: day.addingTimeInterval(90 * 60), services: t.services, on: t.db).isEmpty)
            #expect(try await InvoiceRuns.runScheduled(now: day.addingTimeInterval(125 * 60), services: t.services, on: t.db) == [w.tenant.id])
            #expect(try await InvoiceRuns.runScheduled(now: day.addingTimeInterval(180 * 60), services: t.services, on: t.db).isEmpty)
            #expect(try await Invoice.scoped(to: w.ctx, on: t.db).count() == 2)   // November and December
        }
    }
}

@Suite("Billing rules at the edges")
struct BillingEdgeTests {
    @Test func changesKeepTheirOrderAPeriodEndPlanBecomesCurrentAndATerminationIsBilledAtOnce() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let s = try await Subscriptions.create(w.ctx, .init(customerID: w.customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "1",
                                                                startsOn: "2026-01-01", activate: "true"), services: t.services, on: t.db)
            let id = s.id!.uuidString
            _ = try await Subscriptions.suspend(w.ctx, id, reason: "Travelling", on: "2026-01-20", pauseBilling: true, services: t.services, on: t.db)
            // A resumption dated before the pause would charge days twice.
            await #expect(throws: DomainError.invalid("on", "must not be before the subscription's last change (2026-01-20)")) {
                try await Subscriptions.resume(w.ctx, id, on: "2026-01-10", services: t.services, on: t.db)
            }
            _ = try await Subscriptions.resume(w.ctx, id, on: "2026-01-25", services: t.services, on: t.db)
            // At period end: the run that reaches March makes Fast 50 the current plan.
            _ = try await Subscriptions.changePlan(w.ctx, id, planID: w.fast.id!.uuidString, effective: "period_end", on: "2026-02-10", preview: false,
                                                   services: t.services, on: t.db)
            #expect(try await Subscription.find(s.id, on: t.db)?.planID == w.home.id)
            _ = try await InvoiceRuns.run(organizationID: w.tenant.id, through: try #require(LocalDate("2026-03-01")), dryRun: false, actor: "test",
                                          services: t.services, on: t.db)
            #expect(try await Subscription.find(s.id, on: t.db)?.planID == w.fast.id)
            // Ended on 10 March: the next run issues the final credit at once, not in April.
            _ = try await Subscriptions.terminate(w.ctx, id, reason: "Moved", on: "2026-03-10", services: t.services, on: t.db)
            let final = try await InvoiceRuns.run(organizationID: w.tenant.id, through: try #require(LocalDate("2026-03-10")), dryRun: false, actor: "test",
                                                  services: t.services, on: t.db)
            #expect(final.invoices == 1)
            let credit = try #require(try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$billingKey == "\(id.lowercased()):final").first())
            #expect(credit.kind == "credit_note" && credit.total == -(150_000 * 22 / 31 + 1))  // 22 of 31 days of 1500.00, rounded: 1064.52
            #expect(try await Subscription.find(s.id, on: t.db)?.nextBillOn == nil)
        }
    }

    @Test func theBooksAndRunsNeedStaffOfEveryBranch() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            // A billing clerk limited to the head office, in a role that holds ledger.read.
            let clerk = try await t.makeUser(in: w.tenant, role: .billingOps, email: "clerk@alpha.test")
            let branch = try #require(try await Branch.scoped(to: w.ctx, on: t.db).first())
            try await UserBranch(organizationID: w.tenant.id, userID: clerk.id!, branchID: branch.id!).create(on: t.db)
            let ctx = try await t.context(of: clerk)
            #expect(ctx.can(.ledgerRead) && !ctx.isWholeOrganization)
            // Each refused as forbidden, not by some other check on the way.
            func forbidden(_ what: String, _ body: () async throws -> Void) async {
                do {
                    try await body()
                    Issue.record("\(what) was allowed")
                } catch DomainError.forbidden {
                } catch {
                    Issue.record("\(what) refused with \(error), not as forbidden")
                }
            }
            await forbidden("trial balance") { _ = try await TrialBalance.build(asOf: try #require(LocalDate("2026-03-01")), ctx, on: t.db) }
            await forbidden("run preview") { _ = try await BillingRuns.preview(ctx, on: nil, services: t.services, on: t.db) }
            await forbidden("run start") { _ = try await BillingRuns.start(ctx, on: nil, services: t.services, on: t.db) }
            await forbidden("add-on create") {
                _ = try await Addons.create(ctx, .init(code: "IP", name: "IP", kind: "recurring", price: "100"), services: t.services, on: t.db)
            }
            #expect(!CatalogAccess.canManage(ctx, wholeOrganization: true) && CatalogAccess.canManage(ctx, wholeOrganization: false))
        }
    }
}
