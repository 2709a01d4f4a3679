import CRM
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// The routers at a glance: up or down, round trip, load, version, last answer.
enum RouterListPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.routers, use: list)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = Routers.Filter(query: req.queryValue("q"), health: req.queryValue("health"), branchID: req.queryValue("branch_id"))
        let page = try await Routers.list(ctx, filter, page: try req.pageRequest(), on: req.db)
        let branches = Dictionary(uniqueKeysWithValues: try req.identity.branchChoices.map { ($0.id, $0.name) })
        var html = HTML()
        html.appLayout(try req.page("Routers")) { h in
            h.pageHead("Routers") { h in
                if Routers.canManage(ctx) { h.el("a", [.class("btn primary"), .href(NetworkRoutes.newRouter.link)], text: "Add router") }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(NetworkRoutes.routers.link)]) { h in
                h.el("label") { h in
                    h.raw("Search ")
                    h.void("input", [.name("q"), .type("search"), .value(filter.query ?? ""), .attr("placeholder", literal: "Name or address")])
                }
                h.select("health", Choice.values(RouterHealth.allCases.map(\.rawValue), selected: filter.health, blank: "Up or down"), label: "Status")
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "routers")]) { h in
                    h.raw(#"<thead><tr><th>Router</th><th>Status</th><th>Address</th><th>Branch</th><th>RouterOS</th><th class="num">Round trip</th><th class="num">CPU</th><th>Last answer</th></tr></thead><tbody>"#)
                    if page.items.isEmpty {
                        h.raw(#"<tr><td colspan="8" class="muted">No routers yet. Add one with its API address and login; Meghna tests the connection before you rely on it.</td></tr>"#)
                    }
                    for r in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(NetworkRoutes.router.link(r.id!))], text: r.name)
                        h.raw("</td><td>")
                        RouterPage.status(&h, r)
                        h.raw("</td><td>")
                        h.text("\(r.host):\(r.port)" + (r.tlsMode == .off ? "" : " (TLS)"))
                        h.raw("</td><td>")
                        h.text(branches[r.branchID] ?? "")
                        h.raw("</td><td>")
                        h.text(r.rosVersion ?? "")
                        h.raw(#"</td><td class="num">"#)
                        h.text(r.rttMilliseconds.map { "\($0) ms" } ?? "")
                        h.raw(#"</td><td class="num">"#)
                        h.text(r.cpuLoad.map { "\($0) %" } ?? "")
                        h.raw("</td><td>")
                        h.text(r.lastSeenAt.map(req.shortDate) ?? "never")
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { NetworkRoutes.routers.link.query([("cursor", $0), ("q", filter.query), ("health", filter.health)]) })
        }
        return html.response()
    }
}
