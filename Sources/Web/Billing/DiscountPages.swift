import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Discounts and coupons: the list, adding one, changing one.
enum DiscountPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.discounts, use: list)
        routes.post(BillingRoutes.discounts, use: create)
        routes.get(BillingRoutes.discount, use: edit)
        routes.post(BillingRoutes.discount, use: update)
    }

    static func list(_ req: Request) async throws -> Response {
        try await render(req, form: FormState(values: ["kind": "percent", "target": "plan"]))
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let discount = try await Discounts.find(try req.ctx, id.uuidString, on: req.db)
        try CatalogPages.requireManage(try req.ctx)
        return try await render(req, form: FormState(), editing: discount, editForm: FormState(values: values(of: discount)))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let discount = try await Discounts.create(try req.ctx, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.discounts.link, flash: "Discount \(discount.name) added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let discount = try await Discounts.update(ctx, id.uuidString, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.discounts.link, flash: "Discount \(discount.name) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let discount = try await Discounts.find(ctx, id.uuidString, on: req.db)
            return try await render(req, form: FormState(), editing: discount, editForm: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func input(_ v: [String: String]) -> Discounts.Input {
        .init(name: v["name"], couponCode: v["coupon_code"] ?? "", kind: v["kind"], value: v["value"], target: v["target"], targetID: v["target_id"] ?? "",
              cycles: v["cycles"] ?? "", usageLimit: v["usage_limit"] ?? "", expiresOn: v["expires_on"] ?? "", status: v["status"])
    }

    static func values(of d: Discount) -> [String: String] {
        ["name": d.name, "coupon_code": d.couponCode ?? "", "kind": d.percentBasisPoints == nil ? "fixed" : "percent",
         "value": d.percentBasisPoints.map(percentText) ?? Money(minorUnits: d.amount ?? 0, currency: d.currency).decimalString,
         "target": d.target.rawValue, "target_id": d.targetID?.pathValue ?? "", "cycles": d.cycles.map(String.init) ?? "",
         "usage_limit": d.usageLimit.map(String.init) ?? "", "expires_on": d.expiresOn ?? "", "status": d.status.rawValue]
    }

    static func describe(_ d: Discount) -> String {
        let cycles = d.cycles.map { " for \($0) cycle\($0 == 1 ? "" : "s")" } ?? ", for ever"
        return off(percentBasisPoints: d.percentBasisPoints, amount: d.amount, currency: d.currency, target: d.target.rawValue) + cycles
    }

    /// "10 % off the plan", "৳50.00 off the invoice": a discount's value and what it takes it off,
    /// worded the same in the catalog and on a subscription's discounts.
    static func off(percentBasisPoints: Int?, amount: Int64?, currency: String, target: String) -> String {
        let value = percentBasisPoints.map { "\(percentText($0)) %" } ?? Money(minorUnits: amount ?? 0, currency: currency).description
        return "\(value) off the \(target)"
    }

    static func render(_ req: Request, form: FormState, editing: Discount? = nil, editForm: FormState = FormState(),
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let listed = try await Discounts.list(ctx, page: try req.pageRequest(), on: req.db)
        let discounts = listed.items
        let canManage = CatalogAccess.canManage(ctx, wholeOrganization: true)
        // The pickers' choices, only for someone who sees a form.
        let plans = canManage ? try await Plans.active(ctx, on: req.db) : []
        let addons = canManage ? try await Addons.active(ctx, on: req.db) : []
        func fields(_ h: inout HTML, _ state: FormState, editing: Bool) {
            let targets = plans.map { ($0.id!, "Plan \($0.code)") } + addons.map { ($0.id!, "Add-on \($0.code)") }
            h.formError(state.general)
            h.el("div", [.class("grid")]) { h in
                h.field("Name", "name", form: state, id: editing ? "e_name" : nil, [.flag("required")])
                h.selectField("Kind", "kind", [Choice(value: "percent", label: "Percentage", checked: state.values["kind"] != "fixed"),
                                               Choice(value: "fixed", label: "Fixed amount", checked: state.values["kind"] == "fixed")],
                              form: state, id: editing ? "e_kind" : nil)
                h.field("Value", "value", form: state, id: editing ? "e_value" : nil, hint: "10 or 12.5 (%), or an amount in \(ctx.currency)",
                        [.flag("required"), .attr("inputmode", literal: "decimal")])
                h.selectField("Off", "target", Choice.values(Discount.Target.allCases.map(\.rawValue), selected: state.values["target"]),
                              form: state, id: editing ? "e_target" : nil)
                h.selectField("Only on", "target_id", Choice.list(targets, selected: state.values["target_id"], blank: "Any (or the whole invoice)"),
                              form: state, id: editing ? "e_target_id" : nil)
                h.field("Cycles", "cycles", form: state, id: editing ? "e_cycles" : nil, hint: "Empty: for ever", [.attr("inputmode", literal: "numeric")])
                h.field("Coupon code", "coupon_code", form: state, id: editing ? "e_coupon" : nil, hint: "Optional")
                h.field("Uses allowed", "usage_limit", form: state, id: editing ? "e_limit" : nil, hint: "Empty: unlimited", [.attr("inputmode", literal: "numeric")])
                h.field("Expires on", "expires_on", form: state, type: "date", id: editing ? "e_expires" : nil)
                if editing {
                    h.selectField("Status", "status", Choice.values(CatalogStatus.allCases.map(\.rawValue), selected: state.values["status"]), form: state, id: "e_status")
                }
            }
        }
        return try CatalogPages.render(req, title: "Discounts", intro: "A percentage or an amount off a plan, an add-on or a whole invoice, for some cycles or for ever; give one a coupon code to hand it out.",
                                       status: status, list: BillingRoutes.discounts, nextCursor: listed.nextCursor, editing: editing.map { "Edit \($0.name)" },
                                       editForm: { h, csrf in
                                           guard let discount = editing else { return }
                                           h.postForm(BillingRoutes.discount.link(discount.id!), csrf: csrf, class: "form") { h in
                                               fields(&h, editForm, editing: true)
                                               CatalogPages.actions(&h, cancel: BillingRoutes.discounts.link, label: "Save")
                                           }
                                       },
                                       table: { h in
                                           h.el("table", [.class("data")]) { h in
                                               h.raw("<thead><tr><th>Name</th><th>Discount</th><th>Coupon</th><th>Used</th><th>Status</th></tr></thead><tbody>")
                                               if discounts.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">No discounts yet.</td></tr>"#) }
                                               for d in discounts {
                                                   h.raw("<tr><td>")
                                                   if canManage { h.el("a", [.href(BillingRoutes.discount.link(d.id!))], text: d.name) } else { h.text(d.name) }
                                                   h.raw("</td><td>")
                                                   h.text(describe(d))
                                                   h.raw("</td><td>")
                                                   h.text(d.couponCode ?? "")
                                                   h.raw("</td><td>")
                                                   h.text(d.usageLimit.map { "\(d.usedCount) of \($0)" } ?? String(d.usedCount))
                                                   h.raw("</td><td>")
                                                   h.badge(d.status.rawValue)
                                                   h.raw("</td></tr>")
                                               }
                                               h.raw("</tbody>")
                                           }
                                       },
                                       addForm: { h, csrf in
                                           h.raw("<h2>Add a discount</h2>")
                                           h.postForm(BillingRoutes.discounts.link, csrf: csrf, class: "form", id: "discount-form") { h in
                                               fields(&h, form, editing: false)
                                               h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add discount</button></div>"#)
                                           }
                                       })
    }
}
