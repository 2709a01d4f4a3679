import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The organization's own map of where customers are: the area tree, adding an area, editing
/// and deleting one (on the same page, above the tree).
enum AreaPages {
    struct Model {
        var areas: [Area]
        var form: FormState
        var parents: [Choice]
        var canManage: Bool
        var editing: Area?
        var editForm: FormState
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.areas, use: list)
        routes.post(CRMRoutes.areas, use: create)
        routes.get(CRMRoutes.area, use: edit)
        routes.post(CRMRoutes.area, use: update)
        routes.post(CRMRoutes.deleteArea, use: delete)
    }

    // MARK: Handlers

    static func list(_ req: Request) async throws -> Response {
        try await render(req, form: FormState())
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let area = try await Areas.create(try req.ctx, .init(name: values["name"], kind: values["kind"], parentID: values["parent_id"]),
                                              services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.areas.link, flash: "\(area.fullName) added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let area = try await Areas.find(try req.ctx, id.uuidString, on: req.db)
        return try await render(req, form: FormState(), editing: area,
                                editForm: FormState(values: ["name": area.name, "kind": area.kind ?? "", "parent_id": area.parentID?.uuidString ?? ""]))
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let area = try await Areas.update(ctx, id.uuidString, .init(name: values["name"], kind: values["kind"] ?? "", parentID: values["parent_id"] ?? ""),
                                              services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.areas.link, flash: "\(area.fullName) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let area = try await Areas.find(ctx, id.uuidString, on: req.db)
            return try await render(req, form: FormState(), editing: area, editForm: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func delete(_ req: Request, _ id: UUID) async throws -> Response {
        do {
            try await Areas.delete(try req.ctx, id.uuidString, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.areas.link, flash: "Area deleted.")
        } catch DomainError.conflict(let message) {
            return redirect(req, to: CRMRoutes.areas.link, flash: message, kind: "error")
        }
    }

    // MARK: View

    static func render(_ req: Request, form: FormState, editing: Area? = nil, editForm: FormState = FormState(),
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let all = try await Areas.all(ctx, on: req.db)
        // An area cannot move inside itself or the areas below it.
        let parents = all.filter { a in editing.map { !a.path.hasPrefix($0.path) } ?? true }
        let model = Model(
            areas: all, form: form,
            parents: Choice.list(parents.map { ($0.id!, $0.fullName) }, selected: (editing != nil ? editForm : form).values["parent_id"],
                                 blank: "None (top level)"),
            canManage: ctx.can(.areasManage), editing: editing, editForm: editForm)
        let page = try req.page("Areas")
        var html = HTML()
        html.appLayout(page) { h in h.areas(model, csrf: page.csrf) }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func areas(_ m: AreaPages.Model, csrf: String) {
        pageHead("Areas")
        raw(#"<p class="muted">Your own map of where customers are: zones, areas, buildings — as many levels as you use.</p>"#)
        if let area = m.editing { editArea(area, m, csrf: csrf) }
        el("div", [.class("panel table-wrap")]) { h in
            h.el("table", [.class("data")]) { h in
                h.raw("<thead><tr><th>Area</th><th>Level</th><th></th></tr></thead><tbody>")
                for area in m.areas {
                    h.raw("<tr><td>")
                    h.text(String(repeating: "— ", count: area.depth) + area.name)
                    h.raw("</td><td>")
                    h.text(area.kind)
                    h.raw("</td><td>")
                    h.el("a", [.href(CRMRoutes.customers.link.query([("area_id", area.id!.uuidString)]))], text: "Customers")
                    if m.canManage {
                        h.raw(" · ")
                        h.el("a", [.href(CRMRoutes.area.link(area.id!))], text: "Edit")
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
        }
        guard m.canManage, m.editing == nil else { return }
        let form = m.form
        el("div", [.class("panel")]) { h in
            h.raw("<h2>Add an area</h2>")
            h.postForm(CRMRoutes.areas.link, csrf: csrf, class: "form", id: "area-form") { h in
                h.formError(form.general)
                h.el("div", [.class("grid")]) { h in
                    h.field("Name", "name", form: form, [.flag("required")])
                    h.field("Level", "kind", form: form, [.attr("placeholder", literal: "zone, area, building")])
                    h.parentField(m.parents, id: "parent_id", form: form)
                }
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add area</button></div>"#)
            }
        }
    }

    mutating func editArea(_ area: Area, _ m: AreaPages.Model, csrf: String) {
        let form = m.editForm
        el("div", [.class("panel")]) { h in
            h.el("h2", text: "Edit " + area.fullName)
            h.postForm(CRMRoutes.area.link(area.id!), csrf: csrf, class: "form") { h in
                h.formError(form.general)
                h.el("div", [.class("grid")]) { h in
                    h.field("Name", "name", form: form, id: "e_name", [.flag("required")])
                    h.field("Level", "kind", form: form, id: "e_kind", [.attr("placeholder", literal: "zone, area, building")])
                    h.parentField(m.parents, id: "e_parent", form: form)
                }
                h.el("div", [.class("form-actions")]) { h in
                    h.raw(#"<button class="btn primary" type="submit">Save</button> "#)
                    h.el("a", [.href(CRMRoutes.areas.link)], text: "Cancel")
                }
            }
            h.postButton("Delete this area", to: CRMRoutes.deleteArea.link(area.id!), csrf: csrf, class: "btn danger small",
                         confirm: "Delete \(area.fullName)?")
        }
    }

    /// "Inside": the area above, or none.
    mutating func parentField(_ parents: [Choice], id: StaticString, form: FormState) {
        crmField("Inside", for: id, key: "parent_id", errorLabel: "Parent", form: form) { h in
            h.el("select", [.attr("id", literal: id), .name("parent_id")]) { h in
                for choice in parents { h.option(choice.value, choice.label, selected: choice.checked) }
            }
        }
    }
}
