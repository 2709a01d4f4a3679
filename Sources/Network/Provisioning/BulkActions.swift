import Billing
import CRM
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform

public struct BulkActionPayload: Codable, Sendable, Equatable {
    public var bulkActionID: UUID

    public init(bulkActionID: UUID) { self.bulkActionID = bulkActionID }

    enum CodingKeys: String, CodingKey { case bulkActionID = "bulk_action_id" }
}

/// Many subscriptions at once: chosen by a filter (branch, area, router, plan, reseller, days
/// overdue) inside what the person may see, counted for confirmation, then carried out by a job
/// that records a result per subscription.
public enum BulkActions {
    public static let kind = JobKind<BulkActionPayload>("network.bulk_action")
    /// At most this many subscriptions in one action.
    public static let limit = 20_000

    public enum Action: String, Sendable, CaseIterable {
        case suspend, restore
        case changePlan = "change_plan"
        case moveRouter = "move_router"
        case resync

        public var title: String {
            switch self {
            case .suspend: "Suspend"
            case .restore: "Restore"
            case .changePlan: "Change plan"
            case .moveRouter: "Move to another router"
            case .resync: "Re-sync with the router"
            }
        }
    }

    /// The filter and the action as typed (ids as text); nil or blank means "any".
    public struct Input: Sendable, Codable, Equatable {
        public var action: String?
        public var branchID, areaID, routerID, planID, resellerID, daysOverdue: String?
        /// change_plan: the new plan; move_router: the router they move to.
        public var targetPlanID, targetRouterID: String?

        public init(action: String? = nil, branchID: String? = nil, areaID: String? = nil, routerID: String? = nil, planID: String? = nil,
                    resellerID: String? = nil, daysOverdue: String? = nil, targetPlanID: String? = nil, targetRouterID: String? = nil) {
            (self.action, self.branchID, self.areaID, self.routerID, self.planID) = (action, branchID, areaID, routerID, planID)
            (self.resellerID, self.daysOverdue, self.targetPlanID, self.targetRouterID) = (resellerID, daysOverdue, targetPlanID, targetRouterID)
        }

        enum CodingKeys: String, CodingKey {
            case action
            case branchID = "branch_id", areaID = "area_id", routerID = "router_id", planID = "plan_id", resellerID = "reseller_id"
            case daysOverdue = "days_overdue", targetPlanID = "target_plan_id", targetRouterID = "target_router_id"
        }
    }

    public struct Preview: Sendable {
        public var count: Int
        /// The first few, as "C-000042 Rahim Uddin".
        public var sample: [String]
    }

    struct Checked {
        var action: Action
        var targetPlan: Plan?
        var targetRouter: Router?
        var subscriptions: [Subscription]
    }

