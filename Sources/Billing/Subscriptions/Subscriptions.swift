import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Subscriptions: a customer's service on a plan, from signing up to termination. Every change
/// is an event on the subscription and an entry on the customer's timeline; changes inside a
/// billed period leave prorated charges for the next invoice; the customer's status follows.
public enum Subscriptions {
    public struct Input: Sendable {
        public var customerID: String?
        public var planID: String?
        public var serviceAddressID: String?
        public var billingDay: String?
        public var startsOn: String?
        /// "true": active from `startsOn` at once (no installation step).
        public var activate: String?

        public init(customerID: String? = nil, planID: String? = nil, serviceAddressID: String? = nil, billingDay: String? = nil,
                    startsOn: String? = nil, activate: String? = nil) {
            self.customerID = customerID
            self.planID = planID
            self.serviceAddressID = serviceAddressID
            self.billingDay = billingDay
            self.startsOn = startsOn
            self.activate = activate
        }
    }

    public struct Filter: Sendable {
        public var customerID: String?
        public var status: String?
        public var planID: String?

        public init(customerID: String? = nil, status: String? = nil, planID: String? = nil) {
            self.customerID = customerID
            self.status = status
            self.planID = planID
        }
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Subscription> {
        try ctx.require(.subscriptionsRead)
        var v = Validator()
        let status = v.choice("status", filter.status, as: SubscriptionStatus.self)
        var customer: UUID?, plan: UUID?
        if let raw = filter.customerID.nonBlank { customer = UUID(uuidString: raw); if customer == nil { v.add("customer_id", "is not an id") } }
        if let raw = filter.planID.nonBlank { plan = UUID(uuidString: raw); if plan == nil { v.add("plan_id", "is not an id") } }
        try v.check()
        let query = Subscription.scoped(to: ctx, on: db)
        if let status { query.filter(\.$status == status) }
        if let customer { query.filter(\.$customerID == customer) }
        if let plan { query.filter(\.$planID == plan) }
        return try await query.paginateNewestFirst(page, by: \.$createdAt)
    }

    public static func forCustomer(_ ctx: TenantContext, _ customerID: UUID, on db: any Database) async throws -> [Subscription] {
        try ctx.require(.subscriptionsRead)
        return try await Subscription.scoped(to: ctx, on: db).filter(\.$customerID == customerID).sort(\.$createdAt).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsRead)
        return try await Subscription.find(id, in: ctx, on: db)
    }

