import Billing
import CRM
import Documents
import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform

/// The receipt a customer is handed or sent for a payment, laid out by the invoice writer.
public enum Receipts {
    /// The payment's receipt as a PDF: what was paid on which invoice, what went to credit, the
    /// method and reference, who took it, and the customer's balance after it. A reversed
    /// payment's receipt is stamped "REVERSED" with the reason.
    public static func pdf(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> (fileName: String, bytes: [UInt8]) {
        let d = try await Payments.details(ctx, id, on: db)
        let p = d.payment
        guard let org = try await Organization.find(ctx.organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let branch = try await Branch.inOrganization(ctx.organizationID, on: db).filter(\.$id == p.branchID).first()
        guard let customer = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id == p.customerID).first() else {
            throw DomainError.notFound("Customer")
        }
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: p.currency) }
        let text = { (minor: Int64) in Invoices.amountText(money(minor)) }
        var lines: [InvoiceDocument.Line] = d.shares.map { share in
            .init(description: "Invoice \(share.invoiceNumber)", detail: share.allocation.reversedAt == nil ? nil : "Reversed",
                  amount: text(share.allocation.amount))
        }
        if p.credited > 0 {
            lines.append(.init(description: "Kept as credit", detail: "Taken off the next invoices", amount: text(p.credited)))
        }
        let method = p.method.label + (p.reference.map { " · ref \($0)" } ?? "")
        var summary: [InvoiceDocument.SummaryRow] = [.init(label: "Received", amount: "\(p.currency) \(text(p.amount))", bold: true)]
        if p.status == .posted {
            let due = try await Statements.balance(of: p.customerID, ctx.organizationID, on: db)
            summary.append(.init(label: due >= 0 ? "Balance due now" : "Credit now", amount: "\(p.currency) \(text(abs(due)))"))
        }
        var notes = "Paid by \(method). Received by \(p.collectorName)."
        if let note = p.note.nonBlank { notes += "\n\(note)" }
        if p.status == .reversed { notes += "\nThis payment was reversed: \(p.reversalReason ?? "")" }
        var labels = InvoiceDocument.Labels()
        labels.issueDate = "Received on"
        labels.billTo = "RECEIVED FROM"
        labels.notes = "Payment"
        let document = InvoiceDocument(
            seller: .init(name: org.name, addressLines: branch?.address.map { [$0] } ?? [], phone: branch?.phone),
            title: "RECEIPT", number: p.number, issueDate: p.receivedOn,
            status: p.status == .reversed ? "REVERSED" : "PAID", statusTone: p.status == .reversed ? .negative : .positive,
            billTo: .init(name: customer.displayName, customerNumber: customer.numberText, phone: customer.primaryPhone),
            lines: lines, summary: summary,
            amountInWords: AmountInWords.english(minorUnits: p.amount, currency: p.currency),
            notes: notes, footer: "Thank you. Keep this receipt; quote its number \(p.number) with any question about this payment.",
            labels: labels)
        return ("\(p.number).pdf", InvoicePDF.render(document))
    }

    /// Texts the receipt to the customer's mobile number through the outbox, in the
    /// organization's "payment received" message; false when they have no number that parses.
    public static func text(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> Bool {
        let d = try await Payments.details(ctx, id, on: db)
        let p = d.payment
        guard let customer = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id == p.customerID).first(),
              let raw = customer.primaryPhone, let number = try? PhoneNumber(parsing: raw) else { return false }
        let composer = try await ReminderComposer.load(organizationID: ctx.organizationID, services: services, on: db)
        guard composer.isOn(.paymentReceived, .sms) else {
            throw DomainError.conflict("The \"payment received\" SMS is turned off in Settings → Messages.")
        }
        let balance = try await Statements.balance(of: p.customerID, ctx.organizationID, on: db)
        let values = composer.values(for: customer).merging([
            "receipt_number": p.number, "payment_amount": composer.amount(p.amount), "paid_on": LocalDate(p.receivedOn)?.readable ?? p.receivedOn,
            "amount_due": composer.amount(balance), "credit": composer.amount(-balance),
        ]) { _, new in new }
        guard let text = composer.render(.paymentReceived, .sms, values)?.text else { return false }
        _ = try await Outbox.queueSMS(organizationID: ctx.organizationID, to: number, text: text, purpose: "receipt", jobs: services.jobs, on: db)
        return true
    }
}
