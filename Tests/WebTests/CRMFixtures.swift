import Billing
import CRM
import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Receivables
import Testing
import TestSupport

/// One of every CRM record in an organization, for the route walks. Names start with
/// "Fixture" so a listing that leaks them is easy to spot.
struct CRMFixtures {
    let customer: Customer
    let address: ServiceAddress
    let contact: Contact
    let lead: Lead
    let reseller: Reseller
    let area: Area
    let plan: Plan
    let addon: Addon
    let discount: Discount
    let taxRule: TaxRule
    let subscription: Subscription
    let invoice: Invoice
    let subscriptionAddon: SubscriptionAddon
    let subscriptionDiscount: SubscriptionDiscount
    let billingRun: BillingRun
    let payment: Payment
    let exclusion: DunningExclusion
    let router: MeghnaNetwork.Router
    let bulkAction: BulkAction
    let onboardingDraft: OnboardingDraft

    static func make(_ t: TestApp, in tenant: Tenant) async throws -> CRMFixtures {
        let ctx = try await t.context(of: tenant.admin)
        let area = try await Areas.create(ctx, .init(name: "Fixture Zone"), services: t.services, on: t.db)
        let reseller = try await Resellers.create(ctx, .init(name: "Fixture Reseller"), services: t.services, on: t.db)
        let customer = try await Customers.create(ctx, .init(displayName: "Fixture Customer", phones: ["01811111111"],
                                                             address: .init(line1: "Fixture Road", areaID: area.id!.uuidString),
                                                             contact: .init(name: "Fixture Contact")), services: t.services, on: t.db)
        let address = try #require(try await ServiceAddress.query(on: t.db).filter(\.$customerID == customer.id!).first())
        let contact = try #require(try await Contact.query(on: t.db).filter(\.$customerID == customer.id!).first())
        let lead = try await Leads.create(ctx, .init(name: "Fixture Lead", phones: ["01822222222"]), services: t.services, on: t.db)
        var planInput = Plans.Input()
        (planInput.code, planInput.name, planInput.serviceType) = ("FIX-20", "Fixture Plan", "pppoe")
        (planInput.downloadSpeed, planInput.uploadSpeed, planInput.price) = ("20M", "10M", "1000")
        let plan = try await Plans.create(ctx, planInput, services: t.services, on: t.db)
        let addon = try await Addons.create(ctx, .init(code: "FIX-IP", name: "Fixture Add-on", kind: "recurring", price: "300"), services: t.services, on: t.db)
        let discount = try await Discounts.create(ctx, .init(name: "Fixture Discount", kind: "percent", value: "10", target: "plan"), services: t.services, on: t.db)
        let taxRule = try await TaxRules.create(ctx, .init(code: "FIX-VAT", name: "Fixture VAT", rate: "5", effectiveFrom: "2026-01-01"),
                                                services: t.services, on: t.db)
        let subscription = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, activate: "true"),
                                                          services: t.services, on: t.db)
        let run = try await InvoiceRuns.run(organizationID: tenant.id, through: LocalDate.today(t.clock.date, in: ctx.timeZone), dryRun: false,
                                            actor: "fixture", services: t.services, on: t.db)
        let billingRun = try #require(try await BillingRun.find(run.runID, on: t.db))
        let invoice = try #require(try await Invoice.query(on: t.db).filter(\.$subscriptionID == subscription.id!).first())
        _ = try await Subscriptions.addAddon(ctx, subscription.id!.uuidString, addonID: addon.id!.uuidString, on: nil, preview: false,
                                             services: t.services, on: t.db)
        let item = try #require(try await SubscriptionAddon.query(on: t.db).filter(\.$subscriptionID == subscription.id!).first())
        let grant = try await Subscriptions.giveDiscount(ctx, subscription.id!.uuidString, discountID: discount.id!.uuidString, couponCode: nil,
                                                         services: t.services, on: t.db)
        // All to credit (no allocations), so the fixture invoice stays unpaid for the void walk.
        let payment = try await Payments.record(ctx, .init(customerID: customer.id!.uuidString, amount: "250", method: "cash", allocations: []),
                                                services: t.services, on: t.db)
        _ = try await Refunds.record(ctx, .init(customerID: customer.id!.uuidString, amount: "50", method: "cash", reason: "Fixture refund"),
                                     services: t.services, on: t.db)
        let until = LocalDate.today(t.clock.date, in: ctx.timeZone).adding(days: 5).description
        let exclusion = try await Exclusions.add(ctx, .init(customerID: customer.id!.uuidString, kind: "promise_to_pay", until: until, reason: "Fixture promise"),
                                                 services: t.services, on: t.db)
        var routerInput = Routers.Input()
        // Port 1 on loopback refuses at once: a walk that reaches the router gets an answer, not a wait.
        (routerInput.name, routerInput.host, routerInput.port, routerInput.username, routerInput.password) = ("Fixture Router", "127.0.0.1", "1", "fixture", "fixture-router-secret")
        routerInput.branchID = try await Branch.inOrganization(tenant.id, on: t.db).sort(\.$name).first()?.id?.uuidString
        let router = try await Routers.create(ctx, routerInput, services: t.services, on: t.db)
        // The subscription's router account, a hand edit held for a choice, and a reconcile in the history.
        _ = try await ServiceAccounts.provision(ctx, subscriptionID: subscription.id!.uuidString, .init(routerID: router.id!.uuidString, username: "fixture-ppp"),
                                                services: t.services, on: t.db)
        let drift = RouterDrift()
        (drift.organizationID, drift.routerID, drift.menu, drift.key, drift.field) = (tenant.id, router.id!, "/ppp/secret", "fixture-ppp", "caller-id")
        (drift.meghnaValue, drift.routerValue, drift.detectedAt) = ("", "AA:BB:CC:00:00:09", t.clock.date)
        try await drift.create(on: t.db)
        let reconcile = ReconcileRun()
        (reconcile.organizationID, reconcile.routerID, reconcile.trigger, reconcile.actor, reconcile.startedAt, reconcile.finishedAt) = (tenant.id, router.id!, "manual", "fixture", t.clock.date, t.clock.date)
        (reconcile.outcome, reconcile.added, reconcile.changed, reconcile.removed, reconcile.drift, reconcile.conflicts, reconcile.commands) = ("done", 1, 0, 0, 1, 0, 2)
        try await reconcile.create(on: t.db)
        let bulk = try await BulkActions.create(ctx, .init(action: "resync", planID: plan.id!.uuidString), services: t.services, on: t.db)
        let draft = try await Onboarding.start(ctx, leadID: nil, services: t.services, on: t.db)
        return CRMFixtures(customer: customer, address: address, contact: contact, lead: lead, reseller: reseller, area: area,
                           plan: plan, addon: addon, discount: discount, taxRule: taxRule, subscription: subscription, invoice: invoice,
                           subscriptionAddon: item, subscriptionDiscount: grant, billingRun: billingRun, payment: payment,
                           exclusion: exclusion, router: router, bulkAction: bulk, onboardingDraft: draft)
    }

    /// "customer-id" or "customer-id|address-id" per documented path.
    var fixtures: [String: String] {
        let c = customer.id!.uuidString
        return [
            "/customers/{id}": c, "/customers/{id}/restore": c, "/customers/{id}/activities": c,
            "/customers/{id}/addresses": c, "/customers/{id}/contacts": c,
            "/customers/{id}/addresses/{address_id}": c + "|" + address.id!.uuidString,
            "/customers/{id}/contacts/{contact_id}": c + "|" + contact.id!.uuidString,
            "/resellers/{id}": reseller.id!.uuidString,
            "/leads/{id}": lead.id!.uuidString, "/leads/{id}/convert": lead.id!.uuidString, "/leads/{id}/activities": lead.id!.uuidString,
            "/areas/{id}": area.id!.uuidString,
            "/plans/{id}": plan.id!.uuidString, "/addons/{id}": addon.id!.uuidString, "/discounts/{id}": discount.id!.uuidString,
            "/tax-rules/{id}": taxRule.id!.uuidString,
            "/subscriptions/{id}": subscription.id!.uuidString, "/subscriptions/{id}/activate": subscription.id!.uuidString,
            "/subscriptions/{id}/suspend": subscription.id!.uuidString, "/subscriptions/{id}/resume": subscription.id!.uuidString,
            "/subscriptions/{id}/terminate": subscription.id!.uuidString, "/subscriptions/{id}/change-plan": subscription.id!.uuidString,
            "/subscriptions/{id}/schedule": subscription.id!.uuidString, "/subscriptions/{id}/recharge": subscription.id!.uuidString,
            "/subscriptions/{id}/wallet-recharge": subscription.id!.uuidString,
            "/invoices/{id}": invoice.id!.uuidString, "/invoices/{id}/pdf": invoice.id!.uuidString, "/invoices/{id}/void": invoice.id!.uuidString,
            "/subscriptions/{id}/addons": subscription.id!.uuidString, "/subscriptions/{id}/discounts": subscription.id!.uuidString,
            "/subscriptions/{id}/addons/{item_id}/remove": subscription.id!.uuidString + "|" + subscriptionAddon.id!.uuidString,
            "/subscriptions/{id}/discounts/{grant_id}/end": subscription.id!.uuidString + "|" + subscriptionDiscount.id!.uuidString,
            "/billing-runs/{id}": billingRun.id!.uuidString,
            "/payments/{id}": payment.id!.uuidString, "/payments/{id}/reverse": payment.id!.uuidString,
            "/payments/{id}/receipt.pdf": payment.id!.uuidString,
            "/customers/{id}/statement": c, "/customers/{id}/statement.csv": c, "/customers/{id}/statement.pdf": c,
            "/customers/{id}/dunning-exclusions": c, "/dunning-exclusions/{id}/end": exclusion.id!.uuidString,
            "/invoices/{id}/write-off": invoice.id!.uuidString,
            "/resellers/{id}/wallet": reseller.id!.uuidString, "/resellers/{id}/wallet/top-ups": reseller.id!.uuidString,
            "/routers/{id}": router.id!.uuidString, "/routers/{id}/test": router.id!.uuidString, "/routers/{id}/status": router.id!.uuidString,
            "/routers/{id}/history": router.id!.uuidString, "/routers/{id}/sessions": router.id!.uuidString,
            "/routers/{id}/sessions/disconnect": router.id!.uuidString,
            "/routers/{id}/reconcile": router.id!.uuidString, "/routers/{id}/reconciles": router.id!.uuidString,
            "/routers/{id}/drift": router.id!.uuidString, "/routers/{id}/import": router.id!.uuidString,
            "/subscriptions/{id}/router-account": subscription.id!.uuidString,
            "/subscriptions/{id}/router-account/password": subscription.id!.uuidString,
            "/bulk-actions/{id}": bulkAction.id!.uuidString, "/bulk-actions/{id}/report": bulkAction.id!.uuidString,
        ]
    }

    /// Areas and the catalog are shared reference data inside an organization, so reseller staff may read them.
    var resellerScopedFixtures: [String: String] {
        fixtures.filter { key, _ in !["/areas", "/plans", "/addons", "/discounts", "/tax-rules"].contains { key.hasPrefix($0) } }
    }

    static func fill(_ path: String, _ ids: String) -> String {
        let parts = ids.split(separator: "|").map(String.init)
        var out = path.replacingOccurrences(of: "{id}", with: parts[0])
        if parts.count > 1 {
            for name in ["{address_id}", "{contact_id}", "{item_id}", "{grant_id}"] { out = out.replacingOccurrences(of: name, with: parts[1]) }
        }
        return out
    }

    func expectUnchanged(_ t: TestApp) async throws {
        let c = try #require(try await Customer.find(customer.id, on: t.db))
        #expect(c.displayName == "Fixture Customer" && c.archivedAt == nil)
        #expect(try await ServiceAddress.find(address.id, on: t.db)?.line1 == "Fixture Road")
        #expect(try await Contact.find(contact.id, on: t.db)?.name == "Fixture Contact")
        let l = try #require(try await Lead.find(lead.id, on: t.db))
        #expect(l.name == "Fixture Lead" && l.status == .new && l.archivedAt == nil)
        let r = try #require(try await Reseller.find(reseller.id, on: t.db))
        #expect(r.name == "Fixture Reseller" && r.archivedAt == nil)
        #expect(try await Area.find(area.id, on: t.db)?.name == "Fixture Zone")
        let router = try #require(try await MeghnaNetwork.Router.find(self.router.id, on: t.db))
        #expect(router.name == "Fixture Router" && router.host == "127.0.0.1" && router.status == .active)
        #expect(try await Plan.find(plan.id, on: t.db)?.name == "Fixture Plan")
        #expect(try await Addon.find(addon.id, on: t.db)?.name == "Fixture Add-on")
        #expect(try await Discount.find(discount.id, on: t.db)?.name == "Fixture Discount")
        #expect(try await TaxRule.find(taxRule.id, on: t.db)?.name == "Fixture VAT")
        #expect(try await Subscription.find(subscription.id, on: t.db)?.status == .active)
        #expect(try await SubscriptionAddon.find(subscriptionAddon.id, on: t.db)?.toOn == nil)
        #expect(try await SubscriptionDiscount.find(subscriptionDiscount.id, on: t.db)?.endedOn == nil)
        #expect(try await Invoice.find(invoice.id, on: t.db)?.status == .issued)
        #expect(try await Invoice.query(on: t.db).filter(\.$voidsInvoiceID == invoice.id!).count() == 0)
        #expect(try await Payment.find(payment.id, on: t.db)?.status == .posted)
        #expect(try await Activity.query(on: t.db).filter(\.$body == "Taken over").count() == 0)
    }
}
