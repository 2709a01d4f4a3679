import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

extension InvoiceRuns {
    /// The invoice series of a draft: invoices and credit notes number apart, per year of issue.
    static func series(_ d: InvoiceDraft) -> (name: String, prefix: String, kind: String) {
        let kind = d.total.minorUnits < 0 ? "credit_note" : "invoice"
        let (name, prefix) = series(kind: kind, year: d.issueOn.year)
        return (name, prefix, kind)
    }

    /// The number series of a kind of document ("invoice" or "credit_note") issued in `year`:
    /// its sequence's name and its numbers' prefix (INV-2026-000001, CN-2026-000001).
    static func series(kind: String, year: Int) -> (name: String, prefix: String) {
        kind == "credit_note" ? ("credit_note:\(year)", "CN-\(year)-") : ("invoice:\(year)", "INV-\(year)-")
    }

    /// Writes one chunk inside its transaction: locks the number series (so what exists is read
    /// after any other runner's chunk committed), drops drafts whose key exists, numbers the rest
    /// without gaps, inserts invoices, lines and taxes, ties the charges to their invoices, moves
    /// each subscription's next billing day and posts one ledger transfer per invoice.
    static func write(_ drafts: [InvoiceDraft], subscriptions: [UUID: RunSubscription], moves: [UUID: (next: LocalDate?, plan: UUID?)], labels: [UUID: String],
                      runID: UUID?, _ ctx: TenantContext, zone: TimeZone, on tx: any Database) async throws -> (count: Int, total: Int64) {
        let org = ctx.organizationID
        let sql = tx.sql
        for name in Set(drafts.map { series($0).name }).sorted() { try await NumberSequences.lock(name, organizationID: org, on: tx) }
        var existing = Set<String>()
        for part in drafts.map(\.key).chunked(400) {
            let list = SQLQueryString.binds(part)
            for row in try await tx.rows("SELECT billing_key FROM invoices WHERE \(TenantSQL.organization(org)) AND billing_key IN (\(list))") {
                existing.insert(try row.string(0))
            }
        }
        let fresh = drafts.filter { !existing.contains($0.key) }
        var next: [String: Int64] = [:]
        for name in Set(fresh.map { series($0).name }).sorted() {
            next[name] = try await NumberSequences.take(fresh.filter { series($0).name == name }.count, of: name, organizationID: org, on: tx)
        }
        let now = Date()
        var invoiceRows: [SQLQueryString] = [], lineRows: [SQLQueryString] = [], taxRows: [SQLQueryString] = []
        var chargeLinks: [SQLQueryString] = []
        var transfers: [TransferDraft] = []
        var total: Int64 = 0
        for d in fresh {
            guard let s = subscriptions[d.subscriptionID] else { continue }
            let (name, prefix, kind) = series(d)
            let value = next[name]!
            next[name] = value + 1
            let number = NumberSequences.format(value, prefix: prefix)
            let id = UUID.timeOrdered()
            total += d.total.minorUnits
            invoiceRows.append("""
                (\(bind: id), \(bind: org), \(bind: s.branchID), \(bind: s.resellerID), \(bind: s.customerID), \(bind: s.id), \(bind: kind), \(bind: number), \
                \(bind: d.key), 'issued', \(bind: d.issueOn.description), \(bind: d.dueOn.description), \(bind: d.period?.start.description), \
                \(bind: d.period?.end.description), \(bind: d.total.currency), \(bind: d.subtotal.minorUnits), \(bind: d.taxTotal.minorUnits), \
                \(bind: d.total.minorUnits), 0, \(bind: runID), \(bind: now))
                """)
            for (i, line) in d.lines.enumerated() {
                lineRows.append("(\(bind: UUID.timeOrdered()), \(bind: org), \(bind: id), \(bind: i + 1), \(bind: line.kind), \(bind: line.description), \(bind: line.detail), \(bind: line.amount.minorUnits), \(bind: line.net.minorUnits), \(bind: line.category))")
            }
            for tax in d.taxes {
                taxRows.append("(\(bind: UUID.timeOrdered()), \(bind: org), \(bind: id), \(bind: tax.code), \(bind: tax.name), \(bind: tax.basisPoints), \(bind: tax.inclusive), \(bind: tax.base.minorUnits), \(bind: tax.amount.minorUnits))")
            }
            for charge in d.chargeIDs { chargeLinks.append("(\(bind: charge), \(bind: id))") }
            transfers.append(transfer(for: d, invoiceID: id, number: number, kind: kind, label: labels[s.customerID] ?? "customer", zone: zone))
        }
        for part in invoiceRows.chunked(400) {
            try await sql.raw("""
                INSERT INTO invoices (id, organization_id, branch_id, reseller_id, customer_id, subscription_id, kind, number, billing_key, status, issue_on, \
                due_on, period_start, period_end, currency, subtotal, tax_total, total, paid_total, run_id, created_at) VALUES \(part.joined(separator: ", "))
                """).run()
        }
        for part in lineRows.chunked(400) {
            try await sql.raw("""
                INSERT INTO invoice_lines (id, organization_id, invoice_id, position, kind, description, detail, amount, net, category) \
                VALUES \(part.joined(separator: ", "))
                """).run()
        }
        for part in taxRows.chunked(400) {
            try await sql.raw("""
                INSERT INTO invoice_taxes (id, organization_id, invoice_id, code, name, rate_bp, inclusive, base, amount) VALUES \(part.joined(separator: ", "))
                """).run()
        }
        // Each charge goes on exactly one invoice: one already taken (by another runner, after
        // this chunk's facts were read) stops the chunk, which the next run redoes.
        var linked = 0
        for part in chargeLinks.chunked(400) {
            linked += try await tx.rows("""
                WITH v (id, invoice_id) AS (VALUES \(part.joined(separator: ", "))) \
                UPDATE billing_charges SET invoice_id = v.invoice_id FROM v \
                WHERE billing_charges.id = v.id AND billing_charges.invoice_id IS NULL AND \(TenantSQL.organization(org, alias: "billing_charges")) \
                RETURNING billing_charges.id
                """).count
        }
        guard linked == chargeLinks.count else { throw DomainError.conflict("A charge was invoiced by another run meanwhile; run again.") }
        let rows = subscriptions.keys.sorted(by: UUID.byteOrder).map { id -> SQLQueryString in
            let move = moves[id]
            return "(\(bind: id), \(bind: (move?.next ?? nil)?.description), \(bind: move?.plan ?? subscriptions[id]!.planID))"
        }
        for part in rows.chunked(400) {
            try await sql.raw("""
                WITH v (id, next_bill_on, plan_id) AS (VALUES \(part.joined(separator: ", "))) \
                UPDATE subscriptions SET next_bill_on = v.next_bill_on, plan_id = v.plan_id FROM v \
                WHERE subscriptions.id = v.id AND \(TenantSQL.organization(org, alias: "subscriptions"))
                """).run()
        }
        _ = try await Ledger.post(transfers.filter(\.movesMoney), ctx, on: tx)
        return (fresh.count, total)
    }

    /// The invoice's money in the books: the customer owes the total; revenue by category and
    /// each tax are credited (all signs flip for a credit note).
    static func transfer(for d: InvoiceDraft, invoiceID: UUID, number: String, kind: String, label: String, zone: TimeZone) -> TransferDraft {
        var lines: [TransferLine] = [.debit(Chart.receivable(customerID: d.customerID, label: label), d.total)]
        var revenue: [String: Money] = [:]
        for line in d.lines { revenue[line.category] = (revenue[line.category] ?? Money(minorUnits: 0, currency: line.net.currency)) + line.net }
        for (category, amount) in revenue.sorted(by: { $0.key < $1.key }) {
            lines.append(.credit(Chart.revenue(category: category, label: category.replacingOccurrences(of: "_", with: " ").capitalized), amount))
        }
        for tax in d.taxes { lines.append(.credit(Chart.taxPayable(code: tax.code, label: tax.name), tax.amount)) }
        return TransferDraft(idempotencyKey: "invoice:\(invoiceID.lowercasedText)", kind: kind, referenceType: "invoice", referenceID: invoiceID,
                             memo: number, eventAt: d.issueOn.start(in: zone), lines: lines)
    }
}
