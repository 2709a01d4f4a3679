import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// Collections' part of `meghna ledger check`.
public enum CollectionsChecks {
    /// - every payment has exactly one payment transfer, whose money equals the payment, and a
    ///   reversed one also its reversal;
    /// - a payment's `allocated` equals its live shares, and an invoice's paid total equals the
    ///   live shares on it;
    /// - receipt numbers run without gaps.
    public static func ledgerProblems(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        func scope(_ alias: String) -> SQLQueryString { organizationID.map { TenantSQL.organization($0, alias: alias) } ?? "1 = 1" }
        var problems: [LedgerProblem] = []
        for row in try await db.rows("""
            SELECT p.id, p.number, p.status, COUNT(DISTINCT t.id), COUNT(DISTINCT r.id) FROM payments p \
            LEFT JOIN ledger_transfers t ON t.reference_type = 'payment' AND t.reference_id = p.id AND t.kind = 'payment' AND \(TenantSQL.sameOrganization("t", "p")) \
            LEFT JOIN ledger_transfers r ON r.reverses_id = t.id \
            WHERE \(scope("p")) GROUP BY p.id, p.number, p.status \
            HAVING COUNT(DISTINCT t.id) <> 1 OR COUNT(DISTINCT r.id) <> (CASE WHEN p.status = 'reversed' THEN 1 ELSE 0 END) ORDER BY p.number
            """) {
            problems.append(LedgerProblem(check: "payment without exactly one transfer", id: try row.uuid(0),
                                          detail: "\(try row.string(1)) (\(try row.string(2))): \(try row.int64(3)) transfers, \(try row.int64(4)) reversals"))
        }
        for row in try await db.rows("""
            SELECT p.id, p.number, p.amount, SUM(e.amount) FROM payments p \
            JOIN ledger_transfers t ON t.reference_type = 'payment' AND t.reference_id = p.id AND t.kind = 'payment' AND \(TenantSQL.sameOrganization("t", "p")) \
            JOIN ledger_entries e ON e.transfer_id = t.id AND e.amount > 0 \
            WHERE \(scope("p")) GROUP BY p.id, p.number, p.amount HAVING SUM(e.amount) <> p.amount ORDER BY p.number
            """) {
            problems.append(LedgerProblem(check: "payment differs from its transfer", id: try row.uuid(0),
                                          detail: "\(try row.string(1)): payment \(try row.int64(2)), transfer \(try row.int64(3))"))
        }
        for row in try await db.rows("""
            SELECT p.id, p.number, p.allocated, COALESCE(SUM(a.amount), 0) FROM payments p \
            LEFT JOIN payment_allocations a ON a.payment_id = p.id AND a.reversed_at IS NULL \
            WHERE \(scope("p")) AND p.status = 'posted' GROUP BY p.id, p.number, p.allocated HAVING p.allocated <> COALESCE(SUM(a.amount), 0) ORDER BY p.number
            """) {
            problems.append(LedgerProblem(check: "payment allocation", id: try row.uuid(0),
                                          detail: "\(try row.string(1)): allocated \(try row.int64(2)), shares \(try row.int64(3))"))
        }
        for row in try await db.rows("""
            SELECT i.id, i.number, i.paid_total, COALESCE(SUM(a.amount), 0) FROM invoices i \
            LEFT JOIN payment_allocations a ON a.invoice_id = i.id AND a.reversed_at IS NULL \
            WHERE \(scope("i")) AND i.kind = 'invoice' GROUP BY i.id, i.number, i.paid_total HAVING i.paid_total <> COALESCE(SUM(a.amount), 0) ORDER BY i.number
            """) {
            problems.append(LedgerProblem(check: "invoice paid total", id: try row.uuid(0),
                                          detail: "\(try row.string(1)): paid \(try row.int64(2)), shares \(try row.int64(3))"))
        }
        var numbers: [String: [Int64]] = [:]
        for row in try await db.rows("SELECT p.organization_id, p.number FROM payments p WHERE \(scope("p"))") {
            guard let (series, value) = NumberSequences.parse(try row.string(1)) else { continue }
            numbers["\(try row.uuid(0).uuidString)|\(series)", default: []].append(value)
        }
        for (key, values) in numbers.sorted(by: { $0.key < $1.key }) where !NumberSequences.isGapless(values) {
            let parts = key.split(separator: "|")
            problems.append(LedgerProblem(check: "receipt numbers with gaps", id: UUID(uuidString: String(parts[0]))!,
                                          detail: "\(parts[1]): \(values.count) receipts, highest \(values.max() ?? 0)"))
        }
        return problems
    }
}