    /// Signs a customer up for a plan: pending until activated (or active at once).
    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        var v = Validator()
        let today = LocalDate.today(services.clock.now(), in: ctx.timeZone)
        let customer = try? await Customer.find(input.customerID, in: ctx, on: db)
        if input.customerID.nonBlank == nil { v.add("customer_id", "is required") } else if customer == nil || customer?.archivedAt != nil {
            v.add("customer_id", "is not a customer you can see")
        }
        let plan = try? await Plan.find(input.planID, in: ctx, on: db)
        if input.planID.nonBlank == nil { v.add("plan_id", "is required") } else if plan == nil {
            v.add("plan_id", "is not a plan you can see")
        } else if plan?.status != .active {
            v.add("plan_id", "is archived; choose a plan that is sold")
        } else if let plan, let customer, !plan.branchIDs.isEmpty, !plan.branchIDs.contains(customer.branchID) {
            v.add("plan_id", "is not sold in the customer's branch")
        }
        var address: UUID?
        if let raw = input.serviceAddressID.nonBlank {
            if let customer, let found = try? await ServiceAddress.find(raw, in: ctx, on: db), found.customerID == customer.id {
                address = found.id
            } else {
                v.add("service_address_id", "is not one of the customer's service addresses")
            }
        }
        let billingDay = v.integer("billing_day", input.billingDay, in: 1...31, required: false)
        let startsOn = v.localDate("starts_on", input.startsOn) ?? today
        let activate = v.flag("activate", input.activate) ?? false
        try v.check()
        let settings = try await Settings.load(organizationID: ctx.organizationID, services: services, on: db)
        let (chosenCustomer, chosenPlan, chosenAddress) = (customer!, plan!, address)
        return try await db.writeTransaction { tx in
            let s = Subscription()
            s.id = UUID.timeOrdered()
            s.organizationID = ctx.organizationID
            s.branchID = chosenCustomer.branchID
            s.resellerID = chosenCustomer.resellerID
            s.customerID = chosenCustomer.id!
            s.serviceAddressID = chosenAddress
            s.planID = chosenPlan.id!
            s.status = .pending
            s.billingDay = billingDay
            s.startsOn = startsOn.description
            s.billingPaused = false
            s.createdAt = services.clock.now()
            try await s.create(on: tx)
            try await record(ctx, s, kind: "created", from: nil, reason: nil, on: startsOn, summary: "Signed up for \(chosenPlan.name)",
                             services: services, tx: tx)
            if activate { try await activateNow(ctx, s, plan: chosenPlan, on: startsOn, settings: settings, services: services, tx: tx) }
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    /// Starts the service (after installation): periods and billing begin on `on` (default today).
    public static func activate(_ ctx: TenantContext, _ id: String?, on day: String?, services: PlatformServices, on db: any Database) async throws -> Subscription {
        try ctx.require(.subscriptionsWrite)
        let settings = try await Settings.load(organizationID: ctx.organizationID, services: services, on: db)
        return try await changing(ctx, id, on: db) { s, tx in
            guard s.status == .pending else { throw DomainError.conflict("Only a pending subscription can be activated; this one is \(s.status.rawValue).") }
            let date = try await eventDay(day, s, services: services, ctx: ctx, tx: tx)
            guard let plan = try await Plan.inOrganization(ctx.organizationID, on: tx).filter(\.$id == s.planID).first() else { throw DomainError.notFound("Plan") }
            try await activateNow(ctx, s, plan: plan, on: date, settings: settings, services: services, tx: tx)
            try await followCustomer(ctx, s.customerID, services: services, tx: tx)
            return s
        }
    }

    static func activateNow(_ ctx: TenantContext, _ s: Subscription, plan: Plan, on date: LocalDate, settings: ResolvedSettings,
                            services: PlatformServices, tx: any Database) async throws {
        let rule: BillingDayRule = settings.string("billing", "billing_day_rule") == "fixed_day"
            ? .fixed(max(1, min(28, settings.int("billing", "fixed_billing_day")))) : .anniversary
        let prepaid = plan.billingKind == .prepaid
        // A prepaid service has no billing cycle: recharges buy its days, the run never bills it.
        s.anchorDay = prepaid ? nil : s.billingDay ?? rule.anchorDay(activatedOn: date)
        s.activatedOn = date.description
        s.status = .active
        s.nextBillOn = prepaid ? nil : date.description
        try await s.save(on: tx)
        try await pricePlan(ctx, s, plan: plan, from: date, tx: tx)
        // Add-ons and discounts given while pending start with the service.
        try await tx.sql.raw("""
            UPDATE subscription_addons SET from_on = \(bind: date.description), prorated = \(bind: false) \
            WHERE \(TenantSQL.organization(ctx.organizationID)) AND subscription_id = \(bind: s.id!) AND to_on IS NULL
            """).run()
        try await tx.sql.raw("""
            UPDATE subscription_discounts SET first_period_on = \(bind: date.description) \
            WHERE \(TenantSQL.organization(ctx.organizationID)) AND subscription_id = \(bind: s.id!) AND ended_on IS NULL
            """).run()
        if plan.setupFee > 0 {
            try await addCharge(ctx, s, kind: "setup_fee", text: "Setup fee: \(plan.name)", detail: nil, amount: plan.setupFeeMoney,
                                category: "installation", scope: .fees, taxable: plan.taxable, on: date, tx: tx)
        }
        try await record(ctx, s, kind: "activated", from: .pending, reason: nil, on: date, summary: "Service started on \(plan.name)",
                         services: services, tx: tx)
        // The first package is bought with the activation.
        if prepaid { _ = try await rechargeNow(ctx, s, plan: plan, on: date, services: services, tx: tx) }
    }

    // MARK: Shared writes

    static func pricePlan(_ ctx: TenantContext, _ s: Subscription, plan: Plan, from date: LocalDate, prorated: Bool = false, tx: any Database) async throws {
        let row = SubscriptionPlanPeriod()
        row.organizationID = ctx.organizationID
        row.subscriptionID = s.id!
        row.planID = plan.id!
        row.price = plan.price
        row.fromOn = date.description
        row.prorated = prorated
        try await row.create(on: tx)
    }

    static func addCharge(_ ctx: TenantContext, _ s: Subscription, kind: String, text: String, detail: String?, amount: Money, category: String,
                          scope: TaxRule.Scope, taxable: Bool, on date: LocalDate, tx: any Database) async throws {
        guard amount.minorUnits != 0 else { return }
        let charge = BillingCharge()
        charge.organizationID = ctx.organizationID
        charge.subscriptionID = s.id!
        charge.customerID = s.customerID
        charge.kind = kind
        charge.text = text
        charge.detail = detail
        charge.amount = amount.minorUnits
        charge.currency = amount.currency
        charge.category = category
        charge.taxScope = scope.rawValue
        charge.taxable = taxable
        charge.on = date.description
        try await charge.create(on: tx)
    }

    static func record(_ ctx: TenantContext, _ s: Subscription, kind: String, from: SubscriptionStatus?, reason: String?, on date: LocalDate,
                       summary: String, services: PlatformServices, tx: any Database) async throws {
        let event = SubscriptionEvent()
        event.organizationID = ctx.organizationID
        event.subscriptionID = s.id!
        event.kind = kind
        event.fromStatus = from?.rawValue
        event.toStatus = s.status.rawValue
        event.reason = reason
        event.actor = ctx.actor.label
        event.effectiveOn = date.description
        event.at = services.clock.now()
        try await event.create(on: tx)
        try await Activities.record(ctx, subject: .init("customer", s.customerID), kind: "subscription." + kind,
                                    summary: summary + (reason.map { " (\($0))" } ?? ""), related: .init("subscription", s.id!),
                                    at: services.clock.now(), on: tx)
        // The routers follow every change of service (status, plan, add-ons); discounts change nothing there.
        if !kind.hasPrefix("discount") {
            try await services.jobs.enqueue(NetworkContracts.applySubscriptionState,
                                            SubscriptionStatePayload(subscriptionID: s.id!, status: s.status.rawValue, reason: kind),
                                            queue: NetworkContracts.queue, organizationID: ctx.organizationID, on: tx)
        }
    }

    /// The customer's status follows its subscriptions: active if any is active, else suspended
    /// if any is, else terminated if all are; a customer with only pending ones keeps theirs.
    static func followCustomer(_ ctx: TenantContext, _ customerID: UUID, services: PlatformServices, tx: any Database) async throws {
        let statuses = try await Subscription.inOrganization(ctx.organizationID, on: tx).filter(\.$customerID == customerID).all().map(\.status)
        let derived: CustomerStatus? =
            statuses.contains(.active) ? .active
            : statuses.contains(.suspended) ? .suspended
            : (!statuses.isEmpty && statuses.allSatisfy { $0 == .terminated }) ? .terminated : nil
        guard let derived else { return }
        try await Customers.followServices(ctx, customerID, status: derived, at: services.clock.now(), on: tx)
    }
}

extension Subscription {
    /// The period cycle, once active.
    public var cycle: MonthlyCycle? { anchorDay.flatMap { try? MonthlyCycle(anchorDay: $0) } }
}

extension Subscriptions {
    /// The name of the subscription's current plan (a plan the viewer's branch no longer sells is
    /// still the subscription's).
    public static func planName(_ ctx: TenantContext, _ s: Subscription, on db: any Database) async throws -> String {
        try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id == s.planID).first()?.name ?? "Plan"
    }

