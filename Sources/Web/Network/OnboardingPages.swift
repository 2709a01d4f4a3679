import Billing
import CRM
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// The onboarding wizard's pages: one step at a time, saved as it goes, then the welcome letter
/// with the router account's state following live.
enum OnboardingPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.onboarding, use: list)
        routes.post(NetworkRoutes.onboarding, use: start)
        routes.get(NetworkRoutes.onboardingDraft, use: show)
        routes.post(NetworkRoutes.onboardingDraft, use: submit)
        routes.get(NetworkRoutes.routerAccountState, use: state)
    }

    static let titles = ["details": "Customer", "address": "Service address", "plan": "Plan and add-ons", "service": "Service", "review": "Review"]

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let drafts = try await Onboarding.drafts(ctx, on: req.db)
        let page = try req.page("Onboarding")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in
                h.postButton("New customer", to: NetworkRoutes.onboarding.link, csrf: page.csrf, class: "btn primary")
            }
            h.el("p", [.class("muted")], text: "Connect a new customer step by step, or start from a lead's page. Every step is saved: a closed browser loses nothing.")
            h.table("Your unfinished onboardings", header: "<tr><th>Customer</th><th>At step</th><th>Last changed</th></tr>") { h in
                if drafts.isEmpty { h.raw(#"<tr><td colspan="3" class="muted">None.</td></tr>"#) }
                for d in drafts {
                    h.raw("<tr><td>")
                    h.el("a", [.href(NetworkRoutes.onboardingDraft.link(d.id!))], text: d.data["display_name"].nonBlank ?? "(no name yet)")
                    h.raw("</td><td>")
                    h.text(titles[d.step] ?? d.step)
                    h.raw("</td><td>")
                    h.text(req.shortDate(d.updatedAt))
                    h.raw("</td></tr>")
                }
            }
        }
        return html.response()
    }

    static func start(_ req: Request) async throws -> Response {
        let draft = try await Onboarding.start(try req.ctx, leadID: req.formValues()["lead_id"], services: req.services, on: req.db)
        return redirect(req, to: NetworkRoutes.onboardingDraft.link(draft.id!))
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let draft = try await Onboarding.find(try req.ctx, id.uuidString, on: req.db)
        if let s = draft.subscriptionID { return redirect(req, to: BillingRoutes.subscription.link(s)) }
        return try await render(req, draft, form: FormState(values: draft.data))
    }

    static func submit(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let v = req.formValues()
        struct Boxes: Decodable { var addon_ids: [String]? }
        var values = v
        if v["step"] == "plan" { values["addon_ids"] = ((try? req.content.decode(Boxes.self))?.addon_ids ?? []).joined(separator: ",") }
        let go = v["go"] ?? "next"
        do {
            if go.hasPrefix("back:") {
                let draft = try await Onboarding.back(ctx, id.uuidString, to: String(go.dropFirst(5)), on: req.db)
                return redirect(req, to: NetworkRoutes.onboardingDraft.link(draft.id!))
            }
            if go == "create" {
                let made = try await Onboarding.create(ctx, id.uuidString, services: req.services, on: req.db)
                return try await ServiceAccountPages.letter(req, made.account.subscriptionID, made, title: "Customer connected")
            }
            let draft = try await Onboarding.save(ctx, id.uuidString, step: v["step"] ?? "", values: values, services: req.services, on: req.db)
            return redirect(req, to: NetworkRoutes.onboardingDraft.link(draft.id!))
        } catch let error as DomainError where error.showsOnForm {
            let draft = try await Onboarding.find(ctx, id.uuidString, on: req.db)
            var form = CRMForms.formState(values, error)
            for (key, value) in draft.data where form.values[key] == nil { form.values[key] = value }
            return try await render(req, draft, form: form, status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, _ draft: OnboardingDraft, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let id = draft.id!
        let step = draft.step
        let page = try req.page("Onboarding: \(titles[step] ?? step)")
        // What the step's choices need.
        let branches = step == "details" ? try await Branch.scoped(to: ctx, on: req.db).sort(\.$name).all() : []
        let areas = step == "address" ? try await Areas.all(ctx, on: req.db) : []
        let plans = step == "plan" ? try await Plans.active(ctx, on: req.db) : []
        let addons = step == "plan" ? try await Addons.active(ctx, on: req.db) : []
        let routers = step == "service" ? try await Routers.list(ctx, .init(), page: try CursorRequest(limit: 200), on: req.db).items.filter { $0.status == .active } : []
        var values = form.values
        if step == "service", (values["username"] ?? "").isEmpty, let router = routers.first(where: { $0.id?.uuidString.lowercased() == values["router_id"]?.lowercased() }) ?? routers.first {
            values["username"] = try await Onboarding.suggestUsername(draft, router: router, on: req.db)
        }
        var kept = FormState(values: values)
        (kept.errors, kept.general) = (form.errors, form.general)
        let form = kept
        let review = step == "review" ? try await Onboarding.review(ctx, draft, services: req.services, on: req.db) : nil
        let data = draft.data
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in h.el("a", [.class("btn"), .href(NetworkRoutes.onboarding.link)], text: "All onboardings") }
            h.el("ol", [.class("steps"), .attr("id", literal: "wizard-steps")]) { h in
                for s in Onboarding.steps {
                    h.el("li", [.classes(s == step ? "current" : "")], text: titles[s] ?? s)
                }
            }
            h.postForm(NetworkRoutes.onboardingDraft.link(id), csrf: page.csrf, class: "stack panel", id: "wizard") { h in
                h.void("input", [.type("hidden"), .name("step"), .value(step)])
                h.formError(form.general)
                switch step {
                case "details":
                    h.field("Name", "display_name", form: form)
                    h.field("Mobile", "phone", form: form, type: "tel", hint: "e.g. 01712345678")
                    h.field("Email", "email", form: form, type: "email", hint: "optional")
                    h.selectField("Branch", "branch_id", Choice.list(branches.map { ($0.id!, $0.name) }, selected: values["branch_id"], blank: "The usual"), form: form)
                case "address":
                    h.field("Address", "line1", form: form, hint: "house, road")
                    h.field("Address, second line", "line2", form: form, hint: "optional")
                    h.selectField("Area", "area_id", Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: values["area_id"], blank: "Choose an area"), form: form)
                case "plan":
                    h.selectField("Plan", "plan_id", Choice.list(plans.map { ($0.id!, "\($0.name) (\($0.code)) · \($0.priceMoney.decimalString)") }, selected: values["plan_id"],
                                                                  blank: "Choose a plan"), form: form)
                    let chosen = Set((values["addon_ids"] ?? "").split(separator: ",").map { $0.lowercased() })
                    h.checkGroup("Add-ons", "addon_ids[]", addons.map { Choice(value: $0.id!.uuidString.lowercased(), label: "\($0.name) · \(Money(minorUnits: $0.price, currency: $0.currency).decimalString)",
                                                                             checked: chosen.contains($0.id!.uuidString.lowercased())) },
                                 error: form.errors["addon_ids"], errorLabel: "Add-ons")
                case "service":
                    h.selectField("Router", "router_id", Choice.list(routers.map { ($0.id!, $0.name) }, selected: values["router_id"]), form: form)
                    h.selectField("Service", "service_type", Choice.values(AccessService.allCases.map(\.rawValue), selected: values["service_type"] ?? "pppoe",
                                                                          label: { AccessService(rawValue: $0)?.title ?? $0 }), form: form)
                    h.field("Username", "username", form: form, hint: "suggested; checked on the router's accounts")
                    h.field("Static IP", "static_ip", form: form, hint: "optional")
                    h.el("p", [.class("muted")], text: "A password is generated when the customer is created and shown once, on the welcome letter.")
                default:
                    h.el("dl", [.class("facts"), .attr("id", literal: "wizard-review")]) { h in
                        h.fact("Customer", data["display_name"])
                        h.fact("Mobile", data["phone"])
                        h.fact("Address", [data["line1"], data["line2"]].compactMap { $0.nonBlank }.joined(separator: ", "))
                        h.fact("Plan", review?.planName)
                        h.fact("Service", "\(AccessService(rawValue: data["service_type"] ?? "")?.title ?? "") · \(data["username"] ?? "")")
                        h.fact("Static IP", data["static_ip"].nonBlank)
                    }
                    if let review {
                        h.el("h3", text: "First invoice")
                        h.el("table", [.class("data"), .attr("id", literal: "first-invoice")]) { h in
                            h.raw("<tbody>")
                            for (name, amount) in review.lines {
                                h.raw("<tr><td>")
                                h.text(name)
                                h.raw(#"</td><td class="num">"#)
                                h.text(amount.decimalString)
                                h.raw("</td></tr>")
                            }
                            h.raw(#"<tr><td>Tax</td><td class="num">"#)
                            h.text(review.tax.decimalString)
                            h.raw(#"</td></tr><tr><th>Total</th><th class="num">"#)
                            h.text(review.total.decimalString)
                            h.raw("</th></tr></tbody>")
                        }
                        h.el("p", [.class("muted")], text: "The plan's first period may be prorated to the billing day; the invoice run issues it.")
                    }
                }
                h.el("p") { h in
                    if let index = Onboarding.steps.firstIndex(of: step), index > 0 {
                        h.el("button", [.class("btn"), .type("submit"), .name("go"), .value("back:\(Onboarding.steps[index - 1])"), .attr("formnovalidate", literal: "")], text: "Back")
                        h.raw(" ")
                    }
                    if step == "review" {
                        h.el("button", [.class("btn primary"), .type("submit"), .name("go"), .value("create"), .attr("id", literal: "wizard-create")],
                             text: "Create and connect")
                    } else {
                        h.el("button", [.class("btn primary"), .type("submit"), .name("go"), .value("next"), .attr("id", literal: "wizard-next")], text: "Next")
                    }
                }
            }
        }
        return html.response(status: status)
    }

    /// Where the router account stands, for the live line on the welcome letter.
    static func state(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let s = try await Subscriptions.find(ctx, id.uuidString, on: req.db)
        guard let status = try await Provisioning.status(ctx, subscriptionID: s.id!, on: req.db) else { throw Abort(.notFound) }
        struct State: Encodable { var state, summary: String }
        let response = try Response(status: .ok, body: .init(data: JSONEncoder().encode(State(state: status.account.syncState.rawValue, summary: status.summary))))
        response.headers.contentType = .json
        response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        return response
    }
}
