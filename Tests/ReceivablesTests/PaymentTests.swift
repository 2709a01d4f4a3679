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

/// A tenant with one customer billed 1000.00 a month (no tax) for January to March 2026.
struct CollectionsWorld {
    let t: TestApp
    let tenant: Tenant
    let ctx: TenantContext
    let customer: Customer
    /// January, February, March.
    let invoices: [Invoice]

    static func make(_ t: TestApp, name: String = "Alpha Net", phone: String = "01711000001") async throws -> CollectionsWorld {
        let tenant = try await t.makeTenant(name)
        let ctx = try await t.context(of: tenant.admin)
        var input = Plans.Input()
        (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME-20", "Home 20", "pppoe", "20M", "10M", "1000")
        let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
        let customer = try await Customers.create(ctx, .init(displayName: "Rahim Uddin", phones: [phone]), services: t.services, on: t.db)
        _ = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1",
                                                      startsOn: "2026-01-01", activate: "true"), services: t.services, on: t.db)
        _ = try await InvoiceRuns.run(organizationID: tenant.id, through: try #require(LocalDate("2026-03-01")), dryRun: false, actor: "test",
                                      services: t.services, on: t.db)
        let invoices = try await Invoice.scoped(to: ctx, on: t.db).filter(\.$customerID == customer.id!).sort(\.$issueOn).all()
        return CollectionsWorld(t: t, tenant: tenant, ctx: ctx, customer: customer, invoices: invoices)
    }

    func pay(_ amount: String, method: String = "cash", reference: String? = nil, on day: String = "2026-03-05",
             shares: [(Invoice, String)]? = nil) async throws -> Payment {
        try await Payments.record(ctx, .init(customerID: customer.id!.uuidString, amount: amount, method: method, reference: reference, receivedOn: day,
                                             allocations: shares.map { $0.map { .init(invoiceID: $0.0.id!.uuidString, amount: $0.1) } }),
                                  services: t.services, on: t.db)
    }

    /// Each invoice's (status, paid total), January first.
    func state() async throws -> [String] {
        try await Invoice.scoped(to: ctx, on: t.db).filter(\.$customerID == customer.id!).sort(\.$issueOn).all().map { "\($0.status.rawValue) \($0.paidTotal)" }
    }

    /// The customer's credit (what the ISP owes them), positive.
    func credit() async throws -> Int64 {
        -(try await Ledger.balance(ofKey: Chart.customerCredit(customerID: customer.id!, label: "").key, ctx, on: t.db).minorUnits)
    }

    func booksAreClean() async throws -> Bool {
        let problems = try await Ledger.check(organizationID: tenant.id, on: t.db) + (try await InvoiceRuns.ledgerProblems(organizationID: tenant.id, on: t.db))
            + (try await CollectionsChecks.ledgerProblems(organizationID: tenant.id, on: t.db))
        if !problems.isEmpty { Issue.record("ledger problems: \(problems)") }
        return problems.isEmpty
    }
}

