import CRM
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import SQLKit

/// What the network area is asked to do when a subscription changes: bring the customer's
/// PPPoE or Hotspot account on the routers in line with the subscription as it is *now*
/// (desired state: the handler reads the subscription, so jobs that run late or twice do no
/// harm). Billing does not import Network; both import this.
public struct SubscriptionStatePayload: Codable, Sendable, Equatable {
    public var subscriptionID: UUID
    /// The status when the job was queued: "active", "suspended", "terminated" …
    public var status: String
    /// Why: "staff", "non_payment", "payment", "prepaid_expired", "plan_changed" …
    public var reason: String

    public init(subscriptionID: UUID, status: String, reason: String) {
        (self.subscriptionID, self.status, self.reason) = (subscriptionID, status, reason)
    }

    enum CodingKeys: String, CodingKey {
        case status, reason
        case subscriptionID = "subscription_id"
    }
}

extension SubscriptionStatePayload: JobPayloadJSON {
    public var jobJSON: String {
        "{\"reason\":\(Self.jsonString(reason)),\"status\":\(Self.jsonString(status)),\"subscription_id\":\"\(subscriptionID.uuidString)\"}"
    }
}

public enum NetworkContracts {
    /// Queued on the "network" queue by every subscription change; handled by the network area.
    public static let applySubscriptionState = JobKind<SubscriptionStatePayload>("network.apply_subscription_state")
    public static let queue = "network"
}

extension Subscriptions {
    static let eventInsert = CellInsert("""
        INSERT INTO subscription_events (id, organization_id, subscription_id, kind, from_status, to_status, reason, actor, effective_on, at) 
        """, [.uuid, .uuid, .uuid, .text, .text, .text, .text, .text, .text, .date])
    public static let chargeInsert = CellInsert("""
        INSERT INTO billing_charges (id, organization_id, subscription_id, customer_id, kind, description, detail, amount, currency, category, tax_scope,         taxable, "on", invoice_id, created_at) 
        """, [.uuid, .uuid, .uuid, .uuid, .text, .text, .text, .int, .text, .text, .text, .bool, .text, .uuid, .date])

    /// A charge for the next invoice, written in bulk (the dunning pass's late fees): a plain
    /// value, not a model, so ten thousand cost no more than their rows.
    public struct NewCharge: Sendable {
        public var subscriptionID, customerID: UUID
        public var kind, text, category, taxScope, on: String
        public var amount: Int64
        public var taxable: Bool

        public init(subscriptionID: UUID, customerID: UUID, kind: String, text: String, amount: Int64, category: String, taxScope: String,
                    taxable: Bool, on: String) {
            (self.subscriptionID, self.customerID, self.kind, self.text, self.amount) = (subscriptionID, customerID, kind, text, amount)
            (self.category, self.taxScope, self.taxable, self.on) = (category, taxScope, taxable, on)
        }
    }

    /// Saves charges in a few statements.
    public static func insertCharges(_ charges: [NewCharge], organizationID org: UUID, currency: String, at now: Date, on db: any Database) async throws {
        let (orgCell, currencyCell) = (SQLCell(org), SQLCell.text(currency))
        let rows: [[SQLCell]] = charges.map { c in
            [SQLCell(UUID.timeOrdered()), orgCell, SQLCell(c.subscriptionID), SQLCell(c.customerID), .text(c.kind), .text(c.text),
             .null, .int(c.amount), currencyCell, .text(c.category), .text(c.taxScope), .bool(c.taxable), .text(c.on), .null, .date(now)]
        }
        for statement in chargeInsert.batches(rows, on: db) { try await db.run(statement) }
    }

    /// One status change of many made at once by the system (the dunning pass).
    public struct StateChange: Sendable {
        public var subscriptionID: UUID
        public var customerID: UUID
        public var from: SubscriptionStatus
        public var to: SubscriptionStatus
        /// The history event: "suspended", "resumed" …
        public var kind: String
        /// Kept on the history event and shown on the customer's timeline.
        public var reason: String
        /// For the router job: "non_payment", "payment", "prepaid_expired" …
        public var cause: String

