import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform

/// Credit notes that reduce an issued invoice, paid or not (a whole void of an unpaid invoice is
/// `Invoices.void`). What the note takes back is put on the invoice's open amount first; what
/// the customer had already paid beyond that becomes their credit.
public enum CreditNotes {
    public struct Input: Sendable {
        public var invoiceID: String?
        public var reason: String?
        /// Nil: everything left on the invoice.
        public var lines: [Invoices.LineCredit]?
        public init(invoiceID: String?, reason: String?, lines: [Invoices.LineCredit]? = nil) {
            (self.invoiceID, self.reason, self.lines) = (invoiceID, reason, lines)
        }
    }

    public static func issue(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Invoice {
        try ctx.require(.invoicesWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot issue credit notes.") }
        var v = Validator()
        let reason = v.text("reason", input.reason, max: 300)
        try v.check()
        let found = try await Invoice.find(input.invoiceID, in: ctx, on: db)
        let (invoiceID, customerID, org) = (found.id!, found.customerID, ctx.organizationID)
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        let note = try await db.writeTransaction { tx in
            try await Payments.lockCustomer(customerID, org, on: tx)
            try await TenantSQL.lockRow("invoices", id: invoiceID, organizationID: org, on: tx)
            let (note, invoice) = try await Invoices.writeCreditNote(ctx, invoiceID: invoiceID, credits: input.lines, reason: reason ?? "",
                                                                     today: today, now: now, tx: tx)
            let credit = -note.total
            let onInvoice = min(credit, max(invoice.total - invoice.paidTotal, 0))
            if onInvoice > 0 {
                try await Payments.allocate([AllocationShare(invoiceID: invoiceID, amount: onInvoice)], source: "credit_note", paymentID: nil,
                                            customerID: customerID, org, at: now, on: tx)
            }
            let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == customerID).first()
            let label = customer?.numberText ?? "customer"
            if credit > onInvoice {
                // Already paid: the note's excess is the customer's credit, not a negative receivable.
                let money = Money(minorUnits: credit - onInvoice, currency: invoice.currency)
                _ = try await Ledger.post(TransferDraft(idempotencyKey: "credit_note_credit:\(note.id!.lowercasedText)", kind: "credit_note_credit",
                                                        referenceType: "credit_note", referenceID: note.id!, memo: note.number,
                                                        eventAt: today.start(in: ctx.timeZone),
                                                        lines: [.debit(Chart.receivable(customerID: customerID, label: label), money),
                                                                .credit(Chart.customerCredit(customerID: customerID, label: label), money)]), ctx, on: tx)
            }
            let amount = Money(minorUnits: credit, currency: invoice.currency)
            let summary = "Credit note \(note.number) on invoice \(invoice.number): \(amount)" + (reason.map { " (\($0))" } ?? "")
            try await Audit.record("invoice.credited", summary, ctx: ctx, target: .init("invoice", invoiceID),
                                   metadata: ["credit_note": note.number, "amount": amount.decimalString], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "invoice.credited", summary: summary,
                                            related: .init("invoice", note.id!), at: now, on: tx)
            return note
        }
        await Dunning.reevaluate(customerID: customerID, ctx, services: services, on: db)
        return note
    }
}
