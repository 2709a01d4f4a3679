import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Users, roles and branches.
enum StaffPages {
    struct ListPage<Row: Encodable>: Encodable {
        var page: PageContext
        var rows: [Row]
        var nextCursor: String?
        var q: String?
        var canManage: Bool
    }

    struct UserRow: Encodable {
        var id: String
        var name: String
        var email: String
        var role: String
        var status: String
        var twoFactor: Bool
        var lastLogin: String?
    }

    struct Choice: Encodable {
        var value: String
        var label: String
        var checked: Bool
    }

    struct UserForm: Encodable {
        var page: PageContext
        var form: FormState
        var roles: [Choice]
        var branches: [Choice]
        var user: UserDTO?
        var isNew: Bool
        var canGrantPlatform: Bool
    }

    struct RoleForm: Encodable {
        struct Choice: Encodable {
            var name: String
            var summary: String
            var checked: Bool
        }

        var page: PageContext
        var form: FormState
        var role: RoleDTO?
        var permissions: [Choice]
        var readOnly: Bool
    }

    struct BranchForm: Encodable {
        var page: PageContext
        var form: FormState
        var branch: BranchDTO?
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get("users") { req async throws -> View in
            let ctx = try req.ctx
            let q = req.query[String.self, at: "q"]
            let page = try await Users.list(ctx, page: try req.pageRequest(), query: q, on: req.db)
            let roles = Dictionary(uniqueKeysWithValues: try await Roles.all(ctx, on: req.db).map { ($0.id!, $0.name) })
            let rows = page.items.map {
                UserRow(id: $0.id!.uuidString, name: $0.name, email: $0.email, role: roles[$0.roleID] ?? "—", status: $0.status.rawValue,
                        twoFactor: $0.twoFactorEnabled, lastLogin: $0.lastLoginAt.map(req.shortDate))
            }
            return try await req.view.render("staff/users", ListPage(page: try req.page("Users"), rows: rows,
                                                                     nextCursor: page.nextCursor, q: q, canManage: ctx.can(.usersManage)))
        }
        routes.get("users", "invite") { req async throws -> View in
            try await renderUserForm(req, form: FormState(), user: nil)
        }
        routes.post("users", "invite") { req async throws -> Response in
            struct Form: Decodable { var email, name, role_id: String?; var branch_ids: [String]? }
            let form = try req.content.decode(Form.self)
            do {
                let user = try await Users.invite(try req.ctx, .init(email: form.email, name: form.name, roleID: form.role_id, branchIDs: form.branch_ids ?? []),
                                                  services: req.services, on: req.db)
                return redirect(req, to: "/users", flash: "Invitation sent to \(user.email). It is in the outbox.")
            } catch let error as DomainError {
                return try await renderUserForm(req, form: FormState(values: req.formValues(), error: error), user: nil, selected: form.branch_ids ?? [])
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.get("users", ":id") { req async throws -> View in
            let details = try await Users.details(try req.ctx, req.parameters.get("id"), on: req.db)
            return try await renderUserForm(req, form: FormState(values: ["name": details.user.name, "role_id": details.user.roleID.uuidString,
                                                                          "status": details.user.status.rawValue]),
                                            user: details, selected: details.branchIDs.map(\.uuidString))
        }
        routes.post("users", ":id") { req async throws -> Response in
            struct Form: Decodable { var name, role_id, status, platform_admin: String?; var branch_ids: [String]? }
            let form = try req.content.decode(Form.self)
            let ctx = try req.ctx
            do {
                // The box is on the form only for platform administrators; others leave the flag alone.
                let isSelf = req.parameters.get("id")?.lowercased() == ctx.actor.userID?.uuidString.lowercased()
                let platformAdmin: Bool? = ctx.can(.organizationsManage) && !isSelf ? form.platform_admin == "true" : nil
                _ = try await Users.update(ctx, req.parameters.get("id"), .init(name: form.name, roleID: form.role_id, branchIDs: form.branch_ids ?? [],
                                                                                 status: form.status, platformAdmin: platformAdmin),
                                           services: req.services, on: req.db)
                return redirect(req, to: "/users", flash: "Saved.")
            } catch let error as DomainError {
                let details = try await Users.details(ctx, req.parameters.get("id"), on: req.db)
                return try await renderUserForm(req, form: FormState(values: req.formValues(), error: error), user: details, selected: form.branch_ids ?? [])
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }

        routes.post("users", ":id", "sessions") { req async throws -> Response in
            let id = req.parameters.get("id")
            let count = try await Users.endSessions(try req.ctx, id, services: req.services, on: req.db)
            return redirect(req, to: "/users/\(id ?? "")", flash: "Signed out of \(count) browser session(s).")
        }
        routes.post("users", ":id", "password-reset") { req async throws -> Response in
            let user = try await Users.sendPasswordReset(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return redirect(req, to: "/users/\(user.id!)", flash: "A password reset link is on its way to \(user.email); only they can open it.")
        }
        routes.post("users", ":id", "invitation") { req async throws -> Response in
            let user = try await Users.resendInvitation(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return redirect(req, to: "/users/\(user.id!)", flash: "A new invitation is on its way to \(user.email).")
        }
        routes.get("roles") { req async throws -> View in
            let ctx = try req.ctx
            let page = try await Roles.list(ctx, page: try req.pageRequest(), on: req.db)
            return try await req.view.render("staff/roles", ListPage(page: try req.page("Roles"), rows: page.items.map(RoleDTO.init),
                                                                     nextCursor: page.nextCursor, canManage: ctx.can(.rolesManage)))
        }
        routes.get("roles", "new") { req async throws -> View in
            try await renderRoleForm(req, form: FormState(), role: nil, checked: [])
        }
        routes.post("roles", "new") { req async throws -> Response in
            struct Form: Decodable { var name: String?; var permissions: [String]? }
            let form = try req.content.decode(Form.self)
            do {
                _ = try await Roles.create(try req.ctx, .init(name: form.name, permissions: form.permissions ?? []), services: req.services, on: req.db)
                return redirect(req, to: "/roles", flash: "Role created.")
            } catch let error as DomainError {
                return try await renderRoleForm(req, form: FormState(values: req.formValues(), error: error), role: nil, checked: Set(form.permissions ?? []))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.get("roles", ":id") { req async throws -> View in
            let role = try await Roles.find(try req.ctx, req.parameters.get("id"), on: req.db)
            return try await renderRoleForm(req, form: FormState(values: ["name": role.name]), role: role, checked: Set(role.permissions.map(\.rawValue)))
        }
        routes.post("roles", ":id") { req async throws -> Response in
            struct Form: Decodable { var name: String?; var permissions: [String]? }
            let form = try req.content.decode(Form.self)
            let ctx = try req.ctx
            do {
                _ = try await Roles.update(ctx, req.parameters.get("id"), .init(name: form.name, permissions: form.permissions ?? []),
                                           services: req.services, on: req.db)
                return redirect(req, to: "/roles", flash: "Role saved.")
            } catch let error as DomainError {
                let role = try await Roles.find(ctx, req.parameters.get("id"), on: req.db)
                return try await renderRoleForm(req, form: FormState(values: req.formValues(), error: error), role: role, checked: Set(form.permissions ?? []))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }

        routes.get("branches") { req async throws -> View in
            let ctx = try req.ctx
            let q = req.query[String.self, at: "q"]
            let page = try await Branches.list(ctx, page: try req.pageRequest(), query: q, on: req.db)
            return try await req.view.render("staff/branches", ListPage(page: try req.page("Branches"),
                                                                        rows: page.items.map(BranchDTO.init), nextCursor: page.nextCursor, q: q,
                                                                        canManage: ctx.can(.branchesManage)))
        }
        routes.get("branches", "new") { req async throws -> View in
            try await req.view.render("staff/branch-form", BranchForm(page: try req.page("New branch"), form: FormState()))
        }
        routes.post("branches", "new") { req async throws -> Response in
            struct Form: Decodable { var name, code, address, phone: String? }
            let form = try req.content.decode(Form.self)
            do {
                _ = try await Branches.create(try req.ctx, .init(name: form.name, code: form.code, address: form.address, phone: form.phone),
                                              services: req.services, on: req.db)
                return redirect(req, to: "/branches", flash: "Branch created.")
            } catch let error as DomainError {
                return try await req.view.render("staff/branch-form", BranchForm(page: try req.page("New branch"),
                                                                                 form: FormState(values: req.formValues(), error: error)))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.get("branches", ":id") { req async throws -> View in
            let branch = try await Branches.find(try req.ctx, req.parameters.get("id"), on: req.db)
            return try await req.view.render("staff/branch-form", BranchForm(
                page: try req.page(branch.name),
                form: FormState(values: ["name": branch.name, "code": branch.code, "address": branch.address ?? "", "phone": branch.phone ?? ""]),
                branch: BranchDTO(branch)))
        }
        routes.post("branches", ":id") { req async throws -> Response in
            struct Form: Decodable { var name, code, address, phone: String? }
            let form = try req.content.decode(Form.self)
            let ctx = try req.ctx
            do {
                _ = try await Branches.update(ctx, req.parameters.get("id"), .init(name: form.name, code: form.code, address: form.address, phone: form.phone),
                                              services: req.services, on: req.db)
                return redirect(req, to: "/branches", flash: "Branch saved.")
            } catch let error as DomainError {
                let branch = try await Branches.find(ctx, req.parameters.get("id"), on: req.db)
                return try await req.view.render("staff/branch-form", BranchForm(page: try req.page(branch.name),
                                                                                 form: FormState(values: req.formValues(), error: error),
                                                                                 branch: BranchDTO(branch)))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
    }

    static func renderUserForm(_ req: Request, form: FormState, user: Users.Details?, selected: [String] = []) async throws -> View {
        let ctx = try req.ctx
        try ctx.require(user == nil ? .usersManage : .usersRead)
        let chosenRole = form.values["role_id"]
        let roles = try await Roles.all(ctx, on: req.db)
            .map { Choice(value: $0.id!.uuidString, label: $0.name, checked: $0.id!.uuidString == chosenRole) }
        let branches = try await Branches.grantable(ctx, on: req.db)
            .map { Choice(value: $0.id!.uuidString, label: $0.name, checked: selected.contains($0.id!.uuidString)) }
        return try await req.view.render("staff/user-form", UserForm(
            page: try req.page(user?.user.name ?? "Invite a user"), form: form, roles: roles, branches: branches,
            user: user.map { UserDTO($0.user, branchIDs: $0.branchIDs) }, isNew: user == nil,
            canGrantPlatform: ctx.can(.organizationsManage) && user?.user.id != ctx.actor.userID))
    }

    static func renderRoleForm(_ req: Request, form: FormState, role: Role?, checked: Set<String>) async throws -> View {
        let ctx = try req.ctx
        try ctx.require(role == nil ? .rolesManage : .rolesRead)
        let choices = Permission.allCases.map { RoleForm.Choice(name: $0.rawValue, summary: $0.summary, checked: checked.contains($0.rawValue)) }
        return try await req.view.render("staff/role-form", RoleForm(
            page: try req.page(role?.name ?? "New role"), form: form, role: role.map(RoleDTO.init), permissions: choices,
            readOnly: role?.isSuperAdmin ?? false || !ctx.can(.rolesManage)))
    }
}

extension Request {
    /// "2026-11-25 18:46" in the organization's time zone.
    func shortDate(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm") }

    /// "18:46" in the organization's time zone.
    func clockTime(_ date: Date) -> String { format(date, "HH:mm") }

    private func format(_ date: Date, _ pattern: String) -> String { formatter(pattern).string(from: date) }

    /// A fixed-pattern formatter in the organization's time zone, for showing and for reading dates.
    func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = pattern
        f.timeZone = (try? identity.context.timeZone) ?? TimeZone(identifier: "Asia/Dhaka")
        return f
    }
}
