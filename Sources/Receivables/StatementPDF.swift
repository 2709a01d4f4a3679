import Billing
import CRM
import Documents
import FluentKit
import Foundation
import MeghnaCore
import Platform

extension Statements {
    /// The statement as a PDF through the invoice writer: one table row per movement with its
    /// charge, payment or credit, and the running balance.
    public static func pdf(_ s: Statement, _ ctx: TenantContext, on db: any Database) async throws -> (fileName: String, bytes: [UInt8]) {
        guard let org = try await Organization.find(ctx.organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let branch = try await Branch.inOrganization(ctx.organizationID, on: db).filter(\.$id == s.customer.branchID).first()
        let text = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: s.currency)) }
        var lines: [InvoiceDocument.Line] = [.init(description: "Opening balance", detail: s.from.description, amount: text(s.opening))]
        for row in s.rows {
            lines.append(.init(description: "\(row.label) \(row.document)", detail: LocalDate.today(row.at, in: ctx.timeZone).description,
                               quantity: row.charge == 0 ? "" : text(row.charge), unitPrice: row.paid == 0 ? "" : text(row.paid),
                               amount: text(row.balance)))
        }
        var labels = InvoiceDocument.Labels()
        labels.number = "Customer no."
        labels.issueDate = "From"
        labels.dueDate = "Through"
        labels.quantity = "Charges"
        labels.unitPrice = "Paid / credited"
        labels.amount = "Balance"
        labels.billTo = "STATEMENT FOR"
        labels.notes = "About this statement"
        let closing = s.closing >= 0 ? "Balance due" : "In your favour (credit)"
        let document = InvoiceDocument(
            seller: .init(name: org.name, addressLines: branch?.address.map { [$0] } ?? [], phone: branch?.phone),
            title: "STATEMENT", number: s.customer.numberText, issueDate: s.from.description, dueDate: s.to.description,
            billTo: .init(name: s.customer.displayName, customerNumber: s.customer.numberText, phone: s.customer.primaryPhone),
            lines: lines, summary: [.init(label: closing, amount: "\(s.currency) \(text(abs(s.closing)))", bold: true)],
            notes: "Every invoice, payment, credit note, refund and write-off on your account from \(s.from) through \(s.to), with the balance after each.",
            labels: labels)
        return ("statement-\(s.customer.numberText)-\(s.to).pdf", InvoicePDF.render(document))
    }
}
