import Foundation
import MeghnaCore
import Platform
import Vapor

/// Roles: the list, a new role and a role's form, its permissions grouped by the area that
/// brings them. What a role may hold, and who may give it, is decided in `Roles`.
enum RolePages {
    struct FormModel {
        var form: FormState
        var role: Role?
        var checked: Set<String>
        var readOnly: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.roles, use: list)
        routes.get(PlatformRoutes.newRole, use: newForm)
        routes.post(PlatformRoutes.newRole, use: create)
        routes.get(PlatformRoutes.role, use: show)
        routes.post(PlatformRoutes.role, use: update)
    }

    // MARK: handlers

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let page = try await Roles.list(ctx, page: try req.pageRequest(), on: req.db)
        let canManage = ctx.can(.rolesManage)
        var html = HTML()
        html.appLayout(try req.page("Roles")) { h in
            h.pageHead("Roles") { h in
                if canManage { h.el("a", [.class("btn primary"), .href(PlatformRoutes.newRole.link)], text: "New role") }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Role</th><th>Key</th><th class="num">Permissions</th><th>Kind</th></tr></thead><tbody>"#)
                    for role in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(PlatformRoutes.role.link(role.id!))], text: role.name)
                        h.raw("</td><td>")
                        h.el("code", text: role.key)
                        h.raw(#"</td><td class="num">"#)
                        h.text(role.permissions.count)
                        h.raw("</td><td>")
                        h.raw(role.isSystem ? "built in" : "custom")
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { PlatformRoutes.roles.link.query([("cursor", $0)]) })
        }
        return html.response()
    }

    static func newForm(_ req: Request) async throws -> Response {
        try await renderForm(req, form: FormState(), role: nil, checked: [])
    }

    static func create(_ req: Request) async throws -> Response {
        struct Form: Decodable { var name: String?; var permissions: [String]? }
        let form = try req.content.decode(Form.self)
        do {
            _ = try await Roles.create(try req.ctx, .init(name: form.name, permissions: form.permissions ?? []), services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.roles.link, flash: "Role created.")
        } catch let error as DomainError {
            return try await renderForm(req, form: FormState(values: req.formValues(), error: error), role: nil, checked: Set(form.permissions ?? []),
                                        status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let role = try await Roles.find(try req.ctx, id.uuidString, on: req.db)
        return try await renderForm(req, form: FormState(values: ["name": role.name]), role: role, checked: Set(role.permissions.map(\.rawValue)))
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        struct Form: Decodable { var name: String?; var permissions: [String]? }
        let form = try req.content.decode(Form.self)
        let ctx = try req.ctx
        do {
            _ = try await Roles.update(ctx, id.uuidString, .init(name: form.name, permissions: form.permissions ?? []), services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.roles.link, flash: "Role saved.")
        } catch let error as DomainError {
            let role = try await Roles.find(ctx, id.uuidString, on: req.db)
            return try await renderForm(req, form: FormState(values: req.formValues(), error: error), role: role, checked: Set(form.permissions ?? []),
                                        status: .unprocessableEntity)
        }
    }

    // MARK: the form

    static func renderForm(_ req: Request, form: FormState, role: Role?, checked: Set<String>, status: HTTPResponseStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(role == nil ? .rolesManage : .rolesRead)
        let model = FormModel(form: form, role: role, checked: checked, readOnly: role?.isSuperAdmin ?? false || !ctx.can(.rolesManage))
        var html = HTML()
        render(model, page: try req.page(role?.name ?? "New role"), into: &html)
        return html.response(status: status)
    }

    /// Every permission once, under the area that introduces it; those no area uses yet (their
    /// areas are still to come, but roles may hold them) under "Other", so saving keeps them.
    static var permissionGroups: [(name: String, permissions: [Permission])] {
        var groups = AreaModules.all.filter { !$0.permissions.isEmpty }.map { (name: $0.name, permissions: $0.permissions) }
        let grouped = Set(groups.flatMap(\.permissions))
        let rest = Permission.allCases.filter { !grouped.contains($0) }
        if !rest.isEmpty { groups.append((name: "Other", permissions: rest)) }
        return groups
    }

    static func render(_ m: FormModel, page: PageContext, into html: inout HTML) {
        let form = m.form
        html.appLayout(page) { h in
            h.pageHead(page.title)
            h.el("div", [.class("panel")]) { h in
                h.formError(form.general)
                h.el("form", [.class("form"), .attr("method", literal: "post"),
                              .action(m.role.map { PlatformRoutes.role.link($0.id!) } ?? PlatformRoutes.newRole.link)]) { h in
                    h.csrf(page.csrf)
                    h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "80"), .flag("disabled", m.readOnly)])
                    h.fieldError("Permissions", form.errors["permissions"])
                    for group in permissionGroups {
                        h.el("fieldset", [.class("checks")]) { h in
                            h.el("legend", text: group.name + " permissions")
                            for permission in group.permissions {
                                h.permission(permission, checked: m.checked.contains(permission.rawValue), disabled: m.readOnly)
                            }
                        }
                    }
                    if !m.readOnly {
                        h.el("div", [.class("form-actions")]) { h in
                            h.raw(#"<button class="btn primary" type="submit">Save role</button> "#)
                            h.el("a", [.href(PlatformRoutes.roles.link)], text: "Cancel")
                        }
                    }
                }
            }
        }
    }
}

private extension HTML {
    /// One permission's box: its stored name and what it allows.
    mutating func permission(_ permission: Permission, checked: Bool, disabled: Bool) {
        el("label", [.class("check")]) { h in
            h.void("input", [.type("checkbox"), .name("permissions[]"), .value(permission.rawValue), .flag("checked", checked), .flag("disabled", disabled)])
            h.raw(" ")
            h.el("code", text: permission.rawValue)
            h.raw(" ")
            h.el("small", text: permission.summary)
        }
    }
}
