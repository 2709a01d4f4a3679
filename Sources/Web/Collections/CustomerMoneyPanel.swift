import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// The customer page's "Money" panel: what they owe and their credit, buttons to take a payment
/// and see the statement, their last payments, and their holds on suspension (a promise to pay
/// by a day, VIP) with forms to add and end them.
enum CustomerMoneyPanel {
    static func render(_ req: Request, customer: Customer, csrf: String) async throws -> [HTML] {
        let ctx = try req.ctx
        guard ctx.can(.paymentsRead) else { return [] }
        let id = customer.id!
        let due = try await Payments.due(ctx, customerID: id, on: req.db)
        let payments = try await Payments.list(ctx, .init(customerID: id.uuidString), page: try CursorRequest(limit: 5), on: req.db).items
        let holds = try await Exclusions.list(ctx, customerID: id, on: req.db)
        let today = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: ctx.currency)) }
        // Reseller staff take money on the collection screen too: through their wallet.
        let takes = ctx.can(.paymentsWrite)
        let packages = try await Wallets.rechargeable(ctx, customerID: id, on: req.db)
        var h = HTML(capacity: 4096)
        h.el("section", [.class("panel"), .attr("id", literal: "money")]) { h in
            h.raw("<h2>Money</h2>")
            h.el("dl", [.class("facts")]) { h in
                h.fact("Open on invoices", "\(ctx.currency) \(money(due.open))")
                if due.credit > 0 { h.fact("Credit", "\(ctx.currency) \(money(due.credit))") }
                h.fact("Balance", due.balance >= 0 ? "\(ctx.currency) \(money(due.balance)) due" : "\(ctx.currency) \(money(-due.balance)) in their favour")
            }
            h.el("p", [.class("actions")]) { h in
                if takes { h.el("a", [.class("btn primary"), .href(CollectionsRoutes.collect.link.query([("customer_id", id.uuidString)]))], text: "Take a payment") }
                h.raw(" ")
                if ctx.can(.invoicesRead) { h.el("a", [.class("btn"), .href(CollectionsRoutes.statement.link(id))], text: "Statement") }
                h.raw(" ")
                h.el("a", [.class("btn"), .href(CollectionsRoutes.payments.link.query([("customer_id", id.uuidString)]))], text: "All payments")
            }
            if !payments.isEmpty {
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Receipt</th><th>Received</th><th>Method</th><th class="num">Amount</th></tr></thead><tbody>"#)
                    for p in payments {
                        h.raw("<tr><td>")
                        h.el("a", [.href(CollectionsRoutes.payment.link(p.id!))], text: p.number)
                        if p.status == .reversed { h.raw(#" <span class="muted">(reversed)</span>"#) }
                        h.raw("</td><td>")
                        h.text(p.receivedOn)
                        h.raw("</td><td>")
                        h.text(p.method.label)
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(p.amount))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            if !packages.isEmpty {
                h.raw("<h3>Prepaid packages</h3>")
                for p in packages {
                    h.postForm(WalletPages.recharge.link(p.subscription.id!), csrf: csrf, class: "inline",
                               confirm: "Recharge \(p.plan.name) for \(ctx.currency) \(money(p.price))? \(ctx.currency) \(money(p.cost)) comes off your wallet.") { h in
                        h.text("\(p.plan.name): runs through \(p.subscription.expiresOn ?? "—"). ")
                        h.el("button", [.class("btn small primary"), .type("submit")], text: "Recharge from wallet")
                    }
                }
            }
            h.raw("<h3>Holds on suspension</h3>")
            let live = holds.filter { $0.endedAt == nil }
            if live.isEmpty { h.el("p", [.class("muted")], text: "None: unpaid service is suspended after the grace period.") }
            for e in live {
                h.el("p", [.class("hold")]) { h in
                    h.text(e.kind == .vip ? "VIP (\(e.reason)), by \(e.actor)" : "Promise to pay by \(e.until ?? "") (\(e.reason)), by \(e.actor)")
                    h.raw(" ")
                    if ctx.can(.paymentsWrite), !ctx.isResellerScoped, e.kind != .vip || ctx.can(.settingsManage) {
                        h.postButton("End", to: CollectionsRoutes.endExclusion.link(e.id!), csrf: csrf, confirm: "End this hold? Unpaid service may be suspended at once.")
                    }
                }
            }
            // Holds are the ISP's to give (Exclusions.add refuses reseller staff).
            guard ctx.can(.paymentsWrite), !ctx.isResellerScoped else { return }
            h.postForm(CollectionsRoutes.exclusions.link(id), csrf: csrf, class: "form", id: "promise-form") { h in
                h.void("input", [.type("hidden"), .name("kind"), .value("promise_to_pay")])
                let form = FormState(values: ["until": today.adding(days: 7).description])
                h.el("div", [.class("grid")]) { h in
                    h.field("Promises to pay by", "until", form: form, type: "date", id: "promise_until",
                            [.flag("required"), .attr("min", today.description), .attr("max", today.adding(days: Exclusions.maxPromiseDays).description)])
                    h.field("Reason", "reason", form: form, id: "promise_reason", [.flag("required"), .attr("maxlength", literal: "300")])
                }
                h.raw(#"<div class="form-actions"><button class="btn" type="submit">Hold suspension until then</button></div>"#)
            }
            if ctx.can(.settingsManage), !live.contains(where: { $0.kind == .vip }) {
                h.postForm(CollectionsRoutes.exclusions.link(id), csrf: csrf, class: "form", id: "vip-form",
                           confirm: "Mark as VIP? Their service will never be suspended automatically.") { h in
                    h.void("input", [.type("hidden"), .name("kind"), .value("vip")])
                    h.field("Reason", "reason", form: FormState(), id: "vip_reason", hint: "A hospital, an office on contract…",
                            [.flag("required"), .attr("maxlength", literal: "300")])
                    h.raw(#"<div class="form-actions"><button class="btn" type="submit">Mark VIP</button></div>"#)
                }
            }
        }
        return [h]
    }
}