    static func check(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Checked {
        try ctx.require(.subscriptionsWrite)
        var v = Validator()
        let action = input.action.nonBlank.flatMap(Action.init(rawValue:))
        if action == nil { v.add("action", "must be one of " + Action.allCases.map(\.rawValue).joined(separator: ", ")) }
        func id(_ field: String, _ raw: String?) -> UUID? {
            guard let raw = raw.nonBlank else { return nil }
            guard let id = UUID(uuidString: raw) else { v.add(field, "must be an id"); return nil }
            return id
        }
        let branch = id("branch_id", input.branchID), area = id("area_id", input.areaID), router = id("router_id", input.routerID)
        let plan = id("plan_id", input.planID), reseller = id("reseller_id", input.resellerID)
        let targetPlanID = id("target_plan_id", input.targetPlanID), targetRouterID = id("target_router_id", input.targetRouterID)
        var days: Int?
        if let raw = input.daysOverdue.nonBlank {
            if let n = Int(raw), (0...3650).contains(n) { days = n } else { v.add("days_overdue", "must be a whole number of days from 0 to 3650") }
        }
        try v.check()
        guard let action else { throw DomainError.invalid("action", "is required") }
        var targetPlan: Plan?, targetRouter: Router?
        switch action {
        case .changePlan:
            guard let targetPlanID else { throw DomainError.invalid("target_plan_id", "is required to change plans") }
            targetPlan = try await Plan.scoped(to: ctx, on: db).filter(\.$id == targetPlanID).filter(\.$status == .active).first()
            if targetPlan == nil { throw DomainError.invalid("target_plan_id", "is not an active plan you can see") }
        case .moveRouter:
            try ctx.require(.routersManage)
            guard let targetRouterID else { throw DomainError.invalid("target_router_id", "is required to move subscriptions") }
            targetRouter = try await Router.scoped(to: ctx, on: db).filter(\.$id == targetRouterID).first()
            if targetRouter == nil { throw DomainError.invalid("target_router_id", "is not a router you can see") }
        case .resync:
            try ctx.require(.routersManage)
        default: break
        }
        let query = Subscription.scoped(to: ctx, on: db)
        switch action {
        case .suspend: query.filter(\.$status == .active)
        case .restore: query.filter(\.$status == .suspended)
        default: query.filter(\.$status ~~ [.active, .suspended])
        }
        if let branch { query.filter(\.$branchID == branch) }
        if let plan { query.filter(\.$planID == plan) }
        if let reseller { query.filter(\.$resellerID == reseller) }
        if let area {
            let customers = try await Customer.scoped(to: ctx, on: db).filter(\.$areaID == area).all(\.$id)
            query.filter(\.$customerID ~~ customers)
        }
        if let router {
            let subscriptions = try await ServiceAccount.scoped(to: ctx, on: db).filter(\.$routerID == router).all(\.$subscriptionID)
            query.filter(\.$id ~~ subscriptions)
        }
        if let days {
            let cutoff = LocalDate.today(services.clock.now(), in: ctx.timeZone).adding(days: -days).description
            let overdue = try await Invoice.scoped(to: ctx, on: db).filter(\.$status ~~ [.issued, .partiallyPaid]).filter(\.$dueOn <= cutoff).all(\.$subscriptionID)
            query.filter(\.$id ~~ Array(Set(overdue.compactMap { $0 })))
        }
        let subscriptions = try await query.sort(\.$createdAt).limit(limit + 1).all()
        if subscriptions.count > limit {
            throw DomainError.invalid("action", "would touch more than \(limit) subscriptions; narrow the filter (a branch, an area, a router)")
        }
        return Checked(action: action, targetPlan: targetPlan, targetRouter: targetRouter, subscriptions: subscriptions)
    }

    static func labels(_ subscriptions: [Subscription], organizationID: UUID, on db: any Database) async throws -> [UUID: String] {
        var out: [UUID: String] = [:]
        let ids = Array(Set(subscriptions.map(\.customerID)))
        for start in stride(from: 0, to: ids.count, by: 1000) {
            for c in try await Customer.inOrganization(organizationID, on: db).filter(\.$id ~~ Array(ids[start..<min(start + 1000, ids.count)])).all() {
                out[c.id!] = "\(c.numberText) \(c.displayName)"
            }
        }
        return out
    }

    /// How many subscriptions the action would touch, for the confirmation.
    public static func preview(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Preview {
        let checked = try await check(ctx, input, services: services, on: db)
        let first = Array(checked.subscriptions.prefix(10))
        let names = try await labels(first, organizationID: ctx.organizationID, on: db)
        return Preview(count: checked.subscriptions.count, sample: first.map { names[$0.customerID] ?? $0.id!.uuidString })
    }

    static let itemInsert = CellInsert("INSERT INTO bulk_action_items (id, organization_id, bulk_action_id, position, subscription_id, customer_id, label, outcome, message) ",
                                       [.uuid, .uuid, .uuid, .int, .uuid, .uuid, .text, .text, .text])

    /// Records the action and its subscriptions as they are now, and queues the job.
    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> BulkAction {
        let checked = try await check(ctx, input, services: services, on: db)
        guard !checked.subscriptions.isEmpty else { throw DomainError.invalid("action", "no subscription matches the filter") }
        let names = try await labels(checked.subscriptions, organizationID: ctx.organizationID, on: db)
        let now = services.clock.now()
        let action = BulkAction()
        action.id = UUID.timeOrdered()
        action.organizationID = ctx.organizationID
        action.action = checked.action.rawValue
        var filter = input
        filter.action = nil
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        action.filterJSON = String(decoding: try encoder.encode(filter), as: UTF8.self)
        action.planID = checked.targetPlan?.id
        action.routerID = checked.targetRouter?.id
        action.actorUserID = ctx.actor.userID
        action.actorLabel = String(ctx.actor.label.prefix(254))
        action.state = "queued"
        action.total = checked.subscriptions.count
        action.done = 0
        action.failed = 0
        action.createdAt = now
        let rows: [[SQLCell]] = checked.subscriptions.enumerated().map { i, s in
            [.uuid(UUID.timeOrdered()), .uuid(ctx.organizationID), .uuid(action.id!), .int(Int64(i)), .uuid(s.id!), .uuid(s.customerID),
             .text(names[s.customerID] ?? s.id!.uuidString), .text("pending"), .null]
        }
        let summary = "\(checked.action.title): \(checked.subscriptions.count) subscription(s)"
        try await db.writeTransaction { tx in
            try await action.create(on: tx)
            for statement in itemInsert.batches(rows, on: tx) { try await tx.run(statement) }
            try await services.jobs.enqueue(kind, .init(bulkActionID: action.id!), queue: NetworkContracts.queue, organizationID: ctx.organizationID, on: tx)
            try await Audit.record("bulk_action.created", summary, ctx: ctx, target: .init("bulk_action", action.id), at: now, on: tx)
        }
        return action
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> BulkAction {
        try ctx.require(.subscriptionsRead)
        let action = try await BulkAction.find(id, in: ctx, on: db)
        // Branch and reseller staff see the actions they started.
        if ctx.branchIDs != nil || ctx.isResellerScoped, action.actorUserID != ctx.actor.userID { throw DomainError.notFound("Bulk action") }
        return action
    }

    public static func list(_ ctx: TenantContext, limit: Int = 50, on db: any Database) async throws -> [BulkAction] {
        try ctx.require(.subscriptionsRead)
        let query = BulkAction.scoped(to: ctx, on: db)
        if ctx.branchIDs != nil || ctx.isResellerScoped { query.filter(\.$actorUserID == ctx.actor.userID) }
        return try await query.sort(\.$createdAt, .descending).limit(limit).all()
    }

    public static func items(_ ctx: TenantContext, _ action: BulkAction, on db: any Database) async throws -> [BulkActionItem] {
        try await BulkActionItem.scoped(to: ctx, on: db).filter(\.$bulkActionID == action.id!).sort(\.$position).all()
    }

    /// The job: each pending item in order, counters saved as it goes (a retried job carries on
    /// where it stopped).
    public static func carryOut(_ payload: BulkActionPayload, organizationID: UUID, services: PlatformServices, on db: any Database) async throws {
        guard let action = try await BulkAction.inOrganization(organizationID, on: db).filter(\.$id == payload.bulkActionID).first(),
              let kind = Action(rawValue: action.action) else { throw JobFailure.discard("no such bulk action") }
        action.state = "running"
        try await action.save(on: db)
        let org = try await Organization.find(organizationID, on: db)
        let ctx = TenantContext.system("bulk action by \(action.actorLabel)", organizationID: organizationID,
                                       timeZone: org?.timeZone ?? TimeZone(identifier: "Asia/Dhaka")!)
        var targetRouter: Router?
        if let id = action.routerID { targetRouter = try await Router.inOrganization(organizationID, on: db).filter(\.$id == id).first() }
        while true {
            let batch = try await BulkActionItem.inOrganization(organizationID, on: db).filter(\.$bulkActionID == action.id!).filter(\.$outcome == "pending")
                .sort(\.$position).limit(25).all()
            if batch.isEmpty { break }
            for item in batch {
                do {
                    (item.outcome, item.message) = try await apply(kind, item, action: action, targetRouter: targetRouter, ctx: ctx, services: services, on: db)
                } catch let error as DomainError {
                    (item.outcome, item.message) = ("failed", error.description)
                }
                try await item.save(on: db)
                if item.outcome == "failed" { action.failed += 1 }
                action.done += 1
            }
            try await action.save(on: db)
        }
        action.state = "done"
        action.finishedAt = services.clock.now()
        try await action.save(on: db)
    }

    static func apply(_ kind: Action, _ item: BulkActionItem, action: BulkAction, targetRouter: Router?, ctx: TenantContext, services: PlatformServices,
                      on db: any Database) async throws -> (String, String?) {
        let id = item.subscriptionID.uuidString
        switch kind {
        case .suspend:
            _ = try await Subscriptions.suspend(ctx, id, reason: "bulk action", on: nil, pauseBilling: false, services: services, on: db)
            return ("done", "suspended; the router follows")
        case .restore:
            _ = try await Subscriptions.resume(ctx, id, on: nil, services: services, on: db)
            return ("done", "restored; the router follows")
        case .changePlan:
            let quote = try await Subscriptions.changePlan(ctx, id, planID: action.planID?.uuidString, effective: "now", on: nil, preview: false,
                                                           services: services, on: db)
            return ("done", "plan changed from \(quote.startsOn)")
        case .moveRouter:
            guard let targetRouter else { return ("failed", "the router no longer exists") }
            guard let account = try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$subscriptionID == item.subscriptionID).first() else {
                return ("skipped", "no router account")
            }
            if account.routerID == targetRouter.id { return ("skipped", "already on \(targetRouter.name)") }
            if try await !ServiceAccounts.isUsernameFree(account.username, on: targetRouter, on: db) {
                return ("failed", "\(account.username) is already used on \(targetRouter.name)")
            }
            let old = try await Router.inOrganization(ctx.organizationID, on: db).filter(\.$id == account.routerID).first()
            account.routerID = targetRouter.id!
            account.syncState = .pending
            account.syncMessage = nil
            try await db.writeTransaction { tx in
                try await account.save(on: tx)
                try await SubscriptionSync.queue(account.subscriptionID, organizationID: ctx.organizationID, reason: "moved", services: services, on: tx)
                // The old router lets the account go at its next reconcile, queued now (one per router and minute).
                if let old {
                    let minute = Int(services.clock.now().timeIntervalSince1970 / 60)
                    try await SubscriptionSync.queueReconcile(old, trigger: "change", slot: "move\(minute)", services: services, on: tx)
                }
            }
            return ("done", "moved to \(targetRouter.name)")
        case .resync:
            guard try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$subscriptionID == item.subscriptionID).first() != nil else {
                return ("skipped", "no router account")
            }
            try await SubscriptionSync.queue(item.subscriptionID, organizationID: ctx.organizationID, reason: "resync", services: services, on: db)
            return ("done", "sent to the router again")
        }
    }
}
