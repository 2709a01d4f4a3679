import Foundation
import MeghnaCore
import MeghnaNetwork

/// A subscription's router account as the API shows it: never its password (except once, in
/// the answer that made it).
struct ServiceAccountDTO: Encodable {
    var id, subscriptionID, routerID: UUID
    var routerName, service, username, state, summary: String
    var staticIP, callerID, profileOverride, message: String?
    var syncedAt: Date?
    var password: String?

    enum CodingKeys: String, CodingKey {
        case id, service, username, state, summary, message, password
        case subscriptionID = "subscription_id", routerID = "router_id", routerName = "router_name", staticIP = "static_ip"
        case callerID = "caller_id", profileOverride = "profile_override", syncedAt = "synced_at"
    }

    init(_ status: Provisioning.AccountStatus, password: String? = nil) {
        let a = status.account
        (id, subscriptionID, routerID, routerName, service, username) = (a.id!, a.subscriptionID, a.routerID, status.routerName, a.service.rawValue, a.username)
        (state, summary, staticIP, callerID, profileOverride, message) = (a.syncState.rawValue, status.summary, a.staticIP, a.callerID, a.profileOverride, a.syncMessage)
        (syncedAt, self.password) = (a.syncedAt, password)
    }

    static let schema = Schema.named("RouterAccount", .object([
        ("id", .uuid), ("subscription_id", .uuid), ("router_id", .uuid), ("router_name", .string()),
        ("service", .choice(AccessService.allCases.map(\.rawValue))), ("username", .string()),
        ("state", .choice(SyncState.allCases.map(\.rawValue), description: "synced: the router holds it; pending: being sent; waiting: the router does not answer (it goes out when it does); failed: the router refused (see message); drift: changed by hand on the router")),
        ("summary", .string(description: "One sentence, as the subscription page says it")),
        ("static_ip", .nullable(.string())), ("caller_id", .nullable(.string())), ("profile_override", .nullable(.string())),
        ("message", .nullable(.string(description: "The router's words when it refused, or why Meghna waits"))), ("synced_at", .nullable(.dateTime)),
        ("password", .described(.string(), "Only in the answer that made the account or a new password: shown once, never again")),
    ], required: ["id", "subscription_id", "router_id", "router_name", "service", "username", "state", "summary"]))
}

struct ServiceAccountRequest: Decodable {
    var routerID, service, username, password, staticIP, callerID: String?

    enum CodingKeys: String, CodingKey {
        case username, password
        case service = "service_type", routerID = "router_id", staticIP = "static_ip", callerID = "caller_id"
    }

    var input: ServiceAccounts.Input {
        .init(routerID: routerID, service: service, username: username, password: password, staticIP: staticIP, callerID: callerID)
    }

    static let schema = Schema.named("RouterAccountRequest", .input([
        ("router_id", .uuid), ("service_type", .choice(AccessService.allCases.map(\.rawValue), description: "pppoe or hotspot; default: the plan's")),
        ("username", .optionalText(max: 64, description: "Default: the customer number; unique on the router")),
        ("password", .optionalText(max: 64, description: "Default: generated; returned once")),
        ("static_ip", .optionalText(max: 15, description: "An IPv4 address")),
        ("caller_id", .optionalText(max: 17, description: "A MAC address binding the account to one device")),
    ], required: ["router_id"]))
}

/// One entry of a reconcile's diff.
struct EntryDiffDTO: Encodable {
    var diff: EntryDiff

    func encode(to encoder: any Encoder) throws { try diff.encode(to: encoder) }

    static let fieldSchema = Schema.object([
        ("field", .string()), ("router", .nullable(.string(description: "On the router now (a password as ••••)"))),
        ("meghna", .nullable(.string(description: "What Meghna wants"))), ("drift", .described(.boolean, "Changed on the router by hand")),
        ("decision", .nullable(.choice(["correct", "adopt"]))), ("held", .described(.boolean, "Drift waiting for an engineer's choice: not sent")),
    ], required: ["field", "drift", "held"])

    static let schema = Schema.named("ReconcileEntry", .object([
        ("menu", .choice(ProvisioningMenu.allCases.map(\.rawValue))), ("key", .string(description: "The name (or the address in meghna-unpaid)")),
        ("kind", .choice(EntryDiff.Kind.allCases.map(\.rawValue))), ("item_id", .nullable(.string(description: "The router's id, such as *1A"))),
        ("fields", .array(fieldSchema)), ("account_id", .nullable(.uuid)), ("customer_id", .nullable(.uuid)), ("note", .nullable(.string())),
    ], required: ["menu", "key", "kind", "fields"]))
}

struct ReconcileDTO: Encodable {
    var dryRun: Bool
    var added, changed, removed, disconnected, drift, conflicts, unmanaged: Int
    var entries: [EntryDiffDTO]
    var jobID: UUID?

