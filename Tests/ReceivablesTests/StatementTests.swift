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

@Suite("Statements and receipts")
struct StatementTests {
    static let april = Date(timeIntervalSince1970: 1_775_000_000) // 2026-03-31T23:33Z, 1 April in Dhaka

    @Test func theStatementRunsFromTheLedgerAndClosesOnItsBalance() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            _ = try await w.pay("2500")
            _ = try await w.pay("800.50", method: "mobile_money", reference: "8N7A6B5C", on: "2026-03-06")
            // The day sheet sums every payment of the filter by collector and method.
            let sheet = try await Payments.totals(w.ctx, .init(from: "2026-03-01", to: "2026-03-31"), on: t.db)
            #expect(sheet.map { "\($0.method.rawValue) \($0.count) \($0.amount)" } == ["cash 1 250000", "mobile_money 1 80050"])
            // Moving credit onto an invoice changes nothing the customer owes: not a row.
            let s = try await Statements.build(w.ctx, customerID: w.customer.id!.uuidString, from: "2026-01-01", to: "2026-03-31", now: Self.april, on: t.db)
            #expect(s.opening == 0)
            #expect(s.rows.map(\.kind) == ["invoice", "invoice", "invoice", "payment", "payment"])
            #expect(s.rows.map(\.amount) == [100_000, 100_000, 100_000, -250_000, -80_050])
            #expect(s.rows.map(\.balance) == [100_000, 200_000, 300_000, 50_000, -30_050])
            #expect(s.rows.map(\.document).prefix(3) == ArraySlice(w.invoices.map(\.number)))
            let ledger = try await Statements.balance(of: w.customer.id!, w.tenant.id, on: t.db)
            #expect(s.closing == -30_050 && ledger == s.closing)
            #expect(-(try await w.credit()) == ledger)

            // From February: January's invoice is the opening balance.
            let feb = try await Statements.build(w.ctx, customerID: w.customer.id!.uuidString, from: "2026-02-01", to: "2026-03-31", now: Self.april, on: t.db)
            #expect(feb.opening == 100_000 && feb.rows.count == 4 && feb.closing == s.closing)

            let csv = Statements.csv(s, zone: w.ctx.timeZone)
            let lines = csv.split(separator: "\r\n").map(String.init)
            #expect(lines.count == 8)
            #expect(lines[0] == "date,type,document,charges,payments_and_credits,balance")
            #expect(lines[5] == "2026-03-05,Payment,RCT-2026-000001,,2500.00,500.00")
            #expect(lines[7] == "2026-03-31,Closing balance,,,,-300.50", "a negative balance stays a number, not a guarded formula")

            await #expect(throws: DomainError.self) {
                _ = try await Statements.build(w.ctx, customerID: w.customer.id!.uuidString, from: "2026-04-01", to: "2026-03-01", now: Self.april, on: t.db)
            }
            // Another organization's staff cannot read it.
            let other = try await CollectionsWorld.make(t, name: "Beta Net", phone: "01711000002")
            await #expect(throws: DomainError.self) {
                _ = try await Statements.build(other.ctx, customerID: w.customer.id!.uuidString, from: nil, to: nil, now: Self.april, on: t.db)
            }
        }
    }

    @Test func theReceiptAndStatementPDFsReadBack() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            _ = try await w.pay("2500")
            let p = try await w.pay("800.50", method: "mobile_money", reference: "8N7A6B5C", on: "2026-03-06")
            let receipt = try await Receipts.pdf(w.ctx, p.id!.uuidString, on: t.db)
            #expect(receipt.fileName == "RCT-2026-000002.pdf")
            let text = try pdfText(receipt.bytes)
            for expected in ["RECEIPT", "RCT-2026-000002", "Rahim Uddin", "Invoice \(w.invoices[2].number)", "500.00", "Kept as credit", "300.50",
                             "Mobile money (bKash, Nagad, Rocket) · ref 8N7A6B5C", "Credit now", "Eight Hundred Taka and Fifty Paisa Only", "PAID"] {
                #expect(text.contains(expected), "receipt lacks \(expected):\n\(text)")
            }
            let reversed = try await Payments.reverse(w.ctx, p.id!.uuidString, reason: "Counted twice", services: t.services, on: t.db)
            let again = try pdfText(try await Receipts.pdf(w.ctx, reversed.id!.uuidString, on: t.db).bytes)
            #expect(again.contains("REVERSED") && again.contains("Counted twice"))

            // The reversal is dated when it was made: through today.
            let s = try await Statements.build(w.ctx, customerID: w.customer.id!.uuidString, from: "2026-01-01", to: nil, now: t.services.clock.now(), on: t.db)
            #expect(s.closing == 50_000 && s.rows.last?.kind == "reversal")
            let statement = try pdfText(try await Statements.pdf(s, w.ctx, on: t.db).bytes)
            for expected in ["STATEMENT", "Opening balance", "Payment RCT-2026-000001", "Reversal", "Balance due", "500.00"] {
                #expect(statement.contains(expected), "statement lacks \(expected):\n\(statement)")
            }
            #expect(try await w.booksAreClean())
        }
    }

    /// The PDF passes `qpdf --check`; its text by `pdftotext -layout`.
    func pdfText(_ bytes: [UInt8]) throws -> String {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("meghna-\(UUID().uuidString).pdf")
        try Data(bytes).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        #expect(try tool("/usr/bin/qpdf", ["--check", file.path]).status == 0)
        return try tool("/usr/bin/pdftotext", ["-layout", file.path, "-"]).output
    }
}
