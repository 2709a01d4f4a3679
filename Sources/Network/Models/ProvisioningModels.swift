import FluentKit
import Foundation
import MeghnaCore
import Platform

/// PPPoE or Hotspot: which menus a customer's account lives in.
public enum AccessService: String, Codable, Sendable, CaseIterable {
    case pppoe, hotspot

    public var title: String { self == .pppoe ? "PPPoE" : "Hotspot" }
}

/// Where a service account stands with its router.
public enum SyncState: String, Codable, Sendable, CaseIterable {
    /// Meghna changed what the router should hold and has not sent it yet.
    case pending
    /// The router holds exactly what Meghna wants (as of `synced_at`).
    case synced
    /// The router could not be reached; the change goes out when it answers again.
    case waiting
    /// The router refused the change (its words are the message); retrying will not help.
    case failed
    /// Someone changed the entry on the router by hand; an engineer chooses what wins.
    case drift
}

/// A subscription's account on a router: a PPPoE secret or a Hotspot user. The password is
/// sealed; it is shown once when made or reset, and printed on the welcome letter then.
public final class ServiceAccount: TenantOwned, @unchecked Sendable {
    public static let schema = "service_accounts"
    public static var organizationKey: KeyPath<ServiceAccount, FieldProperty<ServiceAccount, UUID>> { \ServiceAccount.$organizationID }
    public static let displayName = "Service account"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    /// The subscription's branch and reseller, for scoping.
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "service") public var service: AccessService
    @Field(key: "username") public var username: String
    @Field(key: "password_sealed") public var passwordSealed: String
    /// PPPoE `remote-address` or Hotspot `address`.
    @OptionalField(key: "static_ip") public var staticIP: String?
    /// PPPoE `caller-id` or Hotspot `mac-address`, when the ISP binds the account to a device.
    @OptionalField(key: "caller_id") public var callerID: String?
    /// A profile adopted from the router in place of the plan's.
    @OptionalField(key: "profile_override") public var profileOverride: String?
    /// What the comment on the router says after "meghna:" (customer number and a short id).
    @Field(key: "label") public var label: String
    @Field(key: "sync_state") public var syncState: SyncState
    @OptionalField(key: "sync_message") public var syncMessage: String?
    @OptionalField(key: "synced_at") public var syncedAt: Date?
    @Field(key: "created_at") public var createdAt: Date
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public static func narrow(_ query: QueryBuilder<ServiceAccount>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }
}

/// What Meghna last wrote to one entry on a router (its managed fields; a password as its
/// SHA-256). A field that differs on the router from this was changed by hand: drift.
public final class RouterEntryState: TenantOwned, @unchecked Sendable {
    public static let schema = "router_entries"
    public static var organizationKey: KeyPath<RouterEntryState, FieldProperty<RouterEntryState, UUID>> { \RouterEntryState.$organizationID }
    public static let displayName = "Router entry"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "menu") public var menu: String
    @Field(key: "key") public var key: String
    /// JSON object of field → value as last applied.
    @Field(key: "fields") public var fields: String
    @Field(key: "applied_at") public var appliedAt: Date

    public init() {}
}

/// A field changed by hand on the router, held until an engineer chooses: `correct` (the router
/// gets Meghna's value again) or `adopt` (Meghna takes the router's value). `field` `*` is an
/// entry not managed by Meghna that holds a name Meghna needs ("take over" is its adoption).
public final class RouterDrift: TenantOwned, @unchecked Sendable {
    public static let schema = "router_drift"
    public static var organizationKey: KeyPath<RouterDrift, FieldProperty<RouterDrift, UUID>> { \RouterDrift.$organizationID }
    public static let displayName = "Drift"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "menu") public var menu: String
    @Field(key: "key") public var key: String
    @Field(key: "field") public var field: String
    /// Shown values (a password is "••••").
    @OptionalField(key: "meghna_value") public var meghnaValue: String?
    @OptionalField(key: "router_value") public var routerValue: String?
    @OptionalField(key: "account_id") public var accountID: UUID?
    @Field(key: "detected_at") public var detectedAt: Date
    /// nil while held; "correct" or "adopt" once chosen (the next reconcile carries it out).
    @OptionalField(key: "decision") public var decision: String?
    @OptionalField(key: "decided_by") public var decidedBy: String?
    @OptionalField(key: "decided_at") public var decidedAt: Date?

    public init() {}
}

