import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// Recording what customers pay: the receipt, where the money goes on their invoices, and the
/// ledger transfer, all in one transaction.
public enum Payments {
    public struct Share: Sendable {
        public var invoiceID: String?
        public var amount: String?

        public init(invoiceID: String?, amount: String?) { (self.invoiceID, self.amount) = (invoiceID, amount) }
    }

    public struct Input: Sendable {
        public var customerID: String?
        public var amount: String?
        public var method: String?
        public var reference: String?
        /// The day the money was taken (default today); never in the future.
        public var receivedOn: String?
        public var note: String?
        /// Where the money goes; nil puts it on the oldest open invoices first.
        public var allocations: [Share]?

        public init(customerID: String? = nil, amount: String? = nil, method: String? = nil, reference: String? = nil, receivedOn: String? = nil,
                    note: String? = nil, allocations: [Share]? = nil) {
            (self.customerID, self.amount, self.method, self.reference, self.receivedOn) = (customerID, amount, method, reference, receivedOn)
            (self.note, self.allocations) = (note, allocations)
        }
    }

    /// The receipt series of a year: `receipt:2026`, numbers `RCT-2026-000001`.
    public static func series(year: Int) -> (name: String, prefix: String) { ("receipt:\(year)", "RCT-\(year)-") }

    /// The ledger account a method's money lands in.
    public static func account(of method: PaymentMethod) -> AccountSpec {
        switch method {
        case .cash: Chart.cash
        case .bank, .cheque: Chart.bank
        case .mobileMoney: Chart.mobileMoney
        // Not money received: `Wallets.fund` debits the wallet and the commission instead.
        case .resellerWallet: Chart.commissionExpense
        }
    }