    enum CodingKeys: String, CodingKey {
        case added, changed, removed, disconnected, drift, conflicts, unmanaged, entries
        case dryRun = "dry_run", jobID = "job_id"
    }

    init(plan: RouterPlan?, jobID: UUID?) {
        dryRun = plan != nil
        added = plan?.count(.add) ?? 0
        changed = plan?.count(.change) ?? 0
        removed = plan?.count(.remove) ?? 0
        disconnected = plan?.count(.disconnect) ?? 0
        drift = plan?.driftCount ?? 0
        conflicts = plan?.count(.conflict) ?? 0
        unmanaged = plan?.unmanaged ?? 0
        entries = plan?.entries.map(EntryDiffDTO.init) ?? []
        self.jobID = jobID
    }

    static let schema = Schema.named("Reconcile", .object([
        ("dry_run", .boolean), ("added", .integer()), ("changed", .integer()), ("removed", .integer()), ("disconnected", .integer()),
        ("drift", .described(.integer(), "Fields changed on the router by hand")), ("conflicts", .integer()),
        ("unmanaged", .described(.integer(), "Entries not Meghna's, left alone")), ("entries", .array(EntryDiffDTO.schema)),
        ("job_id", .nullable(.described(.uuid, "The queued reconcile (not a dry run)"))),
    ], required: ["dry_run", "added", "changed", "removed", "disconnected", "drift", "conflicts", "unmanaged", "entries"]))
}

struct RouterDriftDTO: Encodable {
    var id, routerID: UUID
    var accountID: UUID?
    var menu, key, field: String
    var meghnaValue, routerValue, decision, decidedBy: String?
    var detectedAt: Date

    enum CodingKeys: String, CodingKey {
        case id, menu, key, field, decision
        case routerID = "router_id", accountID = "account_id", meghnaValue = "meghna_value", routerValue = "router_value"
        case decidedBy = "decided_by", detectedAt = "detected_at"
    }

    init(_ d: RouterDrift) {
        (id, routerID, accountID, menu, key, field) = (d.id!, d.routerID, d.accountID, d.menu, d.key, d.field)
        (meghnaValue, routerValue, decision, decidedBy, detectedAt) = (d.meghnaValue, d.routerValue, d.decision, d.decidedBy, d.detectedAt)
    }

    static let schema = Schema.named("RouterDrift", .object([
        ("id", .uuid), ("router_id", .uuid), ("account_id", .nullable(.uuid)), ("menu", .string()), ("key", .string()),
        ("field", .string(description: "* for a whole entry not made by Meghna that holds a name Meghna needs")),
        ("meghna_value", .nullable(.string())), ("router_value", .nullable(.string())), ("decision", .nullable(.choice(["correct", "adopt"]))),
        ("decided_by", .nullable(.string())), ("detected_at", .dateTime),
    ], required: ["id", "router_id", "menu", "key", "field", "detected_at"]))
}

struct DriftDecisionRequest: Decodable {
    var driftIDs: [String]?
    var decision: String?

    enum CodingKeys: String, CodingKey {
        case decision
        case driftIDs = "drift_ids"
    }

    static let schema = Schema.named("DriftDecision", .input([
        ("drift_ids", .array(.uuid, minItems: 1)), ("decision", .choice(["correct", "adopt"], description: "correct: the router gets Meghna's value; adopt: Meghna takes the router's")),
    ], required: ["drift_ids", "decision"]))
}

struct ReconcileRunDTO: Encodable {
    var id: UUID
    var trigger, actor, outcome: String
    var startedAt, finishedAt: Date
    var added, changed, removed, drift, conflicts, commands: Int
    var message: String?

    enum CodingKeys: String, CodingKey {
        case id, trigger, actor, outcome, added, changed, removed, drift, conflicts, commands, message
        case startedAt = "started_at", finishedAt = "finished_at"
    }

    init(_ r: ReconcileRun) {
        (id, trigger, actor, outcome, startedAt, finishedAt) = (r.id!, r.trigger, r.actor, r.outcome, r.startedAt, r.finishedAt)
        (added, changed, removed, drift, conflicts, commands, message) = (r.added, r.changed, r.removed, r.drift, r.conflicts, r.commands, r.message)
    }

    static let schema = Schema.named("ReconcileRun", .object([
        ("id", .uuid), ("trigger", .choice(["schedule", "change", "manual", "recovery"])), ("actor", .string()),
        ("outcome", .choice(["done", "partial", "failed"])), ("started_at", .dateTime), ("finished_at", .dateTime),
        ("added", .integer()), ("changed", .integer()), ("removed", .integer()), ("drift", .integer()), ("conflicts", .integer()),
        ("commands", .integer()), ("message", .nullable(.string())),
    ], required: ["id", "trigger", "actor", "outcome", "started_at", "finished_at", "added", "changed", "removed", "drift", "conflicts", "commands"]))
}

