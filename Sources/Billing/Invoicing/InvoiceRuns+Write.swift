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

    /// The rows a run writes per invoice, as `CellStatement.batches` inserts them.
    public static let invoiceInsert = CellInsert("""
        INSERT INTO invoices (id, organization_id, branch_id, reseller_id, customer_id, subscription_id, kind, number, billing_key, status, issue_on, \
        due_on, period_start, period_end, currency, subtotal, tax_total, total, paid_total, run_id, created_at) 
        """, [.uuid, .uuid, .uuid, .uuid, .uuid, .uuid, .text, .text, .text, .text, .text, .text, .text, .text, .text, .int, .int, .int, .int, .uuid, .date])
    public static let lineInsert = CellInsert("INSERT INTO invoice_lines (id, organization_id, invoice_id, position, kind, description, detail, amount, net, category) ",
                                              [.uuid, .uuid, .uuid, .int, .text, .text, .text, .int, .int, .text])
    public static let taxInsert = CellInsert("INSERT INTO invoice_taxes (id, organization_id, invoice_id, code, name, rate_bp, inclusive, base, amount) ",
                                             [.uuid, .uuid, .uuid, .text, .text, .int, .bool, .int, .int])

    /// Writes one chunk inside its transaction: locks the number series (so what exists is read
    /// after any other runner's chunk committed), drops drafts whose key exists, numbers the rest
    /// without gaps, inserts invoices, lines and taxes, ties the charges to their invoices, moves
    /// each subscription's next billing day and posts one ledger transfer per invoice.
    static func write(_ drafts: [InvoiceDraft], subscriptions: [UUID: RunSubscription], moves: [UUID: (next: LocalDate?, plan: UUID?)], labels: [UUID: String],
                      runID: UUID?, _ ctx: TenantContext, zone: TimeZone, on tx: any Database) async throws -> (count: Int, total: Int64) {
        let org = ctx.organizationID
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
        // Rows of cells (`CellStatement`): this is the run's hottest path, see there.
        var invoiceRows: [[SQLCell]] = [], lineRows: [[SQLCell]] = [], taxRows: [[SQLCell]] = [], chargeLinks: [[SQLCell]] = []
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
            invoiceRows.append([
                .uuid(id), .uuid(org), .uuid(s.branchID), SQLCell(s.resellerID), .uuid(s.customerID), .uuid(s.id), .text(kind), .text(number),
                .text(d.key), .text("issued"), .text(d.issueOn.description), .text(d.dueOn.description), SQLCell(d.period?.start.description),
                SQLCell(d.period?.end.description), .text(d.total.currency), .int(d.subtotal.minorUnits), .int(d.taxTotal.minorUnits),
                .int(d.total.minorUnits), .int(0), SQLCell(runID), .date(now),
            ])
            for (i, line) in d.lines.enumerated() {
                lineRows.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(id), .int(Int64(i + 1)), .text(line.kind), .text(line.description),
                                 SQLCell(line.detail), .int(line.amount.minorUnits), .int(line.net.minorUnits), .text(line.category)])
            }
            for tax in d.taxes {
                taxRows.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(id), .text(tax.code), .text(tax.name), .int(Int64(tax.basisPoints)),
                                .bool(tax.inclusive), .int(tax.base.minorUnits), .int(tax.amount.minorUnits)])
            }
            for charge in d.chargeIDs { chargeLinks.append([.uuid(charge), .uuid(id)]) }
            transfers.append(transfer(for: d, invoiceID: id, number: number, kind: kind, label: labels[s.customerID] ?? "customer", zone: zone))
        }
        for statement in Self.invoiceInsert.batches(invoiceRows, on: tx) { try await tx.run(statement) }
        for statement in Self.lineInsert.batches(lineRows, on: tx) { try await tx.run(statement) }
        for statement in Self.taxInsert.batches(taxRows, on: tx) { try await tx.run(statement) }
        // Each charge goes on exactly one invoice: one already taken (by another runner, after
        // this chunk's facts were read) stops the chunk, which the next run redoes.
        var linked = 0
        for var statement in CellStatement.batches("WITH v (id, invoice_id) AS (", columns: [.uuid, .uuid], rows: chargeLinks, on: tx) {
            statement.append("""
                ) UPDATE billing_charges SET invoice_id = v.invoice_id FROM v \
                WHERE billing_charges.id = v.id AND billing_charges.invoice_id IS NULL AND 
                """)
            statement.organization(org, alias: "billing_charges")
            statement.append(" RETURNING billing_charges.id")
            linked += try await tx.run(statement).count
        }
        guard linked == chargeLinks.count else { throw DomainError.conflict("A charge was invoiced by another run meanwhile; run again.") }
        let rows = subscriptions.keys.sorted(by: UUID.byteOrder).map { id -> [SQLCell] in
            let move = moves[id]
            return [.uuid(id), SQLCell((move?.next ?? nil)?.description), .uuid(move?.plan ?? subscriptions[id]!.planID)]
        }
        for var statement in CellStatement.batches("WITH v (id, next_bill_on, plan_id) AS (", columns: [.uuid, .text, .uuid], rows: rows, on: tx) {
            statement.append("""
                ) UPDATE subscriptions SET next_bill_on = v.next_bill_on, plan_id = v.plan_id FROM v \
                WHERE subscriptions.id = v.id AND 
                """)
            statement.organization(org, alias: "subscriptions")
            try await tx.run(statement)
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
