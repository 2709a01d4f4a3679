import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// A customer's statement for a date range, with the same as CSV and PDF.
enum StatementPage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(CollectionsRoutes.statement, use: show)
        routes.get(CollectionsRoutes.statementCSV, use: csv)
        routes.get(CollectionsRoutes.statementPDF, use: pdf)
    }

    static func build(_ req: Request, _ id: UUID) async throws -> Statements.Statement {
        try await Statements.build(try req.ctx, customerID: id.uuidString, from: req.queryValue("from"), to: req.queryValue("to"),
                                   now: req.services.clock.now(), on: req.db)
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let s: Statements.Statement
        var problem: FormState?
        do {
            s = try await build(req, id)
        } catch let error as DomainError where error.showsOnForm {
            // A bad range shows its error; the default range is shown beneath.
            problem = CRMForms.formState(["from": req.queryValue("from") ?? "", "to": req.queryValue("to") ?? ""], error)
            s = try await Statements.build(ctx, customerID: id.uuidString, from: nil, to: nil, now: req.services.clock.now(), on: req.db)
        }
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: s.currency)) }
        let range: [(String, String?)] = [("from", s.from.description), ("to", s.to.description)]
        var html = HTML()
        html.appLayout(try req.page("Statement \(s.customer.numberText)")) { h in
            h.pageHead("Statement: \(s.customer.numberText) \(s.customer.displayName)") { h in
                h.el("a", [.class("btn"), .href(CollectionsRoutes.statementPDF.link(id).query(range))], text: "PDF")
                h.raw(" ")
                h.el("a", [.class("btn"), .href(CollectionsRoutes.statementCSV.link(id).query(range))], text: "CSV")
                h.raw(" ")
                h.el("a", [.class("btn"), .href(CRMRoutes.customer.link(id))], text: "Customer")
            }
            let form = problem ?? FormState(values: ["from": s.from.description, "to": s.to.description])
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(CollectionsRoutes.statement.link(id))]) { h in
                h.formError(form.general)
                h.field("From", "from", form: form, type: "date", id: "from")
                h.field("To", "to", form: form, type: "date", id: "to")
                h.raw(#"<button class="btn" type="submit">Show</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "statement")]) { h in
                    h.raw(#"<thead><tr><th>Date</th><th>What</th><th class="num">Charges</th><th class="num">Paid / credited</th><th class="num">Balance</th></tr></thead><tbody>"#)
                    h.raw(#"<tr><td></td><td>Opening balance</td><td></td><td></td><td class="num">"#)
                    h.text(money(s.opening))
                    h.raw("</td></tr>")
                    for row in s.rows {
                        h.raw("<tr><td>")
                        h.text(LocalDate.today(row.at, in: ctx.timeZone).description)
                        h.raw("</td><td>")
                        let label = "\(row.label) \(row.document)"
                        switch row.referenceType {
                        case "invoice"?: h.el("a", [.href(BillingRoutes.invoice.link(row.referenceID!))], text: label)
                        case "payment"?: h.el("a", [.href(CollectionsRoutes.payment.link(row.referenceID!))], text: label)
                        default: h.text(label)
                        }
                        h.raw(#"</td><td class="num">"#)
                        if row.charge > 0 { h.text(money(row.charge)) }
                        h.raw(#"</td><td class="num">"#)
                        if row.paid > 0 { h.text(money(row.paid)) }
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(row.balance))
                        h.raw("</td></tr>")
                    }
                    h.raw(#"</tbody><tfoot><tr><th colspan="4">"#)
                    h.text(s.closing >= 0 ? "Balance due" : "In the customer's favour (credit)")
                    h.raw(#"</th><th class="num" id="closing">"#)
                    h.text("\(s.currency) \(money(s.closing))")
                    h.raw("</th></tr></tfoot>")
                }
            }
        }
        return html.response()
    }

    static func csv(_ req: Request, _ id: UUID) async throws -> Response {
        try StatementAPI.csvResponse(try await build(req, id), zone: try req.ctx.timeZone)
    }

    static func pdf(_ req: Request, _ id: UUID) async throws -> Response {
        try InvoiceAPI.pdfResponse(try await Statements.pdf(try await build(req, id), try req.ctx, on: req.db))
    }
}