struct BulkActionRequest: Decodable {
    var input: BulkActions.Input

    init(from decoder: any Decoder) throws {
        input = try BulkActions.Input(from: decoder)
    }

    static let schema = Schema.named("BulkActionRequest", .input([
        ("action", .choice(BulkActions.Action.allCases.map(\.rawValue))),
        ("branch_id", .uuid), ("area_id", .uuid), ("router_id", .described(.uuid, "Subscriptions whose account is on this router")), ("plan_id", .uuid),
        ("reseller_id", .uuid), ("days_overdue", .described(.string(pattern: "[0-9]{1,4}", message: "must be a whole number of days"), "With an unpaid invoice due at least this many days ago (0 to 3650)")),
        ("target_plan_id", .described(.uuid, "change_plan: the new plan")), ("target_router_id", .described(.uuid, "move_router: where they move")),
    ], required: ["action"]))
}

struct BulkPreviewDTO: Encodable {
    var count: Int
    var sample: [String]

    static let schema = Schema.named("BulkActionPreview", .object([
        ("count", .integer()), ("sample", .array(.string(description: "Customer number and name"))),
    ], required: ["count", "sample"]))
}

struct BulkActionDTO: Encodable {
    var id: UUID
    var action, state, actor: String
    var total, done, failed: Int
    var filter: [String: String]
    var createdAt: Date
    var finishedAt: Date?
    var items: [Item]?

    struct Item: Encodable {
        var position: Int
        var subscriptionID, customerID: UUID
        var customer, outcome: String
        var message: String?

        enum CodingKeys: String, CodingKey {
            case position, customer, outcome, message
            case subscriptionID = "subscription_id", customerID = "customer_id"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, action, state, actor, total, done, failed, filter, items
        case createdAt = "created_at", finishedAt = "finished_at"
    }

    init(_ a: BulkAction, items: [BulkActionItem]? = nil) {
        (id, action, state, actor, total, done, failed) = (a.id!, a.action, a.state, a.actorLabel, a.total, a.done, a.failed)
        filter = ((try? JSONDecoder().decode([String: String?].self, from: Data(a.filterJSON.utf8))) ?? [:]).compactMapValues { $0 }
        (createdAt, finishedAt) = (a.createdAt, a.finishedAt)
        self.items = items?.map { Item(position: $0.position + 1, subscriptionID: $0.subscriptionID, customerID: $0.customerID, customer: $0.label,
                                       outcome: $0.outcome, message: $0.message) }
    }

    static let itemSchema = Schema.object([
        ("position", .integer()), ("subscription_id", .uuid), ("customer_id", .uuid), ("customer", .string()),
        ("outcome", .choice(["pending", "done", "skipped", "failed"])), ("message", .nullable(.string())),
    ], required: ["position", "subscription_id", "customer_id", "customer", "outcome"])

    static let schema = Schema.named("BulkAction", .object([
        ("id", .uuid), ("action", .choice(BulkActions.Action.allCases.map(\.rawValue))), ("state", .choice(["queued", "running", "done"])),
        ("actor", .string()), ("total", .integer()), ("done", .integer()), ("failed", .integer()),
        ("filter", .object([], additional: .values(.string()))), ("created_at", .dateTime), ("finished_at", .nullable(.dateTime)),
        ("items", .described(.array(itemSchema), "One subscription's answer only: the result per subscription")),
    ], required: ["id", "action", "state", "actor", "total", "done", "failed", "filter", "created_at"]))
}

struct RouterImportRequest: Decodable {
    var planMap: [String: String]?

    enum CodingKeys: String, CodingKey { case planMap = "plan_map" }

    static let schema = Schema.named("RouterImportRequest", .input([
        ("plan_map", .described(.object([], additional: .values(.uuid)), "Router profile → plan id, for profiles not named like a plan's code")),
    ]))
}

struct ImportCandidateDTO: Encodable {
    var candidate: RouterImport.Candidate

    func encode(to encoder: any Encoder) throws { try candidate.encode(to: encoder) }

    static let schema = Schema.named("RouterImportEntry", .object([
        ("service", .choice(["pppoe", "hotspot"])), ("name", .string()), ("profile", .string()), ("plan_code", .nullable(.string())),
        ("comment", .nullable(.string())), ("phone", .nullable(.string(description: "A mobile found in the comment"))),
        ("caller_id", .nullable(.string())), ("static_ip", .nullable(.string())), ("disabled", .boolean),
        ("outcome", .choice(["create", "created", "skip"], description: "create: a dry run would create it; created; skip: left out (see reason)")),
        ("reason", .nullable(.string())), ("customer_number", .nullable(.string())), ("subscription_id", .nullable(.uuid)),
    ], required: ["service", "name", "profile", "disabled", "outcome"]))
}
