import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// A customer's credit (overpayments, and credit notes once they come) pays their open
/// invoices without anyone asking: the scheduled pass after each invoice run, and before
/// dunning looks at what is overdue.
public enum Credits {
    /// Puts the customer's credit on their open invoices, oldest first, in one transaction: the
    /// shares (source "credit") and one transfer moving the money from the customer's credit to
    /// their receivable. Returns what was applied (0 when there is no credit or nothing open).
    @discardableResult
    public static func apply(_ ctx: TenantContext, customerID: UUID, services: PlatformServices, on db: any Database) async throws -> Int64 {
        let org = ctx.organizationID
        let now = services.clock.now()
        return try await db.writeTransaction { tx in
            try await Payments.lockCustomer(customerID, org, on: tx)
            guard let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == customerID).first() else { return 0 }
            let creditAccount = Chart.customerCredit(customerID: customerID, label: customer.numberText)
            let credit = -(try await Ledger.balance(ofKey: creditAccount.key, ctx, on: tx).minorUnits)
            guard credit > 0 else { return 0 }
            let open = try await Payments.openInvoices(of: customerID, org, lock: true, on: tx)
            let shares = Allocation.oldestFirst(credit, over: open)
            guard !shares.isEmpty else { return 0 }
            try await Payments.allocate(shares, source: "credit", paymentID: nil, customerID: customerID, org, at: now, on: tx)
            let total = shares.reduce(0) { $0 + $1.amount }
            let money = Money(minorUnits: total, currency: ctx.currency)
            let numbers = shares.compactMap { share in open.first { $0.id == share.invoiceID }?.number }.joined(separator: ", ")
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "credit:\(UUID.timeOrdered().lowercasedText)", kind: "credit_applied",
                                                    referenceType: "customer", referenceID: customerID, memo: "Credit applied to \(numbers)".prefix(500).description,
                                                    eventAt: now, lines: [.debit(creditAccount, money),
                                                                          .credit(Chart.receivable(customerID: customerID, label: customer.numberText), money)]),
                                      ctx, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "credit.applied",
                                            summary: "\(money) of credit paid \(numbers)", at: now, on: tx)
            return total
        }
    }

    /// `apply` for every customer of the organization who holds credit. Returns how many
    /// customers' credit paid something.
    @discardableResult
    public static func applyAll(organizationID: UUID, services: PlatformServices, on db: any Database) async throws -> Int {
        guard let org = try await Organization.find(organizationID, on: db) else { return 0 }
        let ctx = TenantContext(organizationID: organizationID, actor: .system("collections.credit"), permissions: Set(Permission.allCases),
                                timeZone: org.timeZone, currency: org.currency)
        let prefix = "customer_credit:"
        let holders = try await db.rows("""
            SELECT key FROM ledger_accounts WHERE \(TenantSQL.organization(organizationID)) AND key LIKE \(bind: prefix + "%") AND balance < 0 ORDER BY key
            """).compactMap { UUID(uuidString: String(try $0.string(0).dropFirst(prefix.count))) }
        var paid = 0
        for customer in holders where try await apply(ctx, customerID: customer, services: services, on: db) > 0 { paid += 1 }
        return paid
    }

    /// The scheduled pass over every organization; one organization's failure does not hold up
    /// the others (the job fails afterwards and is retried).
    public static func applyEverywhere(services: PlatformServices, on db: any Database) async throws {
        var failure: (any Error)?
        for org in try await Organization.query(on: db).sort(\.$createdAt).all() {
            do { try await applyAll(organizationID: org.id!, services: services, on: db) } catch { failure = failure ?? error }
        }
        if let failure { throw failure }
    }
}