    /// Records a payment from organization staff (resellers collect through their wallets): the
    /// customer's open invoices are paid oldest first, or as chosen; what is left becomes the
    /// customer's credit. The collector is the signed-in person.
    public static func record(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Payment {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff take payments through their reseller wallet.") }
        return try await record(ctx, input, wallet: false, services: services, on: db)
    }

    /// The payment itself. From a reseller's wallet (`wallet`), the method is the wallet and the
    /// money comes off the wallet of the customer's reseller at the reseller's price, with the
    /// commission, checked under the reseller's lock inside the same transaction.
    /// `reevaluate: false` inside a caller's transaction (a wallet recharge), which re-evaluates
    /// dunning itself after its commit.
    static func record(_ ctx: TenantContext, _ input: Input, wallet: Bool, reevaluate: Bool = true, services: PlatformServices,
                       on db: any Database) async throws -> Payment {
        var input = input
        if wallet { input.method = PaymentMethod.resellerWallet.rawValue }
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        var v = Validator()
        let amount = v.money("amount", input.amount, currency: ctx.currency)
        if let amount, amount == 0 { v.add("amount", "must be more than zero") }
        let method = wallet ? PaymentMethod.resellerWallet : v.receivedMethod("method", input.method)
        let reference = v.text("reference", input.reference, required: method?.needsReference ?? false, max: 100)
        let receivedOn = v.localDate("received_on", input.receivedOn) ?? today
        if receivedOn > today { v.add("received_on", "must not be later than today (\(today))") }
        let note = v.text("note", input.note, required: false, max: 500)
        var requested: [AllocationShare]?
        if let shares = input.allocations {
            requested = []
            for (index, share) in shares.enumerated() {
                let id = v.text("allocations[\(index)].invoice_id", share.invoiceID, max: 36).flatMap { text -> UUID? in
                    guard let id = UUID(uuidString: text) else { v.add("allocations[\(index)].invoice_id", "is not an invoice id"); return nil }
                    return id
                }
                let part = v.money("allocations[\(index)].amount", share.amount, currency: ctx.currency)
                if let id, let part { requested?.append(AllocationShare(invoiceID: id, amount: part)) }
            }
        }
        try v.check()
        guard let amount, let method else { throw DomainError.invalid("amount", "is required") }
        let customer = try await Customer.find(input.customerID, in: ctx, on: db)
        if wallet, customer.resellerID == nil { throw DomainError.conflict("\(customer.displayName) is not a reseller's customer; the ISP's own staff take this payment.") }
        let customerID = customer.id!
        let org = ctx.organizationID
        let chosen = requested
        let payment = try await db.writeTransaction { tx in
            try await lockCustomer(customerID, org, on: tx)
            let series = series(year: receivedOn.year)
            try await NumberSequences.lock(series.name, organizationID: org, on: tx)
            let open = try await openInvoices(of: customerID, org, lock: true, on: tx)
            let shares = try chosen.map { try Allocation.chosen($0, amount: amount, over: open, currency: ctx.currency) }
                ?? Allocation.oldestFirst(amount, over: open)
            let payment = Payment()
            payment.id = UUID.timeOrdered()
            payment.organizationID = org
            payment.branchID = customer.branchID
            payment.resellerID = customer.resellerID
            payment.customerID = customerID
            payment.number = NumberSequences.format(try await NumberSequences.take(1, of: series.name, organizationID: org, on: tx), prefix: series.prefix)
            payment.method = method
            payment.reference = reference
            payment.receivedOn = receivedOn.description
            payment.collectorID = ctx.actor.userID
            payment.collectorName = ctx.actor.label
            payment.amount = amount
            payment.allocated = shares.reduce(0) { $0 + $1.amount }
            payment.currency = ctx.currency
            payment.status = .posted
            payment.note = note
            payment.actor = ctx.actor.label
            payment.createdAt = now
            try await payment.create(on: tx)
            try await allocate(shares, source: "payment", paymentID: payment.id!, customerID: customerID, org, at: now, on: tx)
            let money = { (minor: Int64) in Money(minorUnits: minor, currency: ctx.currency) }
            var lines: [TransferLine] = [.debit(account(of: method), money(amount))]
            if wallet, let resellerID = customer.resellerID {
                lines = try await Wallets.fund(amount, resellerID: resellerID, ctx, on: tx)
            }
            if payment.allocated > 0 { lines.append(.credit(Chart.receivable(customerID: customerID, label: customer.numberText), money(payment.allocated))) }
            if payment.credited > 0 { lines.append(.credit(Chart.customerCredit(customerID: customerID, label: customer.numberText), money(payment.credited))) }
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "payment:\(payment.id!.lowercasedText)", kind: "payment", referenceType: "payment",
                                                    referenceID: payment.id!, memo: payment.number, eventAt: receivedOn.start(in: ctx.timeZone), lines: lines),
                                      ctx, on: tx)
            let summary = "Payment \(payment.number): \(money(amount)) by \(method.label.lowercased())"
            try await Audit.record("payment.recorded", summary, ctx: ctx, target: .init("payment", payment.id!),
                                   metadata: ["customer": customer.numberText, "amount": money(amount).decimalString], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "payment.recorded",
                                            summary: summary + (payment.credited > 0 ? ", \(money(payment.credited)) to credit" : ""),
                                            related: .init("payment", payment.id!), at: now, on: tx)
            return payment
        }
        // Paying what is overdue restores service at once.
        if reevaluate { await Dunning.reevaluate(customerID: customerID, ctx, services: services, on: db) }
        return payment
    }

    /// Takes the customer's row lock (PostgreSQL; SQLite's writer lock covers it): payments,
    /// reversals and credit for one customer happen one at a time, so two cannot pay off the
    /// same open amount. `FOR NO KEY UPDATE` leaves rows that only reference the customer (a
    /// billing run's new invoices) free to be written meanwhile.
    static func lockCustomer(_ id: UUID, _ org: UUID, on db: any Database) async throws {
        try await TenantSQL.lockRow("customers", id: id, organizationID: org, keysShared: true, on: db)
    }

    /// The customer's issued invoices with money open on them, locked on PostgreSQL (a void or
    /// another allocation waits).
    static func openInvoices(of customerID: UUID, _ org: UUID, lock: Bool, on db: any Database) async throws -> [OpenInvoice] {
        let forUpdate: SQLQueryString = lock ? TenantSQL.forUpdate(on: db) : ""
        return try await db.rows("""
            SELECT id, number, issue_on, due_on, total - paid_total FROM invoices WHERE \(TenantSQL.organization(org)) \
            AND customer_id = \(bind: customerID) AND kind = 'invoice' AND status IN ('issued', 'partially_paid') AND total > paid_total \
            ORDER BY id\(forUpdate)
            """).map { OpenInvoice(id: try $0.uuid(0), number: try $0.string(1), issueOn: try $0.string(2), dueOn: try $0.string(3), open: try $0.int64(4)) }
    }

    /// Writes the shares and moves each invoice's paid total and status.
    static func allocate(_ shares: [AllocationShare], source: String, paymentID: UUID?, customerID: UUID, _ org: UUID, at now: Date,
                         on db: any Database) async throws {
        for share in shares {
            let row = PaymentAllocation()
            row.organizationID = org
            row.customerID = customerID
            row.invoiceID = share.invoiceID
            row.paymentID = paymentID
            row.source = source
            row.amount = share.amount
            row.createdAt = now
            try await row.create(on: db)
            try await settle(share.invoiceID, by: share.amount, org, on: db)
        }
    }

    /// Adds `delta` (negative to take money off) to an invoice's paid total; its status follows.
    static func settle(_ invoiceID: UUID, by delta: Int64, _ org: UUID, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("""
            UPDATE invoices SET paid_total = paid_total + \(bind: delta), \
            status = CASE WHEN paid_total + \(bind: delta) >= total THEN 'paid' WHEN paid_total + \(bind: delta) > 0 THEN 'partially_paid' ELSE 'issued' END \
            WHERE id = \(bind: invoiceID) AND \(TenantSQL.organization(org)) AND kind = 'invoice' AND status <> 'void'
            """).run()
    }
}
