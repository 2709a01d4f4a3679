import Billing
import CRM
import Documents
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// Payments: the list with filters and totals (a collector's day sheet is this list filtered to
/// a day, with its totals by method and collector), one payment with its receipt and reversal.
enum PaymentPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(CollectionsRoutes.payments, use: list)
        routes.get(CollectionsRoutes.payment, use: show)
        routes.get(CollectionsRoutes.receipt, use: receipt)
        routes.post(CollectionsRoutes.reversePayment, use: reverse)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = Payments.Filter(customerID: req.queryValue("customer_id"), method: req.queryValue("method"), status: req.queryValue("status"),
                                     from: req.queryValue("from"), to: req.queryValue("to"))
        let page = try await Payments.list(ctx, filter, page: try req.pageRequest(), on: req.db)
        let totals = try await Payments.totals(ctx, filter, on: req.db)
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: ctx.currency)) }
        var html = HTML()
        html.appLayout(try req.page("Payments")) { h in
            h.pageHead("Payments") { h in
                if ctx.can(.paymentsWrite), !ctx.isResellerScoped {
                    h.el("a", [.class("btn primary"), .href(CollectionsRoutes.collect.link)], text: "Take a payment")
                }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(CollectionsRoutes.payments.link)]) { h in
                h.select("method", Choice.values(PaymentMethod.allCases.map(\.rawValue), selected: filter.method, blank: "Any method"), label: "Method")
                h.select("status", Choice.values(PaymentStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"), label: "Status")
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
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "payments")]) { h in
                    h.raw(#"<thead><tr><th>Receipt</th><th>Received</th><th>Method</th><th>Collector</th><th>Status</th><th class="num">Amount</th></tr></thead><tbody>"#)
                    if page.items.isEmpty { h.raw(#"<tr><td colspan="6" class="muted">No payments.</td></tr>"#) }
                    for p in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(CollectionsRoutes.payment.link(p.id!))], text: p.number)
                        h.raw("</td><td>")
                        h.text(p.receivedOn)
                        h.raw("</td><td>")
                        h.text(p.method.label + (p.reference.map { " · \($0)" } ?? ""))
                        h.raw("</td><td>")
                        h.text(p.collectorName)
                        h.raw("</td><td>")
                        h.badge(p.status.rawValue)
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(p.amount))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            // The day sheet: what each collector took, by method, over the whole filter.
            if !totals.isEmpty {
                h.el("section", [.class("panel"), .attr("id", literal: "day-sheet")]) { h in
                    h.raw("<h2>Totals by collector and method</h2>")
                    h.el("table", [.class("data")]) { h in
                        h.raw(#"<thead><tr><th>Collector</th><th>Method</th><th class="num">Payments</th><th class="num">Amount</th></tr></thead><tbody>"#)
                        for row in totals {
                            h.raw("<tr><td>")
                            h.text(row.collector)
                            h.raw("</td><td>")
                            h.text(row.method.label)
                            h.raw(#"</td><td class="num">"#)
                            h.text(String(row.count))
                            h.raw(#"</td><td class="num">"#)
                            h.text(money(row.amount))
                            h.raw("</td></tr>")
                        }
                        h.raw(#"</tbody><tfoot><tr><th colspan="3">Total</th><th class="num">"#)
                        h.text("\(ctx.currency) \(money(totals.reduce(0) { $0 + $1.amount }))")
                        h.raw("</th></tr></tfoot>")
                    }
                }
            }
            h.pager(next: page.nextCursor.map { CollectionsRoutes.payments.link.query([("cursor", $0), ("method", filter.method), ("status", filter.status),
                                                                                      ("from", filter.from), ("to", filter.to), ("customer_id", filter.customerID)]) })
        }
        return html.response()
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id)
    }

    static func render(_ req: Request, _ id: UUID, reverseForm: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let d = try await Payments.details(ctx, id.uuidString, on: req.db)
        let p = d.payment
        let customer = try await Customers.find(ctx, p.customerID.uuidString, on: req.db)
        let page = try req.page("Payment \(p.number)")
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: p.currency)) }
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Payment \(p.number)") { h in
                h.el("a", [.class("btn primary"), .href(CollectionsRoutes.receipt.link(id)), .attr("target", literal: "_blank")], text: "Print receipt")
                h.raw(" ")
                if ctx.can(.paymentsWrite), !ctx.isResellerScoped {
                    h.el("a", [.class("btn"), .href(CollectionsRoutes.collect.link)], text: "Next customer")
                    h.raw(" ")
                }
                h.el("a", [.class("btn"), .href(CRMRoutes.customer.link(customer.id!))], text: "\(customer.numberText) \(customer.displayName)")
            }
            h.el("div", [.class("panel")]) { h in
                h.el("dl", [.class("facts")]) { h in
                    h.fact("Status") { $0.badge(p.status.rawValue) }
                    h.fact("Amount", "\(p.currency) \(money(p.amount))")
                    h.fact("Method", p.method.label)
                    h.fact("Reference", p.reference)
                    h.fact("Received on", p.receivedOn)
                    h.fact("Collector", p.collectorName)
                    if p.credited > 0 { h.fact("To credit", money(p.credited)) }
                    h.fact("Note", p.note)
                    if let reason = p.reversalReason { h.fact("Reversed", "\(reason) (by \(p.reversedBy ?? ""))") }
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "allocations")]) { h in
                    h.raw(#"<thead><tr><th>Paid on invoice</th><th class="num">Amount</th></tr></thead><tbody>"#)
                    if d.shares.isEmpty { h.raw(#"<tr><td colspan="2" class="muted">All of it went to credit.</td></tr>"#) }
                    for share in d.shares {
                        h.raw("<tr><td>")
                        h.el("a", [.href(BillingRoutes.invoice.link(share.allocation.invoiceID))], text: share.invoiceNumber)
                        if share.allocation.reversedAt != nil { h.raw(#" <span class="muted">(reversed)</span>"#) }
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(share.allocation.amount))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            if Payments.canReverse(ctx, p) {
                h.postForm(CollectionsRoutes.reversePayment.link(id), csrf: page.csrf, class: "form panel", id: "reverse-form",
                           confirm: "Reverse \(p.number)? Its money comes off the invoices and the books; this cannot be undone.") { h in
                    h.raw("<h2>Reverse this payment</h2>")
                    h.formError(reverseForm.general)
                    h.field("Reason", "reason", form: reverseForm, id: "reverse_reason", hint: "A bounced cheque, the wrong customer…",
                            [.flag("required"), .attr("maxlength", literal: "300")])
                    h.raw(#"<div class="form-actions"><button class="btn danger" type="submit">Reverse payment</button></div>"#)
                }
            }
        }
        return html.response(status: status)
    }

    static func reverse(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let p = try await Payments.reverse(try req.ctx, id.uuidString, reason: values["reason"], services: req.services, on: req.db)
            return redirect(req, to: CollectionsRoutes.payment.link(id), flash: "Payment \(p.number) reversed.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, reverseForm: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func receipt(_ req: Request, _ id: UUID) async throws -> Response {
        try InvoiceAPI.pdfResponse(try await Receipts.pdf(try req.ctx, id.uuidString, on: req.db))
    }
}
