import Billing
import Foundation
import MeghnaCore
import Testing
@testable import Receivables

/// The dunning state machine over timelines of days, payments and holds, as the daily pass
/// and the re-evaluation after each event would see them. One invoice of 1000.00 due 8 March.
@Suite("Dunning rules")
struct DunningRulesTests {
    static let policy = DunningPolicy(reminderDays: [3, -3, 0], graceDays: 3, suspend: true, terminateAfterDays: 10, lateFee: 5_000, minimumOverdue: 100)

    /// One subscription carried from day to day: what the decisions did to it.
    struct Sim {
        var status = SubscriptionStatus.active
        var stage = DunningStage.clear
        var since: LocalDate?
        var lateFee: LocalDate?
        var open: Int64 = 100_000
        var due = LocalDate("2026-03-08")!
        var expires: LocalDate?
        var hold = DunningHold.none
        var sent: Set<String> = []
        var fees = 0

        /// "stage action notice" for the day, the notice only when new (the pass's unique key).
        mutating func day(_ text: String, policy: DunningPolicy = DunningRulesTests.policy) -> String {
            let today = LocalDate(text)!
            let facts = DunningFacts(status: status, stage: stage, stageSince: since, oldestDue: open > 0 ? due : nil,
                                     pastDue: open > 0 && due < today ? open : 0, expiresOn: expires, hold: hold, lateFeeDueOn: lateFee)
            let d = DunningRules.decide(facts, policy: policy, today: today)
            switch d.action {
            case .suspend: status = .suspended
            case .restore: status = .active
            case .terminate: status = .terminated
            case .none: break
            }
            if d.stage != stage || since == nil { since = today }
            stage = d.stage
            if let fee = d.lateFeeFor { lateFee = fee; fees += 1 }
            var notice = "-"
            if let n = d.notice, sent.insert("\(DunningWrites.storedKind(n.kind)) \(n.about) \(n.step)").inserted { notice = "\(n.kind)\(n.step)" }
            return "\(d.stage.rawValue) \(d.action.rawValue) \(notice)"
        }
    }

    typealias Step = (day: String, event: ((inout Sim) -> Void)?, expected: String)

    static func walk(_ sim: inout Sim, _ steps: [Step], policy: DunningPolicy = policy) {
        for step in steps {
            step.event?(&sim)
            #expect(sim.day(step.day, policy: policy) == step.expected, "on \(step.day)")
        }
    }

    @Test func remindersGraceSuspensionLateFeeAndRestorationOnPayment() {
        var s = Sim()
        Self.walk(&s, [
            ("2026-03-04", nil, "clear none -"),
            ("2026-03-05", nil, "clear none due_soon-3"),
            ("2026-03-06", nil, "clear none -"),
            ("2026-03-08", nil, "clear none due_today0"),
            ("2026-03-09", nil, "overdue none -"),
            ("2026-03-11", nil, "overdue none overdue3"),
            ("2026-03-12", nil, "suspended suspend -"),
            ("2026-03-13", nil, "suspended none -"),
            ("2026-03-13", { $0.open = 40_000 }, "suspended none -"),          // part paid: still overdue past grace
            ("2026-03-14", { $0.open = 0 }, "clear restore -"),                // paid: restored at once
            ("2026-03-15", nil, "clear none -"),
        ])
        #expect(s.status == .active && s.fees == 1 && s.lateFee == LocalDate("2026-03-08"))
    }

    @Test func aPromiseHoldsSuspensionOffUntilItsDayAndLiftsOne() {
        var s = Sim()
        Self.walk(&s, [
            // First seen on the 10th: one overdue reminder for the steps missed, then the next step.
            ("2026-03-10", { $0.hold = .promise(LocalDate("2026-03-15")!) }, "overdue none overdue0"),
            ("2026-03-12", nil, "overdue none overdue3"),
            ("2026-03-15", nil, "overdue none -"),
            ("2026-03-16", nil, "suspended suspend -"),
            // A new promise made while suspended restores at once; when it lapses, suspended again.
            ("2026-03-17", { $0.hold = .promise(LocalDate("2026-03-19")!) }, "overdue restore -"),
            ("2026-03-20", nil, "suspended suspend -"),
        ])
        #expect(s.fees == 1, "a promise does not waive the late fee; charged once for the due date")
    }

    @Test func aVIPIsRemindedButNeverSuspendedNorCharged() {
        var s = Sim(hold: .vip)
        Self.walk(&s, [
            ("2026-03-08", nil, "clear none due_today0"),
            ("2026-03-12", nil, "overdue none overdue3"),
            ("2026-04-30", nil, "overdue none -"),
        ])
        #expect(s.fees == 0 && s.status == .active)
    }

    @Test func termination10DaysAfterSuspensionAndLeftoversBelowTheMinimum() {
        var s = Sim()
        Self.walk(&s, [
            ("2026-03-12", nil, "suspended suspend -"),
            ("2026-03-21", nil, "suspended none -"),
            ("2026-03-22", nil, "terminated terminate -"),
            ("2026-03-23", nil, "terminated none -"),
        ])
        var small = Sim(open: 50)
        Self.walk(&small, [("2026-03-12", nil, "overdue none overdue3"), ("2026-04-12", nil, "overdue none -")])
        #expect(small.status == .active, "50 paisa past due is under the 1.00 minimum")
        var off = Sim()
        var noSuspension = Self.policy
        noSuspension.suspend = false
        Self.walk(&off, [("2026-03-12", nil, "overdue none overdue3")], policy: noSuspension)
        #expect(off.fees == 1, "the late fee is charged even where suspension is off")
    }

    @Test func staffSuspensionsAreLeftToStaffAndAnUndoneOneIsOverdueAgain() {
        var s = Sim(status: .suspended)
        Self.walk(&s, [("2026-03-12", nil, "clear none -"), ("2026-03-14", { $0.open = 0 }, "clear none -")])
        #expect(s.status == .suspended)
        // Staff resumed a dunning suspension by hand: overdue, suspended again at the next pass.
        var r = Sim(status: .active, stage: .suspended, since: LocalDate("2026-03-12"))
        Self.walk(&r, [("2026-03-13", nil, "suspended suspend -")])
    }

    @Test func prepaidSuspendsTheDayAfterItsValidityAndRecharging_restores() {
        var s = Sim(open: 0, expires: LocalDate("2026-03-10"))
        Self.walk(&s, [
            ("2026-03-06", nil, "clear none -"),
            ("2026-03-07", nil, "clear none prepaid_expiring-3"),
            ("2026-03-10", nil, "clear none prepaid_expiring0"),
            ("2026-03-11", nil, "suspended suspend -"),
            ("2026-03-13", { $0.expires = LocalDate("2026-04-12") }, "clear restore -"),
        ])
    }
}
