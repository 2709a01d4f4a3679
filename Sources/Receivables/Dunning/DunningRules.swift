import Billing
import Foundation
import MeghnaCore
import Platform

/// An organization's dunning policy (Settings → Dunning, with Billing's grace days).
public struct DunningPolicy: Sendable, Equatable {
    /// Days from the due date a reminder goes out on, ascending (negative: before it).
    public var reminderDays: [Int]
    /// Days after the due date before an unpaid service is suspended.
    public var graceDays: Int
    public var suspend: Bool
    /// Days suspended before dunning terminates the service; 0: never.
    public var terminateAfterDays: Int
    /// Charged once per unpaid invoice when its grace period ends; 0: none.
    public var lateFee: Int64
    /// Less than this past due never suspends (a few taka left over from a part payment).
    public var minimumOverdue: Int64

    public init(reminderDays: [Int] = [-3, 0, 3], graceDays: Int = 3, suspend: Bool = true, terminateAfterDays: Int = 0, lateFee: Int64 = 0,
                minimumOverdue: Int64 = 1) {
        (self.reminderDays, self.graceDays, self.suspend) = (reminderDays.sorted(), graceDays, suspend)
        (self.terminateAfterDays, self.lateFee, self.minimumOverdue) = (terminateAfterDays, lateFee, minimumOverdue)
    }

    public init(_ settings: ResolvedSettings, currency: String) {
        let unit = (0..<Money.scale(of: currency)).reduce(Int64(1)) { p, _ in p * 10 }
        self.init(reminderDays: settings.string("dunning", "reminder_days").split(separator: ",").compactMap { Int($0) },
                  graceDays: settings.int("billing", "grace_days"), suspend: settings.bool("dunning", "suspend"),
                  terminateAfterDays: settings.int("dunning", "terminate_after_days"),
                  lateFee: Int64(settings.int("dunning", "late_fee")) * unit, minimumOverdue: Int64(settings.int("dunning", "minimum_overdue")) * unit)
    }
}

/// What holds suspension off for a customer.
public enum DunningHold: Sendable, Equatable {
    case none
    case vip
    /// A promise to pay through this day.
    case promise(LocalDate)
}

/// What the daily pass knows of one subscription on a day.
public struct DunningFacts: Sendable, Equatable {
    public var status: SubscriptionStatus
    public var stage: DunningStage
    public var stageSince: LocalDate?
    /// The due date of the oldest invoice with money open (due or not yet due), if any.
    public var oldestDue: LocalDate?
    /// Open on invoices whose due date has passed.
    public var pastDue: Int64
    /// A prepaid subscription's last day of service.
    public var expiresOn: LocalDate?
    public var hold: DunningHold
    /// The due date whose late fee was charged.
    public var lateFeeDueOn: LocalDate?

    public init(status: SubscriptionStatus, stage: DunningStage = .clear, stageSince: LocalDate? = nil, oldestDue: LocalDate? = nil, pastDue: Int64 = 0,
                expiresOn: LocalDate? = nil, hold: DunningHold = .none, lateFeeDueOn: LocalDate? = nil) {
        (self.status, self.stage, self.stageSince, self.oldestDue, self.pastDue) = (status, stage, stageSince, oldestDue, pastDue)
        (self.expiresOn, self.hold, self.lateFeeDueOn) = (expiresOn, hold, lateFeeDueOn)
    }
}

/// What to do about one subscription today.
public struct DunningDecision: Sendable, Equatable {
    public enum Action: String, Sendable, Equatable {
        case none, suspend, restore, terminate
    }

    public var stage: DunningStage
    public var action: Action
    /// A reminder to send: its kind, the date it is about and the step (days from it).
    public var notice: (kind: String, about: LocalDate, step: Int)?
    /// Charge the late fee for this due date.
    public var lateFeeFor: LocalDate?
    /// Why, for history and the timeline ("unpaid since 2026-03-08").
    public var reason: String

    public static func == (a: DunningDecision, b: DunningDecision) -> Bool {
        a.stage == b.stage && a.action == b.action && a.lateFeeFor == b.lateFeeFor && a.reason == b.reason
            && a.notice?.kind == b.notice?.kind && a.notice?.about == b.notice?.about && a.notice?.step == b.notice?.step
    }
}

