import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

extension Payments {
    public struct Filter: Sendable {
        public var customerID, method, status, from, to: String?

        public init(customerID: String? = nil, method: String? = nil, status: String? = nil, from: String? = nil, to: String? = nil) {
            (self.customerID, self.method, self.status, self.from, self.to) = (customerID, method, status, from, to)
        }
    }

    /// Payments the viewer may see (their branches; a reseller's staff their subtree), newest first.
    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Payment> {
        try await filtered(ctx, filter, on: db).paginateNewestFirst(page, by: \.$createdAt)
    }

    /// One line of the day sheet: what a collector took by one method.
    public struct Total: Sendable, Equatable {
        public var collector: String
        public var method: PaymentMethod
        public var count: Int
        public var amount: Int64
    }

    /// The day sheet of the filter (every page of it, not one): posted payments summed by
    /// collector and method, for the branch to hand over the cash.
    public static func totals(_ ctx: TenantContext, _ filter: Filter, on db: any Database) async throws -> [Total] {
        let rows = try await filtered(ctx, filter, on: db).filter(\.$status == .posted).field(\.$collectorName).field(\.$method).field(\.$amount).all()
        var totals: [String: Total] = [:]
        for p in rows {
            totals["\(p.collectorName)\u{1}\(p.method.rawValue)", default: Total(collector: p.collectorName, method: p.method, count: 0, amount: 0)].count += 1
            totals["\(p.collectorName)\u{1}\(p.method.rawValue)"]!.amount += p.amount
        }
        return totals.sorted { $0.key < $1.key }.map(\.value)
    }

    static func filtered(_ ctx: TenantContext, _ filter: Filter, on db: any Database) throws -> QueryBuilder<Payment> {
        try ctx.require(.paymentsRead)
        var v = Validator()
        let method = v.choice("method", filter.method, as: PaymentMethod.self)
        let status = v.choice("status", filter.status, as: PaymentStatus.self)
        let from = v.localDate("from", filter.from)
        let to = v.localDate("to", filter.to)
        var customer: UUID?
        if let raw = filter.customerID.nonBlank { customer = UUID(uuidString: raw); if customer == nil { v.add("customer_id", "is not an id") } }
        try v.check()
        let query = Payment.scoped(to: ctx, on: db)
        if let method { query.filter(\.$method == method) }
        if let status { query.filter(\.$status == status) }
        if let customer { query.filter(\.$customerID == customer) }
        if let from { query.filter(\.$receivedOn >= from.description) }
        if let to { query.filter(\.$receivedOn <= to.description) }
        return query
    }

    public struct Details: Sendable {
        public var payment: Payment
        /// The shares on invoices (reversed ones included, marked), with each invoice's number.
        public var shares: [(allocation: PaymentAllocation, invoiceNumber: String)]
    }

    public static func details(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Details {
        try ctx.require(.paymentsRead)
        let payment = try await Payment.find(id, in: ctx, on: db)
        let shares = try await PaymentAllocation.inOrganization(ctx.organizationID, on: db).filter(\.$paymentID == payment.id!).sort(\.$createdAt).all()
        let numbers = shares.isEmpty ? [] : try await db.rows("""
            SELECT id, number FROM invoices WHERE \(TenantSQL.organization(ctx.organizationID)) AND id IN (\(SQLQueryString.binds(shares.map(\.invoiceID))))
            """)
        var byID: [UUID: String] = [:]
        for row in numbers { byID[try row.uuid(0)] = try row.string(1) }
        return Details(payment: payment, shares: shares.map { ($0, byID[$0.invoiceID] ?? "") })
    }
}

extension Payments {
    /// What a customer owes now, for the collection screen and the customer page: the open
    /// invoices oldest first (past due marked by their due date), their credit, and the balance
    /// (what is owed less the credit; the ledger's).
    public struct Due: Sendable {
        public var invoices: [OpenInvoice]
        public var credit: Int64
        public var balance: Int64
        public var open: Int64 { invoices.reduce(0) { $0 + $1.open } }
        /// What to take to clear everything (nothing when the credit covers it).
        public var toClear: Int64 { max(open - credit, 0) }
    }

    public static func due(_ ctx: TenantContext, customerID: UUID, on db: any Database) async throws -> Due {
        try ctx.require(.paymentsRead)
        let invoices = try await openInvoices(of: customerID, ctx.organizationID, lock: false, on: db).sorted { ($0.dueOn, $0.number) < ($1.dueOn, $1.number) }
        return Due(invoices: invoices, credit: try await Refunds.credit(of: customerID, ctx.organizationID, on: db),
                   balance: try await Statements.balance(of: customerID, ctx.organizationID, on: db))
    }
}
