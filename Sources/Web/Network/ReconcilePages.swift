import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import Vapor

/// A router's provisioning: the dry-run diff before anything is sent, a reconcile on demand,
/// and the drift held for an engineer's choice.
enum ReconcilePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.reconcile, use: preview)
        routes.post(NetworkRoutes.reconcile, use: queue)
        routes.post(NetworkRoutes.routerDrift, use: decide)
    }

    /// What a reconcile would do now, read live from the router; nothing is sent.
    static func preview(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let router = try await Routers.find(ctx, id.uuidString, on: req.db)
        let report: Reconciler.Report
        do {
            report = try await Provisioning.preview(ctx, routerID: id.uuidString, link: req.meghna.routers, services: req.services, on: req.db)
        } catch let error as RouterOSError {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"), flash: "Could not read \(router.name): \(error.description)",
                            kind: "error")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"), flash: error.description, kind: "error")
        }
        let plan = report.plan
        let page = try req.page("Reconcile \(router.name): dry run")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in h.el("a", [.class("btn"), .href(NetworkRoutes.router.link(id))], text: router.name) }
            h.el("div", [.class("panel"), .attr("id", literal: "diff-summary")]) { h in
                h.el("p") { h in
                    h.text("Read from \(router.name) just now. A reconcile would add \(plan.count(.add)), change \(plan.count(.change)), remove \(plan.count(.remove)) "
                           + "and disconnect \(plan.count(.disconnect)); \(plan.driftCount) field(s) were changed by hand and \(plan.count(.conflict)) name(s) are "
                           + "held by entries Meghna did not make. \(plan.unmanaged) other entries are not Meghna's and are left alone.")
                }
                if plan.entries.contains(where: \.sends) || plan.driftCount > 0 {
                    h.postForm(NetworkRoutes.reconcile.link(id), csrf: page.csrf, confirm: "Send these changes to \(router.name) now?") { h in
                        h.el("button", [.class("btn primary"), .type("submit")], text: "Apply these changes")
                    }
                    if plan.driftCount > 0 {
                        h.raw(" ")
                        h.postForm(NetworkRoutes.reconcile.link(id), csrf: page.csrf,
                                   confirm: "Put Meghna's values back on every entry changed by hand on \(router.name)?") { h in
                            h.void("input", [.type("hidden"), .name("drift_decision"), .value("correct")])
                            h.el("button", [.class("btn"), .type("submit")], text: "Apply and correct all drift")
                        }
                    }
                } else {
                    h.el("p", [.class("muted")], text: "Nothing to do: the router holds exactly what Meghna wants.")
                }
            }
            h.table("Differences", header: #"<tr><th>What</th><th>Menu</th><th>Name</th><th>Fields (router → Meghna)</th><th>Note</th></tr>"#) { h in
                if plan.entries.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">None.</td></tr>"#) }
                for entry in plan.entries.prefix(2000) { row(&h, entry) }
                if plan.entries.count > 2000 {
                    h.raw(#"<tr><td colspan="5" class="muted">"#)
                    h.text("… and \(plan.entries.count - 2000) more (the API's dry run lists them all).")
                    h.raw("</td></tr>")
                }
            }
        }
        return html.response()
    }

    static func row(_ h: inout HTML, _ entry: EntryDiff) {
        h.raw("<tr><td>")
        h.badge(entry.kind.rawValue)
        h.raw("</td><td>")
        h.text(entry.menu.title)
        h.raw("</td><td>")
        h.text(entry.key)
        h.raw("</td><td>")
        for (i, f) in entry.fields.enumerated() {
            if i > 0 { h.raw("<br>") }
            h.el("code", text: f.field)
            h.text(": \(f.router.map { $0.isEmpty ? "(none)" : $0 } ?? "(absent)") → \(f.meghna.map { $0.isEmpty ? "(none)" : $0 } ?? "(absent)")")
            if f.held { h.el("small", [.class("muted")], text: " changed by hand; held for your choice") }
            else if f.decision == "adopt" { h.el("small", [.class("muted")], text: " changed by hand; Meghna adopts the router's value") }
            else if f.drift { h.el("small", [.class("muted")], text: " changed by hand; set back") }
        }
        h.raw("</td><td>")
        h.text(entry.note)
        h.raw("</td></tr>")
    }

    static func queue(_ req: Request, _ id: UUID) async throws -> Response {
        let v = req.formValues()
        do {
            try await Provisioning.reconcileNow(try req.ctx, routerID: id.uuidString, driftDecision: v["drift_decision"], services: req.services, on: req.db)
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"),
                            flash: "Reconcile queued: it runs within seconds; its result appears under Provisioning.")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"), flash: error.description, kind: "error")
        }
    }

    static func decide(_ req: Request, _ id: UUID) async throws -> Response {
        struct Form: Decodable { var decision: String?; var drift_ids: [String]? }
        let form = (try? req.content.decode(Form.self)) ?? Form()
        do {
            let n = try await Drift.decide(try req.ctx, routerID: id.uuidString, driftIDs: form.drift_ids ?? [], decision: form.decision,
                                           services: req.services, on: req.db)
            let what = form.decision == "adopt" ? "Meghna takes the router's values" : "the router gets Meghna's values back"
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"), flash: "\(n) chosen: \(what) in the reconcile now queued.")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: NetworkRoutes.router.link(id).fragment("provisioning"), flash: error.description, kind: "error")
        }
    }

    /// The router page's provisioning panel: accounts by state, the drift held (with the
    /// choice), the latest reconciles, and the dry-run and reconcile buttons.
    static func panel(_ h: inout HTML, router: MeghnaNetwork.Router, states: [SyncState: Int], drift: [RouterDrift], runs: [ReconcileRun],
                      canManage: Bool, csrf: String, date: (Date) -> String) {
        let id = router.id!
        h.el("section", [.class("panel table-wrap"), .attr("id", literal: "provisioning")]) { h in
            h.el("h2", text: "Provisioning")
            h.el("p") { h in
                let total = states.values.reduce(0, +)
                h.text(total == 0 ? "No accounts on this router yet. " : "\(total) account(s): ")
                h.text(SyncState.allCases.compactMap { s in states[s].map { "\($0) \(s.rawValue)" } }.joined(separator: ", "))
            }
            if canManage && router.status == .active {
                h.el("p") { h in
                    h.el("a", [.class("btn"), .href(NetworkRoutes.reconcile.link(id))], text: "Preview reconcile (dry run)")
                    h.raw(" ")
                    h.postButton("Reconcile now", to: NetworkRoutes.reconcile.link(id), csrf: csrf, class: "btn primary")
                    h.raw(" ")
                    h.el("a", [.class("btn"), .href(NetworkRoutes.routerImport.link(id))], text: "Import from the router (dry run)")
                }
            }
            h.el("h3", text: "Changed by hand (\(drift.count))")
            if drift.isEmpty {
                h.el("p", [.class("muted")], text: "Nothing: every entry Meghna manages holds what Meghna last wrote.")
            } else {
                h.postForm(NetworkRoutes.routerDrift.link(id), csrf: csrf, id: "drift-form",
                           confirm: "Carry out this choice for the ticked entries on \(router.name)?") { h in
                    h.el("table", [.class("data")]) { h in
                        h.raw(#"<thead><tr><th></th><th>Menu</th><th>Name</th><th>Field</th><th>On the router</th><th>Meghna's</th><th>Chosen</th></tr></thead><tbody>"#)
                        for d in drift {
                            h.raw("<tr><td>")
                            if canManage { h.void("input", [.type("checkbox"), .name("drift_ids[]"), .value(d.id!.uuidString), .attr("aria-label", "Choose \(d.key) \(d.field)")]) }
                            h.raw("</td><td>")
                            h.text(ProvisioningMenu(rawValue: d.menu)?.title ?? d.menu)
                            h.raw("</td><td>")
                            h.text(d.key)
                            h.raw("</td><td>")
                            h.text(d.field == "*" ? "the whole entry (not made by Meghna)" : d.field)
                            h.raw("</td><td>")
                            h.text(d.routerValue ?? "")
                            h.raw("</td><td>")
                            h.text(d.meghnaValue ?? "")
                            h.raw("</td><td>")
                            h.text(d.decision.map { "\($0) (by \(d.decidedBy ?? ""))" } ?? "waiting")
                            h.raw("</td></tr>")
                        }
                        h.raw("</tbody>")
                    }
                    if canManage {
                        h.el("p") { h in
                            h.el("button", [.class("btn"), .type("submit"), .name("decision"), .value("correct")], text: "Correct: Meghna's value wins")
                            h.raw(" ")
                            h.el("button", [.class("btn"), .type("submit"), .name("decision"), .value("adopt")], text: "Adopt: the router's value wins")
                        }
                        h.el("p", [.class("muted")], text: "Adopting a whole entry takes it over: Meghna marks it as its own and manages it from then on.")
                    }
                }
            }
            h.el("h3", text: "Latest reconciles")
            h.el("table", [.class("data")]) { h in
                h.raw(#"<thead><tr><th>When</th><th>Why</th><th>By</th><th>Outcome</th><th class="num">Added</th><th class="num">Changed</th><th class="num">Removed</th><th class="num">Drift</th><th class="num">Commands</th></tr></thead><tbody>"#)
                if runs.isEmpty { h.raw(#"<tr><td colspan="9" class="muted">None yet.</td></tr>"#) }
                for r in runs {
                    h.raw("<tr><td>")
                    h.text(date(r.startedAt))
                    h.raw("</td><td>")
                    h.text(r.trigger)
                    h.raw("</td><td>")
                    h.text(r.actor)
                    h.raw("</td><td>")
                    h.badge(r.outcome)
                    if let message = r.message { h.el("small", [.class("muted")], text: " " + message) }
                    for n in [r.added, r.changed, r.removed, r.drift, r.commands] {
                        h.raw(#"</td><td class="num">"#)
                        h.text(String(n))
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
        }
    }
}