/// The dunning state machine, a pure function of the facts, the policy and the day (Kill Bill's
/// overdue states; Sonar's due / grace / switch days and exclusions):
///
///     clear ──past due──▶ overdue ──grace over, ≥ minimum, no hold──▶ suspended ──N days──▶ terminated
///       ▲                    │                                           │
///       └──── paid ──────────┴──────────── paid (restored at once) ◀─────┘
///
/// A prepaid subscription is suspended the day after its last day of service and restored when
/// recharged. A suspension staff made by hand (status suspended, stage not) is left alone, and
/// one staff lifted (status active, stage suspended) counts as overdue again.
public enum DunningRules {
    public static func decide(_ f: DunningFacts, policy: DunningPolicy, today: LocalDate) -> DunningDecision {
        var d = DunningDecision(stage: f.stage, action: .none, notice: nil, lateFeeFor: nil, reason: "")
        switch f.status {
        case .pending: d.stage = .clear; return d
        case .terminated: d.stage = f.stage == .suspended || f.stage == .terminated ? .terminated : .clear; return d
        case .active, .suspended: break
        }
        let byDunning = f.status == .suspended && f.stage == .suspended
        if f.status == .suspended, !byDunning { return d } // staff's suspension

        if let expires = f.expiresOn {
            // Prepaid: the validity decides; reminders count to the last day.
            if expires < today {
                d.reason = "prepaid validity ended \(expires)"
                if byDunning { return terminateIfDue(d, f, policy: policy, today: today) }
                d.stage = .suspended
                d.action = .suspend
                return d
            }
            d.stage = .clear
            if byDunning { d.action = .restore; d.reason = "recharged through \(expires)" }
            if let step = policy.reminderDays.filter({ $0 <= 0 && expires.adding(days: $0) <= today }).last {
                d.notice = ("prepaid_expiring", expires, step)
            }
            return d
        }

        guard let due = f.oldestDue else {
            d.stage = .clear
            if byDunning { d.action = .restore; d.reason = "paid in full" }
            return d
        }
        let graceOver = today > due.adding(days: policy.graceDays)
        let suspendable = graceOver && f.pastDue >= max(policy.minimumOverdue, 1)
        let held: Bool = switch f.hold {
        case .none: false
        case .vip: true
        case .promise(let until): today <= until
        }
        d.reason = "unpaid since \(due)"
        if byDunning {
            if suspendable, !held { return terminateIfDue(d, f, policy: policy, today: today) }
            // What was overdue is paid (what is open now is not yet past its grace), or a hold came.
            d.stage = due < today && f.pastDue > 0 ? .overdue : .clear
            d.action = .restore
            d.reason = switch f.hold {
            case .vip where held: "VIP"
            case .promise(let until) where held: "promise to pay by \(until)"
            default: "overdue paid"
            }
            return d
        }
        // Reminders: the latest step reached (one a day at most; a missed day is not sent late
        // twice), named by where the due date stands today.
        if let step = policy.reminderDays.filter({ due.adding(days: $0) <= today }).last {
            d.notice = (today < due ? "due_soon" : today == due ? "due_today" : "overdue", due, step)
        }
        guard due < today, f.pastDue > 0 else { d.stage = .clear; return d }
        d.stage = .overdue
        guard suspendable else { return d }
        if policy.lateFee > 0, f.hold != .vip, f.lateFeeDueOn != due { d.lateFeeFor = due }
        guard policy.suspend, !held else { return d }
        d.stage = .suspended
        d.action = .suspend
        d.notice = nil
        return d
    }

    private static func terminateIfDue(_ d: DunningDecision, _ f: DunningFacts, policy: DunningPolicy, today: LocalDate) -> DunningDecision {
        var d = d
        d.stage = .suspended
        if policy.terminateAfterDays > 0, let since = f.stageSince, today >= since.adding(days: policy.terminateAfterDays) {
            d.stage = .terminated
            d.action = .terminate
            d.reason += "; suspended since \(since)"
        }
        return d
    }
}
