import Foundation
import Ledger
import MeghnaCore
import Vapor

/// The trial balance at the end of a chosen day: every account's debit or credit balance,
/// customers' and resellers' accounts summed by group, and the two totals.
enum TrialBalancePage {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(LedgerRoutes.trialBalance, use: show)
    }

    static func show(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let today = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
        let typed = req.queryValue("on") ?? ""
        var error: String?
        var day = today
        if !typed.isEmpty {
            if let chosen = LocalDate(typed) { day = chosen } else { error = "The date must be written YYYY-MM-DD, for example \(today)." }
        }
        let balance = try await TrialBalance.build(asOf: day, ctx, on: req.db)
        var html = HTML()
        html.appLayout(try req.page("Trial balance")) { h in
            h.pageHead("Trial balance")
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(LedgerRoutes.trialBalance.link)]) { h in
                h.el("label") { h in
                    h.raw("At the end of ")
                    h.void("input", [.name("on"), .type("date"), .value(typed.isEmpty ? day.description : typed)])
                }
                h.raw(#"<button class="btn" type="submit">Show</button>"#)
            }
            h.formError(error)
            h.el("p", [.class("muted")], text: "Balances at the end of \(day) (\(ctx.timeZone.identifier)), in \(balance.currency). "
                 + (balance.balanced ? "Debits equal credits." : "Debits and credits differ: run `meghna ledger check`."))
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Account</th><th>Type</th><th class="num">Debit</th><th class="num">Credit</th></tr></thead><tbody>"#)
                    if balance.rows.isEmpty {
                        h.raw(#"<tr><td colspan="4" class="muted">Nothing has been posted by this day.</td></tr>"#)
                    }
                    for row in balance.rows {
                        h.raw("<tr><td>")
                        h.text(row.name)
                        if row.accounts > 1 { h.el("small", [.class("muted")], text: " (\(row.accounts) accounts)") }
                        h.raw("</td><td>")
                        h.text(row.type.title)
                        h.raw(#"</td><td class="num">"#)
                        h.text(row.debit.minorUnits == 0 ? "" : row.debit.decimalString)
                        h.raw(#"</td><td class="num">"#)
                        h.text(row.credit.minorUnits == 0 ? "" : row.credit.decimalString)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody><tfoot><tr><th>Total</th><th></th><th class=\"num\">")
                    h.text(balance.totalDebit.decimalString)
                    h.raw(#"</th><th class="num">"#)
                    h.text(balance.totalCredit.decimalString)
                    h.raw("</th></tr></tfoot>")
                }
            }
        }
        return html.response(status: error == nil ? .ok : .unprocessableEntity)
    }
}
