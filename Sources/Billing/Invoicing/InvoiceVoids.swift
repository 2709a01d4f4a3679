import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

extension Invoices {
    /// Whether the viewer may void this invoice now (organization staff with invoices.write; an
    /// issued invoice without payments).
    public static func canVoid(_ ctx: TenantContext, _ invoice: Invoice) -> Bool {
        ctx.can(.invoicesWrite) && !ctx.isResellerScoped && invoice.kind == "invoice" && invoice.status == .issued && invoice.paidTotal == 0
    }

    /// The credit note that voided an invoice, or the invoice a credit note voids.
    public static func related(_ ctx: TenantContext, _ invoice: Invoice, on db: any Database) async throws -> Invoice? {
        if let voided = invoice.voidsInvoiceID { return try await Invoice.scoped(to: ctx, on: db).filter(\.$id == voided).first() }
        guard invoice.status == .void else { return nil }
        return try await Invoice.scoped(to: ctx, on: db).filter(\.$voidsInvoiceID == invoice.id!).first()
    }

    /// Voids an issued, unpaid invoice: a credit note (its own number in the CN series) carries
    /// every line and tax negated, its ledger transfer takes the receivable and revenue back, and
    /// the invoice is marked void with the reason. The invoice itself is never edited otherwise or
    /// deleted, and its period is not billed again. Organization staff only (a reseller does not
    /// cancel what it owes the ISP).
    public static func void(_ ctx: TenantContext, _ id: String?, reason: String?, services: PlatformServices, on db: any Database) async throws -> Invoice {
        try ctx.require(.invoicesWrite)
        let found = try await Invoice.find(id, in: ctx, on: db)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot void invoices.") }
        var v = Validator()
        let why = v.text("reason", reason, max: 300)
        try v.check()
        let invoiceID = found.id!
        let org = ctx.organizationID
        let zone = ctx.timeZone
        let today = LocalDate.today(services.clock.now(), in: zone)
        return try await db.writeTransaction { tx in
            let series = InvoiceRuns.series(kind: "credit_note", year: today.year)
            // The series lock also orders two voids of one invoice: the second sees the first's.
            try await NumberSequences.lock(series.name, organizationID: org, on: tx)
            // A payment being put on it meanwhile finishes first (it holds the row).
            try await TenantSQL.lockRow("invoices", id: invoiceID, organizationID: org, on: tx)
            guard let invoice = try await Invoice.inOrganization(org, on: tx).filter(\.$id == invoiceID).first() else { throw DomainError.notFound("Invoice") }
            guard invoice.kind == "invoice" else { throw DomainError.conflict("A credit note cannot be voided.") }
            switch invoice.status {
            case .issued where invoice.paidTotal == 0: break
            case .void: throw DomainError.conflict("Invoice \(invoice.number) is void already.")
            case .paid, .partiallyPaid, .issued: throw DomainError.conflict("Invoice \(invoice.number) has payments; refund or reallocate them first.")
            case .draft: throw DomainError.conflict("A draft invoice is not issued; there is nothing to void.")
            }
            let lines = try await InvoiceLine.inOrganization(org, on: tx).filter(\.$invoiceID == invoiceID).sort(\.$position).all()
            let taxes = try await InvoiceTax.inOrganization(org, on: tx).filter(\.$invoiceID == invoiceID).sort(\.$code).all()
            let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == invoice.customerID).field(\.$id).field(\.$numberText).first()
            let value = try await NumberSequences.take(1, of: series.name, organizationID: org, on: tx)
            let note = Invoice()
            note.id = UUID.timeOrdered()
            note.organizationID = org
            note.branchID = invoice.branchID
            note.resellerID = invoice.resellerID
            note.customerID = invoice.customerID
            note.subscriptionID = invoice.subscriptionID
            note.kind = "credit_note"
            note.number = NumberSequences.format(value, prefix: series.prefix)
            note.status = .issued
            note.issueOn = today.description
            note.dueOn = today.description
            note.currency = invoice.currency
            note.subtotal = -invoice.subtotal
            note.taxTotal = -invoice.taxTotal
            note.total = -invoice.total
            note.paidTotal = 0
            note.voidsInvoiceID = invoiceID
            note.voidReason = why
            note.createdAt = services.clock.now()
            try await note.create(on: tx)
            let lineCopies = lines.map { line in
                let copy = InvoiceLine()
                copy.organizationID = org
                copy.invoiceID = note.id!
                copy.position = line.position
                copy.kind = line.kind
                copy.text = line.text
                copy.detail = "Voids \(invoice.number)" + (line.detail.map { " · \($0)" } ?? "")
                copy.amount = -line.amount
                copy.net = -line.net
                copy.category = line.category
                return copy
            }
            if !lineCopies.isEmpty { try await lineCopies.create(on: tx) }
            let taxCopies = taxes.map { tax in
                let copy = InvoiceTax()
                copy.organizationID = org
                copy.invoiceID = note.id!
                copy.code = tax.code
                copy.name = tax.name
                copy.rateBasisPoints = tax.rateBasisPoints
                copy.inclusive = tax.inclusive
                copy.base = -tax.base
                copy.amount = -tax.amount
                return copy
            }
            if !taxCopies.isEmpty { try await taxCopies.create(on: tx) }
            invoice.status = .void
            invoice.voidReason = why
            try await invoice.save(on: tx)
            let money = { (minor: Int64) in Money(minorUnits: minor, currency: invoice.currency) }
            let draft = InvoiceDraft(
                key: "void:\(invoiceID.uuidString.lowercased())", subscriptionID: invoice.subscriptionID ?? invoiceID, customerID: invoice.customerID,
                period: nil, issueOn: today, dueOn: today,
                lines: lines.map { .init(kind: $0.kind, description: $0.text, detail: nil, amount: money(-$0.amount), category: $0.category, net: money(-$0.net)) },
                taxes: taxes.map { .init(code: $0.code, name: $0.name, basisPoints: $0.rateBasisPoints, inclusive: $0.inclusive, base: money(-$0.base),
                                         amount: money(-$0.amount)) },
                chargeIDs: [], subtotal: money(note.subtotal), taxTotal: money(note.taxTotal), total: money(note.total))
            let transfer = InvoiceRuns.transfer(for: draft, invoiceID: note.id!, number: note.number, kind: "credit_note",
                                                label: customer?.numberText ?? "customer", zone: zone)
            if transfer.movesMoney { _ = try await Ledger.post(transfer, ctx, on: tx) }
            try await Audit.record("invoice.voided", "Voided invoice \(invoice.number) with credit note \(note.number)", ctx: ctx,
                                   target: .init("invoice", invoiceID), metadata: ["credit_note": note.number, "reason": why ?? ""],
                                   at: services.clock.now(), on: tx)
            try await Activities.record(ctx, subject: .init("customer", invoice.customerID), kind: "invoice.voided",
                                        summary: "Invoice \(invoice.number) voided by credit note \(note.number)" + (why.map { " (\($0))" } ?? ""),
                                        related: .init("invoice", note.id!), at: services.clock.now(), on: tx)
            return note
        }
    }
}
