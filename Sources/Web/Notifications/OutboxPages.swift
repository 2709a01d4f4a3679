import Foundation
import MeghnaCore
import Notifications
import Platform
import Vapor

/// The outbox: messages on their way out, one message with its delivery log, and sending held
/// or failed ones again. A message carrying a one-time link shows only its sealed text (only the
/// recipient's copy has the link), and every opening is audited (`Outbox.show`).
enum OutboxPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.outbox, use: list)
        routes.post(PlatformRoutes.outboxSendAllAgain, use: sendAllAgain)
        routes.get(PlatformRoutes.outboxMessage, use: show)
        routes.post(PlatformRoutes.outboxSendAgain, use: sendAgain)
    }

    // MARK: handlers

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = Outbox.Filter(state: req.queryValue("state"), channel: req.queryValue("channel"), query: req.queryValue("q"))
        let page = try await Outbox.list(ctx, filter: filter, page: try req.pageRequest(), on: req.db)
        let canSendAgain = ctx.can(.settingsManage)
        let layout = try req.page("Outbox")
        var html = HTML()
        html.appLayout(layout) { h in
            h.pageHead("Outbox", canSendAgain ? { h in
                h.postButton("Send held and failed messages", to: PlatformRoutes.outboxSendAllAgain.link, csrf: layout.csrf, class: "btn",
                             confirm: "Send every held and failed message again with the current settings?")
            } : nil)
            h.el("p", [.class("muted")],
                 text: "Email and SMS on their way out. Without an SMTP server or SMS provider configured, messages are held here so staff can read them.")
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(PlatformRoutes.outbox.link)]) { h in
                h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Recipient or subject"), .value(filter.query ?? ""), .label("Search")])
                h.select("state", Choice.values(OutboxState.allCases.map(\.rawValue), selected: filter.state, blank: "Any state", label: { $0 }), label: "State")
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>When</th><th>To</th><th>Subject</th><th>Purpose</th><th>State</th></tr></thead><tbody>")
                    for message in page.items {
                        h.raw("<tr><td>")
                        h.text(req.shortDate(message.createdAt))
                        h.raw("</td><td>")
                        h.text(message.recipient)
                        h.raw("</td><td>")
                        h.el("a", [.href(PlatformRoutes.outboxMessage.link(message.id!))], text: message.subject ?? String(message.body.prefix(60)))
                        h.raw("</td><td>")
                        h.text(message.purpose)
                        h.raw("</td><td>")
                        h.badge(message.state.rawValue)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { PlatformRoutes.outbox.link.query([("cursor", $0), ("q", filter.query), ("state", filter.state)]) })
        }
        return html.response()
    }

    static func sendAllAgain(_ req: Request) async throws -> Response {
        let count = try await Outbox.sendAgain(try req.ctx, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.outbox.link, flash: count == 0 ? "No held or failed messages." : "\(count) message(s) queued for delivery again.")
    }

    static func sendAgain(_ req: Request, _ id: UUID) async throws -> Response {
        _ = try await Outbox.sendAgain(try req.ctx, id: id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.outboxMessage.link(id), flash: "Queued for delivery again.")
    }

    /// One message (opening it is recorded as `outbox.message_viewed`) and its delivery attempts.
    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let (message, attempts) = try await Outbox.show(ctx, id.uuidString, services: req.services, on: req.db)
        let canSendAgain = ctx.can(.settingsManage) && message.state.canBeSentAgain
        let page = try req.page(message.subject ?? "Message")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in
                if canSendAgain {
                    h.postForm(PlatformRoutes.outboxSendAgain.link(id), csrf: page.csrf) { h in
                        h.raw(#"<button class="btn primary" type="submit">Send again</button>"#)
                    }
                    h.raw(" ")
                }
                h.el("a", [.class("btn"), .href(PlatformRoutes.outbox.link)], text: "Back to the outbox")
            }
            h.el("div", [.class("panel")]) { h in
                h.el("dl", [.class("details")]) { h in
                    h.raw("<dt>To</dt>")
                    h.el("dd", text: message.recipient)
                    h.raw("<dt>Channel</dt>")
                    h.el("dd", text: message.channel.rawValue)
                    h.raw("<dt>Purpose</dt>")
                    h.el("dd", text: message.purpose)
                    h.raw("<dt>State</dt><dd>")
                    h.badge(message.state.rawValue)
                    h.raw("</dd><dt>Created</dt>")
                    h.el("dd", text: req.shortDate(message.createdAt))
                    if let error = message.lastError, !error.isEmpty {
                        h.raw("<dt>Last error</dt>")
                        h.el("dd", text: error)
                    }
                }
                h.el("pre", [.class("message-body")], text: message.body)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("h2", text: "Delivery attempts")
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>#</th><th>When</th><th>OK</th><th>Detail</th></tr></thead><tbody>")
                    for attempt in attempts {
                        h.raw("<tr><td>")
                        h.text(attempt.attempt)
                        h.raw("</td><td>")
                        h.text(req.shortDate(attempt.at))
                        h.raw("</td><td>")
                        h.raw(attempt.succeeded ? "yes" : "no")
                        h.raw("</td><td>")
                        h.el("small", text: attempt.detail)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response()
    }
}
