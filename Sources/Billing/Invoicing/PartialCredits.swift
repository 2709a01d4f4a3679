import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

extension Invoices {
    /// Part of one line to take back: the line's id and an amount (as the line shows it, tax
    /// included where the line includes it). Nil amount: what is left of the line.
    public struct LineCredit: Sendable {
        public var lineID: String?
        public var amount: String?
        public init(lineID: String?, amount: String?) { (self.lineID, self.amount) = (lineID, amount) }
    }

    /// Writes a credit note that reduces an issued invoice (paid or not) by some of its lines,
    /// or by all that is left of it when `credits` is nil, inside the caller's transaction: its
    /// own CN number, the lines taken back, each tax in proportion, and the ledger transfer that
    /// takes the revenue and tax back off the customer's receivable. Nothing is allocated here:
    /// Collections puts the note on the invoice (and any excess to the customer's credit). The
    /// invoice must already be locked by the caller.
    public static func writeCreditNote(_ ctx: TenantContext, invoiceID: UUID, credits: [LineCredit]?, reason: String,
                                       today: LocalDate, now: Date, tx: any Database) async throws -> (note: Invoice, invoice: Invoice) {
        let org = ctx.organizationID
        guard let invoice = try await Invoice.inOrganization(org, on: tx).filter(\.$id == invoiceID).first() else { throw DomainError.notFound("Invoice") }
        guard invoice.kind == "invoice" else { throw DomainError.conflict("A credit note cannot be credited.") }
        switch invoice.status {
        case .issued, .partiallyPaid, .paid: break
        case .void: throw DomainError.conflict("Invoice \(invoice.number) is void; there is nothing left to credit.")
        case .draft: throw DomainError.conflict("A draft invoice is not issued; there is nothing to credit.")
        }
        let lines = try await InvoiceLine.inOrganization(org, on: tx).filter(\.$invoiceID == invoiceID).sort(\.$position).all()
        let taxes = try await InvoiceTax.inOrganization(org, on: tx).filter(\.$invoiceID == invoiceID).sort(\.$code).all()
        // What earlier credit notes took back, per line position and in all.
        let earlier = try await Invoice.inOrganization(org, on: tx).filter(\.$creditsInvoiceID == invoiceID).all()
        var taken: [Int: Int64] = [:]
        if !earlier.isEmpty {
            for line in try await InvoiceLine.inOrganization(org, on: tx).filter(\.$invoiceID ~~ earlier.map { $0.id! }).all() {
                taken[line.position, default: 0] += -line.amount
            }
        }
        let creditedBefore = earlier.reduce(Int64(0)) { $0 - $1.total }

        var v = Validator()
        var chosen: [(line: InvoiceLine, amount: Int64)] = []
        if let credits {
            if credits.isEmpty { v.add("lines", "must name at least one line") }
            for (i, credit) in credits.enumerated() {
                let field = "lines[\(i)]"
                guard let raw = v.text("\(field).line_id", credit.lineID, max: 36) else { continue }
                guard let line = lines.first(where: { $0.id?.uuidString.lowercased() == raw.lowercased() }) else {
                    v.add("\(field).line_id", "is not a line of invoice \(invoice.number)"); continue
                }
                let left = line.amount - (taken[line.position] ?? 0)
                guard line.amount > 0 else { v.add("\(field).line_id", "is a discount or credit line; it cannot be credited"); continue }
                let amount = credit.amount.nonBlank == nil ? left : v.money("\(field).amount", credit.amount, currency: invoice.currency)
                guard let amount else { continue }
                if amount <= 0 { v.add("\(field).amount", "must be more than zero") } else if amount > left {
                    v.add("\(field).amount", "must be at most \(Money(minorUnits: left, currency: invoice.currency).decimalString), what is left of the line")
                } else if chosen.contains(where: { $0.line.id == line.id }) {
                    v.add("\(field).line_id", "names a line twice")
                } else {
                    chosen.append((line, amount))
                }
            }
        } else {
            chosen = lines.map { ($0, $0.amount - (taken[$0.position] ?? 0)) }.filter { $0.1 != 0 }
            if chosen.isEmpty || invoice.total - creditedBefore <= 0 { v.add("lines", "nothing is left on invoice \(invoice.number) to credit") }
        }
        try v.check()

        let money = { (minor: Int64) in Money(minorUnits: minor, currency: invoice.currency) }
        // Each line's net in proportion; each tax in proportion to the net taken back.
        let creditLines = chosen.map { c -> (line: InvoiceLine, amount: Int64, net: Int64) in
            (c.line, c.amount, c.line.amount == 0 ? 0 : Self.share(c.line.net, c.amount, of: c.line.amount))
        }
        let netAll = lines.reduce(Int64(0)) { $0 + $1.net }
        let netTaken = creditLines.reduce(Int64(0)) { $0 + $1.net }
        let whole = credits == nil
        let creditTaxes = taxes.map { tax -> (tax: InvoiceTax, base: Int64, amount: Int64) in
            whole && earlier.isEmpty ? (tax, tax.base, tax.amount) : (tax, Self.share(tax.base, netTaken, of: netAll), Self.share(tax.amount, netTaken, of: netAll))
        }
        let subtotal = creditLines.reduce(Int64(0)) { $0 + $1.amount }
        let exclusiveTax = creditTaxes.filter { !$0.tax.inclusive }.reduce(Int64(0)) { $0 + $1.amount }
        let taxTotal = creditTaxes.reduce(Int64(0)) { $0 + $1.amount }
        let total = subtotal + exclusiveTax
        guard total > 0 else { throw DomainError.invalid("lines", "must take back more than zero") }
        guard total <= invoice.total - creditedBefore else {
            throw DomainError.invalid("lines", "take back \(money(total).decimalString); only \(money(invoice.total - creditedBefore).decimalString) of invoice \(invoice.number) is left to credit")
        }

        let series = InvoiceRuns.series(kind: "credit_note", year: today.year)
        try await NumberSequences.lock(series.name, organizationID: org, on: tx)
        let note = Invoice()
        note.id = UUID.timeOrdered()
        note.organizationID = org
        note.branchID = invoice.branchID
        note.resellerID = invoice.resellerID
        note.customerID = invoice.customerID
        note.subscriptionID = invoice.subscriptionID
        note.kind = "credit_note"
        note.number = NumberSequences.format(try await NumberSequences.take(1, of: series.name, organizationID: org, on: tx), prefix: series.prefix)
        note.status = .issued
        note.issueOn = today.description
        note.dueOn = today.description
        note.currency = invoice.currency
        note.subtotal = -subtotal
        note.taxTotal = -taxTotal
        note.total = -total
        note.paidTotal = 0
        note.creditsInvoiceID = invoiceID
        note.voidReason = reason
        note.createdAt = now
        try await note.create(on: tx)
        try await creditLines.map { c in
            let copy = InvoiceLine()
            copy.organizationID = org
            copy.invoiceID = note.id!
            copy.position = c.line.position
            copy.kind = c.line.kind
            copy.text = c.line.text
            copy.detail = "Credits \(invoice.number)" + (c.amount == c.line.amount ? "" : " (part)") + " · \(reason)"
            copy.amount = -c.amount
            copy.net = -c.net
            copy.category = c.line.category
            return copy
        }.create(on: tx)
        let taxRows = creditTaxes.filter { $0.amount != 0 }.map { c in
            let copy = InvoiceTax()
            copy.organizationID = org
            copy.invoiceID = note.id!
            copy.code = c.tax.code
            copy.name = c.tax.name
            copy.rateBasisPoints = c.tax.rateBasisPoints
            copy.inclusive = c.tax.inclusive
            copy.base = -c.base
            copy.amount = -c.amount
            return copy
        }
        if !taxRows.isEmpty { try await taxRows.create(on: tx) }
        let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == invoice.customerID).field(\.$id).field(\.$numberText).first()
        let draft = InvoiceDraft(
            key: "credit:\(note.id!.lowercasedText)", subscriptionID: invoice.subscriptionID ?? invoiceID, customerID: invoice.customerID, period: nil,
            issueOn: today, dueOn: today,
            lines: creditLines.map { .init(kind: $0.line.kind, description: $0.line.text, detail: nil, amount: money(-$0.amount), category: $0.line.category,
                                           net: money(-$0.net)) },
            taxes: creditTaxes.filter { $0.amount != 0 }.map { .init(code: $0.tax.code, name: $0.tax.name, basisPoints: $0.tax.rateBasisPoints,
                                                                    inclusive: $0.tax.inclusive, base: money(-$0.base), amount: money(-$0.amount)) },
            chargeIDs: [], subtotal: money(note.subtotal), taxTotal: money(note.taxTotal), total: money(note.total))
        let transfer = InvoiceRuns.transfer(for: draft, invoiceID: note.id!, number: note.number, kind: "credit_note",
                                            label: customer?.numberText ?? "customer", zone: ctx.timeZone)
        _ = try await Ledger.post(transfer, ctx, on: tx)
        return (note, invoice)
    }

    /// `part / whole` of `value`, rounded half away from zero, in integers.
    static func share(_ value: Int64, _ part: Int64, of whole: Int64) -> Int64 {
        guard whole != 0 else { return 0 }
        let product = value.multipliedFullWidth(by: part)
        let (q, r) = whole.dividingFullWidth(product)
        return 2 * r.magnitude >= whole.magnitude ? q + (((value < 0) != (part < 0)) != (whole < 0) ? -1 : 1) : q
    }
}
