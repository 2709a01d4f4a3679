import Billing
import CRM
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// A subscription's router account on its page: where it stands with the router (never "done"
/// before the router took it), the form that makes it, a new password, and the welcome letter
/// with the password, shown once.
enum ServiceAccountPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post(NetworkRoutes.routerAccount, use: provision)
        routes.post(NetworkRoutes.routerAccountPassword, use: resetPassword)
    }

    /// The panel for the subscription page (Network's part of it).
    static func panel(_ req: Request, subscription s: Subscription, canWrite: Bool, csrf: String, form: FormState = FormState()) async throws -> HTML {
        let ctx = try req.ctx
        var h = HTML()
        guard ctx.can(.subscriptionsRead) else { return h }
        let status = try await Provisioning.status(ctx, subscriptionID: s.id!, on: req.db)
        let routers = ctx.can(.routersRead) && !ctx.isResellerScoped
            ? try await Routers.list(ctx, .init(), page: try CursorRequest(limit: 200), on: req.db).items.filter { $0.status == .active } : []
        h.el("section", [.class("panel"), .attr("id", literal: "router-account")]) { h in
            h.el("h2", text: "Router account")
            if let status {
                let a = status.account
                h.el("dl", [.class("facts")]) { h in
                    h.fact("State") { h in
                        h.badge(a.syncState.rawValue)
                        h.raw(" ")
                        h.el("span", [.attr("id", literal: "router-account-state")], text: status.summary)
                    }
                    h.fact("Router") { h in h.el("a", [.href(NetworkRoutes.router.link(a.routerID))], text: status.routerName) }
                    h.fact("Service", a.service.title)
                    h.fact("Username", a.username)
                    h.fact("Static IP", a.staticIP)
                    h.fact(a.service == .pppoe ? "Caller ID" : "MAC address", a.callerID)
                    h.fact("Profile adopted from the router", a.profileOverride)
                    h.fact("In line since", a.syncedAt.map(req.shortDate))
                }
                if canWrite && ctx.can(.subscriptionsWrite) {
                    h.postButton("New password", to: NetworkRoutes.routerAccountPassword.link(s.id!), csrf: csrf, class: "btn",
                                 confirm: "Make a new password for \(a.username)? The old one stops working as soon as the router takes the new one.")
                }
            } else if s.status == .terminated {
                h.el("p", [.class("muted")], text: "The subscription has ended; it has no router account.")
            } else if canWrite && ctx.can(.subscriptionsWrite) && !routers.isEmpty {
                h.el("p", [.class("muted")], text: "No account on a router yet. Make one: Meghna puts it on the router and keeps it in line with the subscription.")
                h.postForm(NetworkRoutes.routerAccount.link(s.id!), csrf: csrf, class: "stack", id: "router-account-form") { h in
                    h.formError(form.general)
                    h.selectField("Router", "router_id", Choice.list(routers.map { ($0.id!, $0.name) }, selected: form.values["router_id"] ?? routers.first?.id?.pathValue),
                                  form: form)
                    h.selectField("Service", "service_type", Choice.values(AccessService.allCases.map(\.rawValue), selected: form.values["service_type"], blank: "As the plan says",
                                                                      label: { AccessService(rawValue: $0)?.title ?? $0 }), form: form)
                    h.field("Username", "username", form: form, hint: "blank: the customer number; must be unique on the router")
                    h.field("Password", "password", form: form, hint: "blank: one is generated (shown once)", [.attr("autocomplete", literal: "off")])
                    h.field("Static IP", "static_ip", form: form, hint: "optional, e.g. 10.20.0.15")
                    h.field("Caller ID / MAC address", "caller_id", form: form, hint: "optional: binds the account to one device")
                    h.el("button", [.class("btn primary"), .type("submit")], text: "Create router account")
                }
            } else {
                h.el("p", [.class("muted")], text: routers.isEmpty && ctx.can(.routersRead) ? "No router is set up yet (Network → Routers)." : "No account on a router.")
            }
        }
        return h
    }

    static func provision(_ req: Request, _ id: UUID) async throws -> Response {
        let v = req.formValues()
        let ctx = try req.ctx
        do {
            let made = try await ServiceAccounts.provision(ctx, subscriptionID: id.uuidString,
                                                           .init(routerID: v["router_id"], service: v["service_type"], username: v["username"], password: v["password"],
                                                                 staticIP: v["static_ip"], callerID: v["caller_id"]),
                                                           services: req.services, on: req.db)
            return try await letter(req, id, made, title: "Router account made")
        } catch let error as DomainError where error.showsOnForm {
            var form = CRMForms.formState(v, error)
            form.values["password"] = nil
            return try await SubscriptionPages.render(req, id, forms: ["router-account": form], status: .unprocessableEntity)
        }
    }

    static func resetPassword(_ req: Request, _ id: UUID) async throws -> Response {
        let made = try await ServiceAccounts.resetPassword(try req.ctx, subscriptionID: id.uuidString, services: req.services, on: req.db)
        return try await letter(req, id, made, title: "New password")
    }

    /// The password, once, on a printable welcome letter. Not cached, never logged.
    static func letter(_ req: Request, _ id: UUID, _ made: ServiceAccounts.Provisioned, title: String) async throws -> Response {
        let ctx = try req.ctx
        let s = try await Subscriptions.find(ctx, id.uuidString, on: req.db)
        let customer = try await Customers.find(ctx, s.customerID.uuidString, on: req.db)
        let planName = try await Subscriptions.planName(ctx, s, on: req.db)
        let page = try req.page(title)
        let a = made.account
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(title) { h in
                h.el("button", [.class("btn primary"), .type("button"), .attr("data-print", literal: "")], text: "Print the welcome letter")
                h.raw(" ")
                h.el("a", [.class("btn"), .href(BillingRoutes.subscription.link(id).fragment("router-account"))], text: "Back to the subscription")
            }
            h.el("p", [.class("flash ok no-print")],
                 text: "The password is shown on this page only: print the letter or give it to the customer now.")
            h.el("p", [.class("no-print"), .attr("id", literal: "router-account-live"), .attr("data-poll", NetworkRoutes.routerAccountState.link(id).description)]) { h in
                h.badge(a.syncState.rawValue)
                h.text(" Sending to the router…")
            }
            h.el("article", [.class("letter"), .attr("id", literal: "welcome-letter")]) { h in
                h.el("h2", text: "Welcome to \(page.organizationName ?? "your internet service")")
                h.el("p", text: "Dear \(customer.displayName),")
                h.el("p", text: "your \(planName) connection is ready. Set up your router or device with these details:")
                h.el("dl", [.class("facts")]) { h in
                    h.fact("Customer number", customer.numberText)
                    h.fact("Connection type", a.service == .pppoe ? "PPPoE" : "Hotspot login")
                    h.fact("Username") { h in h.el("span", [.class("secret"), .attr("id", literal: "letter-username")], text: a.username) }
                    h.fact("Password") { h in h.el("span", [.class("secret"), .attr("id", literal: "letter-password")], text: made.password) }
                    h.fact("Static IP", a.staticIP)
                }
                h.el("p", text: "Keep this letter safe. Call us if you need a new password.")
            }
        }
        let response = html.response()
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
