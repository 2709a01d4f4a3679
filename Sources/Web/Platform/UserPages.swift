import Foundation
import MeghnaCore
import Platform
import Vapor

/// Staff accounts: the list, the invitation form and a person's page with its actions (save,
/// sign out everywhere, a password reset link, the invitation again). Who may change whom is
/// decided in `Users` (the role hierarchy); the pages only show and forward.
enum UserPages {
    struct FormModel {
        var form: FormState
        var roles: [Choice]
        var branches: [Choice]
        var user: Users.Details?
        var canGrantPlatform: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.users, use: list)
        routes.get(PlatformRoutes.inviteUser, use: inviteForm)
        routes.post(PlatformRoutes.inviteUser, use: invite)
        routes.get(PlatformRoutes.user, use: show)
        routes.post(PlatformRoutes.user, use: update)
        routes.post(PlatformRoutes.userSessions, use: endSessions)
        routes.post(PlatformRoutes.userPasswordReset, use: sendPasswordReset)
        routes.post(PlatformRoutes.userInvitation, use: resendInvitation)
    }

    // MARK: handlers

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let q = req.queryValue("q")
        let page = try await Users.list(ctx, page: try req.pageRequest(), query: q, on: req.db)
        let roles = Dictionary(uniqueKeysWithValues: try await Roles.all(ctx, on: req.db).map { ($0.id!, $0.name) })
        let canManage = ctx.can(.usersManage)
        var html = HTML()
        html.appLayout(try req.page("Users")) { h in
            h.pageHead("Users") { h in
                if canManage { h.el("a", [.class("btn primary"), .href(PlatformRoutes.inviteUser.link)], text: "Invite a user") }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(PlatformRoutes.users.link)]) { h in
                h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Name or email"), .value(q ?? ""), .label("Search")])
                h.raw(#"<button class="btn" type="submit">Search</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>Name</th><th>Email</th><th>Role</th><th>Status</th><th>2FA</th><th>Last sign-in</th></tr></thead><tbody>")
                    for user in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(PlatformRoutes.user.link(user.id!))], text: user.name)
                        h.raw("</td><td>")
                        h.text(user.email)
                        h.raw("</td><td>")
                        h.text(roles[user.roleID] ?? "—")
                        h.raw("</td><td>")
                        h.badge(user.status.rawValue)
                        h.raw("</td><td>")
                        h.badge(user.twoFactorEnabled ? "on" : "off")
                        h.raw("</td><td>")
                        h.text(user.lastLoginAt.map(req.shortDate))
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { PlatformRoutes.users.link.query([("cursor", $0), ("q", q)]) })
        }
        return html.response()
    }

    static func inviteForm(_ req: Request) async throws -> Response {
        try await renderForm(req, form: FormState(), user: nil, selected: [])
    }

    static func invite(_ req: Request) async throws -> Response {
        struct Form: Decodable { var email, name, role_id: String?; var branch_ids: [String]? }
        let form = try req.content.decode(Form.self)
        do {
            let user = try await Users.invite(try req.ctx, .init(email: form.email, name: form.name, roleID: form.role_id, branchIDs: form.branch_ids ?? []),
                                              services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.users.link, flash: "Invitation sent to \(user.email). It is in the outbox.")
        } catch let error as DomainError {
            return try await renderForm(req, form: FormState(values: req.formValues(), error: error), user: nil, selected: form.branch_ids ?? [],
                                        status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let details = try await Users.details(try req.ctx, id.uuidString, on: req.db)
        let values = ["name": details.user.name, "role_id": details.user.roleID.uuidString, "status": details.user.status.rawValue]
        return try await renderForm(req, form: FormState(values: values), user: details, selected: details.branchIDs.map(\.uuidString))
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        struct Form: Decodable { var name, role_id, status, platform_admin: String?; var branch_ids: [String]? }
        let form = try req.content.decode(Form.self)
        let ctx = try req.ctx
        do {
            // The box is on the form only for platform administrators; others leave the flag alone.
            let platformAdmin: Bool? = Users.mayGrantPlatformAdmin(ctx, userID: id) ? form.platform_admin == "true" : nil
            _ = try await Users.update(ctx, id.uuidString, .init(name: form.name, roleID: form.role_id, branchIDs: form.branch_ids ?? [],
                                                                 status: form.status, platformAdmin: platformAdmin),
                                       services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.users.link, flash: "Saved.")
        } catch let error as DomainError {
            let details = try await Users.details(ctx, id.uuidString, on: req.db)
            return try await renderForm(req, form: FormState(values: req.formValues(), error: error), user: details, selected: form.branch_ids ?? [],
                                        status: .unprocessableEntity)
        }
    }

    static func endSessions(_ req: Request, _ id: UUID) async throws -> Response {
        let count = try await Users.endSessions(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.user.link(id), flash: "Signed out of \(count) browser session(s).")
    }

    static func sendPasswordReset(_ req: Request, _ id: UUID) async throws -> Response {
        let user = try await Users.sendPasswordReset(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.user.link(user.id!), flash: "A password reset link is on its way to \(user.email); only they can open it.")
    }

    static func resendInvitation(_ req: Request, _ id: UUID) async throws -> Response {
        let user = try await Users.resendInvitation(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.user.link(user.id!), flash: "A new invitation is on its way to \(user.email).")
    }

    // MARK: the form

    static func renderForm(_ req: Request, form: FormState, user: Users.Details?, selected: [String],
                           status: HTTPResponseStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(user == nil ? .usersManage : .usersRead)
        let roles = try await Roles.all(ctx, on: req.db).map { ($0.id!, $0.name) }
        let branches = try await Branches.grantable(ctx, on: req.db)
        let model = FormModel(form: form, roles: Choice.list(roles, selected: form.values["role_id"], blank: "Choose a role"),
                              branches: branches.map { Choice(value: $0.id!.uuidString, label: $0.name, checked: selected.contains($0.id!.uuidString)) },
                              user: user, canGrantPlatform: Users.mayGrantPlatformAdmin(ctx, userID: user?.user.id))
        var html = HTML()
        render(model, page: try req.page(user?.user.name ?? "Invite a user"), into: &html)
        return html.response(status: status)
    }

    static func render(_ m: FormModel, page: PageContext, into html: inout HTML) {
        let form = m.form
        html.appLayout(page) { h in
            h.pageHead(page.title)
            h.el("div", [.class("panel")]) { h in
                h.formError(form.general)
                if let user = m.user?.user { h.userActions(user, csrf: page.csrf) }
                h.el("form", [.class("form"), .attr("method", literal: "post"),
                              .action(m.user.map { PlatformRoutes.user.link($0.user.id!) } ?? PlatformRoutes.inviteUser.link)]) { h in
                    h.csrf(page.csrf)
                    if m.user == nil { h.field("Email", "email", form: form, type: "email", [.flag("required")]) }
                    h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "120")])
                    h.selectField("Role", "role_id", m.roles, form: form, [.flag("required")])
                    h.checkGroup("Limit to branches (none ticked: every branch)", "branch_ids[]", m.branches, error: form.errors["branch_ids"],
                                 errorLabel: "Branches")
                    if let user = m.user?.user {
                        let statuses = Choice.values(UserStatus.settable.map(\.rawValue), selected: form.values["status"])
                        h.selectField("Status", "status", statuses, form: form)
                        if m.canGrantPlatform {
                            h.checkbox("Platform administrator (may create organizations and work inside any of them)", "platform_admin",
                                       checked: user.platformAdmin, value: "true")
                            h.fieldError("Platform administrator:", form.errors["platform_admin"])
                        }
                    }
                    h.el("div", [.class("form-actions")]) { h in
                        h.el("button", [.class("btn primary"), .type("submit")], text: m.user == nil ? "Send invitation" : "Save")
                        h.raw(" ")
                        h.el("a", [.href(PlatformRoutes.users.link)], text: "Cancel")
                    }
                }
            }
        }
    }
}

private extension HTML {
    /// The person's email and status, and what may be done for them from here.
    mutating func userActions(_ user: User, csrf: String) {
        el("p", [.class("muted")]) { h in
            h.text(user.email)
            h.raw(" · ")
            h.badge(user.status.rawValue)
        }
        switch user.status {
        case .invited:
            postButton("Send the invitation again", to: PlatformRoutes.userInvitation.link(user.id!), csrf: csrf)
        case .active:
            postButton("Send a password reset link", to: PlatformRoutes.userPasswordReset.link(user.id!), csrf: csrf,
                       confirm: "Email \(user.name) a link to choose a new password?")
            raw("\n")
            postButton("Sign out everywhere", to: PlatformRoutes.userSessions.link(user.id!), csrf: csrf,
                       confirm: "Sign \(user.name) out of every browser now?")
        case .disabled:
            break
        }
    }
}