@Suite("Payments")
struct PaymentTests {
    @Test func oldestFirstPaysTheOldestInvoicesAndTheRestBecomesCredit() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            #expect(w.invoices.map(\.total) == [100_000, 100_000, 100_000])
            let first = try await w.pay("2500")
            #expect(first.number == "RCT-2026-000001" && first.allocated == 250_000 && first.credited == 0)
            #expect(try await w.state() == ["paid 100000", "paid 100000", "partially_paid 50000"])
            let second = try await w.pay("800.50", method: "mobile_money", reference: "8N7A6B5C")
            #expect(second.number == "RCT-2026-000002" && second.allocated == 50_000 && second.credited == 30_050)
            #expect(try await w.state() == ["paid 100000", "paid 100000", "paid 100000"])
            #expect(try await w.credit() == 30_050)
            #expect(try await Ledger.balance(ofKey: "cash", w.ctx, on: t.db).minorUnits == 250_000)
            #expect(try await Ledger.balance(ofKey: "mobile_money", w.ctx, on: t.db).minorUnits == 80_050)
            #expect(try await Ledger.balance(ofKey: Chart.receivable(customerID: w.customer.id!, label: "").key, w.ctx, on: t.db).minorUnits == 0)
            let shares = try await PaymentAllocation.scoped(to: w.ctx, on: t.db).sort(\.$createdAt).all()
            #expect(shares.map(\.amount) == [100_000, 100_000, 50_000, 50_000])
            #expect(try await w.booksAreClean())
        }
    }

    @Test func chosenSharesPayExactlyThoseInvoices() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            let payment = try await w.pay("1200", shares: [(w.invoices[2], "600"), (w.invoices[0], "400")])
            #expect(payment.allocated == 100_000 && payment.credited == 20_000)
            #expect(try await w.state() == ["partially_paid 40000", "issued 0", "partially_paid 60000"])
            #expect(try await w.credit() == 20_000)
            #expect(try await w.booksAreClean())
        }
    }

    @Test func aReversalTakesItsSharesOffTheInvoicesOnce() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            let payment = try await w.pay("1500", method: "cheque", reference: "CHQ 004512")
            #expect(try await w.state() == ["paid 100000", "partially_paid 50000", "issued 0"])
            let reversed = try await Payments.reverse(w.ctx, payment.id!.uuidString, reason: "Cheque bounced", services: t.services, on: t.db)
            #expect(reversed.status == .reversed && reversed.reversalReason == "Cheque bounced")
            #expect(try await w.state() == ["issued 0", "issued 0", "issued 0"])
            #expect(try await Ledger.balance(ofKey: "bank", w.ctx, on: t.db).minorUnits == 0)
            await #expect(throws: DomainError.conflict("Payment RCT-2026-000001 was reversed already.")) {
                try await Payments.reverse(w.ctx, payment.id!.uuidString, reason: "Again", services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.validation([FieldError("reason", "is required")])) {
                try await Payments.reverse(w.ctx, payment.id!.uuidString, reason: " ", services: t.services, on: t.db)
            }
            // The shares stay, marked reversed; a new payment pays the invoices again.
            #expect(try await PaymentAllocation.scoped(to: w.ctx, on: t.db).filter(\.$reversedAt == nil).count() == 0)
            _ = try await w.pay("1000")
            #expect(try await w.state() == ["paid 100000", "issued 0", "issued 0"])
            #expect(try await w.booksAreClean())
        }
    }

    @Test func aReversalWhoseCreditIsGoneIsRefused() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            let payment = try await w.pay("3500")
            #expect(try await w.credit() == 50_000)
            // The credit leaves the customer's account (as a refund will).
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "refund-1", kind: "refund", memo: "Refund", eventAt: Date(), lines: [
                .debit(Chart.customerCredit(customerID: w.customer.id!, label: "C"), Money(minorUnits: 40_000)), .credit(Chart.cash, Money(minorUnits: 40_000)),
            ]), w.ctx, on: t.db)
            await #expect(throws: DomainError.conflict("Payment RCT-2026-000001 put BDT 500.00 on the customer's credit, and only BDT 100.00 of it is left; take back what the credit paid first.")) {
                try await Payments.reverse(w.ctx, payment.id!.uuidString, reason: "Wrong customer", services: t.services, on: t.db)
            }
            #expect(try await Payment.find(payment.id, on: t.db)?.status == .posted)
            #expect(try await w.state() == ["paid 100000", "paid 100000", "paid 100000"])
        }
    }

    @Test func badInputIsRefusedByFieldAndWritesNothing() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            let other = try await CollectionsWorld.make(t, name: "Beta Net", phone: "01811000001")
            func refused(_ expected: [FieldError], _ input: Payments.Input) async {
                await #expect(throws: DomainError.validation(expected)) { try await Payments.record(w.ctx, input, services: t.services, on: t.db) }
            }
            let id = w.customer.id!.uuidString
            await refused([FieldError("amount", "must not be negative")], .init(customerID: id, amount: "-5", method: "cash"))
            await refused([FieldError("amount", "must be more than zero")], .init(customerID: id, amount: "0", method: "cash"))
            await refused([FieldError("amount", "must be an amount in BDT with at most 2 decimals, such as 1500.00")],
                          .init(customerID: id, amount: "10.555", method: "cash"))
            await refused([FieldError("amount", "is required"), FieldError("method", "is required")], .init(customerID: id))
            await refused([FieldError("method", "must be one of cash, bank, cheque, mobile_money")], .init(customerID: id, amount: "10", method: "card"))
            await refused([FieldError("reference", "is required")], .init(customerID: id, amount: "10", method: "mobile_money"))
            await refused([FieldError("received_on", "must not be later than today (\(LocalDate.today(t.services.clock.now(), in: w.ctx.timeZone)))")],
                          .init(customerID: id, amount: "10", method: "cash", receivedOn: "2099-01-01"))
            await refused([FieldError("allocations[0].amount", "is more than the 1000.00 open on \(w.invoices[0].number)")],
                          .init(customerID: id, amount: "5000", method: "cash", allocations: [.init(invoiceID: w.invoices[0].id!.uuidString, amount: "1000.01")]))
            await refused([FieldError("allocations[0].invoice_id", "is not an open invoice of this customer")],
                          .init(customerID: id, amount: "100", method: "cash", allocations: [.init(invoiceID: other.invoices[0].id!.uuidString, amount: "100")]))
            await refused([FieldError("allocations", "add up to 1500.00, more than the payment")],
                          .init(customerID: id, amount: "1000", method: "cash", allocations: [.init(invoiceID: w.invoices[0].id!.uuidString, amount: "1000"),
                                                                                                .init(invoiceID: w.invoices[1].id!.uuidString, amount: "500")]))
            await refused([FieldError("allocations[1].invoice_id", "names invoice \(w.invoices[0].number) twice")],
                          .init(customerID: id, amount: "1000", method: "cash", allocations: [.init(invoiceID: w.invoices[0].id!.uuidString, amount: "100"),
                                                                                                .init(invoiceID: w.invoices[0].id!.uuidString, amount: "100")]))
            // Another organization's customer is not found.
            await #expect(throws: DomainError.notFound("Customer")) {
                try await Payments.record(w.ctx, .init(customerID: other.customer.id!.uuidString, amount: "100", method: "cash"), services: t.services, on: t.db)
            }
            #expect(try await Payment.scoped(to: w.ctx, on: t.db).count() == 0)
            #expect(try await PaymentAllocation.scoped(to: w.ctx, on: t.db).count() == 0)
            #expect(try await LedgerTransfer.scoped(to: w.ctx, on: t.db).filter(\.$kind == "payment").count() == 0)
            #expect(try await w.state() == ["issued 0", "issued 0", "issued 0"])
            // The receipt series did not move: the next payment is number 1.
            #expect(try await w.pay("100").number == "RCT-2026-000001")
            #expect(try await w.booksAreClean())
        }
    }

    @Test func paymentsTakenAtOnceNeverPayOffTheSameMoneyTwice() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            // Ten collectors take 500.00 each at the same moment: 3000.00 was open.
            let numbers = try await withThrowingTaskGroup(of: String.self) { group in
                for _ in 0..<10 { group.addTask { try await w.pay("500").number } }
                return try await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(numbers.sorted() == (1...10).map { NumberSequences.format(Int64($0), prefix: "RCT-2026-") })
            #expect(try await w.state() == ["paid 100000", "paid 100000", "paid 100000"])
            #expect(try await w.credit() == 200_000)
            let payments = try await Payment.scoped(to: w.ctx, on: t.db).all()
            #expect(payments.reduce(0) { $0 + $1.allocated } == 300_000)
            #expect(try await w.booksAreClean())
        }
    }

    @Test func oldestFirstFollowsDueDateThenIssueDateThenNumber() {
        let ids = (0..<4).map { _ in UUID() }
        let invoices = [
            OpenInvoice(id: ids[0], number: "INV-2026-000004", issueOn: "2026-03-01", dueOn: "2026-03-08", open: 100),
            OpenInvoice(id: ids[1], number: "INV-2026-000002", issueOn: "2026-02-01", dueOn: "2026-02-08", open: 100),
            OpenInvoice(id: ids[2], number: "INV-2026-000003", issueOn: "2026-02-01", dueOn: "2026-02-08", open: 50),
            OpenInvoice(id: ids[3], number: "INV-2026-000001", issueOn: "2026-01-15", dueOn: "2026-02-08", open: 70),
        ]
        let cases: [(Int64, [AllocationShare])] = [
            (0, []),
            (60, [.init(invoiceID: ids[3], amount: 60)]),
            (200, [.init(invoiceID: ids[3], amount: 70), .init(invoiceID: ids[1], amount: 100), .init(invoiceID: ids[2], amount: 30)]),
            (1000, [.init(invoiceID: ids[3], amount: 70), .init(invoiceID: ids[1], amount: 100), .init(invoiceID: ids[2], amount: 50),
                    .init(invoiceID: ids[0], amount: 100)]),
        ]
        for (amount, expected) in cases {
            #expect(Allocation.oldestFirst(amount, over: invoices) == expected, "paying \(amount)")
        }
    }
}

