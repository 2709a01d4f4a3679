import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// The collection screen, for the counter and the field: type a phone or customer number, see
/// what is due, take the money and hand over (or text) the receipt, in a few keystrokes.
enum CollectionScreen {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(CollectionsRoutes.collect, use: show)
        routes.post(CollectionsRoutes.collect, use: take)
    }

    static func show(_ req: Request) async throws -> Response {
        try await render(req, query: req.queryValue("q"), customerID: req.queryValue("customer_id"), form: nil)
    }

    /// Records the payment; a refusal comes back on the screen with everything typed kept.
    static func take(_ req: Request) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let input = Payments.Input(customerID: values["customer_id"], amount: values["amount"], method: values["method"], reference: values["reference"],
                                       receivedOn: values["received_on"], note: values["note"])
            // A reseller's staff are paid from the reseller's wallet.
            let payment = ctx.isResellerScoped ? try await Wallets.collect(ctx, input, services: req.services, on: req.db)
                : try await Payments.record(ctx, input, services: req.services, on: req.db)
            var flash = "Payment \(payment.number) recorded: \(payment.amountMoney)."
            if values["sms_receipt"] == "on" {
                flash += (try? await Receipts.text(ctx, payment.id!.uuidString, services: req.services, on: req.db)) == true
                    ? " The receipt was sent by SMS." : " The customer has no mobile number to text the receipt to."
            }
            return redirect(req, to: CollectionsRoutes.payment.link(payment.id!), flash: flash)
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, query: nil, customerID: values["customer_id"], form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, query: String?, customerID: String?, form: FormState?, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.paymentsWrite)
        let page = try req.page("Take a payment")
        var matches: [CustomerDirectory.Row] = []
        var customer: Customer?
        if let id = customerID.nonBlank {
            customer = try await Customers.find(ctx, id, on: req.db)
        } else if let q = query.nonBlank {
            matches = try await CustomerDirectory.search(ctx, .init(query: q), page: try CursorRequest(limit: 10), on: req.db).items
            if matches.count == 1 { customer = try await Customers.find(ctx, matches[0].id.uuidString, on: req.db) }
        }
        let due = try await customer.asyncMap { try await Payments.due(ctx, customerID: $0.id!, on: req.db) }
        let today = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: ctx.currency)) }
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Take a payment") { h in
                h.el("a", [.class("btn"), .href(CollectionsRoutes.payments.link)], text: "Payments")
            }
            h.el("form", [.class("filters collect-search"), .attr("method", literal: "get"), .action(CollectionsRoutes.collect.link)]) { h in
                h.el("label", [.attr("for", literal: "q")], text: "Customer")
                h.void("input", [.attr("id", literal: "q"), .name("q"), .type("search"), .value(customer == nil ? (query ?? "") : ""),
                                 .attr("placeholder", literal: "Mobile number, customer number or name"), .flag("autofocus", customer == nil),
                                 .attr("autocomplete", literal: "off")])
                h.raw(#"<button class="btn" type="submit">Find</button>"#)
            }
            if customer == nil, let q = query.nonBlank {
                h.el("div", [.class("panel table-wrap")]) { h in
                    h.el("table", [.class("data"), .attr("id", literal: "matches")]) { h in
                        h.raw("<thead><tr><th>Customer</th><th>Mobile</th><th>Status</th><th>Branch</th></tr></thead><tbody>")
                        if matches.isEmpty {
                            h.raw(#"<tr><td colspan="4" class="muted">"#)
                            h.text("Nobody matches “\(q)”.")
                            h.raw("</td></tr>")
                        }
                        for m in matches {
                            h.raw("<tr><td>")
                            h.el("a", [.href(CollectionsRoutes.collect.link.query([("customer_id", m.id.uuidString)]))], text: "\(m.numberText) \(m.displayName)")
                            h.raw("</td><td>")
                            h.text(m.primaryPhone ?? "")
                            h.raw("</td><td>")
                            h.badge(m.status)
                            h.raw("</td><td>")
                            h.text(m.branchName)
                            h.raw("</td></tr>")
                        }
                        h.raw("</tbody>")
                    }
                }
            }
            guard let customer, let due else { return }
            h.el("section", [.class("panel"), .attr("id", literal: "due")]) { h in
                h.el("h2") { h in
                    h.el("a", [.href(CRMRoutes.customer.link(customer.id!))], text: "\(customer.numberText) \(customer.displayName)")
                    h.raw(" ")
                    h.badge(customer.status.rawValue)
                }
                if let phone = customer.primaryPhone { h.el("p", [.class("muted")], text: phone) }
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Invoice</th><th>Due</th><th class="num">Open</th></tr></thead><tbody>"#)
                    if due.invoices.isEmpty { h.raw(#"<tr><td colspan="3" class="muted">Nothing is due.</td></tr>"#) }
                    for i in due.invoices {
                        let late = (LocalDate(i.dueOn) ?? today) < today
                        h.raw(late ? #"<tr class="overdue"><td>"# : "<tr><td>")
                        h.el("a", [.href(BillingRoutes.invoice.link(i.id))], text: i.number)
                        h.raw("</td><td>")
                        h.text(i.dueOn + (late ? " (overdue)" : ""))
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(i.open))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody><tfoot>")
                    if due.credit > 0 {
                        h.raw(#"<tr><th colspan="2">Credit on account</th><th class="num">"#)
                        h.text("−" + money(due.credit))
                        h.raw("</th></tr>")
                    }
                    h.raw(#"<tr><th colspan="2">To clear everything</th><th class="num" id="to-clear">"#)
                    h.text("\(ctx.currency) \(money(due.toClear))")
                    h.raw("</th></tr></tfoot>")
                }
            }
            let state = form ?? FormState(values: ["amount": due.toClear > 0 ? Money(minorUnits: due.toClear, currency: ctx.currency).decimalString : "",
                                                   "method": "cash", "received_on": today.description, "sms_receipt": customer.primaryPhone == nil ? "" : "on"])
            h.postForm(CollectionsRoutes.collect.link, csrf: page.csrf, class: "form panel", id: "collect-form") { h in
                h.formError(state.general)
                h.void("input", [.type("hidden"), .name("customer_id"), .value(customer.id!.pathValue)])
                h.el("div", [.class("grid")]) { h in
                    h.field("Amount", "amount", form: state, id: "amount", hint: ctx.currency,
                            [.attr("inputmode", literal: "decimal"), .flag("required"), .flag("autofocus"), .attr("autocomplete", literal: "off")])
                    if !ctx.isResellerScoped {
                        h.selectField("Method", "method", PaymentMethod.received.map { Choice(value: $0.rawValue, label: $0.label, checked: state.values["method"] == $0.rawValue) },
                                      form: state, id: "method")
                        h.field("Reference", "reference", form: state, id: "reference", hint: "Transaction id, cheque or slip number; not for cash",
                                [.attr("maxlength", literal: "100")])
                    }
                    h.field("Received on", "received_on", form: state, type: "date", id: "received_on", [.attr("max", today.description)])
                }
                h.field("Note", "note", form: state, id: "note", [.attr("maxlength", literal: "500")])
                if customer.primaryPhone != nil { h.checkbox("Text the receipt to \(customer.primaryPhone ?? "")", "sms_receipt", checked: state.values["sms_receipt"] == "on") }
                h.el("p", [.class("muted")], text: ctx.isResellerScoped
                    ? "Paid to the ISP from your wallet at your price; your commission is kept. Oldest invoices first; anything over becomes credit."
                    : "Paid to the oldest invoices first; anything over becomes credit for the next ones.")
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Take payment</button></div>"#)
            }
        }
        return html.response(status: status)
    }
}
