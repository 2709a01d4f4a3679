import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import RouterOS

/// What pages and the API ask of provisioning: a dry run, a reconcile on demand, the history,
/// and where each account stands.
public enum Provisioning {
    /// The diff a reconcile would apply now, read live from the router (nothing is sent).
    public static func preview(_ ctx: TenantContext, routerID: String?, link: RouterLink, services: PlatformServices,
                               on db: any Database) async throws -> Reconciler.Report {
        try ctx.require(.routersManage)
        let router = try await Routers.find(ctx, routerID, on: db)
        guard router.status == .active else { throw DomainError.conflict("\(router.name) is disabled in Meghna; enable it first.") }
        return try await Reconciler.run(router, options: .init(trigger: "manual", actor: RouterActor(ctx), dryRun: true), link: link,
                                        services: services, on: db)
    }

    /// Queues a reconcile of the router now; `driftDecision` settles every held drift one way.
    @discardableResult
    public static func reconcileNow(_ ctx: TenantContext, routerID: String?, driftDecision: String?, services: PlatformServices,
                                    on db: any Database) async throws -> UUID? {
        try ctx.require(.routersManage)
        let router = try await Routers.find(ctx, routerID, on: db)
        guard router.status == .active else { throw DomainError.conflict("\(router.name) is disabled in Meghna; enable it first.") }
        if let decision = driftDecision.nonBlank, !["correct", "adopt"].contains(decision) {
            throw DomainError.invalid("drift_decision", "must be correct or adopt")
        }
        return try await db.writeTransaction { tx in
            try await Audit.record("router.reconcile", "Reconcile of \(router.name) queued\(driftDecision.nonBlank.map { ", drift: \($0) all" } ?? "")",
                                   ctx: ctx, target: .init("router", router.id), at: services.clock.now(), on: tx)
            return try await SubscriptionSync.queueReconcile(router, trigger: "manual", driftDecision: driftDecision.nonBlank, actor: RouterActor(ctx),
                                                             services: services, on: tx)
        }
    }

    public static func runs(_ ctx: TenantContext, routerID: String?, limit: Int = 10, on db: any Database) async throws -> [ReconcileRun] {
        let router = try await Routers.find(ctx, routerID, on: db)
        return try await ReconcileRun.scoped(to: ctx, on: db).filter(\.$routerID == router.id!).sort(\.$startedAt, .descending).limit(limit).all()
    }

    /// How many of the router's accounts (that the caller may see) are in each state.
    public static func accountStates(_ ctx: TenantContext, routerID: String?, on db: any Database) async throws -> [SyncState: Int] {
        let router = try await Routers.find(ctx, routerID, on: db)
        var out: [SyncState: Int] = [:]
        for state in SyncState.allCases {
            let n = try await ServiceAccount.scoped(to: ctx, on: db).filter(\.$routerID == router.id!).filter(\.$syncState == state).count()
            if n > 0 { out[state] = n }
        }
        return out
    }

    /// A subscription's account with its router's name, for its page and the API.
    public struct AccountStatus: Sendable {
        public var account: ServiceAccount
        public var routerName: String

        /// One sentence: where the account stands with its router.
        public var summary: String {
            switch account.syncState {
            case .synced: "On \(routerName) as Meghna wants it"
            case .pending: "Sending to \(routerName)…"
            case .waiting, .failed, .drift: account.syncMessage ?? "Waiting for router \(routerName)"
            }
        }
    }

    public static func status(_ ctx: TenantContext, subscriptionID: UUID, on db: any Database) async throws -> AccountStatus? {
        guard let account = try await ServiceAccounts.forSubscription(ctx, subscriptionID, on: db) else { return nil }
        let router = try await Router.inOrganization(ctx.organizationID, on: db).filter(\.$id == account.routerID).first()
        return AccountStatus(account: account, routerName: router?.name ?? "a removed router")
    }
}
