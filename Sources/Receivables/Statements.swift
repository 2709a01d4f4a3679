import CRM
import Documents
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// A customer's statement, read from the ledger itself: every transfer that moved their
/// receivable or credit account, so the closing balance is the ledger's by construction.
/// Moving credit onto an invoice changes neither total and is left out.
public enum Statements {
    public struct Row: Sendable {
        public var at: Date
        public var kind: String
        /// The document: an invoice, credit note or receipt number, or the reversal's memo.
        public var document: String
        public var referenceType: String?
        public var referenceID: UUID?
        /// What the row added to what the customer owes (negative: paid or credited).
        public var amount: Int64
        /// What the customer owes after this row (negative: the ISP owes them).
        public var balance: Int64

        /// "Invoice", "Payment", "Credit note" …
        public var label: String {
            switch kind {
            case "invoice": "Invoice"
            case "credit_note": "Credit note"
            case "payment": "Payment"
            case "refund": "Refund"
            case "write_off": "Write-off"
            case "reversal": "Reversal"
            case "wallet_collection": "Payment via reseller"
            default: kind.replacingOccurrences(of: "_", with: " ").capitalized
            }
        }
        public var charge: Int64 { max(amount, 0) }
        public var paid: Int64 { max(-amount, 0) }
    }

    public struct Statement: Sendable {
        public var customer: Customer
        public var from: LocalDate
        public var to: LocalDate
        public var currency: String
        public var opening: Int64
        public var rows: [Row]
        public var closing: Int64
    }

    /// The statement from `from` (default: 90 days before `to`) through `to` (default today),
    /// days in the organization's time zone.
    public static func build(_ ctx: TenantContext, customerID: String?, from: String?, to: String?, now: Date,
                             on db: any Database) async throws -> Statement {
        try ctx.require(.invoicesRead)
        var v = Validator()
        let today = LocalDate.today(now, in: ctx.timeZone)
        let last = v.localDate("to", to) ?? today
        // Ninety days back, but never before the first day dates may name (1900-01-01).
        let first = v.localDate("from", from) ?? max(last.adding(days: -90), LocalDate(year: 1900, month: 1, day: 1)!)
        if first > last { v.add("from", "must not be after \"to\" (\(last))") }
        if first.days(to: last) > 3_700 { v.add("from", "must be at most ten years before \"to\"") }
        try v.check()
        let customer = try await Customer.find(customerID, in: ctx, on: db)
        let keys = accountKeys(customer.id!)
        let start = first.start(in: ctx.timeZone)
        let end = last.adding(days: 1).start(in: ctx.timeZone)
        let org = ctx.organizationID
        let opening = try await db.rows("""
            SELECT COALESCE(SUM(e.amount), 0) FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id AND \(TenantSQL.sameOrganization("a", "e")) \
            WHERE \(TenantSQL.organization(org, alias: "e")) AND a.key IN (\(bind: keys.receivable), \(bind: keys.credit)) AND e.event_at < \(bind: start)
            """).first.map { try $0.int64(0) } ?? 0
        var balance = opening
        var rows: [Row] = []
        for row in try await db.rows("""
            SELECT t.id, t.event_at, t.kind, t.memo, t.reference_type, t.reference_id, SUM(e.amount) FROM ledger_entries e \
            JOIN ledger_accounts a ON a.id = e.account_id AND \(TenantSQL.sameOrganization("a", "e")) \
            JOIN ledger_transfers t ON t.id = e.transfer_id AND \(TenantSQL.sameOrganization("t", "e")) \
            WHERE \(TenantSQL.organization(org, alias: "e")) AND a.key IN (\(bind: keys.receivable), \(bind: keys.credit)) \
            AND e.event_at >= \(bind: start) AND e.event_at < \(bind: end) \
            GROUP BY t.id, t.event_at, t.kind, t.memo, t.reference_type, t.reference_id ORDER BY t.event_at, t.id
            """) {
            let amount = try row.int64(6)
            guard amount != 0 else { continue }
            balance += amount
            rows.append(Row(at: try row.date(1), kind: try row.string(2), document: try row.string(3), referenceType: try row.optionalString(4),
                            referenceID: try row.optionalString(5).flatMap(UUID.init(uuidString:)), amount: amount, balance: balance))
        }
        return Statement(customer: customer, from: first, to: last, currency: ctx.currency, opening: opening, rows: rows, closing: balance)
    }

    /// What the customer owes now by the ledger's cached balances (negative: their credit).
    public static func balance(of customerID: UUID, _ org: UUID, on db: any Database) async throws -> Int64 {
        try await balances(of: [customerID], org, on: db)[customerID] ?? 0
    }

    /// `balance(of:)` for many customers in one read.
    public static func balances(of customerIDs: [UUID], _ org: UUID, on db: any Database) async throws -> [UUID: Int64] {
        let cached = try await Ledger.cachedBalances(keys: customerIDs.flatMap { [accountKeys($0).receivable, accountKeys($0).credit] },
                                                     organizationID: org, on: db)
        return Dictionary(customerIDs.map { id in (id, (cached[accountKeys(id).receivable] ?? 0) + (cached[accountKeys(id).credit] ?? 0)) },
                          uniquingKeysWith: { a, _ in a })
    }

    static func accountKeys(_ customerID: UUID) -> (receivable: String, credit: String) {
        (Chart.receivable(customerID: customerID, label: "").key, Chart.customerCredit(customerID: customerID, label: "").key)
    }

    /// The statement as CSV: one row per movement, with the opening and closing balances.
    public static func csv(_ s: Statement, zone: TimeZone) -> String {
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: s.currency).decimalString }
        var out = CSV.line(["date", "type", "document", "charges", "payments_and_credits", "balance"])
        out += CSV.line([s.from.description, "Opening balance", "", "", "", money(s.opening)])
        for row in s.rows {
            out += CSV.line([LocalDate.today(row.at, in: zone).description, row.label, row.document,
                             row.charge == 0 ? "" : money(row.charge), row.paid == 0 ? "" : money(row.paid), money(row.balance)])
        }
        out += CSV.line([s.to.description, "Closing balance", "", "", "", money(s.closing)])
        return out
    }
}
