import FluentKit
import Foundation
import MeghnaCore
import Platform

/// What an account is in the accounting equation; its normal side follows.
public enum AccountType: String, Codable, Sendable, CaseIterable {
    case asset, liability, equity, revenue, expense

    /// Assets and expenses grow with debits; the others with credits.
    public var normallyDebit: Bool { self == .asset || self == .expense }

    public var title: String {
        switch self {
        case .asset: "Assets"
        case .liability: "Liabilities"
        case .equity: "Equity"
        case .revenue: "Revenue"
        case .expense: "Expenses"
        }
    }
}

/// One account of an organization's chart, named by a stable key ("cash", "receivable:<customer
/// id>", "revenue:internet"). `balance` caches the sum of its entries (debits positive) and
/// `version` counts the postings that changed it; `meghna ledger check` proves the cache true.
public final class LedgerAccount: TenantOwned, @unchecked Sendable {
    public static let schema = "ledger_accounts"
    public static var organizationKey: KeyPath<LedgerAccount, FieldProperty<LedgerAccount, UUID>> { \LedgerAccount.$organizationID }
    public static let displayName = "Account"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "key") public var key: String
    @Field(key: "name") public var name: String
    @Field(key: "type") public var type: AccountType
    @Field(key: "currency") public var currency: String
    /// The sum of the account's entries in minor units, debits positive.
    @Field(key: "balance") public var balance: Int64
    @Field(key: "version") public var version: Int64
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// One balanced money movement. Never changed or deleted; a mistake is undone by a reversal,
/// which names the transfer it reverses (`reverses_id`, unique: a transfer is reversed once).
public final class LedgerTransfer: TenantOwned, @unchecked Sendable {
    public static let schema = "ledger_transfers"
    public static var organizationKey: KeyPath<LedgerTransfer, FieldProperty<LedgerTransfer, UUID>> { \LedgerTransfer.$organizationID }
    public static let displayName = "Transfer"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// Unique per organization: posting the same key again returns the first transfer.
    @Field(key: "idempotency_key") public var idempotencyKey: String
    /// What moved the money: "invoice", "credit_note", "payment", "reversal" …
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "reference_type") public var referenceType: String?
    @OptionalField(key: "reference_id") public var referenceID: UUID?
    @Field(key: "memo") public var memo: String
    /// When the movement happened in the business's eyes (an invoice's issue date, a payment's
    /// receipt time), apart from when it was written.
    @Field(key: "event_at") public var eventAt: Date
    @OptionalField(key: "reverses_id") public var reversesID: UUID?
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// One side of a transfer on one account: `amount` in minor units, debit positive, credit negative.
public final class LedgerEntry: TenantOwned, @unchecked Sendable {
    public static let schema = "ledger_entries"
    public static var organizationKey: KeyPath<LedgerEntry, FieldProperty<LedgerEntry, UUID>> { \LedgerEntry.$organizationID }
    public static let displayName = "Entry"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "transfer_id") public var transferID: UUID
    @Field(key: "account_id") public var accountID: UUID
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "event_at") public var eventAt: Date

    public init() {}
}
