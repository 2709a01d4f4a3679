import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Holding suspension off for a customer: a promise to pay by a day (collectors and clerks,
/// `payments.write`), or VIP (never suspended automatically: `settings.manage`). Each has a
/// reason and its actor; ending one is recorded too. The customer is re-evaluated at once
/// (a promise lifts a dunning suspension at once; ending one lets the next daily pass suspend).
public enum Exclusions {
    public struct Input: Sendable {
        public var customerID, kind, until, reason: String?
        public init(customerID: String?, kind: String?, until: String? = nil, reason: String?) {
            (self.customerID, self.kind, self.until, self.reason) = (customerID, kind, until, reason)
        }
    }

    /// The longest a promise may run.
    public static let maxPromiseDays = 60

    public static func add(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> DunningExclusion {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Holds on suspension are the ISP's to give.") }
        let customer = try await Customer.find(input.customerID, in: ctx, on: db)
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        var v = Validator()
        let kind = v.choice("kind", input.kind, as: ExclusionKind.self, required: true)
        let reason = v.text("reason", input.reason, max: 300)
        var until: LocalDate?
        if kind == .promiseToPay {
            until = v.localDate("until", input.until)
            if input.until.nonBlank == nil { v.add("until", "is required for a promise to pay") }
            if let day = until, day < today { v.add("until", "must not be before today (\(today))") }
            if let day = until, day > today.adding(days: maxPromiseDays) { v.add("until", "must be within \(maxPromiseDays) days (by \(today.adding(days: maxPromiseDays)))") }
        }
        try v.check()
        if kind == .vip { try ctx.require(.settingsManage) }
        guard let kind, let reason else { throw DomainError.invalid("kind", "is required") }
        let promisedUntil = until
        let exclusion = try await db.writeTransaction { tx in
            let e = DunningExclusion()
            e.organizationID = ctx.organizationID
            e.customerID = customer.id!
            e.kind = kind
            e.until = promisedUntil?.description
            e.reason = reason
            e.actor = ctx.actor.label
            e.createdAt = now
            try await e.create(on: tx)
            let summary = kind == .vip ? "Marked VIP: not suspended automatically (\(reason))" : "Promise to pay by \(promisedUntil?.description ?? "") (\(reason))"
            try await Audit.record("dunning.exclusion_added", summary, ctx: ctx, target: .init("customer", customer.id!),
                                   metadata: ["kind": kind.rawValue, "until": promisedUntil?.description ?? ""], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "dunning.exclusion", summary: summary, at: now, on: tx)
            return e
        }
        await Dunning.reevaluate(customerID: customer.id!, ctx, services: services, on: db)
        return exclusion
    }

    public static func end(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> DunningExclusion {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Holds on suspension are the ISP's to give.") }
        let e = try await DunningExclusion.find(id, in: ctx, on: db)
        // The customer must be one the viewer may see.
        _ = try await Customer.find(e.customerID.uuidString, in: ctx, on: db)
        if e.kind == .vip { try ctx.require(.settingsManage) }
        guard e.endedAt == nil else { throw DomainError.conflict("This exclusion has already ended.") }
        let now = services.clock.now()
        e.endedAt = now
        e.endedBy = ctx.actor.label
        try await db.writeTransaction { tx in
            try await e.save(on: tx)
            let summary = e.kind == .vip ? "VIP ended: suspended automatically again when unpaid" : "Promise to pay by \(e.until ?? "") withdrawn"
            try await Audit.record("dunning.exclusion_ended", summary, ctx: ctx, target: .init("customer", e.customerID), at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", e.customerID), kind: "dunning.exclusion", summary: summary, at: now, on: tx)
        }
        await Dunning.reevaluate(customerID: e.customerID, ctx, services: services, on: db)
        return e
    }

    /// The customer's exclusions, newest first (ended ones included).
    public static func list(_ ctx: TenantContext, customerID: UUID, on db: any Database) async throws -> [DunningExclusion] {
        try ctx.require(.paymentsRead)
        return try await DunningExclusion.scoped(to: ctx, on: db).filter(\.$customerID == customerID).sort(\.$createdAt, .descending).all()
    }
}
