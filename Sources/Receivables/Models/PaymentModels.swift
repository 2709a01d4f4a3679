import Billing
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// How money reached the ISP. Each lands in its own ledger account: cash in the cash box, bank
/// transfers and cheques in the bank, bKash/Nagad/Rocket in mobile money.
public enum PaymentMethod: String, Codable, Sendable, CaseIterable {
    case cash, bank, cheque
    case mobileMoney = "mobile_money"
    /// Taken by a reseller's staff: the ISP is paid from the reseller's wallet.
    case resellerWallet = "reseller_wallet"

    public var label: String {
        switch self {
        case .cash: "Cash"
        case .bank: "Bank transfer"
        case .cheque: "Cheque"
        case .mobileMoney: "Mobile money (bKash, Nagad, Rocket)"
        case .resellerWallet: "Reseller wallet"
        }
    }

    /// Cash needs no reference; the others are traced by one (transaction id, cheque number).
    public var needsReference: Bool { self != .cash && self != .resellerWallet }

    /// What staff choose from when they take or pay out money themselves.
    public static let received: [PaymentMethod] = [.cash, .bank, .cheque, .mobileMoney]
}

extension Validator {
    /// A method money is received or paid out by (not the reseller wallet, which is no money
    /// changing hands at the ISP).
    public mutating func receivedMethod(_ field: String, _ value: String?) -> PaymentMethod? {
        guard let text = text(field, value, required: true, max: 40) else { return nil }
        guard let method = PaymentMethod(rawValue: text), PaymentMethod.received.contains(method) else {
            add(field, "must be one of \(PaymentMethod.received.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return method
    }
}

public enum PaymentStatus: String, Codable, Sendable, CaseIterable {
    case posted, reversed
}

/// Money a customer paid: never edited or deleted; a mistake is reversed with a reason. Its
/// receipt number is gapless per organization and year (`RCT-2026-000001`). What it did not pay
/// off on invoices (`amount − allocated`) went to the customer's credit.
public final class Payment: TenantOwned, @unchecked Sendable {
    public static let schema = "payments"
    public static var organizationKey: KeyPath<Payment, FieldProperty<Payment, UUID>> { \Payment.$organizationID }
    public static let displayName = "Payment"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "number") public var number: String
    @Field(key: "method") public var method: PaymentMethod
    @OptionalField(key: "reference") public var reference: String?
    @Field(key: "received_on") public var receivedOn: String
    @OptionalField(key: "collector_id") public var collectorID: UUID?
    @Field(key: "collector_name") public var collectorName: String
    @Field(key: "amount") public var amount: Int64
    @Field(key: "allocated") public var allocated: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "status") public var status: PaymentStatus
    @OptionalField(key: "note") public var note: String?
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "reversal_reason") public var reversalReason: String?
    @OptionalField(key: "reversed_by") public var reversedBy: String?
    @OptionalField(key: "reversed_at") public var reversedAt: Date?

    public init() {}

    public static func narrow(_ query: QueryBuilder<Payment>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }

    public var amountMoney: Money { Money(minorUnits: amount, currency: currency) }
    /// What went to the customer's credit.
    public var credited: Int64 { amount - allocated }
}

/// Money put on an invoice: from a payment, or from the customer's credit. An allocation is
/// never changed; reversing its payment marks it reversed and takes it off the invoice.
public final class PaymentAllocation: TenantOwned, @unchecked Sendable {
    public static let schema = "payment_allocations"
    public static var organizationKey: KeyPath<PaymentAllocation, FieldProperty<PaymentAllocation, UUID>> { \PaymentAllocation.$organizationID }
    public static let displayName = "Allocation"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "invoice_id") public var invoiceID: UUID
    @OptionalField(key: "payment_id") public var paymentID: UUID?
    /// "payment" or "credit".
    @Field(key: "source") public var source: String
    @Field(key: "amount") public var amount: Int64
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "reversed_at") public var reversedAt: Date?

    public init() {}
}

/// Customer credit paid back out (cash, bank, mobile money): never more than the credit.
public final class Refund: TenantOwned, @unchecked Sendable {
    public static let schema = "refunds"
    public static var organizationKey: KeyPath<Refund, FieldProperty<Refund, UUID>> { \Refund.$organizationID }
    public static let displayName = "Refund"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "customer_id") public var customerID: UUID
    /// Gapless per organization and year: `RFD-2026-000001`.
    @Field(key: "number") public var number: String
    @Field(key: "method") public var method: PaymentMethod
    @OptionalField(key: "reference") public var reference: String?
    @Field(key: "paid_on") public var paidOn: String
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "reason") public var reason: String
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public static func narrow(_ query: QueryBuilder<Refund>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }
}

/// What was left open on an invoice, written off as a bad debt.
public final class WriteOff: TenantOwned, @unchecked Sendable {
    public static let schema = "write_offs"
    public static var organizationKey: KeyPath<WriteOff, FieldProperty<WriteOff, UUID>> { \WriteOff.$organizationID }
    public static let displayName = "Write-off"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "invoice_id") public var invoiceID: UUID
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "reason") public var reason: String
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// Money a reseller paid the ISP into its wallet (`WTU-2026-000001`, gapless per year).
public final class WalletTopUp: TenantOwned, @unchecked Sendable {
    public static let schema = "wallet_top_ups"
    public static var organizationKey: KeyPath<WalletTopUp, FieldProperty<WalletTopUp, UUID>> { \WalletTopUp.$organizationID }
    public static let displayName = "Top-up"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "reseller_id") public var resellerID: UUID
    @Field(key: "number") public var number: String
    @Field(key: "method") public var method: PaymentMethod
    @OptionalField(key: "reference") public var reference: String?
    @Field(key: "received_on") public var receivedOn: String
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: String
    @OptionalField(key: "note") public var note: String?
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public static func narrow(_ query: QueryBuilder<WalletTopUp>, to ctx: TenantContext) {
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers) }
    }
}
