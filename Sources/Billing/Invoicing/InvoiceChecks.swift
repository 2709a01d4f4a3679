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
        return problems
    }
}
