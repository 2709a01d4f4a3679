import CRM
import Documents
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Reading invoices: lists with filters and totals, one invoice with its lines and taxes, and
/// its PDF.
public enum Invoices {
    public struct Filter: Sendable {
        public var customerID: String?
        public var status: String?
        public var from: String?
        public var to: String?

        public init(customerID: String? = nil, status: String? = nil, from: String? = nil, to: String? = nil) {
            self.customerID = customerID
            self.status = status
            self.from = from
            self.to = to
        }
    }

    public struct Details: Sendable {
        public var invoice: Invoice
        public var lines: [InvoiceLine]
        public var taxes: [InvoiceTax]
        public var customer: Customer
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Invoice> {
        try ctx.require(.invoicesRead)
        var v = Validator()
        let status = v.choice("status", filter.status, as: InvoiceStatus.self)
        let from = v.localDate("from", filter.from)
        let to = v.localDate("to", filter.to)
        var customer: UUID?
        if let raw = filter.customerID.nonBlank { customer = UUID(uuidString: raw); if customer == nil { v.add("customer_id", "is not an id") } }
        try v.check()
        let query = Invoice.scoped(to: ctx, on: db)
        if let status { query.filter(\.$status == status) }
        if let customer { query.filter(\.$customerID == customer) }
        if let from { query.filter(\.$issueOn >= from.description) }
        if let to { query.filter(\.$issueOn <= to.description) }
        return try await query.paginateNewestFirst(page, by: \.$createdAt)
    }

    public static func details(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Details {
        try ctx.require(.invoicesRead)
        let invoice = try await Invoice.find(id, in: ctx, on: db)
        let lines = try await InvoiceLine.scoped(to: ctx, on: db).filter(\.$invoiceID == invoice.id!).sort(\.$position).all()
        let taxes = try await InvoiceTax.scoped(to: ctx, on: db).filter(\.$invoiceID == invoice.id!).sort(\.$code).all()
        let customer = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id == invoice.customerID).first()
        guard let customer else { throw DomainError.notFound("Customer") }
        return Details(invoice: invoice, lines: lines, taxes: taxes, customer: customer)
    }

    /// "1,500.00": thousands grouped the South Asian way for BDT (1,50,000.00), else by three.
    public static func amountText(_ money: Money) -> String {
        let plain = money.decimalString
        let negative = plain.hasPrefix("-")
        let body = negative ? String(plain.dropFirst()) : plain
        let parts = body.split(separator: ".", maxSplits: 1)
        var whole = String(parts[0])
        var groups: [String] = []
        if whole.count > 3 {
            groups.insert(String(whole.suffix(3)), at: 0)
            whole = String(whole.dropLast(3))
            let size = money.currency == "BDT" ? 2 : 3
            while whole.count > size {
                groups.insert(String(whole.suffix(size)), at: 0)
                whole = String(whole.dropLast(size))
            }
        }
        groups.insert(whole, at: 0)
        return (negative ? "-" : "") + groups.joined(separator: ",") + (parts.count > 1 ? "." + parts[1] : "")
    }

    /// The invoice as a PDF: the organization's name and branch address, the customer, the
    /// service address, lines, taxes, totals and the amount in words.
    public static func pdf(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> (fileName: String, bytes: [UInt8]) {
        let d = try await details(ctx, id, on: db)
        let inv = d.invoice
        guard let org = try await Organization.find(ctx.organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let branch = try await Branch.inOrganization(ctx.organizationID, on: db).filter(\.$id == inv.branchID).first()
        // The subscription's service address, else the customer's first.
        let serviceAddressID = try await inv.subscriptionID.asyncMap { try await Subscription.inOrganization(ctx.organizationID, on: db).filter(\.$id == $0).first()?.serviceAddressID } ?? nil
        let addresses = ServiceAddress.inOrganization(ctx.organizationID, on: db).filter(\.$customerID == inv.customerID)
        if let serviceAddressID { addresses.filter(\.$id == serviceAddressID) }
        let address = try await addresses.sort(\.$createdAt).first()
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: inv.currency) }
        let addressLines = address.map { a in [a.line1, a.line2, [a.city, a.postcode].compactMap { $0 }.joined(separator: " ")].compactMap { $0?.nonBlank } } ?? []
        var summary: [InvoiceDocument.SummaryRow] = [.init(label: "Subtotal", amount: amountText(money(inv.subtotal)))]
        for tax in d.taxes {
            summary.append(.init(label: "\(tax.name)\(tax.inclusive ? " (included)" : "")", amount: amountText(money(tax.amount))))
        }
        summary.append(.init(label: "Total", amount: "\(inv.currency) \(amountText(money(inv.total)))", bold: true))
        if inv.paidTotal != 0 {
            summary.append(.init(label: "Paid", amount: amountText(money(-inv.paidTotal))))
            summary.append(.init(label: "Balance due", amount: "\(inv.currency) \(amountText(money(inv.total - inv.paidTotal)))", bold: true))
        }
        let document = InvoiceDocument(
            seller: .init(name: org.name, addressLines: branch?.address.map { [$0] } ?? [], phone: branch?.phone),
            title: inv.kind == "credit_note" ? "CREDIT NOTE" : "INVOICE", number: inv.number, issueDate: inv.issueOn,
            dueDate: inv.kind == "credit_note" ? nil : inv.dueOn,
            period: inv.periodStart.map { "\($0) – \(inv.periodEnd ?? "")" },
            status: inv.status == .paid ? "PAID" : (inv.status == .void ? "VOID" : nil),
            billTo: .init(name: d.customer.displayName, customerNumber: d.customer.numberText, addressLines: addressLines, phone: d.customer.primaryPhone),
            serviceAddressLines: addressLines,
            lines: d.lines.map { .init(description: $0.text, detail: $0.detail, amount: amountText(money($0.amount))) },
            summary: summary,
            amountInWords: AmountInWords.english(minorUnits: inv.total, currency: inv.currency),
            notes: inv.kind == "credit_note" ? "This credit is kept on your account and taken off your next invoices."
                : "Please pay by the due date and quote the invoice number \(inv.number).")
        return ("\(inv.number).pdf", InvoicePDF.render(document))
    }
}
