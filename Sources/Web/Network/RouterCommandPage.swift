import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// The audit of every command sent to a router, newest first, with filters.
enum RouterCommandPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.routerCommands, use: list)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = RouterCommands.Filter(routerID: req.queryValue("router_id"), customerID: req.queryValue("customer_id"), menu: req.queryValue("menu"),
                                           outcome: req.queryValue("outcome"), actor: req.queryValue("actor"))
        let page = try await RouterCommands.list(ctx, filter, page: try req.pageRequest(), on: req.db)
        let routers = try await Routers.list(ctx, .init(), page: try CursorRequest(limit: 200), on: req.db).items
        var html = HTML()
        html.appLayout(try req.page("Router commands")) { h in
            h.pageHead("Router commands")
            h.el("p", [.class("muted")], text: "Every command Meghna sent to a router: who sent it, what it asked (passwords hidden), what came back and how long it took.")
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(NetworkRoutes.routerCommands.link)]) { h in
                h.select("router_id", Choice.list(routers.map { ($0.id!, $0.name) }, selected: filter.routerID, blank: "Every router"), label: "Router")
                h.select("outcome", Choice.values(["done", "trap", "error"], selected: filter.outcome, blank: "Any outcome"), label: "Outcome")
                h.el("label") { h in
                    h.raw("Menu ")
                    h.void("input", [.name("menu"), .value(filter.menu ?? ""), .attr("placeholder", literal: "ppp/secret")])
                }
                h.el("label") { h in
                    h.raw("By ")
                    h.void("input", [.name("actor"), .value(filter.actor ?? ""), .attr("placeholder", literal: "email or job")])
                }
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "router-commands")]) { h in
                    h.raw(#"<thead><tr><th>When</th><th>By</th><th>Command</th><th>Outcome</th><th class="num">Took</th></tr></thead><tbody>"#)
                    if page.items.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">No commands match.</td></tr>"#) }
                    for c in page.items { row(&h, c, req: req, router: routers.first { $0.id == c.routerID }) }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map {
                NetworkRoutes.routerCommands.link.query([("cursor", $0), ("router_id", filter.routerID), ("customer_id", filter.customerID), ("menu", filter.menu),
                                                         ("outcome", filter.outcome), ("actor", filter.actor)])
            })
        }
        return html.response()
    }

    /// One command as a table row: when, who, `menu/action` with its arguments, outcome, time.
    static func row(_ h: inout HTML, _ c: RouterCommandEntry, req: Request, router: MeghnaNetwork.Router? = nil) {
        h.raw("<tr><td>")
        h.text(req.shortDate(c.at))
        if let router {
            h.raw("<br>")
            h.el("a", [.href(NetworkRoutes.router.link(router.id!))], text: router.name)
        }
        h.raw("</td><td>")
        h.text(c.actorLabel)
        h.raw("</td><td><code>")
        h.text("\(c.menu)/\(c.action)")
        h.raw("</code>")
        if c.arguments != "{}" {
            h.raw(#" <span class="muted">"#)
            h.text(c.arguments)
            h.raw("</span>")
        }
        h.raw("</td><td>")
        h.badge(c.outcome == "done" ? "ok" : c.outcome)
        if let message = c.message { h.raw(" "); h.text(message) }
        h.raw(#"</td><td class="num">"#)
        h.text("\(c.durationMilliseconds) ms")
        h.raw("</td></tr>")
    }
}
