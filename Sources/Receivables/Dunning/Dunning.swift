import Billing
import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// The dunning pass: every subscription of an organization that owes something, is in a dunning
/// stage or is prepaid is read in one query, decided by `DunningRules`, and written in a few
/// bulk statements in one transaction. The daily schedule runs it for the whole organization;
/// payments, credit notes and exclusion changes run it again for one customer at once.
public enum Dunning {
    public struct Outcome: Sendable, Equatable {
        public var evaluated = 0, notices = 0, suspended = 0, restored = 0, terminated = 0, lateFees = 0
        public init() {}

        static func + (a: Outcome, b: Outcome) -> Outcome {
            var sum = a
            sum.evaluated += b.evaluated
            sum.notices += b.notices
            sum.suspended += b.suspended
            sum.restored += b.restored
            sum.terminated += b.terminated
            sum.lateFees += b.lateFees
            return sum
        }
    }

    /// One subscription's decision, for previews ("who will be suspended tomorrow").
    public struct Planned: Sendable {
        public var subscriptionID: UUID
        public var customerID: UUID
        public var facts: DunningFacts
        public var decision: DunningDecision
        /// What the state row said of the oldest due date and the amount past due.
        public var storedDue: String?
        public var storedOverdue: Int64?
    }

    /// Runs the pass for one organization on `today` (default: today in its time zone). With
    /// `customers`, only their subscriptions are looked at (after a payment); with `dryRun`
    /// nothing is written and the plan is answered.
    @discardableResult
    public static func run(organizationID: UUID, today: LocalDate? = nil, customers: [UUID]? = nil, dryRun: Bool = false, actor: String = "system:dunning",
                           by: TenantContext? = nil, splitAbove: Int = 2_000, services: PlatformServices,
                           on db: any Database) async throws -> (outcome: Outcome, plan: [Planned]) {
        guard let org = try await Organization.find(organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let zone = org.timeZone
        let day = today ?? LocalDate.today(services.clock.now(), in: zone)
        let settings = try await Settings.load(organizationID: organizationID, services: services, on: db)
        let currency = settings.string("billing", "currency")
        let policy = DunningPolicy(settings, currency: currency)
        // The pass acts for the organization; its history names who started it (staff, or the schedule).
        let ctx = by.map { TenantContext(organizationID: organizationID, actor: $0.actor, permissions: Set(Permission.allCases), timeZone: zone) }
            ?? TenantContext.system(actor.hasPrefix("system:") ? String(actor.dropFirst(7)) : actor, organizationID: organizationID, timeZone: zone)
        if dryRun {
            let plan = try await decide(organizationID, day: day, customers: customers, policy: policy, on: db)
            return (Outcome(), plan)
        }
        if customers != nil {
            // A re-evaluation that would change nothing (the usual payment: nothing suspended, the
            // stage already right) writes nothing and so takes no lock: collectors taking money at
            // once do not queue behind each other for the organization's pass lock.
            let read = afterMoneyMoved(try await decide(organizationID, day: day, customers: customers, policy: policy, on: db))
            if !read.contains(where: { $0.decision.action == .restore || DunningWrites.changesState($0, acted: false) }) { return (Outcome(), read) }
        }
        let (outcome, plan) = try await db.writeTransaction { tx in
            // One pass at a time per organization: a payment's re-evaluation waits for a running
            // pass and then sees (and undoes) what it did.
            try await TenantSQL.lockOrganization(organizationID, on: tx)
            let started = services.clock.now()
            var plan = try await decide(organizationID, day: day, customers: customers, policy: policy, on: tx)
            if customers != nil { plan = afterMoneyMoved(plan) }
            var outcome: Outcome
            let writes = plan.filter { $0.decision.action != .none || $0.decision.notice != nil || $0.decision.lateFeeFor != nil }.count
            if customers == nil, writes >= splitAbove, (db as? any SQLDatabase)?.dialect.name == "postgresql", !db.inTransaction {
                // A large pass on PostgreSQL writes half its customers over a second connection at
                // the same time (each customer's subscriptions, states, notices and fees stay in one
                // transaction; this one, holding the organization's lock, commits last). A half that
                // fails leaves the other written: the next run decides again from what is there.
                let (mine, theirs) = plan.reduce(into: ([Planned](), [Planned]())) { halves, p in
                    if p.customerID.uuid.15 & 1 == 0 { halves.0.append(p) } else { halves.1.append(p) }
                }
                async let other = db.writeTransaction { second in
                    try await DunningWrites.apply(theirs, ctx: ctx, day: day, policy: policy, currency: currency, services: services, tx: second, part: true)
                }
                let first = try await DunningWrites.apply(mine, ctx: ctx, day: day, policy: policy, currency: currency, services: services, tx: tx, part: true)
                outcome = first + (try await other)
                try await DunningWrites.finish(outcome, ctx: ctx, day: day, services: services, tx: tx)
            } else {
                outcome = try await DunningWrites.apply(plan, ctx: ctx, day: day, policy: policy, currency: currency, services: services, tx: tx)
            }
            if customers == nil {
                // "Invoice issued" goes out with the day's reminders.
                let issued = try await InvoiceNotices.add(organizationID, day: day, at: services.clock.now(), on: tx)
                if issued > 0, outcome.notices == 0 { try await DunningWrites.enqueueSending(organizationID, services: services, on: tx) }
                outcome.notices += issued
                // The day's pass, once (a second run the same day adds to its counts).
                let pass = try await DunningPass.inOrganization(organizationID, on: tx).filter(\.$on == day.description).first() ?? DunningPass()
                if pass.id == nil {
                    (pass.organizationID, pass.on, pass.startedAt) = (organizationID, day.description, started)
                    (pass.evaluated, pass.reminders, pass.suspended, pass.restored, pass.terminated, pass.lateFees) = (0, 0, 0, 0, 0, 0)
                }
                pass.actor = actor
                pass.finishedAt = services.clock.now()
                pass.evaluated = outcome.evaluated
                pass.reminders += outcome.notices
                pass.suspended += outcome.suspended
                pass.restored += outcome.restored
                pass.lateFees += outcome.lateFees
                pass.terminated += plan.filter { $0.decision.action == .terminate }.count
                try await pass.save(on: tx)
            }
            return (outcome, plan)
        }
        // Termination credits the rest of a period: the subscription action does it, one by one (rare).
        var final = outcome
        for p in plan where p.decision.action == .terminate {
            _ = try await Subscriptions.terminate(ctx, p.subscriptionID.uuidString, reason: "Unpaid: \(p.decision.reason)", on: day.description,
                                                  services: services, on: db)
            final.terminated += 1
        }
        return (final, plan)
    }

    /// The scheduler's check (every ten minutes): each organization whose pass hour (Settings →
    /// Dunning, in its time zone) has come today and that has no pass today is run through today.
    @discardableResult
    public static func runScheduled(now: Date, services: PlatformServices, on db: any Database) async throws -> [UUID] {
        var ran: [UUID] = []
        var failure: (any Error)?
        for org in try await Organization.query(on: db).sort(\.$createdAt).all() {
            let zone = org.timeZone
            let today = LocalDate.today(now, in: zone)
            let settings = try await Settings.load(organizationID: org.id!, services: services, on: db)
            guard now >= today.start(in: zone).addingTimeInterval(Double(settings.int("dunning", "pass_hour")) * 3_600) else { continue }
            guard try await DunningPass.inOrganization(org.id!, on: db).filter(\.$on == today.description).count() == 0 else { continue }
            do {
                _ = try await run(organizationID: org.id!, today: today, services: services, on: db)
                ran.append(org.id!)
            } catch {
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return ran
    }

    /// Re-runs the pass for one customer after money moved (a payment, a credit note, a
    /// write-off, a reversal) or an exclusion changed: what is no longer owed past its grace is
    /// restored at once; suspensions, late fees and reminders wait for the daily pass. A failure
    /// here never undoes the payment that caused it; the daily pass catches up.
    public static func reevaluate(customerID: UUID, _ ctx: TenantContext, services: PlatformServices, on db: any Database) async {
        _ = try? await run(organizationID: ctx.organizationID, customers: [customerID], actor: ctx.actor.label, by: ctx, services: services, on: db)
    }

    /// After a payment or a hold: restore at once, but suspend, charge and remind only at the
    /// daily pass (nobody is cut off in the minute they pay part of what they owe).
    static func afterMoneyMoved(_ plan: [Planned]) -> [Planned] {
        var plan = plan
        for i in plan.indices where plan[i].decision.action != .restore {
            plan[i].decision.action = .none
            plan[i].decision.lateFeeFor = nil
            plan[i].decision.notice = nil
            if plan[i].decision.stage != plan[i].facts.stage { plan[i].decision.stage = min(plan[i].decision.stage, .overdue) }
        }
        return plan
    }

    /// The facts of each subscription that dunning has to look at, and its decision.
    static func decide(_ org: UUID, day: LocalDate, customers: [UUID]?, policy: DunningPolicy, on db: any Database) async throws -> [Planned] {
        let only: (String) -> SQLQueryString = { alias in customers.map { " AND \(ident: alias).customer_id IN (\(SQLQueryString.binds($0)))" } ?? "" }
        let openInvoice: SQLQueryString = "i.kind = 'invoice' AND i.status IN ('issued', 'partially_paid') AND i.total > i.paid_total"
        // What is open, per customer and subscription (nil: the customer's own invoices), from
        // the partial index of open invoices.
        var open: [UUID: [UUID?: (oldest: String, pastDue: Int64)]] = [:]
        for row in try await db.rows("""
            SELECT i.customer_id, i.subscription_id, MIN(i.due_on), SUM(CASE WHEN i.due_on < \(bind: day.description) THEN i.total - i.paid_total ELSE 0 END) \
            FROM invoices i WHERE \(TenantSQL.organization(org, alias: "i")) AND \(openInvoice)\(only("i")) GROUP BY i.customer_id, i.subscription_id
            """) {
            let subscription: UUID? = try row.isNull(1) ? nil : try row.uuid(1)
            open[try row.uuid(0), default: [:]][subscription] = (try row.string(2), try row.int64(3))
        }
        let rows = try await db.rows("""
            SELECT s.id, s.customer_id, s.status, s.expires_on, d.stage, d.stage_since, d.late_fee_due_on, d.due_on, d.overdue \
            FROM subscriptions s LEFT JOIN dunning_states d ON d.id = s.id \
            WHERE \(TenantSQL.organization(org, alias: "s")) AND s.status IN ('active', 'suspended')\(only("s")) \
            AND (s.expires_on IS NOT NULL OR (d.stage IS NOT NULL AND d.stage <> 'clear') OR EXISTS (SELECT 1 FROM invoices i \
            WHERE \(TenantSQL.sameOrganization("i", "s")) AND i.customer_id = s.customer_id AND \(openInvoice))) ORDER BY s.id
            """)
        let holds = try await activeHolds(org, day: day, customers: customers, on: db)
        return try rows.compactMap { row in
            let (subscriptionID, customerID) = (try row.uuid(0), try row.uuid(1))
            let mine = open[customerID]
            let parts = [mine?[subscriptionID], mine?[nil]].compactMap { $0 }
            let facts = DunningFacts(
                status: SubscriptionStatus(rawValue: try row.string(2)) ?? .active,
                stage: try row.optionalString(4).flatMap(DunningStage.init(rawValue:)) ?? .clear,
                stageSince: try row.optionalString(5).flatMap(LocalDate.init), oldestDue: parts.compactMap { LocalDate($0.oldest) }.min(),
                pastDue: parts.reduce(0) { $0 + $1.pastDue }, expiresOn: try row.optionalString(3).flatMap(LocalDate.init), hold: holds[customerID] ?? .none,
                lateFeeDueOn: try row.optionalString(6).flatMap(LocalDate.init))
            // Another subscription's invoices brought it here, and it has nothing of its own.
            if facts.oldestDue == nil, facts.expiresOn == nil, facts.stage == .clear { return nil }
            return Planned(subscriptionID: subscriptionID, customerID: customerID, facts: facts,
                           decision: DunningRules.decide(facts, policy: policy, today: day), storedDue: try row.optionalString(7),
                           storedOverdue: try row.isNull(8) ? nil : try row.int64(8))
        }
    }

    /// What the pass would do on a day (default tomorrow), cut to the subscriptions the viewer
    /// may see (their branches, their reseller subtree).
    public static func preview(_ ctx: TenantContext, on raw: String?, services: PlatformServices, db: any Database) async throws -> [Planned] {
        try ctx.require(.invoicesRead)
        var v = Validator()
        let day = v.localDate("on", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone).adding(days: 1)
        try v.check()
        let plan = try await run(organizationID: ctx.organizationID, today: day, dryRun: true, services: services, on: db).plan
        guard ctx.branchIDs != nil || ctx.resellerIDs != nil else { return plan }
        var visible: Set<UUID> = []
        for part in plan.map(\.subscriptionID).chunked(500) {
            visible.formUnion(try await Subscription.scoped(to: ctx, on: db).filter(\.$id ~~ part).all().map { $0.id! })
        }
        return plan.filter { visible.contains($0.subscriptionID) }
    }

    /// The organization's last 30 daily passes, newest first.
    public static func recentPasses(_ ctx: TenantContext, on db: any Database) async throws -> [DunningPass] {
        try ctx.require(.invoicesRead)
        return try await DunningPass.inOrganization(ctx.organizationID, on: db).sort(\.$on, .descending).limit(30).all()
    }

    /// Each customer's strongest hold today: VIP over a promise; the latest promise.
    static func activeHolds(_ org: UUID, day: LocalDate, customers: [UUID]?, on db: any Database) async throws -> [UUID: DunningHold] {
        let query = DunningExclusion.inOrganization(org, on: db).filter(\.$endedAt == nil)
        if let customers { query.filter(\.$customerID ~~ customers) }
        var holds: [UUID: DunningHold] = [:]
        for e in try await query.all() {
            switch e.kind {
            case .vip: holds[e.customerID] = .vip
            case .promiseToPay:
                guard let until = e.until.flatMap(LocalDate.init), until >= day else { continue }
                if case .promise(let other)? = holds[e.customerID], other >= until { continue }
                if holds[e.customerID] != .vip { holds[e.customerID] = .promise(until) }
            }
        }
        return holds
    }
}
