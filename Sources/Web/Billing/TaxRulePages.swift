import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Tax rules: the list, adding one, changing one.
enum TaxRulePages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.taxRules, use: list)
        routes.post(BillingRoutes.taxRules, use: create)
        routes.get(BillingRoutes.taxRule, use: edit)
        routes.post(BillingRoutes.taxRule, use: update)
    }

    static func list(_ req: Request) async throws -> Response {
        let today = LocalDate.today(req.services.clock.now(), in: try req.ctx.timeZone)
        return try await render(req, form: FormState(values: ["inclusive": "false", "applies_to": "all", "effective_from": today.description]))
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let rule = try await TaxRules.find(try req.ctx, id.uuidString, on: req.db)
        try CatalogPages.requireManage(try req.ctx)
        return try await render(req, form: FormState(), editing: rule, editForm: FormState(values: values(of: rule)))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let rule = try await TaxRules.create(try req.ctx, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.taxRules.link, flash: "Tax rule \(rule.code) added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error).keepingCode(from: values), status: .unprocessableEntity)
        }
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let rule = try await TaxRules.update(ctx, id.uuidString, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.taxRules.link, flash: "Tax rule \(rule.code) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let rule = try await TaxRules.find(ctx, id.uuidString, on: req.db)
            return try await render(req, form: FormState(), editing: rule, editForm: CRMForms.formState(values, error).keepingCode(from: values), status: .unprocessableEntity)
        }
    }

    /// The form's "applies to" select: everything, or one scope.
    static let scopeChoices = [("all", "Plans, add-ons and fees"), ("plans", "Plans only"), ("addons", "Add-ons only"), ("fees", "Fees only")]

    static func input(_ v: [String: String]) -> TaxRules.Input {
        let scope = v["applies_to"] ?? "all"
        return .init(code: v["code"], name: v["name"], rate: v["rate"], inclusive: v["inclusive"],
                     appliesTo: scope == "all" ? TaxRule.Scope.allCases.map(\.rawValue) : [scope],
                     effectiveFrom: v["effective_from"], effectiveTo: v["effective_to"] ?? "", status: v["status"])
    }

    static func values(of t: TaxRule) -> [String: String] {
        ["code": t.code, "name": t.name, "rate": percentText(t.rateBasisPoints), "inclusive": t.inclusive ? "true" : "false",
         "applies_to": t.appliesTo.count == TaxRule.Scope.allCases.count ? "all" : (t.appliesTo.first?.rawValue ?? "all"),
         "effective_from": t.effectiveFrom, "effective_to": t.effectiveTo ?? "", "status": t.status.rawValue]
    }

    static func render(_ req: Request, form: FormState, editing: TaxRule? = nil, editForm: FormState = FormState(),
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let listed = try await TaxRules.list(ctx, page: try req.pageRequest(), on: req.db)
        let rules = listed.items
        let canManage = CatalogAccess.canManage(ctx, wholeOrganization: true)
        func fields(_ h: inout HTML, _ state: FormState, editing: Bool) {
            h.formError(state.general)
            h.el("div", [.class("grid")]) { h in
                h.field("Code", "code", form: state, id: editing ? "e_code" : nil, hint: "Short: vat", [.flag("required")])
                h.field("Name", "name", form: state, id: editing ? "e_name" : nil, [.flag("required")])
                h.field("Rate (%)", "rate", form: state, id: editing ? "e_rate" : nil, hint: "5 or 7.5", [.flag("required"), .attr("inputmode", literal: "decimal")])
                h.selectField("Prices include it", "inclusive", CatalogPages.yesNo("inclusive", state, default: false), form: state, id: editing ? "e_inclusive" : nil)
                h.selectField("Applies to", "applies_to", scopeChoices.map { Choice(value: $0.0, label: $0.1, checked: $0.0 == (state.values["applies_to"] ?? "all")) },
                              form: state, id: editing ? "e_applies" : nil)
                h.field("In force from", "effective_from", form: state, type: "date", id: editing ? "e_from" : nil, [.flag("required")])
                h.field("Until", "effective_to", form: state, type: "date", id: editing ? "e_to" : nil, hint: "Empty: no end")
                if editing {
                    h.selectField("Status", "status", Choice.values(CatalogStatus.allCases.map(\.rawValue), selected: state.values["status"]), form: state, id: "e_status")
                }
            }
        }
        return try CatalogPages.render(req, title: "Tax rules", intro: "Taxes on what you sell. Several may apply at once; none is charged on another. Inclusive taxes are already in the price.",
                                       status: status, list: BillingRoutes.taxRules, nextCursor: listed.nextCursor, editing: editing.map { "Edit \($0.code)" },
                                       editForm: { h, csrf in
                                           guard let rule = editing else { return }
                                           h.postForm(BillingRoutes.taxRule.link(rule.id!), csrf: csrf, class: "form") { h in
                                               fields(&h, editForm, editing: true)
                                               CatalogPages.actions(&h, cancel: BillingRoutes.taxRules.link, label: "Save")
                                           }
                                       },
                                       table: { h in
                                           h.el("table", [.class("data")]) { h in
                                               h.raw(#"<thead><tr><th>Code</th><th>Name</th><th class="num">Rate</th><th>Included in prices</th><th>In force</th><th>Status</th></tr></thead><tbody>"#)
                                               if rules.isEmpty { h.raw(#"<tr><td colspan="6" class="muted">No tax rules yet: invoices carry no tax.</td></tr>"#) }
                                               for t in rules {
                                                   h.raw("<tr><td>")
                                                   if canManage { h.el("a", [.href(BillingRoutes.taxRule.link(t.id!))], text: t.code) } else { h.text(t.code) }
                                                   h.raw("</td><td>")
                                                   h.text(t.name)
                                                   h.raw(#"</td><td class="num">"#)
                                                   h.text(percentText(t.rateBasisPoints) + " %")
                                                   h.raw("</td><td>")
                                                   h.text(t.inclusive ? "Yes" : "No, added on top")
                                                   h.raw("</td><td>")
                                                   h.text(t.effectiveFrom + " – " + (t.effectiveTo ?? ""))
                                                   h.raw("</td><td>")
                                                   h.badge(t.status.rawValue)
                                                   h.raw("</td></tr>")
                                               }
                                               h.raw("</tbody>")
                                           }
                                       },
                                       addForm: { h, csrf in
                                           h.raw("<h2>Add a tax rule</h2>")
                                           h.postForm(BillingRoutes.taxRules.link, csrf: csrf, class: "form", id: "tax-form") { h in
                                               fields(&h, form, editing: false)
                                               h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add tax rule</button></div>"#)
                                           }
                                       })
    }
}
