import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// Every account's balance at the end of a day, debits in one column and credits in the other;
/// the two totals are equal when the ledger is whole. Per-party accounts (each customer's
/// receivable, each reseller's wallet) are summed into one row per group.
public struct TrialBalance: Sendable {
    public struct Row: Sendable, Hashable {
        /// The account key, or the group ("receivable") for summed per-party accounts.
        public var key: String
        public var name: String
        public var type: AccountType
        /// How many accounts the row sums (1 for a single account).
        public var accounts: Int
        public var debit: Money
        public var credit: Money
    }

    public var asOf: LocalDate
    public var currency: String
    public var rows: [Row]
    public var totalDebit: Money
    public var totalCredit: Money
    public var balanced: Bool { totalDebit == totalCredit }

    /// The trial balance at the end of `asOf` in the organization's time zone.
    public static func build(asOf: LocalDate, _ ctx: TenantContext, on db: any Database) async throws -> TrialBalance {
        try ctx.require(.ledgerRead)
        // The books are the whole organization's, whatever role holds ledger.read.
        try ctx.requireWholeOrganization("The trial balance")
        let end = asOf.adding(days: 1).start(in: ctx.timeZone)
        let rows = try await db.rows("""
            SELECT a.key, a.name, a.type, a.currency, SUM(e.amount) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
            WHERE \(TenantSQL.organization(ctx.organizationID, alias: "e")) AND e.event_at < \(bind: end) \
            GROUP BY a.key, a.name, a.type, a.currency ORDER BY a.key
            """)
        var grouped: [String: (name: String, type: AccountType, accounts: Int, debit: Int64, credit: Int64)] = [:]
        var order: [String] = []
        for row in rows {
            let key = try row.string(0)
            guard let type = AccountType(rawValue: try row.string(2)), try row.string(3) == ctx.currency else { continue }
            let balance = try row.int64(4)
            let group = Chart.partyGroup(ofKey: key)
            let rowKey = group ?? key
            if grouped[rowKey] == nil {
                order.append(rowKey)
                let name = try row.string(1)
                grouped[rowKey] = (group.flatMap { Chart.partyGroups[$0] } ?? name, type, 0, 0, 0)
            }
            grouped[rowKey]!.accounts += 1
            // Each account lands on its own side; a group's debtors and creditors are not netted.
            if balance >= 0 { grouped[rowKey]!.debit += balance } else { grouped[rowKey]!.credit -= balance }
        }
        let typeOrder = AccountType.allCases
        let out = order.compactMap { key -> Row? in
            guard let g = grouped[key] else { return nil }
            return Row(key: key, name: g.name, type: g.type, accounts: g.accounts,
                       debit: Money(minorUnits: g.debit, currency: ctx.currency), credit: Money(minorUnits: g.credit, currency: ctx.currency))
        }.sorted { ($0.type == $1.type) ? $0.key < $1.key : typeOrder.firstIndex(of: $0.type)! < typeOrder.firstIndex(of: $1.type)! }
        let debit = out.reduce(Int64(0)) { $0 + $1.debit.minorUnits }
        let credit = out.reduce(Int64(0)) { $0 + $1.credit.minorUnits }
        return TrialBalance(asOf: asOf, currency: ctx.currency, rows: out, totalDebit: Money(minorUnits: debit, currency: ctx.currency),
                            totalCredit: Money(minorUnits: credit, currency: ctx.currency))
    }
}
