import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// One side of a transfer: an account and an amount, debits positive and credits negative.
public struct TransferLine: Sendable, Hashable {
    public var account: AccountSpec
    public var amount: Money

    public init(account: AccountSpec, amount: Money) {
        self.account = account
        self.amount = amount
    }

    public static func debit(_ account: AccountSpec, _ amount: Money) -> TransferLine { TransferLine(account: account, amount: amount) }

    public static func credit(_ account: AccountSpec, _ amount: Money) -> TransferLine {
        TransferLine(account: account, amount: Money(minorUnits: -amount.minorUnits, currency: amount.currency))
    }
}

/// A transfer to post: balanced lines, a key that makes posting it again harmless, what it is
/// for, and when it happened.
public struct TransferDraft: Sendable {
    public var idempotencyKey: String
    public var kind: String
    public var referenceType: String?
    public var referenceID: UUID?
    public var memo: String
    public var eventAt: Date
    public var lines: [TransferLine]
    /// Set only by `Ledger.reverse`.
    var reverses: UUID?

    public init(idempotencyKey: String, kind: String, referenceType: String? = nil, referenceID: UUID? = nil, memo: String,
                eventAt: Date, lines: [TransferLine]) {
        self.idempotencyKey = idempotencyKey
        self.kind = kind
        self.referenceType = referenceType
        self.referenceID = referenceID
        self.memo = memo
        self.eventAt = eventAt
        self.lines = lines
    }

    /// False when the lines cancel out on every account (a zero invoice whose credits match its
    /// charges): nothing moves, so there is nothing to post.
    public var movesMoney: Bool { !netLines.isEmpty }

    /// Lines with zero amounts dropped and lines on the same account merged: what is stored.
    var netLines: [TransferLine] {
        var order: [String] = []
        var byKey: [String: TransferLine] = [:]
        for line in lines {
            let key = line.account.key + "\u{0}" + line.amount.currency
            if var existing = byKey[key] {
                existing.amount.minorUnits += line.amount.minorUnits
                byKey[key] = existing
            } else {
                order.append(key)
                byKey[key] = line
            }
        }
        return order.compactMap { byKey[$0] }.filter { $0.amount.minorUnits != 0 }
    }
}

/// A posted transfer: its id, and whether this call wrote it (false: the key was posted before).
public struct PostedTransfer: Sendable, Hashable {
    public var id: UUID
    public var idempotencyKey: String
    public var created: Bool
}

/// The double-entry ledger: the only code that writes money. Every movement is a transfer whose
/// entries sum to zero per currency; nothing is changed or deleted, a mistake is reversed.
public enum Ledger {
    /// Why the organization's currency can no longer change, or nil while the ledger is empty:
    /// its accounts keep amounts in the currency they were opened in.
    public static func currencyInUse(organizationID org: UUID, on db: any Database) async throws -> String? {
        try await LedgerAccount.inOrganization(org, on: db).first() != nil ? "the ledger holds amounts in it" : nil
    }

    /// Posts transfers inside the caller's transaction (or a new one), many at a time:
    /// - each draft is checked (at least two accounts, sum zero per currency, a key);
    /// - transfers are inserted in key order; a draft whose key was posted before is not written
    ///   again: its earlier transfer is returned, and a different content under the same key is
    ///   a conflict;
    /// - every account touched is opened or has its cached balance moved in one upsert, in key
    ///   order: the row lock it takes (PostgreSQL; SQLite's writer lock covers it) is held to the
    ///   end of the transaction, so concurrent posts queue instead of deadlocking;
    /// - entries are inserted; a few statements per call whatever the number of drafts.
    public static func post(_ drafts: [TransferDraft], _ ctx: TenantContext, on db: any Database) async throws -> [PostedTransfer] {
        guard !drafts.isEmpty else { return [] }
        for draft in drafts { try check(draft) }
        guard Set(drafts.map(\.idempotencyKey)).count == drafts.count else {
            throw DomainError.conflict("Two transfers in one posting share an idempotency key.")
        }
        if db.inTransaction { return try await write(drafts, ctx, on: db) }
        return try await db.writeTransaction { try await write(drafts, ctx, on: $0) }
    }

    /// Posts one transfer; see `post(_:_:on:)`.
    public static func post(_ draft: TransferDraft, _ ctx: TenantContext, on db: any Database) async throws -> PostedTransfer {
        try await post([draft], ctx, on: db)[0]
    }

    /// Undoes a transfer with its mirror image (each entry negated), dated `eventAt`. A transfer
    /// is reversed at most once (a second call returns the first reversal); a reversal itself
    /// cannot be reversed (post the original again under a new key instead).
    public static func reverse(_ transferID: UUID, memo: String, eventAt: Date, _ ctx: TenantContext, on db: any Database) async throws -> PostedTransfer {
        let body: @Sendable (any Database) async throws -> PostedTransfer = { db in
            let original = try await LedgerTransfer.find(transferID, in: ctx, on: db)
            guard original.reversesID == nil else { throw DomainError.conflict("A reversal cannot be reversed.") }
            let rows = try await db.rows("""
                SELECT a.key, a.name, a.type, e.amount, e.currency FROM ledger_entries e JOIN ledger_accounts a ON a.id = e.account_id \
                WHERE e.transfer_id = \(bind: transferID) AND \(TenantSQL.organization(ctx.organizationID, alias: "e")) ORDER BY e.id
                """)
            var lines: [TransferLine] = []
            for row in rows {
                guard let type = AccountType(rawValue: try row.string(2)) else { throw DomainError.conflict("An account has an unknown type.") }
                lines.append(TransferLine(account: AccountSpec(key: try row.string(0), name: try row.string(1), type: type),
                                          amount: Money(minorUnits: -(try row.int64(3)), currency: try row.string(4))))
            }
            var draft = TransferDraft(idempotencyKey: "reversal:\(transferID.uuidString.lowercased())", kind: "reversal",
                                      referenceType: original.referenceType, referenceID: original.referenceID, memo: memo,
                                      eventAt: eventAt, lines: lines)
            draft.reverses = transferID
            return try await post([draft], ctx, on: db)[0]
        }
        if db.inTransaction { return try await body(db) }
        return try await db.writeTransaction(body)
    }

    /// Checks a draft before anything is written; errors name what was wrong.
    static func check(_ draft: TransferDraft) throws(DomainError) {
        guard !draft.idempotencyKey.isEmpty, draft.idempotencyKey.count <= 255 else {
            throw DomainError.invalid("idempotency_key", "must be 1 to 255 characters")
        }
        guard !draft.kind.isEmpty, draft.memo.count <= 500 else { throw DomainError.invalid("memo", "must be at most 500 characters") }
        let lines = draft.netLines
        guard Set(lines.map(\.account.key)).count >= 2 else {
            throw DomainError.conflict("A transfer moves money between at least two accounts (\(draft.idempotencyKey)).")
        }
        var sums: [String: Int64] = [:]
        for line in lines {
            guard line.amount.currency.count == 3, line.amount.currency.allSatisfy({ $0.isASCII && $0.isUppercase }) else {
                throw DomainError.invalid("currency", "must be a three-letter ISO 4217 code")
            }
            let (sum, overflow) = sums[line.amount.currency, default: 0].addingReportingOverflow(line.amount.minorUnits)
            guard !overflow else { throw DomainError.invalid("amount", "is too large") }
            sums[line.amount.currency] = sum
        }
        if let unbalanced = sums.first(where: { $0.value != 0 }) {
            throw DomainError.conflict("The transfer \(draft.idempotencyKey) does not balance: \(unbalanced.key) entries sum to \(unbalanced.value).")
        }
    }
}
