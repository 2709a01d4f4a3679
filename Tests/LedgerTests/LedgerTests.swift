import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit
import Testing
import TestSupport

private func bdt(_ taka: Int64, _ paisa: Int64 = 0) -> Money { Money(minorUnits: taka * 100 + paisa) }

/// An invoice-shaped transfer: the customer owes the total, revenue and VAT are credited.
private func invoice(_ key: String, customer: UUID, net: Money, vat: Money, at: Date = Date(timeIntervalSince1970: 1_780_000_000)) -> TransferDraft {
    TransferDraft(idempotencyKey: key, kind: "invoice", memo: "Invoice \(key)", eventAt: at, lines: [
        .debit(Chart.receivable(customerID: customer, label: "C-1"), net + vat),
        .credit(Chart.revenue(category: "internet", label: "Internet"), net),
        .credit(Chart.taxPayable(code: "vat", label: "VAT 5 %"), vat),
    ])
}

private func payment(_ key: String, customer: UUID, _ amount: Money, at: Date = Date(timeIntervalSince1970: 1_780_100_000)) -> TransferDraft {
    TransferDraft(idempotencyKey: key, kind: "payment", memo: "Cash", eventAt: at, lines: [
        .debit(Chart.cash, amount), .credit(Chart.receivable(customerID: customer, label: "C-1"), amount),
    ])
}