/// One reconcile of one router (dry runs are not kept): why it ran, what it changed, how it ended.
public final class ReconcileRun: TenantOwned, @unchecked Sendable {
    public static let schema = "reconcile_runs"
    public static var organizationKey: KeyPath<ReconcileRun, FieldProperty<ReconcileRun, UUID>> { \ReconcileRun.$organizationID }
    public static let displayName = "Reconcile"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    /// schedule, change, manual, recovery
    @Field(key: "trigger") public var trigger: String
    @Field(key: "actor") public var actor: String
    @Field(key: "started_at") public var startedAt: Date
    @Field(key: "finished_at") public var finishedAt: Date
    /// done, partial (some changes refused or not sent), failed (the router could not be read)
    @Field(key: "outcome") public var outcome: String
    @Field(key: "added") public var added: Int
    @Field(key: "changed") public var changed: Int
    @Field(key: "removed") public var removed: Int
    @Field(key: "drift") public var drift: Int
    @Field(key: "conflicts") public var conflicts: Int
    @Field(key: "commands") public var commands: Int
    @OptionalField(key: "message") public var message: String?

    public init() {}
}

/// Many subscriptions changed at once (suspend, restore, change plan, move to another router,
/// re-sync): chosen by a filter, counted and confirmed first, carried out by a job item by item.
public final class BulkAction: TenantOwned, @unchecked Sendable {
    public static let schema = "bulk_actions"
    public static var organizationKey: KeyPath<BulkAction, FieldProperty<BulkAction, UUID>> { \BulkAction.$organizationID }
    public static let displayName = "Bulk action"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// suspend, restore, change_plan, move_router, resync
    @Field(key: "action") public var action: String
    /// The filter as chosen (JSON), for the report.
    @Field(key: "filter") public var filterJSON: String
    @OptionalField(key: "plan_id") public var planID: UUID?
    @OptionalField(key: "router_id") public var routerID: UUID?
    @OptionalField(key: "actor_user_id") public var actorUserID: UUID?
    @Field(key: "actor_label") public var actorLabel: String
    /// queued, running, done
    @Field(key: "state") public var state: String
    @Field(key: "total") public var total: Int
    @Field(key: "done") public var done: Int
    @Field(key: "failed") public var failed: Int
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?

    public init() {}
}

/// One subscription of a bulk action and how it went.
public final class BulkActionItem: TenantOwned, @unchecked Sendable {
    public static let schema = "bulk_action_items"
    public static var organizationKey: KeyPath<BulkActionItem, FieldProperty<BulkActionItem, UUID>> { \BulkActionItem.$organizationID }
    public static let displayName = "Bulk action item"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "bulk_action_id") public var bulkActionID: UUID
    @Field(key: "position") public var position: Int
    @Field(key: "subscription_id") public var subscriptionID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    /// "C-000042 Rahim Uddin", as the report shows it.
    @Field(key: "label") public var label: String
    /// pending, done, skipped, failed
    @Field(key: "outcome") public var outcome: String
    @OptionalField(key: "message") public var message: String?

    public init() {}
}

/// A new connection being set up step by step (details, address, plan, service, review): saved
/// at every step, so a closed browser loses nothing.
public final class OnboardingDraft: TenantOwned, @unchecked Sendable {
    public static let schema = "onboarding_drafts"
    public static var organizationKey: KeyPath<OnboardingDraft, FieldProperty<OnboardingDraft, UUID>> { \OnboardingDraft.$organizationID }
    public static let displayName = "Onboarding draft"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "user_id") public var userID: UUID
    @OptionalField(key: "lead_id") public var leadID: UUID?
    /// details, address, plan, service, review
    @Field(key: "step") public var step: String
    /// The values typed so far (JSON object of strings).
    @Field(key: "data") public var dataJSON: String
    @OptionalField(key: "subscription_id") public var subscriptionID: UUID?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "updated_at") public var updatedAt: Date

    public init() {}

    public var data: [String: String] {
        get { (try? JSONDecoder().decode([String: String].self, from: Data(dataJSON.utf8))) ?? [:] }
        set {
            let encoder = JSONEncoder()
            encoder.outputFormatting = .sortedKeys
            dataJSON = (try? encoder.encode(newValue)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        }
    }
}
