import FluentKit
import Foundation
import MeghnaCore
import Platform

/// pending → active ⇄ suspended → terminated.
public enum SubscriptionStatus: String, Codable, Sendable, CaseIterable {
    case pending, active, suspended, terminated
}

/// A customer's service at a service address: its plan and the facts billing reads.
public final class Subscription: TenantOwned, @unchecked Sendable {
    public static let schema = "subscriptions"
    public static var organizationKey: KeyPath<Subscription, FieldProperty<Subscription, UUID>> { \Subscription.$organizationID }
    public static let displayName = "Subscription"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// The customer's branch and reseller (kept with the customer's), for scoping.
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "customer_id") public var customerID: UUID
    @OptionalField(key: "service_address_id") public var serviceAddressID: UUID?
    @Field(key: "plan_id") public var planID: UUID
    @Field(key: "status") public var status: SubscriptionStatus
    /// The billing day chosen for this subscription (1–31), or nil for the organization's rule.
    @OptionalField(key: "billing_day") public var billingDay: Int?
    /// The day periods start on, fixed at activation (the billing day, or the rule's answer).
    @OptionalField(key: "anchor_day") public var anchorDay: Int?
    @Field(key: "starts_on") public var startsOn: String
    @OptionalField(key: "activated_on") public var activatedOn: String?
    @OptionalField(key: "terminated_on") public var terminatedOn: String?
    /// Prepaid: service runs through this day.
    @OptionalField(key: "expires_on") public var expiresOn: String?
    /// The start of the next period the invoice run has to bill (its index; the unique key per
    /// subscription and period is the guard).
    @OptionalField(key: "next_bill_on") public var nextBillOn: String?
    /// True while a suspension pauses billing (a customer's request); dunning keeps billing.
    @Field(key: "billing_paused") public var billingPaused: Bool
    /// Set when signed up (a plain field: the list pages by it).
    @Field(key: "created_at") public var createdAt: Date
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public static func narrow(_ query: QueryBuilder<Subscription>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }
}

/// Which plan (at what price) a subscription had from a day on; the invoice run prices each
/// period by the row in force on its first day.
public final class SubscriptionPlanPeriod: TenantOwned, @unchecked Sendable {
    public static let schema = "subscription_plans"
    public static var organizationKey: KeyPath<SubscriptionPlanPeriod, FieldProperty<SubscriptionPlanPeriod, UUID>> { \SubscriptionPlanPeriod.$organizationID }
    public static let displayName = "Subscription plan"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "plan_id") public var planID: UUID
    @Field(key: "price") public var price: Int64
    @Field(key: "from_on") public var fromOn: String
    /// A change "now": its first period was already priced at the old plan and the difference
    /// is a prorated charge, so this row prices only the periods that start after `from_on`.
    @Field(key: "prorated") public var prorated: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// A change in a subscription's life, for its history and the customer's timeline.
public final class SubscriptionEvent: TenantOwned, @unchecked Sendable {
    public static let schema = "subscription_events"
    public static var organizationKey: KeyPath<SubscriptionEvent, FieldProperty<SubscriptionEvent, UUID>> { \SubscriptionEvent.$organizationID }
    public static let displayName = "Subscription event"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    /// created, activated, suspended (billing goes on), paused (suspended, billing paused),
    /// resumed, terminated, plan_changed
    @Field(key: "kind") public var kind: String
    @OptionalField(key: "from_status") public var fromStatus: String?
    @Field(key: "to_status") public var toStatus: String
    @OptionalField(key: "reason") public var reason: String?
    @Field(key: "actor") public var actor: String
    @Field(key: "effective_on") public var effectiveOn: String
    @Field(key: "at") public var at: Date

    public init() {}
}

/// Money owed or credited outside a full period: proration of a plan change, a suspension that
/// pauses billing, a resumption, a termination; setup fees. The next invoice of the
/// subscription carries it (`invoice_id` is set then).
public final class BillingCharge: TenantOwned, @unchecked Sendable {
    public static let schema = "billing_charges"
    public static var organizationKey: KeyPath<BillingCharge, FieldProperty<BillingCharge, UUID>> { \BillingCharge.$organizationID }
    public static let displayName = "Charge"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    /// proration, setup_fee, one_time
    @Field(key: "kind") public var kind: String
    @Field(key: "description") public var text: String
    @OptionalField(key: "detail") public var detail: String?
    /// Minor units; negative for a credit.
    @Field(key: "amount") public var amount: Int64
    @Field(key: "currency") public var currency: String
    /// Revenue category and tax scope ("plans", "addons", "fees").
    @Field(key: "category") public var category: String
    @Field(key: "tax_scope") public var taxScope: String
    @Field(key: "taxable") public var taxable: Bool
    @Field(key: "on") public var on: String
    @OptionalField(key: "invoice_id") public var invoiceID: UUID?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// A recurring add-on on a subscription, at the price it was added at, from a day until it is
/// removed; one-time add-ons are charges instead.
public final class SubscriptionAddon: TenantOwned, @unchecked Sendable {
    public static let schema = "subscription_addons"
    public static var organizationKey: KeyPath<SubscriptionAddon, FieldProperty<SubscriptionAddon, UUID>> { \SubscriptionAddon.$organizationID }
    public static let displayName = "Subscription add-on"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "addon_id") public var addonID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "price") public var price: Int64
    @Field(key: "category") public var category: String
    @Field(key: "taxable") public var taxable: Bool
    @Field(key: "from_on") public var fromOn: String
    /// Added inside a period: a prorated charge covers the rest of it.
    @Field(key: "prorated") public var prorated: Bool
    /// Removed on this day (no longer charged from it).
    @OptionalField(key: "to_on") public var toOn: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}
}

/// A discount given to a subscription: what it takes off, copied from the catalog when given,
/// from the first period billed after that.
public final class SubscriptionDiscount: TenantOwned, @unchecked Sendable {
    public static let schema = "subscription_discounts"
    public static var organizationKey: KeyPath<SubscriptionDiscount, FieldProperty<SubscriptionDiscount, UUID>> { \SubscriptionDiscount.$organizationID }
    public static let displayName = "Subscription discount"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "discount_id") public var discountID: UUID
    @Field(key: "name") public var name: String
    @OptionalField(key: "coupon_code") public var couponCode: String?
    @OptionalField(key: "percent_bp") public var percentBasisPoints: Int?
    @OptionalField(key: "amount") public var amount: Int64?
    @Field(key: "currency") public var currency: String
    @Field(key: "target") public var target: String
    @OptionalField(key: "target_id") public var targetID: UUID?
    @OptionalField(key: "cycles") public var cycles: Int?
    /// The start of the first period it is billed in.
    @Field(key: "first_period_on") public var firstPeriodOn: String
    /// Taken off on this day: periods starting after it are billed without.
    @OptionalField(key: "ended_on") public var endedOn: String?
    @Field(key: "actor") public var actor: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public var value: DiscountValue {
        if let bp = percentBasisPoints { return .percent(basisPoints: bp) }
        return .fixed(Money(minorUnits: amount ?? 0, currency: currency))
    }
}
