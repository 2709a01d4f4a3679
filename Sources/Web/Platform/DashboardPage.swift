import Foundation
import MeghnaCore
import Platform
import Vapor

/// The home page: each area's figures, through its module, grouped as the navigation is.
enum DashboardPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.dashboard, use: show)
    }

    static func show(_ req: Request) async throws -> Response {
        var sections: [(String, [DashboardCard])] = []
        for area in AreaModules.all {
            let cards = try await area.dashboard(req)
            if !cards.isEmpty { sections.append((area.name, cards)) }
        }
        var html = HTML()
        let page = try req.page("Dashboard")
        html.appLayout(page) { h in
            h.el("div", [.class("page-head")]) { h in h.el("h1", text: page.organizationName ?? "Dashboard") }
            if sections.isEmpty {
                h.el("p", [.class("muted")], text: "Nothing to show here for your role yet.")
            }
            for (name, cards) in sections {
                h.el("section", [.class("figure-group")]) { h in
                    h.el("h2", text: name == "Platform" ? "Organization" : name)
                    h.el("div", [.class("cards")]) { h in
                        for card in cards { h.card(card) }
                    }
                }
            }
        }
        return html.response()
    }
}

private extension HTML {
    mutating func card(_ card: DashboardCard) {
        el("a", [.classes(card.warning ? "card warning" : "card"), .href(card.link)]) { h in
            h.el("span", [.class("card-label")], text: card.label)
            h.el("strong", [.class("card-value")], text: card.value)
            if let note = card.note { h.el("span", [.class("card-note")], text: note) }
        }
    }
}
