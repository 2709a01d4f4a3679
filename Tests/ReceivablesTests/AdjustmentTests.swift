import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Receivables

@Suite("Credit notes, refunds and write-offs")
struct AdjustmentTests {
    func line(_ w: CollectionsWorld, _ invoice: Invoice) async throws -> InvoiceLine {
        try #require(try await InvoiceLine.inOrganization(w.tenant.id, on: w.t.db).filter(\.$invoiceID == invoice.id!).first())
    }

    @Test func aCreditNoteOnAPartlyPaidInvoiceSettlesItAndTheRestBecomesCredit() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            _ = try await w.pay("2500")
            #expect(try await w.state() == ["paid 100000", "paid 100000", "partially_paid 50000"])
            let march = w.invoices[2]
            let l = try await line(w, march)
            let note = try await CreditNotes.issue(w.ctx, .init(invoiceID: march.id!.uuidString, reason: "Outage 10–17 March",
                                                                lines: [.init(lineID: l.id!.uuidString, amount: "800")]), services: t.services, on: t.db)
            #expect(note.number == "CN-2026-000001" && note.total == -80_000 && note.creditsInvoiceID == march.id)
            let settled = try await w.state()
            #expect(settled == ["paid 100000", "paid 100000", "paid 100000", "issued 0"], "500 of the note settles what was open (the note is the fourth)")
            #expect(try await w.credit() == 30_000, "the 300 already paid is the customer's credit")
            #expect(try await Statements.balance(of: w.customer.id!, w.tenant.id, on: t.db) == -30_000)
            #expect(try await Ledger.balance(ofKey: "revenue:internet", w.ctx, on: t.db).minorUnits == -220_000)

            // Only what is left of the line can be credited again.
            await #expect(throws: DomainError.invalid("lines[0].amount", "must be at most 200.00, what is left of the line")) {
                _ = try await CreditNotes.issue(w.ctx, .init(invoiceID: march.id!.uuidString, reason: "Again",
                                                             lines: [.init(lineID: l.id!.uuidString, amount: "300")]), services: t.services, on: t.db)
            }
            for bad in ["0", "-5", "abc"] {
                await #expect(throws: DomainError.self) {
                    _ = try await CreditNotes.issue(w.ctx, .init(invoiceID: march.id!.uuidString, reason: "Bad",
                                                                 lines: [.init(lineID: l.id!.uuidString, amount: bad)]), services: t.services, on: t.db)
                }
            }
            let rest = try await CreditNotes.issue(w.ctx, .init(invoiceID: march.id!.uuidString, reason: "Rest of the month"), services: t.services, on: t.db)
            #expect(rest.number == "CN-2026-000002" && rest.total == -20_000)
            #expect(try await w.credit() == 50_000)
            await #expect(throws: DomainError.self) {
                _ = try await CreditNotes.issue(w.ctx, .init(invoiceID: march.id!.uuidString, reason: "Nothing left"), services: t.services, on: t.db)
            }
            // Another organization's invoice is not found.
            let other = try await CollectionsWorld.make(t, name: "Beta Net", phone: "01711000002")
            await #expect(throws: DomainError.self) {
                _ = try await CreditNotes.issue(other.ctx, .init(invoiceID: w.invoices[0].id!.uuidString, reason: "x"), services: t.services, on: t.db)
            }
            #expect(try await w.booksAreClean())
        }
    }

    @Test func refundsPayCreditBackAndNeverMoreThanIt() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            _ = try await w.pay("3500")
            #expect(try await w.credit() == 50_000)
            await #expect(throws: DomainError.invalid("amount", "must be at most the customer's credit, 500.00")) {
                _ = try await Refunds.record(w.ctx, .init(customerID: w.customer.id!.uuidString, amount: "500.01", method: "cash", reason: "Moving away"),
                                             services: t.services, on: t.db)
            }
            for (amount, method) in [("0", "cash"), ("-1", "cash"), ("10", "bank")] { // a bank refund needs a reference
                await #expect(throws: DomainError.self) {
                    _ = try await Refunds.record(w.ctx, .init(customerID: w.customer.id!.uuidString, amount: amount, method: method, reason: "x"),
                                                 services: t.services, on: t.db)
                }
            }
            let refund = try await Refunds.record(w.ctx, .init(customerID: w.customer.id!.uuidString, amount: "500", method: "cash", reason: "Moving away"),
                                                  services: t.services, on: t.db)
            #expect(refund.number.hasPrefix("RFD-") && refund.amount == 50_000)
            #expect(try await w.credit() == 0)
            #expect(try await Ledger.balance(ofKey: "cash", w.ctx, on: t.db).minorUnits == 300_000)
            await #expect(throws: DomainError.self) {
                _ = try await Refunds.record(w.ctx, .init(customerID: w.customer.id!.uuidString, amount: "1", method: "cash", reason: "Again"),
                                             services: t.services, on: t.db)
            }
            let s = try await Statements.build(w.ctx, customerID: w.customer.id!.uuidString, from: "2026-01-01", to: nil, now: t.services.clock.now(), on: t.db)
            #expect(s.rows.map(\.kind).suffix(2) == ["payment", "refund"] && s.closing == 0)
            #expect(try await w.booksAreClean())
        }
    }

    @Test func aWriteOffSettlesWhatIsOpenAsABadDebt() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            _ = try await w.pay("500")
            let wo = try await WriteOffs.writeOff(w.ctx, invoiceID: w.invoices[0].id!.uuidString, reason: "Customer left the area", services: t.services, on: t.db)
            #expect(wo.amount == 50_000)
            #expect(try await w.state() == ["paid 100000", "issued 0", "issued 0"])
            #expect(try await Ledger.balance(ofKey: "write_offs", w.ctx, on: t.db).minorUnits == 50_000)
            await #expect(throws: DomainError.self) {
                _ = try await WriteOffs.writeOff(w.ctx, invoiceID: w.invoices[0].id!.uuidString, reason: "Twice", services: t.services, on: t.db)
            }
            #expect(try await Statements.balance(of: w.customer.id!, w.tenant.id, on: t.db) == 200_000)
            #expect(try await w.booksAreClean())
        }
    }
}
