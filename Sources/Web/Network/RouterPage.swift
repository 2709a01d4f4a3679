import Documents
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import Vapor

/// One router: its status and what the heartbeat learnt, round trip and CPU over a chosen
/// range, who is online now (with a button to disconnect one), and its latest commands.
enum RouterPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.router, use: show)
        routes.post(NetworkRoutes.testRouter, use: test)
        routes.post(NetworkRoutes.disconnectSession, use: disconnect)
    }

    /// The chart's ranges, by their query value.
    static let ranges: [(value: String, label: String, seconds: TimeInterval)] = [
        ("1h", "Last hour", 3600), ("6h", "6 hours", 6 * 3600), ("24h", "24 hours", 86_400), ("7d", "7 days", 7 * 86_400), ("30d", "30 days", 30 * 86_400),
    ]

    static func status(_ h: inout HTML, _ r: MeghnaNetwork.Router) {
        if r.status == .disabled { h.badge("disabled"); return }
        h.badge(r.health.rawValue)
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let router = try await Routers.find(ctx, id.uuidString, on: req.db)
        let now = req.services.clock.now()
        let range = ranges.first { $0.value == req.queryValue("range") } ?? ranges[1]
        let from = now.addingTimeInterval(-range.seconds)
        let points = try await RouterHistory.points(ctx, routerID: id.uuidString, from: from, to: now, on: req.db)
        let commands = try await RouterCommands.list(ctx, .init(routerID: id.uuidString), page: try CursorRequest(limit: 15), on: req.db).items
        // Who is online is read live; a router that does not answer says why instead.
        var sessions: [RouterSessions.Session] = []
        var sessionsError: String?
        if router.status == .active {
            do {
                sessions = try await RouterSessions.online(ctx, routerID: id.uuidString, link: req.meghna.routers, services: req.services, on: req.db)
            } catch let error as RouterOSError {
                sessionsError = error.description
            }
        }
        let canManage = Routers.canManage(ctx)
        let states = try await Provisioning.accountStates(ctx, routerID: id.uuidString, on: req.db)
        let drift = try await Drift.list(ctx, routerID: id.uuidString, on: req.db)
        let runs = try await Provisioning.runs(ctx, routerID: id.uuidString, on: req.db)
        let page = try req.page(router.name)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(router.name) { h in
                if canManage {
                    h.postButton("Test connection", to: NetworkRoutes.testRouter.link(id), csrf: page.csrf, class: "btn primary")
                    h.raw(" ")
                    h.el("a", [.class("btn"), .href(NetworkRoutes.editRouter.link(id))], text: "Edit")
                    h.raw(" ")
                }
                h.el("a", [.class("btn"), .href(NetworkRoutes.routerCommands.link.query([("router_id", id.uuidString)]))], text: "Commands")
            }
            h.el("div", [.class("panel")]) { h in
                h.el("dl", [.class("facts"), .attr("id", literal: "router-facts")]) { h in
                    h.fact("Status") { h in
                        status(&h, router)
                        if let since = router.healthSince { h.text(" since \(req.shortDate(since))") }
                    }
                    h.fact("Address", "\(router.host):\(router.port)")
                    h.fact("TLS", router.tlsMode.title)
                    h.fact("API user", router.username)
                    h.fact("Serves", router.serviceTypes.map { $0 == "pppoe" ? "PPPoE" : "Hotspot" }.joined(separator: ", "))
                    h.fact("RouterOS", router.rosVersion)
                    h.fact("Identity", router.identity)
                    h.fact("Board", router.boardName)
                    h.fact("Round trip", router.rttMilliseconds.map { "\($0) ms" })
                    h.fact("CPU", router.cpuLoad.map { "\($0) %" })
                    if let free = router.freeMemory, let total = router.totalMemory, total > 0 {
                        h.fact("Memory free", "\(free / 1_048_576) of \(total / 1_048_576) MiB")
                    }
                    h.fact("Up for", router.uptimeSeconds.map(uptimeText))
                    h.fact("Last answer", router.lastSeenAt.map(req.shortDate) ?? "never")
                    h.fact("Heartbeat", "every \(router.heartbeatSeconds) s")
                }
                if let error = router.lastError {
                    h.el("p", [.class("flash error"), .attr("id", literal: "router-error")]) { h in
                        h.text(error)
                        if router.lastErrorPermanent {
                            h.text(" — Meghna stopped trying: change the router's settings, or run Test connection once the router is fixed.")
                        }
                    }
                }
            }
            h.el("section", [.class("panel"), .attr("id", literal: "router-charts")]) { h in
                h.el("h2", text: "Round trip and CPU")
                h.el("p", [.class("range-choice")]) { h in
                    for r in ranges {
                        if r.value == range.value { h.el("strong", text: r.label) } else {
                            h.el("a", [.href(NetworkRoutes.router.link(id).query([("range", r.value)]))], text: r.label)
                        }
                        h.raw(" ")
                    }
                }
                let x = from.timeIntervalSince1970...now.timeIntervalSince1970
                let labels = (req.shortDate(from), req.shortDate(now))
                let down = points.filter { $0.upChecks == 0 }.map { $0.at.timeIntervalSince1970...($0.at.timeIntervalSince1970 + Double(max($0.periodSeconds, 60))) }
                let rtt = SVGChart.Series(name: "Round trip", unit: "ms",
                                          points: points.map { ($0.at.timeIntervalSince1970, $0.rttMilliseconds.map(Double.init)) }, style: "line-a")
                let cpu = SVGChart.Series(name: "CPU", unit: "%", points: points.map { ($0.at.timeIntervalSince1970, $0.cpuLoad.map(Double.init)) }, style: "line-b")
                if points.isEmpty {
                    h.el("p", [.class("muted")], text: "No heartbeats in this range yet.")
                } else {
                    h.chart(SVGChart.lines(rtt, title: "Round trip (ms), \(range.label.lowercased())", xRange: x, xLabels: labels, down: down))
                    h.chart(SVGChart.lines(cpu, title: "CPU load (%), \(range.label.lowercased())", xRange: x, xLabels: labels, down: down))
                    let answered = points.reduce(0) { $0 + $1.upChecks }, asked = points.reduce(0) { $0 + $1.checks }
                    h.el("p", [.class("muted")], text: "Answered \(answered) of \(asked) heartbeats in this range.")
                }
            }
            sessionsPanel(&h, router: router, sessions: sessions, error: sessionsError, canManage: canManage, csrf: page.csrf)
            ReconcilePages.panel(&h, router: router, states: states, drift: drift, runs: runs, canManage: canManage, csrf: page.csrf, date: req.shortDate)
            h.table("Latest commands", header: #"<tr><th>When</th><th>By</th><th>Command</th><th>Outcome</th><th class="num">Took</th></tr>"#) { h in
                if commands.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">Nothing sent yet.</td></tr>"#) }
                for c in commands { RouterCommandPage.row(&h, c, req: req) }
            }
        }
        return html.response()
    }

    static func sessionsPanel(_ h: inout HTML, router: MeghnaNetwork.Router, sessions: [RouterSessions.Session], error: String?, canManage: Bool, csrf: String) {
        h.el("section", [.class("panel table-wrap"), .attr("id", literal: "sessions")]) { h in
            h.el("h2", text: "Online now (\(sessions.count))")
            if let error { h.el("p", [.class("flash error")], text: "Could not read the sessions: \(error)") }
            h.el("table", [.class("data")]) { h in
                h.raw(#"<thead><tr><th>User</th><th>Kind</th><th>Address</th><th>Device</th><th>Up for</th><th></th></tr></thead><tbody>"#)
                if sessions.isEmpty, error == nil { h.raw(#"<tr><td colspan="6" class="muted">Nobody is online on this router.</td></tr>"#) }
                for s in sessions {
                    h.raw("<tr><td>")
                    h.text(s.user)
                    h.raw("</td><td>")
                    h.text(s.kind == .ppp ? "PPP" + (s.service.map { " (\($0))" } ?? "") : "Hotspot")
                    h.raw("</td><td>")
                    h.text(s.address)
                    h.raw("</td><td>")
                    h.text(s.callerID)
                    h.raw("</td><td>")
                    h.text(s.uptime)
                    h.raw("</td><td>")
                    if canManage {
                        h.postForm(NetworkRoutes.disconnectSession.link(router.id!), csrf: csrf,
                                   confirm: "Disconnect \(s.user)? Their device will dial again if the account is enabled.") { h in
                            h.void("input", [.type("hidden"), .name("kind"), .value(s.kind.rawValue)])
                            h.void("input", [.type("hidden"), .name("session_id"), .value(s.id)])
                            h.void("input", [.type("hidden"), .name("user"), .value(s.user)])
                            h.raw(#"<button class="btn small danger" type="submit">Disconnect</button>"#)
                        }
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
        }
    }

    static func test(_ req: Request, _ id: UUID) async throws -> Response {
        let probe = try await Routers.test(try req.ctx, id.uuidString, link: req.meghna.routers, services: req.services, on: req.db)
        return redirect(req, to: NetworkRoutes.router.link(id), flash: probe.ok ? probe.message : "Test failed: \(probe.message)", kind: probe.ok ? "ok" : "error")
    }

    static func disconnect(_ req: Request, _ id: UUID) async throws -> Response {
        let v = req.formValues()
        do {
            try await RouterSessions.disconnect(try req.ctx, routerID: id.uuidString, kind: v["kind"], sessionID: v["session_id"], user: v["user"],
                                                link: req.meghna.routers, services: req.services, on: req.db)
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("sessions"), flash: "Disconnected \(v["user"].nonBlank ?? v["session_id"] ?? "the session").")
        } catch let error as RouterOSError {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("sessions"), flash: "Could not disconnect: \(error.description)", kind: "error")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("sessions"), flash: error.description, kind: "error")
        }
    }

    static func uptimeText(_ seconds: Int64) -> String {
        let d = seconds / 86_400, h = (seconds % 86_400) / 3600, m = (seconds % 3600) / 60
        return d > 0 ? "\(d) d \(h) h" : (h > 0 ? "\(h) h \(m) min" : "\(m) min")
    }
}
