import Billing
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import Vapor

/// Network → a router → Import: what is on the router and not yet Meghna's, as customers and
/// subscriptions would be made from it (a dry run), each profile mapped to a plan, then the import.
enum RouterImportPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.routerImport, use: preview)
        routes.post(NetworkRoutes.routerImport, use: apply)
    }

    /// `plan_map[<profile>]` fields of the form.
    static func planMap(_ req: Request) -> [String: String] {
        var out: [String: String] = [:]
        for (key, value) in req.formValues() where key.hasPrefix("plan_map[") && key.hasSuffix("]") {
            out[String(key.dropFirst(9).dropLast())] = value
        }
        return out
    }

    static func preview(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id, dryRun: true, planMap: [:])
    }

    static func apply(_ req: Request, _ id: UUID) async throws -> Response {
        let map = planMap(req)
        return try await render(req, id, dryRun: req.formValues()["step"] != "import", planMap: map)
    }

    static func render(_ req: Request, _ id: UUID, dryRun: Bool, planMap: [String: String]) async throws -> Response {
        let ctx = try req.ctx
        let router = try await Routers.find(ctx, id.uuidString, on: req.db)
        let candidates: [RouterImport.Candidate]
        do {
            candidates = try await RouterImport.run(ctx, routerID: id.uuidString, dryRun: dryRun, planMap: planMap, link: req.meghna.routers,
                                                    services: req.services, on: req.db)
        } catch let error as RouterOSError {
            return redirect(req, to: NetworkRoutes.router.link(id), flash: "Could not read \(router.name): \(error.description)", kind: "error")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: NetworkRoutes.router.link(id), flash: error.description, kind: "error")
        }
        let plans = try await Plans.active(ctx, on: req.db)
        let profiles = Array(Set(candidates.map(\.profile))).sorted()
        let page = try req.page(dryRun ? "Import from \(router.name): dry run" : "Imported from \(router.name)")
        let creating = candidates.filter { $0.outcome == "create" }.count
        let created = candidates.filter { $0.outcome == "created" }.count
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in h.el("a", [.class("btn"), .href(NetworkRoutes.router.link(id))], text: router.name) }
            h.el("section", [.class("panel"), .attr("id", literal: "import-summary")]) { h in
                if dryRun {
                    h.el("p", text: "\(candidates.count) PPPoE secret(s) and Hotspot user(s) on \(router.name) are not Meghna's yet. \(creating) would become a customer with a subscription and its router account; the others are listed with the reason they would be left out. Nothing is written until you import.")
                    h.postForm(NetworkRoutes.routerImport.link(id), csrf: page.csrf, class: "stack", id: "import-form") { h in
                        if !profiles.isEmpty {
                            h.el("h3", text: "Profiles and plans")
                            h.el("div", [.class("grid")]) { h in
                                for profile in profiles {
                                    let chosen = planMap[profile] ?? plans.first { $0.code.caseInsensitiveCompare(profile) == .orderedSame }?.id?.uuidString.lowercased()
                                    h.el("div", [.class("field")]) { h in
                                        h.el("label", text: "Profile \(profile)")
                                        h.el("select", [.attr("name", "plan_map[\(profile)]")]) { h in
                                            h.option("", "No plan: leave these out", selected: chosen == nil)
                                            for plan in plans {
                                                let value = plan.id!.uuidString.lowercased()
                                                h.option(value, "\(plan.name) (\(plan.code))", selected: value == chosen?.lowercased())
                                            }
                                        }
                                    }
                                }
                            }
                        }
                        h.el("button", [.class("btn"), .type("submit"), .name("step"), .value("preview")], text: "Show again with these plans")
                        h.raw(" ")
                        if creating > 0 {
                            h.el("button", [.class("btn primary"), .type("submit"), .name("step"), .value("import"), .attr("id", literal: "import-confirm"),
                                            .attr("data-confirm", "Create \(creating) customer(s) with their subscriptions from \(router.name)?")],
                                 text: "Import \(creating) account(s)")
                        }
                    }
                } else {
                    h.el("p", [.class("flash ok")], text: "\(created) customer(s) created with their subscriptions; \(router.name)'s entries are being taken over by Meghna now.")
                }
            }
            h.table("Entries", header: #"<tr><th>Kind</th><th>Name</th><th>Profile → plan</th><th>Comment</th><th>Phone</th><th>Caller ID / address</th><th>Outcome</th></tr>"#) { h in
                if candidates.isEmpty { h.raw(#"<tr><td colspan="7" class="muted">Nothing to import: every entry is Meghna's already.</td></tr>"#) }
                for c in candidates {
                    h.raw("<tr><td>")
                    h.text(c.service == "pppoe" ? "PPPoE" : "Hotspot")
                    h.raw("</td><td>")
                    h.text(c.name)
                    if c.disabled { h.el("small", [.class("muted")], text: " (disabled)") }
                    h.raw("</td><td>")
                    h.text("\(c.profile) → \(c.planCode ?? "none")")
                    h.raw("</td><td>")
                    h.text(c.comment)
                    h.raw("</td><td>")
                    h.text(c.phone)
                    h.raw("</td><td>")
                    h.text([c.callerID, c.staticIP].compactMap { $0 }.joined(separator: " · "))
                    h.raw("</td><td>")
                    h.badge(c.outcome)
                    if let reason = c.reason { h.el("small", [.class("muted")], text: " " + reason) }
                    if let number = c.customerNumber, let sid = c.subscriptionID {
                        h.raw(" ")
                        h.el("a", [.href(BillingRoutes.subscription.link(sid))], text: number)
                    }
                    h.raw("</td></tr>")
                }
            }
        }
        return html.response()
    }
}
