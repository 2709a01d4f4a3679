import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/subscriptions`: every subscription the viewer may see, newest first, by status and plan.
enum SubscriptionListPage {
    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.subscriptionsRead)
        let filter = Subscriptions.Filter(status: req.queryValue("status"), planID: req.queryValue("plan_id"))
        var error: String?
        var page = CursorPage<Subscriptions.ListRow>(items: [], nextCursor: nil)
        do {
            page = try await Subscriptions.listRows(ctx, filter, page: try req.pageRequest(), on: req.db)
        } catch let e as DomainError where e.showsOnForm {
            error = e.description
        }
        let plans = ctx.can(.plansRead) ? try await Plans.active(ctx, on: req.db) : []
        var html = HTML()
        html.appLayout(try req.page("Subscriptions")) { h in
            h.pageHead("Subscriptions") { _ in }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(BillingRoutes.subscriptions.link)]) { h in
                h.select("status", Choice.values(SubscriptionStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"), label: "Status")
                if !plans.isEmpty {
                    h.select("plan_id", [Choice(value: "", label: "Any plan", checked: filter.planID.nonBlank == nil)]
                        + plans.map { Choice(value: $0.id!.pathValue, label: $0.name, checked: $0.id!.pathValue == filter.planID) }, label: "Plan")
                }
                h.raw(#"<button class="btn" type="submit">Filter</button> "#)
                h.el("a", [.href(BillingRoutes.subscriptions.link)], text: "Clear")
            }
            h.formError(error)
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "subscription-table")]) { h in
                    h.raw("<thead><tr><th>Customer</th><th>Plan</th><th>Status</th><th>Started</th><th>Next period</th><th>Ended</th></tr></thead><tbody>")
                    if page.items.isEmpty { h.raw(#"<tr><td colspan="6" class="muted">No subscriptions.</td></tr>"#) }
                    for row in page.items {
                        let s = row.subscription
                        h.raw("<tr><td>")
                        h.el("a", [.href(BillingRoutes.subscription.link(s.id!))], text: "\(row.customerNumber) \(row.customerName)")
                        h.raw("</td><td>")
                        h.text(row.planName)
                        h.raw("</td><td>")
                        h.badge(s.status.rawValue)
                        if s.billingPaused { h.el("small", [.class("muted")], text: " billing paused") }
                        h.raw("</td><td>")
                        h.text(s.activatedOn ?? "")
                        h.raw("</td><td>")
                        h.text(s.nextBillOn ?? "")
                        h.raw("</td><td>")
                        h.text(s.terminatedOn ?? "")
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { BillingRoutes.subscriptions.link.query([("cursor", $0), ("status", filter.status), ("plan_id", filter.planID)]) })
        }
        return html.response()
    }
}
