import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The customer page's "Services" panel: the customer's subscriptions and a form to add one.
enum CustomerServicesPanel {
    static func render(_ req: Request, customer: Customer, canWrite: Bool, csrf: String) async throws -> [HTML] {
        let customerID = customer.id!
        let ctx = try req.ctx
        guard ctx.can(.subscriptionsRead) else { return [] }
        let (subscriptions, names, addresses) = try await Subscriptions.customerServices(ctx, customerID, on: req.db)
        let signsUp = canWrite && ctx.can(.subscriptionsWrite) && ctx.can(.plansRead)
        let plans = signsUp ? try await Plans.active(ctx, soldIn: customer.branchID, on: req.db) : []
        let today = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
        var h = HTML(capacity: 4096)
        h.el("section", [.class("panel"), .attr("id", literal: "services")]) { h in
            h.raw("<h2>Services</h2>")
            h.el("table", [.class("data")]) { h in
                h.raw("<thead><tr><th>Plan</th><th>Status</th><th>Since</th><th>Next invoice</th></tr></thead><tbody>")
                if subscriptions.isEmpty { h.raw(#"<tr><td colspan="4" class="muted">No services yet.</td></tr>"#) }
                for s in subscriptions {
                    h.raw("<tr><td>")
                    h.el("a", [.href(BillingRoutes.subscription.link(s.id!))], text: names[s.planID] ?? "Plan")
                    h.raw("</td><td>")
                    h.badge(s.status.rawValue)
                    h.raw("</td><td>")
                    h.text(s.activatedOn ?? s.startsOn)
                    h.raw("</td><td>")
                    h.text(s.status == .terminated ? "" : (s.nextBillOn ?? ""))
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
            guard signsUp, !plans.isEmpty else { return }
            h.postForm(BillingRoutes.subscriptions.link, csrf: csrf, class: "form", id: "service-form") { h in
                h.raw("<h3>Add a service</h3>")
                h.void("input", [.type("hidden"), .name("customer_id"), .value(customerID.pathValue)])
                let form = FormState(values: ["starts_on": today.description, "activate": "true"])
                h.el("div", [.class("grid")]) { h in
                    h.selectField("Plan", "plan_id", plans.map { Choice(value: $0.id!.pathValue, label: "\($0.name) · \($0.priceMoney)", checked: false) },
                                  form: form, id: "service_plan")
                    h.selectField("Service address", "service_address_id",
                                  [Choice(value: "", label: "None", checked: addresses.isEmpty)]
                                    + addresses.enumerated().map { Choice(value: $1.id!.pathValue, label: $1.line1, checked: $0 == 0) },
                                  form: form, id: "service_address")
                    h.field("Billing day", "billing_day", form: form, id: "service_billing_day", hint: "1–31; empty: the organization's rule",
                            [.attr("inputmode", literal: "numeric")])
                    h.field("Starts on", "starts_on", form: form, type: "date", id: "service_starts_on")
                    h.selectField("Activate", "activate", [Choice(value: "true", label: "Now (installed)", checked: true),
                                                           Choice(value: "false", label: "Later (pending installation)", checked: false)],
                                  form: form, id: "service_activate")
                }
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add service</button></div>"#)
            }
        }
        if ctx.can(.invoicesRead) {
            let invoices = try await Invoices.list(ctx, .init(customerID: customerID.uuidString), page: try CursorRequest(limit: 12), on: req.db)
            h.el("section", [.class("panel"), .attr("id", literal: "invoices")]) { h in
                h.raw("<h2>Invoices</h2>")
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Number</th><th>Issued</th><th>Status</th><th class="num">Total</th></tr></thead><tbody>"#)
                    if invoices.items.isEmpty { h.raw(#"<tr><td colspan="4" class="muted">No invoices yet.</td></tr>"#) }
                    for i in invoices.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(BillingRoutes.invoice.link(i.id!))], text: i.number)
                        h.raw("</td><td>")
                        h.text(i.issueOn)
                        h.raw("</td><td>")
                        h.badge(i.status.rawValue)
                        h.raw(#"</td><td class="num">"#)
                        h.text(Invoices.amountText(i.totalMoney))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
                if invoices.nextCursor != nil {
                    h.el("a", [.href(BillingRoutes.invoices.link.query([("customer_id", customerID.pathValue)]))], text: "All invoices")
                }
            }
        }
        return [h]
    }
}
