import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Resellers: the tree with the form that adds one, and a reseller's page with its form, its
/// sub-resellers and its history; archiving.
enum ResellerPages {
    /// What the list's and the reseller page's forms share.
    struct Fields {
        var form: FormState
        var parents: [Choice]
        var branches: [Choice]
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.resellers, use: list)
        routes.post(CRMRoutes.resellers, use: create)
        routes.get(CRMRoutes.reseller, use: show)
        routes.post(CRMRoutes.reseller, use: update)
        routes.post(CRMRoutes.archiveReseller, use: archive)
    }

    // MARK: Handlers

    static func list(_ req: Request) async throws -> Response {
        try await renderList(req, form: FormState(values: ["commission_rate": "0"]))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let reseller = try await Resellers.create(try req.ctx, resellerInput(values), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.reseller.link(reseller.id!), flash: "Reseller \(reseller.name) created.")
        } catch let error as DomainError where error.showsOnForm {
            return try await renderList(req, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await renderReseller(req, id, form: nil)
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let reseller = try await Resellers.update(try req.ctx, id.uuidString, resellerInput(values), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.reseller.link(reseller.id!), flash: "Saved.")
        } catch let error as DomainError where error.showsOnForm {
            return try await renderReseller(req, id, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func archive(_ req: Request, _ id: UUID) async throws -> Response {
        do {
            let reseller = try await Resellers.archive(try req.ctx, id.uuidString, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.resellers.link, flash: "\(reseller.name) archived.")
        } catch DomainError.conflict(let message) {
            return redirect(req, to: CRMRoutes.reseller.link(id), flash: message, kind: "error")
        }
    }

    static func resellerInput(_ f: [String: String]) -> Resellers.Input {
        .init(name: f["name"], parentID: f["parent_id"] ?? "", branchID: f["branch_id"], contactName: f["contact_name"] ?? "", phone: f["phone"] ?? "",
              email: f["email"] ?? "", address: f["address"] ?? "", commissionRate: f["commission_rate"], status: f["status"])
    }

    // MARK: Views

    /// "— — Mirpur Franchise": a reseller under its parents.
    static func indented(_ r: Reseller) -> String { String(repeating: "— ", count: r.depth) + r.name }

    static func renderList(_ req: Request, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let tree = try await Resellers.tree(ctx, on: req.db)
        let branches = try req.identity.branchChoices
        let branchNames = Dictionary(uniqueKeysWithValues: branches.map { ($0.id, $0.name) })
        let fields = Fields(form: form,
                            parents: Choice.list(tree.map { ($0.id!, indented($0)) }, selected: form.values["parent_id"], blank: "None (top level)"),
                            branches: Choice.list(branches.map { ($0.id, $0.name) }, selected: form.values["branch_id"]))
        let canManage = Resellers.canManage(ctx)
        let page = try req.page("Resellers")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Resellers")
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Reseller</th><th>Contact</th><th>Phone</th><th>Branch</th><th class="num">Commission</th><th>Status</th><th></th></tr></thead><tbody>"#)
                    for reseller in tree { h.resellerRow(reseller, branch: branchNames[reseller.branchID]) }
                    h.raw("</tbody>")
                }
            }
            guard canManage else { return }
            h.el("div", [.class("panel")]) { h in
                h.raw("<h2>Add a reseller</h2>")
                h.postForm(CRMRoutes.resellers.link, csrf: page.csrf, class: "form", id: "reseller-form") { h in
                    h.formError(form.general)
                    h.resellerFields(fields)
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add reseller</button></div>"#)
                }
            }
        }
        return html.response(status: status)
    }

    static func renderReseller(_ req: Request, _ id: UUID, form: FormState?, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let reseller = try await Resellers.find(ctx, id.uuidString, on: req.db)
        let tree = try await Resellers.tree(ctx, on: req.db)
        let branches = try req.identity.branchChoices
        let commission = Resellers.commissionText(reseller.commissionBasisPoints)
        let state = form ?? FormState(values: [
            "name": reseller.name, "parent_id": reseller.parentID?.uuidString ?? "", "branch_id": reseller.branchID.uuidString,
            "contact_name": reseller.contactName ?? "", "phone": reseller.phone.map(CRMForms.displayPhone) ?? "", "email": reseller.email ?? "",
            "address": reseller.address ?? "", "commission_rate": commission, "status": reseller.status.rawValue])
        let timeline = try await Activities.list(ctx, subject: .init("reseller", reseller.id!), page: try CursorRequest(limit: 50), on: req.db)
        // A reseller cannot move under itself or its own sub-resellers.
        let parents = tree.filter { !$0.path.hasPrefix(reseller.path) }
        let fields = Fields(form: state,
                            parents: Choice.list(parents.map { ($0.id!, indented($0)) }, selected: state.values["parent_id"], blank: "None (top level)"),
                            branches: Choice.list(branches.map { ($0.id, $0.name) }, selected: state.values["branch_id"]))
        let statuses = Choice.values(ResellerStatus.allCases.map(\.rawValue), selected: state.values["status"])
        let children = tree.filter { $0.parentID == reseller.id }
        let canManage = Resellers.canManage(ctx)
        let page = try req.page(reseller.name)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(reseller.name) { h in
                h.el("a", [.class("btn"), .href(CRMRoutes.customers.link.query([("reseller_id", id.uuidString)]))], text: "Customers")
                if canManage {
                    h.raw(" ")
                    h.postButton("Archive", to: CRMRoutes.archiveReseller.link(id), csrf: page.csrf, class: "btn danger", confirm: "Archive \(reseller.name)?")
                }
            }
            h.el("p") { h in
                h.badge(reseller.status.rawValue)
                h.text(" · commission " + commission + " %")
            }
            if canManage {
                h.postForm(CRMRoutes.reseller.link(id), csrf: page.csrf, class: "form panel") { h in
                    h.formError(state.general)
                    h.resellerFields(fields)
                    h.el("div", [.class("field")]) { h in
                        h.fieldLabel("Status", for: "status")
                        h.el("select", [.id("status"), .name("status")]) { h in
                            for choice in statuses { h.option(choice.value, choice.label, selected: choice.checked) }
                        }
                    }
                    h.el("div", [.class("form-actions")]) { h in
                        h.raw(#"<button class="btn primary" type="submit">Save</button> "#)
                        h.el("a", [.href(CRMRoutes.resellers.link)], text: "Back")
                    }
                }
            }
            if !children.isEmpty {
                h.raw("<h2>Sub-resellers</h2>")
                h.el("ul") { h in
                    for child in children {
                        h.el("li") { h in h.el("a", [.href(CRMRoutes.reseller.link(child.id!))], text: child.name) }
                    }
                }
            }
            h.timeline(timeline.items, heading: "History", date: req.shortDate, note: nil)
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func resellerRow(_ r: Reseller, branch: String?) {
        raw("<tr><td>")
        text(String(repeating: "— ", count: r.depth))
        el("a", [.href(CRMRoutes.reseller.link(r.id!))], text: r.name)
        raw("</td><td>")
        text(r.contactName)
        raw("</td><td>")
        text(r.phone.map(CRMForms.displayPhone))
        raw("</td><td>")
        text(branch)
        raw(#"</td><td class="num">"#)
        text(Resellers.commissionText(r.commissionBasisPoints) + " %")
        raw("</td><td>")
        badge(r.status.rawValue)
        raw("</td><td>")
        el("a", [.href(CRMRoutes.customers.link.query([("reseller_id", r.id!.uuidString)]))], text: "Customers")
        raw("</td></tr>")
    }

    /// The fields the new-reseller form and the reseller page share.
    mutating func resellerFields(_ f: ResellerPages.Fields) {
        let form = f.form
        el("div", [.class("grid")]) { h in
            h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "120")])
            h.crmField("Under", for: "parent_id", key: "parent_id", errorLabel: "Parent", form: form) { h in
                h.el("select", [.id("parent_id"), .name("parent_id")]) { h in
                    for choice in f.parents { h.option(choice.value, choice.label, selected: choice.checked) }
                }
            }
            h.selectField("Branch", "branch_id", f.branches, form: form)
            h.field("Contact person", "contact_name", form: form)
            h.field("Phone", "phone", form: form, type: "tel")
            h.field("Email", "email", form: form, type: "email")
            h.field("Address", "address", form: form)
            h.crmField("Commission %", for: "commission_rate", key: "commission_rate", errorLabel: "Commission", form: form) { h in
                h.void("input", [.id("commission_rate"), .name("commission_rate"), .attr("inputmode", literal: "decimal"),
                                 .value(form.values["commission_rate"] ?? "")])
            }
        }
    }
}
