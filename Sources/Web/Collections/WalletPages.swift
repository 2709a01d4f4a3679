import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// Reseller wallets: every reseller's balance, and one wallet with its history and (for the
/// ISP's staff) the top-up form. A reseller's own staff see theirs.
enum WalletPages {
    static let wallets = Route0("wallets")
    static let wallet = Route1<UUID>("resellers", .id, "wallet")

    static func register(_ routes: any RoutesBuilder) {
        routes.get(wallets, use: list)
        routes.get(wallet, use: show)
        routes.post(wallet, use: topUp)
        routes.post(recharge, use: rechargeSubscription)
    }

    static let recharge = Route1<UUID>("subscriptions", .id, "wallet-recharge")

    /// Reseller staff sell a prepaid package from the customer page.
    static func rechargeSubscription(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let subscription = try await Subscription.find(id.uuidString, in: ctx, on: req.db)
        do {
            let sold = try await Wallets.recharge(ctx, subscriptionID: id.uuidString, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(subscription.customerID),
                            flash: "Recharged: service through \(sold.invoice.periodEnd ?? ""); paid from the wallet, receipt \(sold.payment.number).")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: CRMRoutes.customer.link(subscription.customerID), flash: "Not recharged: \(error)")
        }
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let rows = try await Wallets.list(ctx, on: req.db)
        var html = HTML()
        html.appLayout(try req.page("Reseller wallets")) { h in
            h.pageHead("Reseller wallets")
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "wallets")]) { h in
                    h.raw(#"<thead><tr><th>Reseller</th><th class="num">Commission</th><th class="num">Wallet</th></tr></thead><tbody>"#)
                    if rows.isEmpty { h.raw(#"<tr><td colspan="3" class="muted">No resellers.</td></tr>"#) }
                    for row in rows {
                        h.raw("<tr><td>")
                        h.el("a", [.href(wallet.link(row.reseller.id!))], text: row.reseller.name)
                        h.raw(#"</td><td class="num">"#)
                        h.text(String(format: "%d.%02d %%", row.reseller.commissionBasisPoints / 100, row.reseller.commissionBasisPoints % 100))
                        h.raw(#"</td><td class="num">"#)
                        h.text(Invoices.amountText(Money(minorUnits: row.balance, currency: ctx.currency)))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response()
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id)
    }

    static func topUp(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let t = try await Wallets.topUp(try req.ctx, resellerID: id.uuidString, .init(amount: values["amount"], method: values["method"],
                                                                                        reference: values["reference"], receivedOn: values["received_on"],
                                                                                        note: values["note"]),
                                            services: req.services, on: req.db)
            return redirect(req, to: wallet.link(id), flash: "Top-up \(t.number) recorded: \(Money(minorUnits: t.amount, currency: t.currency)).")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, _ id: UUID, form: FormState? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let h0 = try await Wallets.history(ctx, resellerID: id.uuidString, on: req.db)
        let money = { (minor: Int64) in Invoices.amountText(Money(minorUnits: minor, currency: ctx.currency)) }
        let page = try req.page("Wallet: \(h0.reseller.name)")
        let today = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Wallet: \(h0.reseller.name)") { h in
                h.el("a", [.class("btn"), .href(wallets.link)], text: "All wallets")
            }
            h.el("div", [.class("cards")]) { h in
                h.figure("Balance", "\(ctx.currency) \(money(h0.balance))")
                h.figure("Commission", String(format: "%d.%02d %%", h0.reseller.commissionBasisPoints / 100, h0.reseller.commissionBasisPoints % 100))
            }
            if ctx.can(.paymentsWrite), !ctx.isResellerScoped {
                let state = form ?? FormState(values: ["method": "cash", "received_on": today.description])
                h.postForm(wallet.link(id), csrf: page.csrf, class: "form panel", id: "top-up-form") { h in
                    h.raw("<h2>Top up</h2>")
                    h.formError(state.general)
                    h.el("div", [.class("grid")]) { h in
                        h.field("Amount", "amount", form: state, id: "amount", hint: ctx.currency, [.attr("inputmode", literal: "decimal"), .flag("required")])
                        h.selectField("Method", "method", PaymentMethod.received.map { Choice(value: $0.rawValue, label: $0.label, checked: state.values["method"] == $0.rawValue) },
                                      form: state, id: "method")
                        h.field("Reference", "reference", form: state, id: "reference", hint: "Not for cash", [.attr("maxlength", literal: "100")])
                        h.field("Received on", "received_on", form: state, type: "date", id: "received_on", [.attr("max", today.description)])
                    }
                    h.field("Note", "note", form: state, id: "note", [.attr("maxlength", literal: "500")])
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Record top-up</button></div>"#)
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.raw("<h2>History</h2>")
                h.el("table", [.class("data"), .attr("id", literal: "wallet-history")]) { h in
                    h.raw(#"<thead><tr><th>Date</th><th>What</th><th class="num">In / out</th><th class="num">Commission</th><th class="num">Balance</th></tr></thead><tbody>"#)
                    if h0.movements.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">Nothing yet.</td></tr>"#) }
                    for m in h0.movements {
                        h.raw("<tr><td>")
                        h.text(LocalDate.today(m.at, in: ctx.timeZone).description)
                        h.raw("</td><td>")
                        let label = (m.kind == "wallet_top_up" ? "Top-up " : m.kind == "payment" ? "Collection " : "Reversal ") + m.document
                        if m.referenceType == "payment", let ref = m.referenceID {
                            h.el("a", [.href(CollectionsRoutes.payment.link(ref))], text: label)
                        } else {
                            h.text(label)
                        }
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(m.amount))
                        h.raw(#"</td><td class="num">"#)
                        if m.commission != 0 { h.text(money(m.commission)) }
                        h.raw(#"</td><td class="num">"#)
                        h.text(money(m.balance))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response(status: status)
    }
}
