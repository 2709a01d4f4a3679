import Foundation
import MeghnaCore
import Platform
import Vapor

/// Branches: the list, a new branch and a branch's form.
enum BranchPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.branches, use: list)
        routes.get(PlatformRoutes.newBranch, use: newForm)
        routes.post(PlatformRoutes.newBranch, use: create)
        routes.get(PlatformRoutes.branch, use: show)
        routes.post(PlatformRoutes.branch, use: update)
    }

    struct Form: Decodable {
        var name, code, address, phone: String?

        var input: Branches.Input { .init(name: name, code: code, address: address, phone: phone) }
    }

    // MARK: handlers

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let q = req.queryValue("q")
        let page = try await Branches.list(ctx, page: try req.pageRequest(), query: q, on: req.db)
        let canManage = ctx.can(.branchesManage)
        var html = HTML()
        html.appLayout(try req.page("Branches")) { h in
            h.pageHead("Branches") { h in
                if canManage { h.el("a", [.class("btn primary"), .href(PlatformRoutes.newBranch.link)], text: "New branch") }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(PlatformRoutes.branches.link)]) { h in
                h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Branch name"), .value(q ?? ""), .label("Search")])
                h.raw(#"<button class="btn" type="submit">Search</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>Name</th><th>Code</th><th>Phone</th><th>Address</th></tr></thead><tbody>")
                    for branch in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(PlatformRoutes.branch.link(branch.id!))], text: branch.name)
                        h.raw("</td><td>")
                        h.el("code", text: branch.code)
                        h.raw("</td><td>")
                        h.text(branch.phone)
                        h.raw("</td><td>")
                        h.text(branch.address)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { PlatformRoutes.branches.link.query([("cursor", $0), ("q", q)]) })
        }
        return html.response()
    }

    static func newForm(_ req: Request) async throws -> Response {
        var html = HTML()
        render(form: FormState(), branch: nil, page: try req.page("New branch"), into: &html)
        return html.response()
    }

    static func create(_ req: Request) async throws -> Response {
        let form = try req.content.decode(Form.self)
        do {
            _ = try await Branches.create(try req.ctx, form.input, services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.branches.link, flash: "Branch created.")
        } catch let error as DomainError {
            var html = HTML()
            render(form: FormState(values: req.formValues(), error: error).keepingCode(from: req.formValues()), branch: nil, page: try req.page("New branch"), into: &html)
            return html.response(status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let branch = try await Branches.find(try req.ctx, id.uuidString, on: req.db)
        let form = FormState(values: ["name": branch.name, "code": branch.code, "address": branch.address ?? "", "phone": branch.phone ?? ""])
        var html = HTML()
        render(form: form, branch: branch, page: try req.page(branch.name), into: &html)
        return html.response()
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let form = try req.content.decode(Form.self)
        let ctx = try req.ctx
        do {
            _ = try await Branches.update(ctx, id.uuidString, form.input, services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.branches.link, flash: "Branch saved.")
        } catch let error as DomainError {
            let branch = try await Branches.find(ctx, id.uuidString, on: req.db)
            var html = HTML()
            render(form: FormState(values: req.formValues(), error: error).keepingCode(from: req.formValues()), branch: branch, page: try req.page(branch.name), into: &html)
            return html.response(status: .unprocessableEntity)
        }
    }

    // MARK: the form

    static func render(form: FormState, branch: Branch?, page: PageContext, into html: inout HTML) {
        html.appLayout(page) { h in
            h.pageHead(page.title)
            h.el("div", [.class("panel")]) { h in
                h.formError(form.general)
                h.el("form", [.class("form"), .attr("method", literal: "post"),
                              .action(branch.map { PlatformRoutes.branch.link($0.id!) } ?? PlatformRoutes.newBranch.link)]) { h in
                    h.csrf(page.csrf)
                    h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "120")])
                    h.helpedField("Code", "code", form: form, help: "Short code used in numbers and reports, e.g. DHN", [.attr("maxlength", literal: "20")])
                    // The phone check words its message as a sentence: "Phone: …".
                    h.helpedField("Phone", "phone", form: form, type: "tel", errorLabel: "Phone:")
                    h.textArea("Address", "address", form: form, [.attr("maxlength", literal: "500")])
                    h.el("div", [.class("form-actions")]) { h in
                        h.raw(#"<button class="btn primary" type="submit">Save</button> "#)
                        h.el("a", [.href(PlatformRoutes.branches.link)], text: "Cancel")
                    }
                }
            }
        }
    }
}

private extension HTML {
    /// An input whose help line sits under it, and whose error may be labelled differently.
    mutating func helpedField(_ label: String, _ name: StaticString, form: FormState, type: StaticString = "text", help: String? = nil,
                              errorLabel: String? = nil, _ extra: [Attr] = []) {
        let error = form.errors[name.description]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: name)
            h.void("input", [.attr("id", literal: name), .attr("name", literal: name), .attr("type", literal: type), .value(form.values[name.description] ?? "")]
                + extra)
            if let help { h.el("small", [.class("help")], text: help) }
            h.fieldError(errorLabel ?? label, error)
        }
    }
}
