import Billing
import CRM
import Documents
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Invoices: the list with filters, one invoice with its lines and PDF; invoice runs with the
/// preview (what the next run would bill, per branch) and a button to run now.
enum InvoicePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.invoices, use: list)
        routes.get(BillingRoutes.invoice, use: show)
        routes.get(BillingRoutes.invoicePDF, use: pdf)
        routes.post(BillingRoutes.voidInvoice, use: void)
        routes.get(BillingRoutes.runs, use: BillingRunPages.show)
        routes.post(BillingRoutes.runs, use: BillingRunPages.runNow)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = Invoices.Filter(customerID: req.queryValue("customer_id"), status: req.queryValue("status"), from: req.queryValue("from"),
                                     to: req.queryValue("to"))
        let page = try await Invoices.list(ctx, filter, page: try req.pageRequest(), on: req.db)
        var html = HTML()
        html.appLayout(try req.page("Invoices")) { h in
            h.pageHead("Invoices") { h in
                if BillingRuns.canSee(ctx) {
                    h.el("a", [.class("btn"), .href(BillingRoutes.runs.link)], text: "Invoice runs")
                }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(BillingRoutes.invoices.link)]) { h in
                h.select("status", Choice.values(InvoiceStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"), label: "Status")
                h.el("label") { h in
                    h.raw("From ")
                    h.void("input", [.name("from"), .type("date"), .value(filter.from ?? "")])
                }
                h.el("label") { h in
                    h.raw("To ")
                    h.void("input", [.name("to"), .type("date"), .value(filter.to ?? "")])
                }
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            let sum = page.items.reduce(Int64(0)) { $0 + $1.total }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Number</th><th>Issued</th><th>Due</th><th>Period</th><th>Status</th><th class="num">Total</th></tr></thead><tbody>"#)
                    if page.items.isEmpty { h.raw(#"<tr><td colspan="6" class="muted">No invoices.</td></tr>"#) }
                    for i in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(BillingRoutes.invoice.link(i.id!))], text: i.number)
                        h.raw("</td><td>")
                        h.text(i.issueOn)
                        h.raw("</td><td>")
                        h.text(i.dueOn)
                        h.raw("</td><td>")
                        h.text(i.periodStart.map { "\($0) – \(i.periodEnd ?? "")" } ?? "")
                        h.raw("</td><td>")
                        h.badge(i.status.rawValue)
                        h.raw(#"</td><td class="num">"#)
                        h.text(Invoices.amountText(i.totalMoney))
                        h.raw("</td></tr>")
                    }
                    h.raw(#"</tbody><tfoot><tr><th colspan="5">Total of this page</th><th class="num">"#)
                    h.text(Invoices.amountText(Money(minorUnits: sum, currency: ctx.currency)))
                    h.raw("</th></tr></tfoot>")
                }
            }
            h.pager(next: page.nextCursor.map { BillingRoutes.invoices.link.query([("cursor", $0), ("status", filter.status), ("from", filter.from), ("to", filter.to),
                                                                                     ("customer_id", filter.customerID)]) })
        }
        return html.response()
    }

    /// Voids the invoice with a credit note; a refusal comes back on the page with the reason typed.
    static func void(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let note = try await Invoices.void(try req.ctx, id.uuidString, reason: values["reason"], services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.invoice.link(id), flash: "Invoice voided by credit note \(note.number).")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, voidForm: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id)
    }

    static func render(_ req: Request, _ id: UUID, voidForm: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let d = try await Invoices.details(ctx, id.uuidString, on: req.db)
        let inv = d.invoice
        let related = try await Invoices.related(ctx, inv, on: req.db)
        let page = try req.page(inv.number)
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: inv.currency)) }
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead((inv.kind == "credit_note" ? "Credit note " : "Invoice ") + inv.number) { h in
                h.el("a", [.class("btn primary"), .href(BillingRoutes.invoicePDF.link(id))], text: "PDF")
                h.raw(" ")
                h.el("a", [.class("btn"), .href(CRMRoutes.customer.link(d.customer.id!))], text: "\(d.customer.numberText) \(d.customer.displayName)")
            }
            h.el("div", [.class("panel")]) { h in
                h.el("dl", [.class("facts")]) { h in
                    h.fact("Status") { $0.badge(inv.status.rawValue) }
                    h.fact("Issued", inv.issueOn)
                    h.fact("Due", inv.dueOn)
                    if let start = inv.periodStart { h.fact("Period", "\(start) – \(inv.periodEnd ?? "")") }
                    if let other = related {
                        h.fact(inv.kind == "credit_note" ? "Voids" : "Voided by") { $0.el("a", [.href(BillingRoutes.invoice.link(other.id!))], text: other.number) }
                    }
                    if let reason = inv.voidReason { h.fact("Reason", reason) }
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Description</th><th class="num">Amount</th></tr></thead><tbody>"#)
                    for line in d.lines {
                        h.raw("<tr><td>")
                        h.text(line.text)
                        if let detail = line.detail { h.el("div", [.class("muted")], text: detail) }
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(line.amount))
                        h.raw("</td></tr>")
                    }
                    h.raw(#"</tbody><tfoot><tr><th>Subtotal</th><th class="num">"#)
                    h.text(money(inv.subtotal))
                    h.raw("</th></tr>")
                    for tax in d.taxes {
                        h.raw("<tr><th>")
                        h.text("\(tax.name)\(tax.inclusive ? " (included)" : "")")
                        h.raw(#"</th><th class="num">"#)
                        h.text(money(tax.amount))
                        h.raw("</th></tr>")
                    }
                    h.raw(#"<tr><th>Total</th><th class="num">"#)
                    h.text("\(inv.currency) \(money(inv.total))")
                    h.raw("</th></tr></tfoot>")
                }
            }
            h.el("p", [.class("muted")], text: "In words: " + AmountInWords.english(minorUnits: inv.total, currency: inv.currency))
            if Invoices.canVoid(ctx, inv) {
                h.postForm(BillingRoutes.voidInvoice.link(id), csrf: page.csrf, class: "form panel", id: "void-form",
                           confirm: "Void \(inv.number)? A credit note takes its whole amount back; this cannot be undone.") { h in
                    h.raw("<h2>Void this invoice</h2>")
                    h.formError(voidForm.general)
                    h.field("Reason", "reason", form: voidForm, id: "void_reason", hint: "Shown on the credit note and the customer's timeline",
                            [.flag("required"), .attr("maxlength", literal: "300")])
                    h.raw(#"<div class="form-actions"><button class="btn danger" type="submit">Void with a credit note</button></div>"#)
                }
            }
        }
        return html.response(status: status)
    }

    static func pdf(_ req: Request, _ id: UUID) async throws -> Response {
        try InvoiceAPI.pdfResponse(try await Invoices.pdf(try req.ctx, id.uuidString, on: req.db))
    }
}
