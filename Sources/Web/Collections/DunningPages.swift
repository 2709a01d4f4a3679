import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// Dunning: who the pass will suspend tomorrow (or on a chosen day), the last passes, and a
/// button to run today's pass now. The policy itself is in Settings → Dunning.
enum DunningPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(CollectionsRoutes.dunning, use: show)
        routes.post(CollectionsRoutes.dunning, use: runNow)
        routes.post(CollectionsRoutes.exclusions, use: addExclusion)
        routes.post(CollectionsRoutes.endExclusion, use: endExclusion)
    }

    static func show(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let raw = req.queryValue("on")
        let planned: [Dunning.Planned]
        var problem: FormState?
        do {
            planned = try await Dunning.preview(ctx, on: raw, services: req.services, db: req.db)
        } catch let error as DomainError where error.showsOnForm {
            problem = CRMForms.formState(["on": raw ?? ""], error)
            planned = try await Dunning.preview(ctx, on: nil, services: req.services, db: req.db)
        }
        let acting = planned.filter { $0.decision.action != .none }
        let names = try await Customers.names(ctx, Array(Set(acting.map(\.customerID))), on: req.db)
        let passes = try await Dunning.recentPasses(ctx, on: req.db)
        let tomorrow = LocalDate.today(req.services.clock.now(), in: ctx.timeZone).adding(days: 1)
        let page = try req.page("Dunning")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Dunning") { h in
                if ctx.can(.settingsRead) { h.el("a", [.class("btn"), .href(PlatformRoutes.settings.link)], text: "Policy") }
            }
            let form = problem ?? FormState(values: ["on": raw ?? tomorrow.description])
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(CollectionsRoutes.dunning.link)]) { h in
                h.formError(form.general)
                h.field("What the pass will do on", "on", form: form, type: "date", id: "on")
                h.raw(#"<button class="btn" type="submit">Show</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "preview")]) { h in
                    h.raw(#"<thead><tr><th>Customer</th><th>Will be</th><th>Why</th><th class="num">Past due</th></tr></thead><tbody>"#)
                    if acting.isEmpty { h.raw(#"<tr><td colspan="4" class="muted">Nobody is suspended, restored or terminated that day.</td></tr>"#) }
                    for p in acting.sorted(by: { ($0.decision.action.rawValue, names[$0.customerID] ?? "") < ($1.decision.action.rawValue, names[$1.customerID] ?? "") }) {
                        h.raw("<tr><td>")
                        h.el("a", [.href(CRMRoutes.customer.link(p.customerID))], text: names[p.customerID] ?? "Customer")
                        h.raw("</td><td>")
                        h.badge(p.decision.action == .suspend ? "suspended" : p.decision.action == .restore ? "active" : "terminated")
                        h.raw("</td><td>")
                        h.text(p.decision.reason)
                        h.raw(#"</td><td class="num">"#)
                        h.text(Invoices.amountText(Money(minorUnits: p.facts.pastDue, currency: ctx.currency)))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            if ctx.can(.invoicesWrite), ctx.branchIDs == nil, ctx.resellerIDs == nil {
                h.postForm(CollectionsRoutes.dunning.link, csrf: page.csrf, class: "form panel", id: "run-form",
                           confirm: "Run today's pass now? Reminders go out and unpaid service past its grace is suspended.") { h in
                    h.el("p", [.class("muted")], text: "The pass runs by itself every day at the hour set in the policy; payments restore service at once.")
                    h.raw(#"<div class="form-actions"><button class="btn" type="submit">Run today's pass now</button></div>"#)
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.raw("<h2>Recent passes</h2>")
                h.el("table", [.class("data"), .attr("id", literal: "passes")]) { h in
                    h.raw(#"<thead><tr><th>Day</th><th class="num">Looked at</th><th class="num">Notices</th><th class="num">Suspended</th><th class="num">Restored</th><th class="num">Late fees</th><th>By</th></tr></thead><tbody>"#)
                    if passes.isEmpty { h.raw(#"<tr><td colspan="7" class="muted">No pass has run yet.</td></tr>"#) }
                    for p in passes {
                        h.raw("<tr><td>")
                        h.text(p.on)
                        for n in [p.evaluated, p.reminders, p.suspended, p.restored, p.lateFees] {
                            h.raw(#"</td><td class="num">"#)
                            h.text(String(n))
                        }
                        h.raw("</td><td>")
                        h.text(p.actor)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response()
    }

    static func runNow(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.invoicesWrite)
        try ctx.requireWholeOrganization("The dunning pass")
        let (o, _) = try await Dunning.run(organizationID: ctx.organizationID, actor: ctx.actor.label, by: ctx, services: req.services, on: req.db)
        return redirect(req, to: CollectionsRoutes.dunning.link,
                        flash: "Pass run: \(o.notices) notices, \(o.suspended) suspended, \(o.restored) restored, \(o.lateFees) late fees.")
    }

    static func addExclusion(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let e = try await Exclusions.add(try req.ctx, .init(customerID: id.uuidString, kind: values["kind"], until: values["until"], reason: values["reason"]),
                                             services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(id), flash: e.kind == .vip ? "Marked VIP." : "Promise to pay recorded until \(e.until ?? "").")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: CRMRoutes.customer.link(id), flash: "Not saved: \(error)")
        }
    }

    static func endExclusion(_ req: Request, _ id: UUID) async throws -> Response {
        let e = try await Exclusions.end(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(e.customerID), flash: "Exclusion ended.")
    }
}