    /// What the customer page's services panel shows: the subscriptions, their plans' names and
    /// the customer's service addresses (for signing up again).
    public static func customerServices(_ ctx: TenantContext, _ customerID: UUID, on db: any Database) async throws
        -> (subscriptions: [Subscription], planNames: [UUID: String], addresses: [ServiceAddress]) {
        let subscriptions = try await forCustomer(ctx, customerID, on: db)
        let plans = try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(subscriptions.map(\.planID))).all()
        let addresses = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customerID).sort(\.$createdAt).all()
        return (subscriptions, Dictionary(plans.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a }), addresses)
    }
}

extension Subscriptions {
    /// A row of the subscriptions list: the subscription with its customer and plan named.
    public struct ListRow: Sendable {
        public var subscription: Subscription
        public var customerNumber: String
        public var customerName: String
        public var planName: String
    }

    /// The list page's rows: one page of `list`, with customers and plans read in one query each.
    public static func listRows(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<ListRow> {
        let found = try await list(ctx, filter, page: page, on: db)
        let customers = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(found.items.map(\.customerID)))
            .field(\.$id).field(\.$numberText).field(\.$displayName).all()
        let plans = try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(found.items.map(\.planID))).field(\.$id).field(\.$name).all()
        let byCustomer = Dictionary(customers.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        let planNames = Dictionary(plans.map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        return CursorPage(items: found.items.map { s in
            ListRow(subscription: s, customerNumber: byCustomer[s.customerID]?.numberText ?? "", customerName: byCustomer[s.customerID]?.displayName ?? "",
                    planName: planNames[s.planID] ?? "")
        }, nextCursor: found.nextCursor)
    }
}
