import Billing
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import RouterOS

public struct ReconcilePayload: Codable, Sendable, Equatable {
    public var routerID: UUID
    public var trigger: String
    /// "correct" or "adopt": settle every held drift this way.
    public var driftDecision: String?
    public var actorLabel: String?
    public var actorUserID: UUID?

    public init(routerID: UUID, trigger: String, driftDecision: String? = nil, actorLabel: String? = nil, actorUserID: UUID? = nil) {
        (self.routerID, self.trigger, self.driftDecision, self.actorLabel, self.actorUserID) = (routerID, trigger, driftDecision, actorLabel, actorUserID)
    }

    enum CodingKeys: String, CodingKey {
        case trigger
        case routerID = "router_id"
        case driftDecision = "drift_decision"
        case actorLabel = "actor_label"
        case actorUserID = "actor_user_id"
    }
}

/// The jobs that keep routers in line: one account at once when its subscription changes
/// (`network.apply_subscription_state`), a whole router on a schedule, on demand and when it
/// answers again after being down.
public enum SubscriptionSync {
    public static let reconcileKind = JobKind<ReconcilePayload>("network.reconcile_router")
    public static let scheduleKind = "network.schedule_reconciles"

    static func queue(_ subscriptionID: UUID, organizationID: UUID, reason: String, services: PlatformServices, on db: any Database) async throws {
        try await services.jobs.enqueue(NetworkContracts.applySubscriptionState,
                                        SubscriptionStatePayload(subscriptionID: subscriptionID, status: "", reason: reason),
                                        queue: NetworkContracts.queue, organizationID: organizationID, on: db)
    }

    /// Queues a reconcile of the router (`slot`, when given, makes it one per router and slot).
    @discardableResult
    public static func queueReconcile(_ router: Router, trigger: String, driftDecision: String? = nil, actor: RouterActor? = nil, slot: String? = nil,
                                      services: PlatformServices, on db: any Database) async throws -> UUID? {
        try await services.jobs.enqueue(reconcileKind, ReconcilePayload(routerID: router.id!, trigger: trigger, driftDecision: driftDecision,
                                                                        actorLabel: actor?.label, actorUserID: actor?.userID),
                                        queue: NetworkContracts.queue, organizationID: router.organizationID,
                                        uniqueKey: slot.map { "reconcile:\(router.id!):\($0)" }, maxAttempts: trigger == "schedule" ? 3 : 10, on: db)
    }

    /// Every active router, every quarter hour: anything that drifted or failed is brought back.
    @discardableResult
    public static func queueScheduled(services: PlatformServices, on db: any Database) async throws -> Int {
        let slot = Int(services.clock.now().timeIntervalSince1970 / 900)
        var queued = 0
        for router in try await Router.query(on: db).filter(\.$status == .active).all() {
            if try await queueReconcile(router, trigger: "schedule", slot: "s\(slot)", services: services, on: db) != nil { queued += 1 }
        }
        return queued
    }

    /// The handler of `network.apply_subscription_state`: the subscription's account on its
    /// router as the subscription is now. A router that cannot be reached leaves the account
    /// "waiting" and the job retries (and the reconcile after the router answers again brings
    /// it in line); a refusal stops the job with the router's words on the account.
    public static func apply(_ payload: SubscriptionStatePayload, organizationID: UUID, link: RouterLink, services: PlatformServices,
                             on db: any Database) async throws {
        guard try await Subscription.inOrganization(organizationID, on: db).filter(\.$id == payload.subscriptionID).first() != nil else {
            throw JobFailure.discard("subscription \(payload.subscriptionID) is not in the job's organization")
        }
        guard let account = try await ServiceAccount.inOrganization(organizationID, on: db).filter(\.$subscriptionID == payload.subscriptionID).first(),
              let router = try await Router.inOrganization(organizationID, on: db).filter(\.$id == account.routerID).first() else { return }
        guard router.status == .active else {
            try await ProvisioningStore.setState([account.id!], .waiting, "Waiting for router \(router.name): it is disabled in Meghna",
                                                 at: services.clock.now(), on: db)
            return
        }
        if account.syncState == .synced {
            try await ProvisioningStore.setState([account.id!], .pending, nil, at: services.clock.now(), on: db)
        }
        let report: Reconciler.Report
        do {
            report = try await Reconciler.run(router, scope: .account(account.id!),
                                              options: .init(trigger: "change", actor: .job(NetworkContracts.applySubscriptionState.name)),
                                              link: link, services: services, on: db)
        } catch let error as RouterOSError where error.isPermanent {
            throw JobFailure.discard("Router \(router.name): \(error.description)")
        }
        if let error = report.temporaryError { throw error }
        if report.failures > 0 { throw JobFailure.discard("Router \(router.name): \(report.message ?? "a change was refused")") }
    }

    /// The handler of `network.reconcile_router`.
    public static func reconcile(_ payload: ReconcilePayload, organizationID: UUID, link: RouterLink, services: PlatformServices,
                                 on db: any Database) async throws {
        guard let router = try await Router.inOrganization(organizationID, on: db).filter(\.$id == payload.routerID).first(),
              router.status == .active else { return }
        let actor = payload.actorLabel.map { RouterActor(userID: payload.actorUserID, label: $0) } ?? .job(reconcileKind.name)
        let report: Reconciler.Report
        do {
            report = try await Reconciler.run(router, options: .init(trigger: payload.trigger, actor: actor, driftDecision: payload.driftDecision),
                                              link: link, services: services, on: db)
        } catch let error as RouterOSError where error.isPermanent {
            throw JobFailure.discard("Router \(router.name): \(error.description)")
        }
        if let error = report.temporaryError { throw error }
    }
}
