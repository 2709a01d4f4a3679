import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Drift held for an engineer: list it, and choose per entry whether Meghna's value or the
/// router's wins. The choice is carried out by a reconcile queued at once.
public enum Drift {
    public static func list(_ ctx: TenantContext, routerID: String?, on db: any Database) async throws -> [RouterDrift] {
        let router = try await Routers.find(ctx, routerID, on: db)
        return try await RouterDrift.scoped(to: ctx, on: db).filter(\.$routerID == router.id!).sort(\.$menu).sort(\.$key).sort(\.$field).all()
    }

    /// Records `decision` ("correct" or "adopt") for the given drift rows of the router and
    /// queues a reconcile to carry it out.
    @discardableResult
    public static func decide(_ ctx: TenantContext, routerID: String?, driftIDs: [String], decision: String?, services: PlatformServices,
                              on db: any Database) async throws -> Int {
        try ctx.require(.routersManage)
        let router = try await Routers.find(ctx, routerID, on: db)
        guard let decision = decision.nonBlank, ["correct", "adopt"].contains(decision) else {
            throw DomainError.invalid("decision", "must be correct or adopt")
        }
        let ids = driftIDs.compactMap(UUID.init(uuidString:))
        guard !ids.isEmpty, ids.count == driftIDs.count else { throw DomainError.invalid("drift_ids", "must list the drift to settle") }
        let rows = try await RouterDrift.scoped(to: ctx, on: db).filter(\.$routerID == router.id!).filter(\.$id ~~ ids).all()
        guard rows.count == ids.count else { throw DomainError.notFound("Drift") }
        var v = Validator()
        if decision == "adopt" {
            for row in rows {
                let menu = ProvisioningMenu(rawValue: row.menu)
                if row.field == "*" { continue }
                if menu?.adoptableFields.contains(row.field) != true {
                    v.add("decision", "\(row.key)'s \(row.field) cannot be adopted: it follows the plan or billing; correct it instead")
                }
            }
        }
        try v.check()
        let now = services.clock.now()
        try await db.writeTransaction { tx in
            for row in rows {
                row.decision = decision
                row.decidedBy = String(ctx.actor.label.prefix(254))
                row.decidedAt = now
                try await row.save(on: tx)
            }
            try await Audit.record("router.drift_\(decision)", "\(decision == "adopt" ? "Adopted" : "Corrected") \(rows.count) hand edit(s) on \(router.name)",
                                   ctx: ctx, target: .init("router", router.id), at: now, on: tx)
            try await SubscriptionSync.queueReconcile(router, trigger: "manual", actor: RouterActor(ctx), services: services, on: tx)
        }
        return rows.count
    }
}
