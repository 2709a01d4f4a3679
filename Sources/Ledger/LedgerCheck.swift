import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// What `meghna ledger check` found wrong: each problem names the rows, so someone can look.
public struct LedgerProblem: Sendable, Hashable, CustomStringConvertible {
    public var check: String
    public var id: UUID
    public var detail: String

    public init(check: String, id: UUID, detail: String) {
        self.check = check
        self.id = id
        self.detail = detail
    }

    public var description: String { "\(check) \(id.uuidString.lowercased()): \(detail)" }
}

extension Ledger {
    /// The ledger's own invariants, for one organization or all (nil):
    /// - every transfer's entries sum to zero per currency, and it has at least two;
    /// - every account's cached balance equals the sum of its entries, and its version the
    ///   number of them;
    /// - every entry is in its account's currency and in its transfer's organization.
    /// Areas that post (invoices, payments) add their own checks beside these.
    public static func check(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        var problems: [LedgerProblem] = []
        func scope(_ alias: String) -> SQLQueryString { organizationID.map { TenantSQL.organization($0, alias: alias) } ?? "1 = 1" }
        for row in try await db.rows("""
            SELECT e.transfer_id, e.currency, SUM(e.amount), COUNT(*) FROM ledger_entries e WHERE \(scope("e")) \
            GROUP BY e.transfer_id, e.currency HAVING SUM(e.amount) <> 0 ORDER BY e.transfer_id
            """) {
            problems.append(LedgerProblem(check: "unbalanced transfer", id: try row.uuid(0),
                                          detail: "\(try row.string(1)) entries sum to \(try row.int64(2)) minor units"))
        }
        for row in try await db.rows("""
            SELECT t.id, COUNT(e.id) FROM ledger_transfers t LEFT JOIN ledger_entries e ON e.transfer_id = t.id WHERE \(scope("t")) \
            GROUP BY t.id HAVING COUNT(e.id) < 2 ORDER BY t.id
            """) {
            problems.append(LedgerProblem(check: "transfer without two entries", id: try row.uuid(0), detail: "\(try row.int64(1)) entries"))
        }
        for row in try await db.rows("""
            SELECT a.id, a.key, a.balance, COALESCE(s.total, 0), a.version, COALESCE(s.n, 0) FROM ledger_accounts a \
            LEFT JOIN (SELECT e.account_id, SUM(e.amount) AS total, COUNT(*) AS n FROM ledger_entries e WHERE \(scope("e")) GROUP BY e.account_id) s ON s.account_id = a.id \
            WHERE \(scope("a")) AND (a.balance <> COALESCE(s.total, 0) OR a.version <> COALESCE(s.n, 0)) ORDER BY a.id
            """) {
            problems.append(LedgerProblem(check: "cached balance", id: try row.uuid(0),
                                          detail: "\(try row.string(1)): cached \(try row.int64(2)) (version \(try row.int64(4))), entries \(try row.int64(3)) (\(try row.int64(5)))"))
        }
        for row in try await db.rows("""
            SELECT e.id, a.currency, e.currency FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
            JOIN ledger_transfers t ON t.id = e.transfer_id \
            WHERE \(scope("e")) AND (a.currency <> e.currency OR NOT (\(TenantSQL.sameOrganization("a", "e")) AND \(TenantSQL.sameOrganization("t", "e")))) ORDER BY e.id
            """) {
            problems.append(LedgerProblem(check: "misplaced entry", id: try row.uuid(0),
                                          detail: "account keeps \(try row.string(1)), entry is \(try row.string(2)), or another organization's"))
        }
        return problems
    }

    /// The cached balances of accounts by key (debits positive; an account never posted to is
    /// absent): the cheap read behind a customer's balance, credit and a reseller's wallet.
    public static func cachedBalances(keys: [String], organizationID: UUID, on db: any Database) async throws -> [String: Int64] {
        var balances: [String: Int64] = [:]
        for part in keys.chunked(500) where !part.isEmpty {
            for row in try await db.rows("""
                SELECT key, balance FROM ledger_accounts WHERE \(TenantSQL.organization(organizationID)) AND key IN (\(SQLQueryString.binds(part)))
                """) { balances[try row.string(0)] = try row.int64(1) }
        }
        return balances
    }

    /// An account's balance from its entries up to (not including) `before`, debits positive.
    public static func balance(ofKey key: String, before: Date? = nil, _ ctx: TenantContext, on db: any Database) async throws -> Money {
        let cutoff: SQLQueryString = before.map { " AND e.event_at < \(bind: $0)" } ?? ""
        let rows = try await db.rows("""
            SELECT a.currency, COALESCE(SUM(e.amount), 0) FROM ledger_accounts a LEFT JOIN ledger_entries e ON e.account_id = a.id\(cutoff) \
            WHERE \(TenantSQL.organization(ctx.organizationID, alias: "a")) AND a.key = \(bind: key) GROUP BY a.currency
            """)
        guard let row = rows.first else { return Money(minorUnits: 0, currency: ctx.currency) }
        return Money(minorUnits: try row.int64(1), currency: try row.string(0))
    }
}
