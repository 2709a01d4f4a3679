import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// A subscription's page (details, the coming periods, open charges, history, and the life-cycle
/// forms with a proration preview before a plan change), and the customer page's services panel.
enum SubscriptionPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.subscriptions, use: SubscriptionListPage.list)
        routes.post(BillingRoutes.subscriptions, use: create)
        routes.get(BillingRoutes.subscription, use: show)
        routes.post(BillingRoutes.activateSubscription, use: activate)
        routes.post(BillingRoutes.suspendSubscription, use: suspend)
        routes.post(BillingRoutes.resumeSubscription, use: resume)
        routes.post(BillingRoutes.terminateSubscription, use: terminate)
        routes.post(BillingRoutes.changeSubscriptionPlan, use: changePlan)
        routes.post(BillingRoutes.rechargeSubscription, use: recharge)
    }

    // MARK: Handlers

    static func create(_ req: Request) async throws -> Response {
        let v = req.formValues()
        let customer = v["customer_id"].flatMap(UUID.init(uuidString:))
        do {
            let s = try await Subscriptions.create(try req.ctx, .init(customerID: v["customer_id"], planID: v["plan_id"], serviceAddressID: v["service_address_id"],
                                                                      billingDay: v["billing_day"], startsOn: v["starts_on"], activate: v["activate"]),
                                                   services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.subscription.link(s.id!), flash: "Service added.")
        } catch let error as DomainError where error.showsOnForm {
            guard let customer else { throw error }
            return redirect(req, to: CRMRoutes.customer.link(customer).fragment("services"), flash: error.description, kind: "error")
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id)
    }

    /// Runs a life-cycle change; a refusal comes back on the page with what was typed.
    static func change(_ req: Request, _ id: UUID, form name: String, done: String,
                       _ body: @Sendable ([String: String]) async throws -> Void) async throws -> Response {
        let values = req.formValues()
        do {
            try await body(values)
            return redirect(req, to: BillingRoutes.subscription.link(id), flash: done)
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, forms: [name: CRMForms.formState(values, error)], status: .unprocessableEntity)
        }
    }

    static func activate(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await change(req, id, form: "activate", done: "Service started.") { v in
            _ = try await Subscriptions.activate(ctx, id.uuidString, on: v["on"], services: req.services, on: req.db)
        }
    }

    static func suspend(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await change(req, id, form: "suspend", done: "Service suspended.") { v in
            _ = try await Subscriptions.suspend(ctx, id.uuidString, reason: v["reason"], on: v["on"], pauseBilling: v["pause_billing"] == "true",
                                                services: req.services, on: req.db)
        }
    }

    static func resume(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await change(req, id, form: "resume", done: "Service resumed.") { v in
            _ = try await Subscriptions.resume(ctx, id.uuidString, on: v["on"], services: req.services, on: req.db)
        }
    }

    static func terminate(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await change(req, id, form: "terminate", done: "Service terminated.") { v in
            _ = try await Subscriptions.terminate(ctx, id.uuidString, reason: v["reason"], on: v["on"], services: req.services, on: req.db)
        }
    }

    static func recharge(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        return try await change(req, id, form: "recharge", done: "Recharged.") { v in
            _ = try await Subscriptions.recharge(ctx, id.uuidString, on: v["on"], services: req.services, on: req.db)
        }
    }

    /// "Preview" shows the quote with a confirm button; "Change plan" applies it.
    static func changePlan(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        let preview = values["preview"] == "true"
        do {
            let quote = try await Subscriptions.changePlan(ctx, id.uuidString, planID: values["plan_id"], effective: values["effective"], on: values["on"],
                                                           preview: preview, services: req.services, on: req.db)
            if preview { return try await render(req, id, forms: ["plan": FormState(values: values)], quote: quote) }
            return redirect(req, to: BillingRoutes.subscription.link(id), flash: quote.effective == "now" ? "Plan changed." : "Plan change scheduled for \(quote.startsOn).")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, forms: ["plan": CRMForms.formState(values, error)], status: .unprocessableEntity)
        }
    }

    // MARK: View

    static func render(_ req: Request, _ id: UUID, forms: [String: FormState] = [:], quote: PlanChangeQuote? = nil, addonQuote: AddonChangeQuote? = nil,
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let s = try await Subscriptions.find(ctx, id.uuidString, on: req.db)
        let customer = try await Customers.find(ctx, s.customerID.uuidString, on: req.db)
        let canWrite = ctx.can(.subscriptionsWrite)
        let plans = canWrite && s.status == .active ? try await Plans.active(ctx, soldIn: s.branchID, on: req.db) : []
        let planName = try await Subscriptions.planName(ctx, s, on: req.db)
        let schedule = try await Subscriptions.schedule(ctx, id.uuidString, count: 6, services: req.services, on: req.db)
        let history = try await Subscriptions.history(ctx, s, on: req.db)
        var extras = try await SubscriptionExtrasPages.load(req, s, canWrite: canWrite)
        extras.addonQuote = addonQuote
        let page = try req.page("\(customer.numberText) · \(planName)")
        var panels: [HTML] = []
        for area in AreaModules.all {
            panels += try await area.subscriptionPanels(req, subscription: s, canWrite: s.status != .terminated, csrf: page.csrf, forms: forms)
        }
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in h.el("a", [.class("btn"), .href(CRMRoutes.customer.link(customer.id!))], text: "Customer") }
            h.el("div", [.class("panel")]) { h in
                h.el("dl", [.class("facts")]) { h in
                    h.fact("Status") { $0.badge(s.status.rawValue) }
                    h.fact("Plan", planName)
                    h.fact("Started", s.activatedOn ?? "not yet (since \(s.startsOn))")
                    if s.expiresOn == nil {
                        h.fact("Billing day", s.anchorDay.map(String.init) ?? s.billingDay.map(String.init) ?? "the organization's rule")
                        h.fact("Next invoice for the period from", s.nextBillOn ?? "")
                    }
                    if let expires = s.expiresOn { h.fact("Prepaid through", expires) }
                    if s.billingPaused { h.fact("Billing", "paused while suspended") }
                    if let ended = s.terminatedOn { h.fact("Ended", ended) }
                }
            }
            if !schedule.isEmpty {
                h.el("div", [.class("panel table-wrap")]) { h in
                    h.raw("<h2>Coming periods</h2>")
                    h.el("table", [.class("data")]) { h in
                        h.raw(#"<thead><tr><th>Period</th><th>Plan</th><th class="num">Net</th><th class="num">Tax</th><th class="num">Total</th></tr></thead><tbody>"#)
                        for p in schedule {
                            h.raw("<tr><td>")
                            h.text("\(p.period.start) – \(p.period.end)")
                            h.raw("</td><td>")
                            h.text(p.planName)
                            h.raw(#"</td><td class="num">"#)
                            h.text(p.net.decimalString)
                            h.raw(#"</td><td class="num">"#)
                            h.text(p.tax.decimalString)
                            h.raw(#"</td><td class="num">"#)
                            h.text(p.total.decimalString)
                            h.raw("</td></tr>")
                        }
                        h.raw("</tbody>")
                    }
                }
            }
            for panel in panels { h.append(panel) }
            h.subscriptionExtras(s, extras, canWrite: canWrite, forms: forms, csrf: page.csrf, currency: ctx.currency)
            if canWrite { h.subscriptionForms(s, plans: plans, forms: forms, quote: quote, csrf: page.csrf) }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.raw("<h2>History and charges</h2>")
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>On</th><th>What</th><th>By</th><th class="num">Amount</th></tr></thead><tbody>"#)
                    for item in history {
                        h.raw("<tr><td>")
                        h.text(item.on)
                        h.raw("</td><td>")
                        h.text(item.what)
                        if let detail = item.detail { h.el("small", [.class("muted")], text: " · " + detail) }
                        h.raw("</td><td>")
                        h.text(item.by)
                        h.raw(#"</td><td class="num">"#)
                        h.text(item.amount?.decimalString ?? "")
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response(status: status)
    }
}
