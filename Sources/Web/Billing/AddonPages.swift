import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Add-ons: the list, adding one, changing one.
enum AddonPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.addons, use: list)
        routes.post(BillingRoutes.addons, use: create)
        routes.get(BillingRoutes.addon, use: edit)
        routes.post(BillingRoutes.addon, use: update)
    }

    static func list(_ req: Request) async throws -> Response {
        try await render(req, form: FormState(values: ["kind": "recurring", "category": "other", "taxable": "true"]))
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let addon = try await Addons.find(try req.ctx, id.uuidString, on: req.db)
        try CatalogPages.requireManage(try req.ctx)
        return try await render(req, form: FormState(), editing: addon, editForm: FormState(values: values(of: addon)))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let addon = try await Addons.create(try req.ctx, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.addons.link, flash: "Add-on \(addon.code) added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error).keepingCode(from: values), status: .unprocessableEntity)
        }
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let addon = try await Addons.update(ctx, id.uuidString, input(values), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.addons.link, flash: "Add-on \(addon.code) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let addon = try await Addons.find(ctx, id.uuidString, on: req.db)
            return try await render(req, form: FormState(), editing: addon, editForm: CRMForms.formState(values, error).keepingCode(from: values), status: .unprocessableEntity)
        }
    }

    static func input(_ v: [String: String]) -> Addons.Input {
        .init(code: v["code"], name: v["name"], kind: v["kind"], category: v["category"], price: v["price"], taxable: v["taxable"],
              description: v["description"] ?? "", status: v["status"])
    }

    static func values(of a: Addon) -> [String: String] {
        ["code": a.code, "name": a.name, "kind": a.kind.rawValue, "category": a.category, "price": a.priceMoney.decimalString,
         "taxable": a.taxable ? "true" : "false", "description": a.details ?? "", "status": a.status.rawValue]
    }

    static func render(_ req: Request, form: FormState, editing: Addon? = nil, editForm: FormState = FormState(),
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let listed = try await Addons.list(ctx, status: nil, page: try req.pageRequest(), on: req.db)
        let addons = listed.items
        let canManage = CatalogAccess.canManage(ctx, wholeOrganization: true)
        func fields(_ h: inout HTML, _ state: FormState, editing: Bool) {
            h.formError(state.general)
            h.el("div", [.class("grid")]) { h in
                h.field("Code", "code", form: state, id: editing ? "e_code" : nil, [.flag("required")])
                h.field("Name", "name", form: state, id: editing ? "e_name" : nil, [.flag("required")])
                h.selectField("Charged", "kind", Addon.Kind.allCases.map { Choice(value: $0.rawValue, label: $0.title, checked: $0.rawValue == state.values["kind"]) },
                              form: state, id: editing ? "e_kind" : nil)
                h.selectField("Category", "category", Choice.values(Addon.categories, selected: state.values["category"]) { $0.replacingOccurrences(of: "_", with: " ").capitalized },
                              form: state, id: editing ? "e_category" : nil)
                h.field("Price (\(ctx.currency))", "price", form: state, id: editing ? "e_price" : nil, [.flag("required"), .attr("inputmode", literal: "decimal")])
                h.selectField("Taxable", "taxable", CatalogPages.yesNo("taxable", state, default: true), form: state, id: editing ? "e_taxable" : nil)
                if editing {
                    h.selectField("Status", "status", Choice.values(CatalogStatus.allCases.map(\.rawValue), selected: state.values["status"]), form: state, id: "e_status")
                }
            }
            h.textArea("Description", "description", form: state, id: editing ? "e_description" : nil)
        }
        return try CatalogPages.render(req, title: "Add-ons", intro: "Sold beside a plan: a static IP, extra speed, equipment rent (every period), an installation (once).",
                                       status: status, list: BillingRoutes.addons, nextCursor: listed.nextCursor, editing: editing.map { "Edit \($0.code)" },
                                       editForm: { h, csrf in
                                           guard let addon = editing else { return }
                                           h.postForm(BillingRoutes.addon.link(addon.id!), csrf: csrf, class: "form") { h in
                                               fields(&h, editForm, editing: true)
                                               CatalogPages.actions(&h, cancel: BillingRoutes.addons.link, label: "Save")
                                           }
                                       },
                                       table: { h in
                                           h.el("table", [.class("data")]) { h in
                                               h.raw(#"<thead><tr><th>Code</th><th>Name</th><th>Charged</th><th class="num">Price</th><th>Status</th></tr></thead><tbody>"#)
                                               if addons.isEmpty { h.raw(#"<tr><td colspan="5" class="muted">No add-ons yet.</td></tr>"#) }
                                               for a in addons {
                                                   h.raw("<tr><td>")
                                                   if canManage { h.el("a", [.href(BillingRoutes.addon.link(a.id!))], text: a.code) } else { h.text(a.code) }
                                                   h.raw("</td><td>")
                                                   h.text(a.name)
                                                   h.raw("</td><td>")
                                                   h.text(a.kind.title)
                                                   h.raw(#"</td><td class="num">"#)
                                                   h.text(a.priceMoney.description)
                                                   h.raw("</td><td>")
                                                   h.badge(a.status.rawValue)
                                                   h.raw("</td></tr>")
                                               }
                                               h.raw("</tbody>")
                                           }
                                       },
                                       addForm: { h, csrf in
                                           h.raw("<h2>Add an add-on</h2>")
                                           h.postForm(BillingRoutes.addons.link, csrf: csrf, class: "form", id: "addon-form") { h in
                                               fields(&h, form, editing: false)
                                               h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add add-on</button></div>"#)
                                           }
                                       })
    }
}