        public init(subscriptionID: UUID, customerID: UUID, from: SubscriptionStatus, to: SubscriptionStatus, kind: String, reason: String, cause: String) {
            (self.subscriptionID, self.customerID, self.from, self.to, self.kind, self.reason, self.cause) = (subscriptionID, customerID, from, to, kind, reason, cause)
        }
    }

    /// Suspends or restores many subscriptions inside the caller's transaction, in a few
    /// statements: the status (only where it still is `from`), the history, the customer's
    /// timeline, the customer's status (following their services) and one router job each.
    /// Answers the changes made (a subscription changed meanwhile is left alone).
    public static func applyStates(_ changes: [StateChange], ctx: TenantContext, on day: LocalDate, services: PlatformServices,
                                   tx: any Database) async throws -> [StateChange] {
        guard !changes.isEmpty else { return [] }
        let now = services.clock.now()
        let org = ctx.organizationID
        var made: [StateChange] = []
        for (_, group) in Dictionary(grouping: changes, by: { "\($0.from.rawValue)>\($0.to.rawValue)" }).sorted(by: { $0.key < $1.key }) {
            let (from, to) = (group[0].from, group[0].to)
            var ids: Set<UUID> = []
            for var statement in CellStatement.batches("WITH v (id) AS (", columns: [.uuid], rows: group.map { [SQLCell($0.subscriptionID)] }, on: tx) {
                statement.append(") UPDATE subscriptions SET status = ")
                statement.bind(.text(to.rawValue))
                statement.append(", updated_at = ")
                statement.bind(.date(now))
                statement.append(" FROM v WHERE subscriptions.id = v.id AND subscriptions.status = ")
                statement.bind(.text(from.rawValue))
                statement.append(" AND ")
                statement.organization(org, alias: "subscriptions")
                statement.append(" RETURNING subscriptions.id")
                for row in try await tx.run(statement) { ids.insert(try row.uuid(0)) }
            }
            made += group.filter { ids.contains($0.subscriptionID) }
        }
        guard !made.isEmpty else { return [] }
        let eventRows: [[SQLCell]] = made.map { c in
            [SQLCell(UUID.timeOrdered()), SQLCell(org), SQLCell(c.subscriptionID), .text(c.kind), .text(c.from.rawValue), .text(c.to.rawValue),
             .text(c.reason), .text(ctx.actor.label), .text(day.description), .date(now)]
        }
        for statement in eventInsert.batches(eventRows, on: tx) { try await tx.run(statement) }
        try await Activities.insert(ctx, made.map { c in
            (subject: .init("customer", c.customerID), kind: "subscription." + c.kind, summary: "Service \(c.kind) (\(c.reason))",
             related: .init("subscription", c.subscriptionID))
        }, at: now, on: tx)
        // The customer's status follows their services: active if any is, else suspended if any
        // is; only customers whose status changes are written.
        let customers = Array(Set(made.map(\.customerID))).sorted().map { [SQLCell($0)] }
        for var statement in CellStatement.batches("WITH v (id) AS (", columns: [.uuid], rows: customers, on: tx) {
            statement.append("""
                ), x AS (SELECT s.customer_id, CASE WHEN MAX(CASE WHEN s.status = 'active' THEN 1 ELSE 0 END) = 1 THEN 'active' \
                WHEN MAX(CASE WHEN s.status = 'suspended' THEN 1 ELSE 0 END) = 1 THEN 'suspended' END AS status \
                FROM subscriptions s JOIN v ON v.id = s.customer_id WHERE 
                """)
            statement.organization(org, alias: "s")
            statement.append(" GROUP BY s.customer_id) UPDATE customers SET status = x.status FROM x WHERE customers.id = x.customer_id AND ")
            statement.organization(org, alias: "customers")
            statement.append(" AND x.status IS NOT NULL AND customers.status <> x.status")
            try await tx.run(statement)
        }
        try await services.jobs.enqueueMany(NetworkContracts.applySubscriptionState,
                                            made.map { (SubscriptionStatePayload(subscriptionID: $0.subscriptionID, status: $0.to.rawValue, reason: $0.cause), org) },
                                            queue: NetworkContracts.queue, on: tx)
        return made
    }
}