@Suite("Ledger")
struct LedgerTests {
    @Test func postsBalancedTransfersAndKeepsBalancesFromEntries() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customer = UUID()
            let posted = try await Ledger.post([invoice("inv-1", customer: customer, net: bdt(1000), vat: bdt(50)),
                                                payment("pay-1", customer: customer, bdt(600))], ctx, on: t.db)
            #expect(posted.map(\.created) == [true, true])
            let receivable = Chart.receivable(customerID: customer, label: "").key
            #expect(try await Ledger.balance(ofKey: receivable, ctx, on: t.db) == bdt(450))
            #expect(try await Ledger.balance(ofKey: "cash", ctx, on: t.db) == bdt(600))
            #expect(try await Ledger.balance(ofKey: "revenue:internet", ctx, on: t.db) == Money(minorUnits: -100_000))
            let account = try #require(try await LedgerAccount.scoped(to: ctx, on: t.db).filter(\.$key == receivable).first())
            #expect(account.balance == 45_000)
            #expect(account.version == 2)
            #expect(try await Ledger.check(organizationID: tenant.id, on: t.db).isEmpty)
        }
    }

    @Test func aKeyPostedTwiceWritesOnceAndDifferentMoneyUnderItIsAConflict() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customer = UUID()
            let first = try await Ledger.post(invoice("inv-1", customer: customer, net: bdt(1000), vat: bdt(50)), ctx, on: t.db)
            let again = try await Ledger.post(invoice("inv-1", customer: customer, net: bdt(1000), vat: bdt(50)), ctx, on: t.db)
            #expect(first.created && !again.created)
            #expect(first.id == again.id)
            await #expect(throws: DomainError.conflict("The idempotency key inv-1 was already used for a different transfer.")) {
                try await Ledger.post(invoice("inv-1", customer: customer, net: bdt(1001), vat: bdt(50)), ctx, on: t.db)
            }
            #expect(try await LedgerTransfer.scoped(to: ctx, on: t.db).count() == 1)
            #expect(try await LedgerEntry.scoped(to: ctx, on: t.db).count() == 3)
            #expect(try await Ledger.balance(ofKey: "cash", ctx, on: t.db) == bdt(0))
            #expect(try await Ledger.check(organizationID: tenant.id, on: t.db).isEmpty)
        }
    }

    @Test func refusesUnbalancedOrOneSidedTransfersAndWritesNothing() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customer = UUID()
            var unbalanced = invoice("bad-1", customer: customer, net: bdt(1000), vat: bdt(50))
            unbalanced.lines[0].amount = bdt(1049, 99)
            await #expect(throws: DomainError.conflict("The transfer bad-1 does not balance: BDT entries sum to -1.")) {
                try await Ledger.post([payment("ok-1", customer: customer, bdt(10)), unbalanced], ctx, on: t.db)
            }
            let oneSided = TransferDraft(idempotencyKey: "bad-2", kind: "payment", memo: "", eventAt: Date(),
                                         lines: [.debit(Chart.cash, bdt(5)), .credit(Chart.cash, bdt(5))])
            await #expect(throws: DomainError.conflict("A transfer moves money between at least two accounts (bad-2).")) { try await Ledger.post(oneSided, ctx, on: t.db) }
            let badCurrency = TransferDraft(idempotencyKey: "bad-3", kind: "payment", memo: "", eventAt: Date(),
                                            lines: [.debit(Chart.cash, Money(minorUnits: 5, currency: "bdt")), .credit(Chart.bank, Money(minorUnits: 5, currency: "bdt"))])
            await #expect(throws: DomainError.invalid("currency", "must be a three-letter ISO 4217 code")) { try await Ledger.post(badCurrency, ctx, on: t.db) }
            #expect(try await LedgerTransfer.scoped(to: ctx, on: t.db).count() == 0)
            #expect(try await LedgerAccount.scoped(to: ctx, on: t.db).count() == 0)
        }
    }

    @Test func aReversalUndoesATransferOnceAndCannotItselfBeReversed() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customer = UUID()
            let posted = try await Ledger.post(invoice("inv-1", customer: customer, net: bdt(1000), vat: bdt(50)), ctx, on: t.db)
            let reversal = try await Ledger.reverse(posted.id, memo: "Voided", eventAt: Date(), ctx, on: t.db)
            let again = try await Ledger.reverse(posted.id, memo: "Voided", eventAt: Date(), ctx, on: t.db)
            #expect(reversal.created && !again.created && reversal.id == again.id)
            #expect(try await Ledger.balance(ofKey: Chart.receivable(customerID: customer, label: "").key, ctx, on: t.db) == bdt(0))
            #expect(try await Ledger.balance(ofKey: "tax_payable:vat", ctx, on: t.db) == bdt(0))
            await #expect(throws: DomainError.conflict("A reversal cannot be reversed.")) {
                try await Ledger.reverse(reversal.id, memo: "", eventAt: Date(), ctx, on: t.db)
            }
            // Another organization's transfer is not found.
            let other = try await t.makeTenant("Beta Net")
            let otherCtx = try await t.context(of: other.admin)
            await #expect(throws: DomainError.notFound("Transfer")) {
                try await Ledger.reverse(posted.id, memo: "", eventAt: Date(), otherCtx, on: t.db)
            }
            #expect(try await Ledger.check(organizationID: nil, on: t.db).isEmpty)
        }
    }

    @Test func theCheckNamesTamperedBalancesAndUnbalancedTransfers() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customer = UUID()
            let posted = try await Ledger.post(invoice("inv-1", customer: customer, net: bdt(1000), vat: bdt(50)), ctx, on: t.db)
            let sql = t.db as! any SQLDatabase
            try await sql.raw("UPDATE ledger_accounts SET balance = balance + 1 WHERE key = 'cash' OR key = 'revenue:internet'").run()
            let vat = try #require(try await LedgerAccount.scoped(to: ctx, on: t.db).filter(\.$key == "tax_payable:vat").first())
            try await sql.raw("UPDATE ledger_entries SET amount = amount - 1 WHERE account_id = \(bind: vat.id!)").run()
            let problems = try await Ledger.check(organizationID: tenant.id, on: t.db)
            #expect(problems.map(\.check).sorted() == ["cached balance", "cached balance", "unbalanced transfer"])
            #expect(problems.contains(LedgerProblem(check: "unbalanced transfer", id: posted.id, detail: "BDT entries sum to -1 minor units")))
            #expect(problems.contains { $0.check == "cached balance" && $0.id == vat.id! })
            // Another organization's check sees none of it.
            let other = try await t.makeTenant("Beta Net")
            #expect(try await Ledger.check(organizationID: other.id, on: t.db).isEmpty)
        }
    }

    @Test func anEntryFiledUnderAnotherOrganizationIsRefusedOrNamed() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let other = try await t.makeTenant("Beta Net")
            let ctx = try await t.context(of: tenant.admin)
            _ = try await Ledger.post(invoice("inv-1", customer: UUID(), net: bdt(1000), vat: bdt(50)), ctx, on: t.db)
            let vat = try #require(try await LedgerAccount.scoped(to: ctx, on: t.db).filter(\.$key == "tax_payable:vat").first())
            let sql = t.db as! any SQLDatabase
            let move: SQLQueryString = "UPDATE ledger_entries SET organization_id = \(bind: other.id) WHERE account_id = \(bind: vat.id!)"
            if TestDatabase.isPostgres {
                // The entry's keys name its transfer and account with their organization.
                await #expect(throws: (any Error).self) { try await sql.raw(move).run() }
                #expect(try await Ledger.check(organizationID: nil, on: t.db).isEmpty)
            } else {
                // SQLite keeps the first keys (no composite ones); the check names the entry.
                try await sql.raw(move).run()
                let problems = try await Ledger.check(organizationID: other.id, on: t.db)
                #expect(problems.map(\.check).sorted() == ["misplaced entry", "unbalanced transfer"])
            }
        }
    }

    @Test func theTrialBalanceBalancesGroupsCustomersAndStopsAtTheDay() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let (a, b) = (UUID(), UUID())
            // 2026-05-28 and 2026-05-29 in Dhaka (UTC+6).
            let may28 = try #require(LocalDate("2026-05-28")).start(in: ctx.timeZone).addingTimeInterval(3600)
            let may29 = try #require(LocalDate("2026-05-29")).start(in: ctx.timeZone).addingTimeInterval(60)
            _ = try await Ledger.post([invoice("inv-a", customer: a, net: bdt(1000), vat: bdt(50), at: may28),
                                       invoice("inv-b", customer: b, net: bdt(500), vat: bdt(25), at: may28),
                                       payment("pay-b", customer: b, bdt(700), at: may28),
                                       payment("pay-a", customer: a, bdt(1050), at: may29)], ctx, on: t.db)
            let day = try await TrialBalance.build(asOf: try #require(LocalDate("2026-05-28")), ctx, on: t.db)
            #expect(day.balanced)
            // Customer b paid 175 more than billed: its receivable lands on the credit side, not netted with a's.
            #expect(day.totalDebit == bdt(700 + 1050))
            let receivable = try #require(day.rows.first { $0.key == "receivable" })
            #expect(receivable.accounts == 2)
            #expect(receivable.debit == bdt(1050) && receivable.credit == bdt(175))
            #expect(day.rows.map(\.key) == ["cash", "receivable", "tax_payable:vat", "revenue:internet"])
            let next = try await TrialBalance.build(asOf: try #require(LocalDate("2026-05-29")), ctx, on: t.db)
            #expect(next.balanced && next.totalDebit == bdt(1750))
            // The books are the organization's: a support person may not read them, nor may another organization see these.
            let support = try await t.makeUser(in: tenant, role: .support, email: "support@alpha.test")
            let supportCtx = try await t.context(of: support)
            let refused = await #expect(throws: DomainError.self) { try await TrialBalance.build(asOf: try #require(LocalDate("2026-05-29")), supportCtx, on: t.db) }
            if case .forbidden? = refused {} else { Issue.record("refused with \(String(describing: refused)), not as forbidden") }
            let other = try await t.makeTenant("Beta Net")
            #expect(try await TrialBalance.build(asOf: try #require(LocalDate("2026-05-29")), try await t.context(of: other.admin), on: t.db).rows.isEmpty)
        }
    }

    @Test func concurrentPostsOnSharedAccountsAllLand() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let customers = (0..<4).map { _ in UUID() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (i, customer) in customers.enumerated() {
                    group.addTask {
                        for n in 0..<3 {
                            _ = try await Ledger.post([invoice("inv-\(i)-\(n)", customer: customer, net: bdt(100), vat: bdt(5)),
                                                       payment("pay-\(i)-\(n)", customer: customers[(i + 1) % customers.count], bdt(10))], ctx, on: t.db)
                        }
                    }
                }
                try await group.waitForAll()
            }
            #expect(try await Ledger.balance(ofKey: "revenue:internet", ctx, on: t.db) == Money(minorUnits: -12 * 10_000))
            #expect(try await Ledger.balance(ofKey: "cash", ctx, on: t.db) == bdt(120))
            #expect(try await Ledger.check(organizationID: tenant.id, on: t.db).isEmpty)
        }
    }
}
