import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform

/// Paying a customer's credit back out, and writing off what will not be paid.
public enum Refunds {
    public struct Input: Sendable {
        public var customerID, amount, method, reference, paidOn, reason: String?
        public init(customerID: String?, amount: String?, method: String?, reference: String? = nil, paidOn: String? = nil, reason: String?) {
            (self.customerID, self.amount, self.method, self.reference, self.paidOn, self.reason) = (customerID, amount, method, reference, paidOn, reason)
        }
    }

    /// Refunds the viewer may see, newest first.
    public static func list(_ ctx: TenantContext, customerID: String?, page: CursorRequest, on db: any Database) async throws -> CursorPage<Refund> {
        try ctx.require(.paymentsRead)
        let query = Refund.scoped(to: ctx, on: db)
        if let raw = customerID.nonBlank {
            guard let id = UUID(uuidString: raw) else { throw DomainError.invalid("customer_id", "is not an id") }
            query.filter(\.$customerID == id)
        }
        return try await query.paginateNewestFirst(page, by: \.$createdAt)
    }

    public static func series(year: Int) -> (name: String, prefix: String) { ("refund:\(year)", "RFD-\(year)-") }

    /// The customer's credit now (what the ISP owes them), positive; inside a transaction that
    /// holds the customer's lock it cannot change underneath.
    public static func credit(of customerID: UUID, _ org: UUID, on db: any Database) async throws -> Int64 {
        let key = Chart.customerCredit(customerID: customerID, label: "").key
        return -(try await Ledger.cachedBalances(keys: [key], organizationID: org, on: db)[key] ?? 0)
    }

    /// Pays back part or all of the customer's credit; refused beyond it (checked under the
    /// customer's lock, so two refunds at once cannot both take the same credit).
    public static func record(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Refund {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot refund customers.") }
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        var v = Validator()
        let amount = v.money("amount", input.amount, currency: ctx.currency)
        if let amount, amount <= 0 { v.add("amount", "must be more than zero") }
        let method = v.receivedMethod("method", input.method)
        let reference = v.text("reference", input.reference, required: method?.needsReference ?? false, max: 100)
        let paidOn = v.localDate("paid_on", input.paidOn) ?? today
        if paidOn > today { v.add("paid_on", "must not be later than today (\(today))") }
        let reason = v.text("reason", input.reason, max: 300)
        try v.check()
        guard let amount, let method, let reason else { throw DomainError.invalid("amount", "is required") }
        let customer = try await Customer.find(input.customerID, in: ctx, on: db)
        let (customerID, org) = (customer.id!, ctx.organizationID)
        return try await db.writeTransaction { tx in
            try await Payments.lockCustomer(customerID, org, on: tx)
            let available = try await credit(of: customerID, org, on: tx)
            guard amount <= available else {
                throw DomainError.invalid("amount", "must be at most the customer's credit, \(Money(minorUnits: max(available, 0), currency: ctx.currency).decimalString)")
            }
            let series = series(year: paidOn.year)
            try await NumberSequences.lock(series.name, organizationID: org, on: tx)
            let refund = Refund()
            refund.id = UUID.timeOrdered()
            refund.organizationID = org
            refund.branchID = customer.branchID
            refund.resellerID = customer.resellerID
            refund.customerID = customerID
            refund.number = NumberSequences.format(try await NumberSequences.take(1, of: series.name, organizationID: org, on: tx), prefix: series.prefix)
            refund.method = method
            refund.reference = reference
            refund.paidOn = paidOn.description
            refund.amount = amount
            refund.currency = ctx.currency
            refund.reason = reason
            refund.actor = ctx.actor.label
            refund.createdAt = now
            try await refund.create(on: tx)
            let money = Money(minorUnits: amount, currency: ctx.currency)
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "refund:\(refund.id!.lowercasedText)", kind: "refund", referenceType: "refund",
                                                    referenceID: refund.id!, memo: refund.number, eventAt: paidOn.start(in: ctx.timeZone),
                                                    lines: [.debit(Chart.customerCredit(customerID: customerID, label: customer.numberText), money),
                                                            .credit(Payments.account(of: method), money)]), ctx, on: tx)
            let summary = "Refund \(refund.number): \(money) by \(method.label.lowercased()) (\(reason))"
            try await Audit.record("refund.recorded", summary, ctx: ctx, target: .init("refund", refund.id!),
                                   metadata: ["customer": customer.numberText, "amount": money.decimalString], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "refund.recorded", summary: summary,
                                            related: .init("refund", refund.id!), at: now, on: tx)
            return refund
        }
    }
}

public enum WriteOffs {
    /// Writes off what is open on an invoice as a bad debt: the receivable goes to the write-off
    /// expense and the invoice is settled. Organization staff with invoices.write only.
    public static func writeOff(_ ctx: TenantContext, invoiceID: String?, reason: String?, services: PlatformServices, on db: any Database) async throws -> WriteOff {
        try ctx.require(.invoicesWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot write off debts.") }
        var v = Validator()
        let reason = v.text("reason", reason, max: 300)
        try v.check()
        guard let reason else { throw DomainError.invalid("reason", "is required") }
        let found = try await Invoice.find(invoiceID, in: ctx, on: db)
        let (id, customerID, org) = (found.id!, found.customerID, ctx.organizationID)
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        let written = try await db.writeTransaction { tx in
            try await Payments.lockCustomer(customerID, org, on: tx)
            try await TenantSQL.lockRow("invoices", id: id, organizationID: org, on: tx)
            guard let invoice = try await Invoice.inOrganization(org, on: tx).filter(\.$id == id).first() else { throw DomainError.notFound("Invoice") }
            guard invoice.kind == "invoice", invoice.status == .issued || invoice.status == .partiallyPaid, invoice.total > invoice.paidTotal else {
                throw DomainError.conflict("Invoice \(invoice.number) has nothing open to write off.")
            }
            let open = invoice.total - invoice.paidTotal
            let w = WriteOff()
            w.id = UUID.timeOrdered()
            w.organizationID = org
            w.customerID = customerID
            w.invoiceID = id
            w.amount = open
            w.currency = invoice.currency
            w.reason = reason
            w.actor = ctx.actor.label
            w.createdAt = now
            try await w.create(on: tx)
            try await Payments.allocate([AllocationShare(invoiceID: id, amount: open)], source: "write_off", paymentID: nil, customerID: customerID,
                                        org, at: now, on: tx)
            let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == customerID).first()
            let money = Money(minorUnits: open, currency: invoice.currency)
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "write_off:\(w.id!.lowercasedText)", kind: "write_off", referenceType: "write_off",
                                                    referenceID: w.id!, memo: invoice.number, eventAt: today.start(in: ctx.timeZone),
                                                    lines: [.debit(Chart.writeOffs, money),
                                                            .credit(Chart.receivable(customerID: customerID, label: customer?.numberText ?? "customer"), money)]),
                                      ctx, on: tx)
            let summary = "Wrote off \(money) open on invoice \(invoice.number) (\(reason))"
            try await Audit.record("invoice.written_off", summary, ctx: ctx, target: .init("invoice", id), metadata: ["amount": money.decimalString], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "invoice.written_off", summary: summary,
                                            related: .init("invoice", id), at: now, on: tx)
            return w
        }
        await Dunning.reevaluate(customerID: customerID, ctx, services: services, on: db)
        return written
    }
}
