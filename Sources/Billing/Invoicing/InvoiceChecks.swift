import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

extension InvoiceRuns {
    /// Billing's part of `meghna ledger check`: every issued invoice and credit note has exactly
    /// one transfer of its own (reversals aside), and that transfer's receivable entry equals the
    /// invoice's total. An invoice whose lines cancel out (total zero, nothing moved between
    /// categories) has none.
    public static func ledgerProblems(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        func scope(_ alias: String) -> SQLQueryString { organizationID.map { TenantSQL.organization($0, alias: alias) } ?? "1 = 1" }
        var problems: [LedgerProblem] = []
        for row in try await db.rows("""
            SELECT i.id, i.number, COUNT(t.id), i.total FROM invoices i \
            LEFT JOIN ledger_transfers t ON t.reference_type = 'invoice' AND t.reference_id = i.id AND t.kind <> 'reversal' AND \(TenantSQL.sameOrganization("t", "i")) \
            WHERE \(scope("i")) AND i.status <> 'draft' GROUP BY i.id, i.number, i.total HAVING COUNT(t.id) > 1 OR (COUNT(t.id) = 0 AND i.total <> 0) ORDER BY i.number
            """) {
            problems.append(LedgerProblem(check: "invoice without exactly one transfer", id: try row.uuid(0), detail: "\(try row.string(1)): \(try row.int64(2)) transfers"))
        }
        for row in try await db.rows("""
            SELECT i.id, i.number, i.total, SUM(e.amount) FROM invoices i \
            JOIN ledger_transfers t ON t.reference_type = 'invoice' AND t.reference_id = i.id AND t.kind <> 'reversal' AND \(TenantSQL.sameOrganization("t", "i")) \
            JOIN ledger_entries e ON e.transfer_id = t.id JOIN ledger_accounts a ON a.id = e.account_id AND a.key LIKE 'receivable:%' \
            WHERE \(scope("i")) GROUP BY i.id, i.number, i.total HAVING SUM(e.amount) <> i.total ORDER BY i.number
            """) {
            problems.append(LedgerProblem(check: "invoice total differs from its transfer", id: try row.uuid(0),
                                          detail: "\(try row.string(1)): invoice \(try row.int64(2)), receivable \(try row.int64(3))"))
        }
        // One invoice per subscription and period (the unique billing key says so; this checks it).
        for row in try await db.rows("""
            SELECT i.subscription_id, i.period_start, COUNT(*) FROM invoices i WHERE \(scope("i")) AND i.subscription_id IS NOT NULL \
            AND i.period_start IS NOT NULL GROUP BY i.subscription_id, i.period_start HAVING COUNT(*) > 1
            """) {
            problems.append(LedgerProblem(check: "period invoiced twice", id: try row.uuid(0), detail: "\(try row.string(1)): \(try row.int64(2)) invoices"))
        }
        // Gapless numbers: each series holds 1…n, and its sequence stands at n.
        var series: [String: (organization: UUID, numbers: [Int64])] = [:]
        for row in try await db.rows("SELECT i.organization_id, i.number FROM invoices i WHERE \(scope("i"))") {
            guard let (prefix, value) = NumberSequences.parse(try row.string(1)) else { continue }
            let organization = try row.uuid(0)
            let key = "\(organization.uuidString)|\(prefix)"
            series[key, default: (organization, [])].numbers.append(value)
        }
        var sequences: [String: Int64] = [:]
        for row in try await db.rows("""
            SELECT n.organization_id, n.name, n.last_value FROM number_sequences n \
            WHERE \(scope("n")) AND (n.name LIKE 'invoice:%' OR n.name LIKE 'credit_note:%')
            """) {
            sequences["\(try row.uuid(0).uuidString)|\(try row.string(1))"] = try row.int64(2)
        }
        for (key, found) in series.sorted(by: { $0.key < $1.key }) {
            let sorted = found.numbers.sorted()
            let prefix = String(key.split(separator: "|")[1])
            let parts = prefix.split(separator: "-")
            let name = (parts.first == "CN" ? "credit_note:" : "invoice:") + (parts.last.map(String.init) ?? "")
            let last = sequences["\(found.organization.uuidString)|\(name)"] ?? 0
            if !NumberSequences.isGapless(sorted) || last != Int64(sorted.count) {
                problems.append(LedgerProblem(check: "invoice numbers with gaps", id: found.organization,
                                              detail: "\(prefix): \(sorted.count) invoices, highest \(sorted.last ?? 0), sequence at \(last)"))
            }
        }
        return problems
    }
}
