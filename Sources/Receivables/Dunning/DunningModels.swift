import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Where a subscription stands with what it owes. Only dunning moves a subscription into and
/// out of `suspended` here: a suspension staff made by hand is theirs to lift.
public enum DunningStage: String, Codable, Sendable, CaseIterable, Comparable {
    public static func < (a: DunningStage, b: DunningStage) -> Bool { allCases.firstIndex(of: a)! < allCases.firstIndex(of: b)! }

    /// Nothing past due.
    case clear
    /// Past due, within the grace period (or held off by an exclusion).
    case overdue
    /// Suspended by dunning for non-payment (or a prepaid validity that ran out).
    case suspended
    /// Terminated by dunning after the policy's days suspended.
    case terminated
}

/// One subscription's dunning state, written by the daily pass and on every payment.
public final class DunningState: TenantOwned, @unchecked Sendable {
    public static let schema = "dunning_states"
    public static var organizationKey: KeyPath<DunningState, FieldProperty<DunningState, UUID>> { \DunningState.$organizationID }
    public static let displayName = "Dunning state"

    /// The subscription's id.
    @ID(custom: "id", generatedBy: .user) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "stage") public var stage: DunningStage
    /// The day the stage began.
    @Field(key: "stage_since") public var stageSince: String
    /// The due date of the oldest unpaid invoice when last looked at.
    @OptionalField(key: "due_on") public var dueOn: String?
    /// What was past due then, in minor units.
    @Field(key: "overdue") public var overdue: Int64
    /// The due date whose late fee has been charged (once per unpaid invoice).
    @OptionalField(key: "late_fee_due_on") public var lateFeeDueOn: String?
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}
}

/// Why a customer is not suspended though they owe: a VIP (until ended), or a promise to pay
/// by a day. Reminders still go out; suspension waits.
public enum ExclusionKind: String, Codable, Sendable, CaseIterable {
    case vip
    case promiseToPay = "promise_to_pay"

    public var label: String { self == .vip ? "VIP: never suspended automatically" : "Promise to pay" }
}

public final class DunningExclusion: TenantOwned, @unchecked Sendable {
    public static let schema = "dunning_exclusions"
    public static var organizationKey: KeyPath<DunningExclusion, FieldProperty<DunningExclusion, UUID>> { \DunningExclusion.$organizationID }
    public static let displayName = "Exclusion"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "kind") public var kind: ExclusionKind
    /// A promise's last day; nil for a VIP.
    @OptionalField(key: "until") public var until: String?
    @Field(key: "reason") public var reason: String
    @Field(key: "actor") public var actor: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "ended_at") public var endedAt: Date?
    @OptionalField(key: "ended_by") public var endedBy: String?

    public init() {}
}

/// A reminder or notice the dunning pass decided on: written once per subscription, kind, due
/// date and step (a unique key), then sent through the outbox by `collections.send_notices`.
public final class DunningNotice: TenantOwned, @unchecked Sendable {
    public static let schema = "dunning_notices"
    public static var organizationKey: KeyPath<DunningNotice, FieldProperty<DunningNotice, UUID>> { \DunningNotice.$organizationID }
    public static let displayName = "Notice"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    /// due_soon, due_today, overdue, suspended, restored, terminated, prepaid_expiring
    @Field(key: "kind") public var kind: String
    /// The due date (or prepaid expiry) it is about.
    @Field(key: "due_on") public var dueOn: String
    /// Days from that date (a reminder step); 0 for the others.
    @Field(key: "step") public var step: Int
    @Field(key: "on") public var on: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}
}

/// One organization's daily dunning pass: one per day (a unique key), with what it did.
public final class DunningPass: TenantOwned, @unchecked Sendable {
    public static let schema = "dunning_passes"
    public static var organizationKey: KeyPath<DunningPass, FieldProperty<DunningPass, UUID>> { \DunningPass.$organizationID }
    public static let displayName = "Dunning pass"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "on") public var on: String
    @Field(key: "actor") public var actor: String
    @Field(key: "started_at") public var startedAt: Date
    @Field(key: "finished_at") public var finishedAt: Date
    @Field(key: "evaluated") public var evaluated: Int
    @Field(key: "reminders") public var reminders: Int
    @Field(key: "suspended") public var suspended: Int
    @Field(key: "restored") public var restored: Int
    @Field(key: "terminated") public var terminated: Int
    @Field(key: "late_fees") public var lateFees: Int

    public init() {}
}
