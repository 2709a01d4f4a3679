import Billing
import CRM
import Documents
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// Network → Bulk actions: choose subscriptions by filter, see how many before anything
/// happens, confirm, then follow the job's progress and download its report.
enum BulkActionPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.bulkActions, use: list)
        routes.post(NetworkRoutes.bulkActions, use: submit)
        routes.get(NetworkRoutes.bulkAction, use: show)
        routes.get(NetworkRoutes.bulkActionReport, use: report)
    }

    static let fields = ["action", "branch_id", "area_id", "router_id", "plan_id", "reseller_id", "days_overdue", "target_plan_id", "target_router_id"]

    static func input(_ v: [String: String]) -> BulkActions.Input {
        .init(action: v["action"], branchID: v["branch_id"], areaID: v["area_id"], routerID: v["router_id"], planID: v["plan_id"],
              resellerID: v["reseller_id"], daysOverdue: v["days_overdue"], targetPlanID: v["target_plan_id"], targetRouterID: v["target_router_id"])
    }

    static func list(_ req: Request) async throws -> Response {
        try await render(req, form: FormState(values: ["action": "suspend"]))
    }

    /// "Count" shows how many (and the first few) with a confirm button; "confirm" starts it.
    static func submit(_ req: Request) async throws -> Response {
        let v = req.formValues()
        let ctx = try req.ctx
        do {
            if v["step"] == "confirm" {
                let action = try await BulkActions.create(ctx, input(v), services: req.services, on: req.db)
                return redirect(req, to: NetworkRoutes.bulkAction.link(action.id!), flash: "Started: \(action.total) subscription(s).")
            }
            let preview = try await BulkActions.preview(ctx, input(v), services: req.services, on: req.db)
            return try await render(req, form: FormState(values: v), preview: preview)
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(v, error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, form: FormState, preview: BulkActions.Preview? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.subscriptionsWrite)
        let recent = try await BulkActions.list(ctx, on: req.db)
        let branches = try await Branch.scoped(to: ctx, on: req.db).sort(\.$name).all()
        let areas = ctx.can(.customersRead) ? try await Areas.all(ctx, on: req.db) : []
        let routers = ctx.can(.routersRead) && !ctx.isResellerScoped ? try await Routers.list(ctx, .init(), page: try CursorRequest(limit: 200), on: req.db).items : []
        let plans = ctx.can(.plansRead) ? try await Plans.active(ctx, on: req.db) : []
        let resellers = ctx.can(.resellersRead) ? try await Resellers.tree(ctx, on: req.db) : []
        let page = try req.page("Bulk actions")
        let values = form.values
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title)
            h.el("section", [.class("panel")]) { h in
                h.el("h2", text: "Choose subscriptions")
                h.postForm(NetworkRoutes.bulkActions.link, csrf: page.csrf, class: "stack", id: "bulk-form") { h in
                    h.formError(form.general)
                    h.selectField("Action", "action", BulkActions.Action.allCases.map { Choice(value: $0.rawValue, label: $0.title, checked: $0.rawValue == values["action"]) },
                                  form: form)
                    h.el("div", [.class("grid")]) { h in
                        h.selectField("Branch", "branch_id", Choice.list(branches.map { ($0.id!, $0.name) }, selected: values["branch_id"], blank: "Any"), form: form)
                        h.selectField("Area", "area_id", Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: values["area_id"], blank: "Any"), form: form)
                        h.selectField("On router", "router_id", Choice.list(routers.map { ($0.id!, $0.name) }, selected: values["router_id"], blank: "Any"), form: form)
                        h.selectField("Plan", "plan_id", Choice.list(plans.map { ($0.id!, "\($0.name) (\($0.code))") }, selected: values["plan_id"], blank: "Any"), form: form)
                        h.selectField("Reseller", "reseller_id", Choice.list(resellers.map { ($0.id!, $0.name) }, selected: values["reseller_id"], blank: "Any"), form: form)
                        h.field("Overdue at least (days)", "days_overdue", form: form, type: "number", hint: "blank: any", [.attr("min", literal: "0")])
                    }
                    h.el("div", [.class("grid")]) { h in
                        h.selectField("New plan (change plan)", "target_plan_id", Choice.list(plans.map { ($0.id!, "\($0.name) (\($0.code))") }, selected: values["target_plan_id"], blank: "—"),
                                      form: form)
                        h.selectField("Move to router", "target_router_id", Choice.list(routers.map { ($0.id!, $0.name) }, selected: values["target_router_id"], blank: "—"),
                                      form: form)
                    }
                    if let preview {
                        h.el("div", [.class("flash ok"), .attr("id", literal: "bulk-count")]) { h in
                            h.text("\(preview.count) subscription(s) match")
                            if !preview.sample.isEmpty { h.text(": " + preview.sample.joined(separator: ", ") + (preview.count > preview.sample.count ? " …" : "")) }
                        }
                        if preview.count > 0 {
                            let title = BulkActions.Action(rawValue: values["action"] ?? "")?.title ?? "Go"
                            h.el("button", [.class("btn primary"), .type("submit"), .name("step"), .value("confirm"), .attr("id", literal: "bulk-confirm"),
                                            .attr("data-confirm", "\(title): \(preview.count) subscription(s). This cannot be undone in one click. Go ahead?")],
                                 text: "\(title) \(preview.count) subscription(s)")
                            h.raw(" ")
                        }
                    }
                    h.el("button", [.class("btn"), .type("submit"), .name("step"), .value("count"), .attr("id", literal: "bulk-count-button")], text: "Count")
                }
            }
            h.table("Recent bulk actions", header: #"<tr><th>Started</th><th>Action</th><th>By</th><th>State</th><th class="num">Done</th><th class="num">Failed</th><th class="num">Of</th></tr>"#) { h in
                if recent.isEmpty { h.raw(#"<tr><td colspan="7" class="muted">None yet.</td></tr>"#) }
                for a in recent {
                    h.raw("<tr><td>")
                    h.el("a", [.href(NetworkRoutes.bulkAction.link(a.id!))], text: req.shortDate(a.createdAt))
                    h.raw("</td><td>")
                    h.text(BulkActions.Action(rawValue: a.action)?.title ?? a.action)
                    h.raw("</td><td>")
                    h.text(a.actorLabel)
                    h.raw("</td><td>")
                    h.badge(a.state)
                    for n in [a.done, a.failed, a.total] {
                        h.raw(#"</td><td class="num">"#)
                        h.text(String(n))
                    }
                    h.raw("</td></tr>")
                }
            }
        }
        return html.response(status: status)
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let action = try await BulkActions.find(ctx, id.uuidString, on: req.db)
        let items = try await BulkActions.items(ctx, action, on: req.db)
        let title = BulkActions.Action(rawValue: action.action)?.title ?? action.action
        let page = try req.page("\(title): \(action.total) subscription(s)")
        var html = HTML()
        html.appLayout(page) { h in
            // While it runs the page refreshes itself every two seconds.
            if action.state != "done" { h.raw(#"<meta http-equiv="refresh" content="2">"#) }
            h.pageHead(page.title) { h in
                h.el("a", [.class("btn"), .href(NetworkRoutes.bulkActionReport.link(id))], text: "Download the report (CSV)")
                h.raw(" ")
                h.el("a", [.class("btn"), .href(NetworkRoutes.bulkActions.link)], text: "Bulk actions")
            }
            h.el("section", [.class("panel"), .attr("id", literal: "bulk-progress")]) { h in
                h.void("progress", [.attr("max", String(max(action.total, 1))), .attr("value", String(action.done)), .attr("aria-label", "Progress")])
                h.el("p", [.attr("id", literal: "bulk-state")]) { h in
                    h.badge(action.state)
                    h.text(" \(action.done) of \(action.total) done, \(action.failed) failed. Started by \(action.actorLabel) \(req.shortDate(action.createdAt))")
                    if let finished = action.finishedAt { h.text(", finished \(req.shortDate(finished))") }
                    h.text(".")
                }
                h.el("p", [.class("muted")], text: "Each subscription's router account follows its change within seconds; its page says when the router has it.")
            }
            h.table("Result per subscription", header: #"<tr><th>#</th><th>Customer</th><th>Outcome</th><th>Detail</th></tr>"#) { h in
                for item in items {
                    h.raw("<tr><td>")
                    h.text(String(item.position + 1))
                    h.raw("</td><td>")
                    h.el("a", [.href(BillingRoutes.subscription.link(item.subscriptionID))], text: item.label)
                    h.raw("</td><td>")
                    h.badge(item.outcome)
                    h.raw("</td><td>")
                    h.text(item.message)
                    h.raw("</td></tr>")
                }
            }
        }
        return html.response()
    }

    static func report(_ req: Request, _ id: UUID) async throws -> Response {
        try await csv(req, id)
    }

    /// The report: one line per subscription with its outcome.
    static func csv(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let action = try await BulkActions.find(ctx, id.uuidString, on: req.db)
        let items = try await BulkActions.items(ctx, action, on: req.db)
        var text = CSV.line(["position", "customer", "subscription_id", "action", "outcome", "detail"])
        for item in items {
            text += CSV.line([String(item.position + 1), item.label, item.subscriptionID.uuidString, action.action, item.outcome, item.message ?? ""])
        }
        let response = Response(status: .ok, body: .init(string: text))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "bulk-\(action.action)-\(id.uuidString.prefix(8).lowercased()).csv")
        return response
    }
}