@Suite("Customer credit")
struct CreditTests {
    @Test func creditPaysTheNextInvoicesOldestFirstOnce() async throws {
        try await withApp { t in
            let w = try await CollectionsWorld.make(t)
            // 3500.00 pays January to March and leaves 500.00 of credit.
            _ = try await w.pay("3500")
            #expect(try await w.credit() == 50_000)
            #expect(try await Credits.applyAll(organizationID: w.tenant.id, services: t.services, on: t.db) == 0, "nothing is open")
            // April and May are billed: the credit pays half of April.
            _ = try await InvoiceRuns.run(organizationID: w.tenant.id, through: try #require(LocalDate("2026-05-01")), dryRun: false, actor: "test",
                                          services: t.services, on: t.db)
            #expect(try await Credits.applyAll(organizationID: w.tenant.id, services: t.services, on: t.db) == 1)
            #expect(try await w.state() == ["paid 100000", "paid 100000", "paid 100000", "partially_paid 50000", "issued 0"])
            #expect(try await w.credit() == 0)
            // Again: no credit left, nothing moves.
            #expect(try await Credits.applyAll(organizationID: w.tenant.id, services: t.services, on: t.db) == 0)
            let shares = try await PaymentAllocation.scoped(to: w.ctx, on: t.db).filter(\.$source == "credit").all()
            #expect(shares.map(\.amount) == [50_000] && shares.allSatisfy { $0.paymentID == nil })
            #expect(try await Ledger.balance(ofKey: Chart.receivable(customerID: w.customer.id!, label: "").key, w.ctx, on: t.db).minorUnits == 150_000)
            // The payment that made the credit can no longer be reversed while the credit is spent.
            let payment = try #require(try await Payment.scoped(to: w.ctx, on: t.db).first())
            await #expect(throws: DomainError.conflict("Payment RCT-2026-000001 put BDT 500.00 on the customer's credit, and only BDT 0.00 of it is left; take back what the credit paid first.")) {
                try await Payments.reverse(w.ctx, payment.id!.uuidString, reason: "Wrong customer", services: t.services, on: t.db)
            }
            #expect(try await w.booksAreClean())
        }
    }
}
