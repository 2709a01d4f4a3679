import Billing
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import SQLKit

/// The pass's writes, in bulk: status changes (through `Subscriptions.applyStates`), states,
/// notices, late fees, the pass record and its audit entry.
enum DunningWrites {
    static let stateUpsert = CellInsert("""
        INSERT INTO dunning_states (id, organization_id, customer_id, stage, stage_since, due_on, overdue, late_fee_due_on, updated_at) 
        """, [.uuid, .uuid, .uuid, .text, .text, .text, .int, .text, .date])
    static let stateTail = """
         ON CONFLICT (id) DO UPDATE SET stage = excluded.stage, stage_since = excluded.stage_since, due_on = excluded.due_on, \
        overdue = excluded.overdue, late_fee_due_on = excluded.late_fee_due_on, updated_at = excluded.updated_at
        """
    static let noticeInsert = CellInsert("""
        INSERT INTO dunning_notices (id, organization_id, subscription_id, customer_id, kind, due_on, step, "on", created_at) 
        """, [.uuid, .uuid, .uuid, .uuid, .text, .text, .int, .text, .date])

    public static let sendNoticesJob = "collections.send_notices"

    /// Reminders are kept as "reminder" (one per due date and step, whatever the day calls it);
    /// the message names it by the day it goes out on.
    static func storedKind(_ kind: String) -> String {
        ["due_soon", "due_today", "overdue"].contains(kind) ? "reminder" : kind
    }

    /// The stage a subscription is left in: a suspension or restoration that did not happen
    /// (the status changed meanwhile) leaves the stage it had.
    static func stage(of p: Dunning.Planned, acted: Bool) -> DunningStage {
        (p.decision.action == .suspend || p.decision.action == .restore) && !acted ? p.facts.stage : p.decision.stage
    }

    /// Whether the subscription's state row is written: its stage, late fee or amounts changed.
    /// A subscription that stays clear needs no row until something is past due.
    static func changesState(_ p: Dunning.Planned, acted: Bool) -> Bool {
        let stage = stage(of: p, acted: acted)
        let stored = p.facts.stageSince != nil
        let changed = stage != p.facts.stage || (p.decision.lateFeeFor ?? p.facts.lateFeeDueOn) != p.facts.lateFeeDueOn
            || (stored && (p.storedDue != p.facts.oldestDue?.description || p.storedOverdue != p.facts.pastDue))
        return changed || (!stored && stage != .clear)
    }

    static func enqueueSending(_ org: UUID, services: PlatformServices, on tx: any Database) async throws {
        try await services.jobs.enqueue(sendNoticesJob, payload: ["organization_id": org.uuidString], queue: "notifications", organizationID: org, on: tx)
    }

    /// The writes of `plan` in `tx`. A `part` of a pass written in several transactions at once
    /// leaves the audit entry and the sender's job to `finish`, once for the whole pass.
    static func apply(_ plan: [Dunning.Planned], ctx: TenantContext, day: LocalDate, policy: DunningPolicy, currency: String,
                      services: PlatformServices, tx: any Database, part: Bool = false) async throws -> Dunning.Outcome {
        let now = services.clock.now()
        let org = ctx.organizationID
        var outcome = Dunning.Outcome()
        outcome.evaluated = plan.count

        // Suspensions and restorations, only where the status is still what was read.
        var changes: [Subscriptions.StateChange] = []
        for p in plan {
            switch p.decision.action {
            case .suspend:
                let prepaid = p.facts.expiresOn != nil
                changes.append(.init(subscriptionID: p.subscriptionID, customerID: p.customerID, from: .active, to: .suspended, kind: "suspended",
                                     reason: prepaid ? "Prepaid validity ended" : "Unpaid: \(p.decision.reason)",
                                     cause: prepaid ? "prepaid_expired" : "non_payment"))
            case .restore:
                changes.append(.init(subscriptionID: p.subscriptionID, customerID: p.customerID, from: .suspended, to: .active, kind: "resumed",
                                     reason: "Restored: \(p.decision.reason)", cause: p.facts.expiresOn != nil ? "recharged" : "payment"))
            case .none, .terminate: break
            }
        }
        let made = Set(try await Subscriptions.applyStates(changes, ctx: ctx, on: day, services: services, tx: tx).map(\.subscriptionID))
        outcome.suspended = changes.filter { $0.to == .suspended && made.contains($0.subscriptionID) }.count
        outcome.restored = changes.filter { $0.to == .active && made.contains($0.subscriptionID) }.count

        // States and notices.
        var states: [[SQLCell]] = []
        var notices: [[SQLCell]] = []
        var fees: [Subscriptions.NewCharge] = []
        let dayText = day.description
        for p in plan {
            let acted = made.contains(p.subscriptionID)
            let stage = stage(of: p, acted: acted)
            let since = stage == p.facts.stage ? (p.facts.stageSince ?? day) : day
            let lateFeeDueOn = p.decision.lateFeeFor ?? p.facts.lateFeeDueOn
            if let due = p.decision.lateFeeFor {
                fees.append(.init(subscriptionID: p.subscriptionID, customerID: p.customerID, kind: "late_fee",
                                  text: "Late fee: invoice due \(due) unpaid after the grace period", amount: policy.lateFee, category: "late_fees",
                                  taxScope: TaxRule.Scope.fees.rawValue, taxable: false, on: dayText))
            }
            if changesState(p, acted: acted) {
                states.append([SQLCell(p.subscriptionID), SQLCell(org), SQLCell(p.customerID), .text(stage.rawValue), .text(since.description),
                               SQLCell(p.facts.oldestDue?.description), .int(p.facts.pastDue), SQLCell(lateFeeDueOn?.description), .date(now)])
            }
            var notice = p.decision.notice.map { (storedKind($0.kind), $0.about.description, $0.step) }
            if acted {
                notice = p.decision.action == .suspend ? ("suspended", (p.facts.oldestDue ?? p.facts.expiresOn ?? day).description, 0)
                    : ("restored", dayText, 0)
            }
            if let (kind, about, step) = notice {
                notices.append([SQLCell(UUID.timeOrdered()), SQLCell(org), SQLCell(p.subscriptionID), SQLCell(p.customerID), .text(kind), .text(about),
                                .int(Int64(step)), .text(dayText), .date(now)])
            }
        }
        for statement in stateUpsert.batches(states, tail: stateTail, on: tx) { try await tx.run(statement) }
        for statement in noticeInsert.batches(notices, tail: " ON CONFLICT DO NOTHING RETURNING id", on: tx) {
            let inserted = try await tx.run(statement).count
            outcome.notices += inserted
        }
        try await Subscriptions.insertCharges(fees, organizationID: org, currency: currency, at: now, on: tx)
        outcome.lateFees = fees.count
        if !part { try await finish(outcome, ctx: ctx, day: day, services: services, tx: tx) }
        return outcome
    }

    /// The pass's audit entry and the notice sender's job.
    static func finish(_ outcome: Dunning.Outcome, ctx: TenantContext, day: LocalDate, services: PlatformServices, tx: any Database) async throws {
        if outcome.notices > 0 { try await enqueueSending(ctx.organizationID, services: services, on: tx) }
        if outcome.suspended + outcome.restored + outcome.lateFees > 0 {
            try await Audit.record("dunning.applied", "Dunning: \(outcome.suspended) suspended, \(outcome.restored) restored, \(outcome.lateFees) late fees",
                                   ctx: ctx, target: nil, metadata: ["day": day.description, "evaluated": String(outcome.evaluated)],
                                   at: services.clock.now(), on: tx)
        }
    }
}
