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
                           services: PlatformServices, on db: any Database) async throws -> (outcome: Outcome, plan: [Planned]) {
        guard let org = try await Organization.find(organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let zone = org.timeZone
        let day = today ?? LocalDate.today(services.clock.now(), in: zone)
        let settings = try await Settings.load(organizationID: organizationID, services: services, on: db)
        let currency = settings.string("billing", "currency")
        let policy = DunningPolicy(settings, currency: currency)
        let ctx = TenantContext.system(actor.hasPrefix("system:") ? String(actor.dropFirst(7)) : actor, organizationID: organizationID, timeZone: zone)
        if dryRun {
            let plan = try await decide(organizationID, day: day, customers: customers, policy: policy, on: db)
            return (Outcome(), plan)
        }
        let (outcome, plan) = try await db.writeTransaction { tx in
            // One pass at a time per organization: a payment's re-evaluation waits for a running
            // pass and then sees (and undoes) what it did.
            try await TenantSQL.lockOrganization(organizationID, on: tx)
            let plan = try await decide(organizationID, day: day, customers: customers, policy: policy, on: tx)
            let outcome = try await DunningWrites.apply(plan, ctx: ctx, day: day, policy: policy, currency: currency, services: services, tx: tx)
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

    /// Re-runs the pass for one customer after money moved (a payment, a credit note, credit
    /// applied, a reversal) or an exclusion changed. A failure here never undoes the payment
    /// that caused it; the daily pass catches up.
    public static func reevaluate(customerID: UUID, _ ctx: TenantContext, services: PlatformServices, on db: any Database) async {
        _ = try? await run(organizationID: ctx.organizationID, customers: [customerID], actor: ctx.actor.label, services: services, on: db)
    }

    /// The facts of each subscription that dunning has to look at, and its decision.
    static func decide(_ org: UUID, day: LocalDate, customers: [UUID]?, policy: DunningPolicy, on db: any Database) async throws -> [Planned] {
        let only: SQLQueryString = customers.map { " AND s.customer_id IN (\(SQLQueryString.binds($0)))" } ?? ""
        let open: SQLQueryString = """
            SELECT customer_id, subscription_id, MIN(due_on) AS oldest, \
            SUM(CASE WHEN due_on < \(bind: day.description) THEN total - paid_total ELSE 0 END) AS past_due \
            FROM invoices WHERE \(TenantSQL.organization(org)) AND kind = 'invoice' AND status IN ('issued', 'partially_paid') \
            AND total > paid_total GROUP BY customer_id, subscription_id
            """
        let rows = try await db.rows("""
            WITH o AS (\(open)) \
            SELECT s.id, s.customer_id, s.status, s.expires_on, d.stage, d.stage_since, d.late_fee_due_on, \
            own.oldest, own.past_due, shared.oldest, shared.past_due, d.due_on, d.overdue \
            FROM subscriptions s \
            LEFT JOIN dunning_states d ON d.id = s.id \
            LEFT JOIN o own ON own.subscription_id = s.id \
            LEFT JOIN o shared ON shared.customer_id = s.customer_id AND shared.subscription_id IS NULL \
            WHERE \(TenantSQL.organization(org, alias: "s")) AND s.status IN ('active', 'suspended')\(only) \
            AND (own.oldest IS NOT NULL OR shared.oldest IS NOT NULL OR s.expires_on IS NOT NULL OR (d.stage IS NOT NULL AND d.stage <> 'clear')) \
            ORDER BY s.id
            """)
        let holds = try await activeHolds(org, day: day, customers: customers, on: db)
        return try rows.map { row in
            let customerID = try row.uuid(1)
            let dues = [try row.optionalString(7), try row.optionalString(9)].compactMap { $0.flatMap(LocalDate.init) }
            let past = (try row.isNull(8) ? 0 : try row.int64(8)) + (try row.isNull(10) ? 0 : try row.int64(10))
            let facts = DunningFacts(
                status: SubscriptionStatus(rawValue: try row.string(2)) ?? .active,
                stage: try row.optionalString(4).flatMap(DunningStage.init(rawValue:)) ?? .clear,
                stageSince: try row.optionalString(5).flatMap(LocalDate.init), oldestDue: dues.min(), pastDue: past,
                expiresOn: try row.optionalString(3).flatMap(LocalDate.init), hold: holds[customerID] ?? .none,
                lateFeeDueOn: try row.optionalString(6).flatMap(LocalDate.init))
            return Planned(subscriptionID: try row.uuid(0), customerID: customerID, facts: facts,
                           decision: DunningRules.decide(facts, policy: policy, today: day), storedDue: try row.optionalString(11),
                           storedOverdue: try row.isNull(12) ? nil : try row.int64(12))
        }
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
