import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Invoice runs: what the next run would bill (count and total per branch), the runs so far,
/// and a button that queues a run for the worker; while one is queued or running the page
/// shows its progress and refreshes itself.
enum BillingRunPages {
    static func show(_ req: Request) async throws -> Response {
        try await render(req, form: FormState())
    }

    static func runNow(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let run = try await BillingRuns.start(try req.ctx, on: values["on"], services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.runs.link, flash: "Invoice run through \(run.runOn) started: this page shows its progress.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let typed = form.values["on"] ?? req.queryValue("on")
        let previewDay = typed.flatMap(LocalDate.init).map(\.description)
        // A dry run reads every subscription due: only when asked (or after a refused run).
        let wanted = req.queryValue("preview") == "1" || !form.errors.isEmpty || form.general != nil
        let preview = wanted ? try await BillingRuns.preview(ctx, on: previewDay, services: req.services, on: req.db) : nil
        let runs = try await BillingRuns.list(ctx, page: try CursorRequest(limit: 30), on: req.db).items
        let followed = try await BillingRuns.followed(runs, on: req.db)
        let branches = Dictionary(try await Branches.all(ctx, on: req.db).map { ($0.id!, $0.name) }, uniquingKeysWith: { a, _ in a })
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: ctx.currency)) }
        let page = try req.page("Invoice runs")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Invoice runs")
            // While a run is queued or running, the page follows it (its counters move with each chunk).
            // To the plain page: a refresh must not recompute a preview or drop a form's error.
            if !followed.isEmpty { h.raw(#"<meta http-equiv="refresh" content="2;url=/billing/runs">"#) }
            h.el("div", [.class("panel")]) { h in
                if let preview {
                    h.el("h2", text: "The next run, through \(preview.through)")
                    h.el("p", text: "\(preview.invoices) invoices, total \(ctx.currency) \(money(preview.total)), from \(preview.subscriptions) subscriptions due.")
                    h.el("table", [.class("data")]) { h in
                        h.raw(#"<thead><tr><th>Branch</th><th class="num">Invoices</th><th class="num">Total</th></tr></thead><tbody>"#)
                        for (branch, figures) in preview.perBranch.sorted(by: { (branches[$0.key] ?? "") < (branches[$1.key] ?? "") }) {
                            h.raw("<tr><td>")
                            h.text(branches[branch] ?? "")
                            h.raw(#"</td><td class="num">"#)
                            h.text(String(figures.invoices))
                            h.raw(#"</td><td class="num">"#)
                            h.text(money(figures.total))
                            h.raw("</td></tr>")
                        }
                        h.raw("</tbody>")
                    }
                } else {
                    h.el("h2", text: "The next run")
                    h.el("a", [.class("btn"), .attr("id", literal: "preview-run"), .href(BillingRoutes.runs.link.query([("preview", "1")]))],
                         text: "Preview what it would invoice")
                }
                if ctx.can(.invoicesWrite) {
                    h.postForm(BillingRoutes.runs.link, csrf: page.csrf, class: "form", id: "run-form",
                               confirm: "Issue the invoices that are due? Each period is invoiced once; running again adds nothing.") { h in
                        h.formError(form.general)
                        var state = form
                        state.values["on"] = typed ?? LocalDate.today(req.services.clock.now(), in: ctx.timeZone).description
                        h.field("Bill periods starting on or before", "on", form: state, type: "date", id: "run_on")
                        h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Run now</button></div>"#)
                    }
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.raw("<h2>Runs</h2>")
                h.el("table", [.class("data"), .id("runs")]) { h in
                    h.raw(#"<thead><tr><th>Started</th><th>Through</th><th>Status</th><th class="num">Subscriptions</th><th class="num">Invoices</th><th class="num">Total</th><th>Took</th><th>By</th></tr></thead><tbody>"#)
                    if runs.isEmpty { h.raw(#"<tr><td colspan="8" class="muted">No runs yet.</td></tr>"#) }
                    for r in runs {
                        h.el("tr", [.attr("data-status", r.status)]) { h in
                            h.raw("<td>")
                            h.text(req.shortDate(r.startedAt))
                            h.raw("</td><td>")
                            h.text(r.runOn)
                            h.raw("</td><td>")
                            h.badge(r.status)
                            if followed.contains(r.id!) {
                                h.raw(" ")
                                h.el("progress", [.class("run-progress"), .attr("max", literal: "100"), .attr("value", String(r.percent))]) { h in
                                    h.text(r.percent)
                                    h.raw(" %")
                                }
                            }
                            if r.status == "failed", let errors = r.errors {
                                h.el("div", [.class("muted run-error")], text: String(errors.prefix(300)))
                            }
                            h.raw(#"</td><td class="num">"#)
                            h.text(r.due.map { r.inProgress ? "\(r.subscriptions) of \($0)" : String(r.subscriptions) } ?? String(r.subscriptions))
                            h.raw(#"</td><td class="num">"#)
                            h.text(String(r.invoices))
                            h.raw(#"</td><td class="num">"#)
                            h.text(money(r.total))
                            h.raw("</td><td>")
                            h.text(r.finishedAt.map { String(format: "%.1f s", $0.timeIntervalSince(r.startedAt)) } ?? "")
                            h.raw("</td><td>")
                            h.text(r.actor)
                            h.raw("</td>")
                        }
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response(status: status)
    }
}
