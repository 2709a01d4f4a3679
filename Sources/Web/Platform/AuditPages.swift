import Foundation
import MeghnaCore
import Platform
import Vapor

/// The audit trail, newest first, filtered by action, person and calendar days.
enum AuditPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.audit, use: list)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let (from, to) = (req.queryValue("from"), req.queryValue("to"))
        let filter = try Audit.Filter(action: req.queryValue("action"), actor: req.queryValue("actor"), fromDay: from, toDay: to, timeZone: ctx.timeZone)
        let page = try await Audit.list(ctx, filter: filter, page: try req.pageRequest(), on: req.db)
        var html = HTML()
        html.appLayout(try req.page("Audit trail")) { h in
            h.pageHead("Audit trail")
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(PlatformRoutes.audit.link)]) { h in
                h.void("input", [.name("action"), .attr("placeholder", literal: "Action, e.g. auth."), .value(filter.action ?? ""), .label("Action")])
                h.void("input", [.name("actor"), .attr("placeholder", literal: "Who (email)"), .value(filter.actor ?? ""), .label("Actor")])
                h.el("label") { h in
                    h.raw("From ")
                    h.void("input", [.name("from"), .type("date"), .value(from ?? "")])
                }
                h.el("label") { h in
                    h.raw("To ")
                    h.void("input", [.name("to"), .type("date"), .value(to ?? "")])
                }
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>When</th><th>Who</th><th>Action</th><th>What</th><th>From</th></tr></thead><tbody>")
                    for event in page.items {
                        h.raw("<tr><td>")
                        h.text(req.shortDate(event.createdAt))
                        h.raw("</td><td>")
                        h.text(event.actorLabel)
                        h.raw("</td><td>")
                        h.el("code", text: event.action)
                        h.raw("</td><td>")
                        h.text(event.summary)
                        h.raw("</td><td>")
                        h.el("small", text: event.ip ?? "")
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            if let cursor = page.nextCursor {
                let older = PlatformRoutes.audit.link.query([("cursor", cursor), ("action", filter.action), ("actor", filter.actor), ("from", from), ("to", to)])
                h.el("nav", [.class("pager")]) { h in h.el("a", [.class("btn"), .href(older)], text: "Older") }
            }
        }
        return html.response()
    }
}
