import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1` routes of the platform: tokens, me, 2FA, organizations, branches, users, roles,
/// settings, audit events.
enum PlatformAPI {
    static func register(_ api: APIRouter) {
        registerAuth(api)
        registerOrganizations(api)
        registerBranches(api)
        registerUsersAndRoles(api)
        registerSettingsAndAudit(api)
    }

    struct TokenRequest: Decodable {
        var email: String?
        var password: String?
        var otp: String?
        var name: String?
        var abilities: [String]?
    }

    struct CodeRequest: Decodable { var code: String? }

    static func registerAuth(_ api: APIRouter) {
        api.add(APIOperation(method: .POST, path: "/auth/tokens", summary: "Create an API token (returned once)", tag: "auth", authenticated: false,
                             body: .object([("email", .email), ("password", .string()), ("otp", .string(description: "Required when 2FA is on")),
                                            ("name", .string(maxLength: 100)), ("abilities", .array(.string()))],
                                           required: ["email", "password", "name", "abilities"]),
                             success: 201, response: TokenDTO.schema)) { req in
            let body = try req.json(TokenRequest.self)
            let issued = try await APITokens.issue(email: body.email, password: body.password, otp: body.otp, name: body.name,
                                                   abilities: body.abilities, origin: req.origin, services: req.services, on: req.db)
            return try apiResponse(TokenDTO(issued.token, plaintext: issued.plaintext), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/auth/tokens", summary: "List your API tokens (all with users.manage)", tag: "auth",
                             query: pagingParameters, response: .list(TokenDTO.schema))) { req in
            let page = try await APITokens.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map { TokenDTO($0) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .DELETE, path: "/auth/tokens/{id}", summary: "Revoke an API token", tag: "auth", success: 204)) { req in
            try await APITokens.revoke(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .GET, path: "/me", summary: "The token's user, organization and effective permissions", tag: "auth",
                             response: .object([("user", UserDTO.schema), ("organization", OrganizationDTO.schema), ("role", RoleDTO.schema),
                                                ("permissions", .array(.string())), ("acting_across_tenants", .boolean)]))) { req in
            let identity = try req.identity
            struct Me: Encodable {
                var user: UserDTO
                var organization: OrganizationDTO
                var role: RoleDTO
                var permissions: [String]
                var actingAcrossTenants: Bool
                enum CodingKeys: String, CodingKey {
                    case user, organization, role, permissions
                    case actingAcrossTenants = "acting_across_tenants"
                }
            }
            return try apiResponse(Me(user: UserDTO(identity.user), organization: OrganizationDTO(identity.organization), role: RoleDTO(identity.role),
                                      permissions: identity.context.permissions.map(\.rawValue).sorted(),
                                      actingAcrossTenants: identity.context.isCrossingTenant))
        }
        api.add(APIOperation(method: .POST, path: "/me/two-factor", summary: "Start TOTP enrolment", tag: "auth", success: 201,
                             response: .object([("otpauth_uri", .string()), ("secret", .string())]))) { req in
            let identity = try req.identity
            let enrolment = try await TwoFactor.begin(identity.user, issuer: req.services.productName, services: req.services, on: req.db)
            return try apiResponse(["otpauth_uri": enrolment.otpauthURI, "secret": enrolment.secret], status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/me/two-factor/confirm", summary: "Confirm TOTP enrolment with a code; returns recovery codes",
                             tag: "auth", body: .object([("code", .string(maxLength: 10))], required: ["code"]),
                             response: .object([("recovery_codes", .array(.string()))]))) { req in
            let identity = try req.identity
            let body = try req.json(CodeRequest.self)
            let codes = try await TwoFactor.confirm(identity.user, code: body.code, origin: req.origin, services: req.services, on: req.db)
            return try apiResponse(["recovery_codes": codes])
        }
    }

    struct OrganizationRequest: Decodable {
        var name: String?
        var slug: String?
        var currency: String?
        var timeZone: String?
        enum CodingKeys: String, CodingKey {
            case name, slug, currency
            case timeZone = "time_zone"
        }
        var input: Organizations.Input { .init(name: name, slug: slug, currency: currency, timeZone: timeZone) }
        static let schema = Schema.object([("name", .string(maxLength: 120)), ("slug", .string(maxLength: 60)),
                                           ("currency", .string(maxLength: 3)), ("time_zone", .string(maxLength: 64))])
    }

    static let pagingParameters: [(String, Schema, String)] = [
        ("limit", .integer(minimum: 1, maximum: CursorRequest.maximumLimit), "Page size, default 50"),
        ("cursor", .string(), "The next_cursor of the previous page"),
    ]

    static func registerOrganizations(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/organizations", summary: "Organizations you can see", tag: "organizations",
                             query: pagingParameters, response: .list(OrganizationDTO.schema))) { req in
            let page = try await Organizations.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(OrganizationDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/organizations", summary: "Create an organization (platform super admin)",
                             tag: "organizations", permission: .organizationsManage, body: OrganizationRequest.schema, success: 201,
                             response: OrganizationDTO.schema)) { req in
            let body = try req.json(OrganizationRequest.self)
            let org = try await Organizations.create(try req.ctx, body.input, services: req.services, on: req.db)
            return try apiResponse(OrganizationDTO(org), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/organizations/{id}", summary: "One organization", tag: "organizations",
                             response: OrganizationDTO.schema)) { req in
            try apiResponse(OrganizationDTO(try await Organizations.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/organizations/{id}", summary: "Change an organization", tag: "organizations",
                             permission: .settingsManage, body: OrganizationRequest.schema, response: OrganizationDTO.schema)) { req in
            let body = try req.json(OrganizationRequest.self)
            let org = try await Organizations.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(OrganizationDTO(org))
        }
    }

    struct BranchRequest: Decodable {
        var name: String?
        var code: String?
        var address: String?
        var phone: String?
        var input: Branches.Input { .init(name: name, code: code, address: address, phone: phone) }
        static let schema = Schema.object([("name", .string(maxLength: 120)), ("code", .string(maxLength: 20)),
                                           ("address", .string(maxLength: 500)), ("phone", .string(description: "Normalised to E.164"))])
    }

    static func registerBranches(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/branches", summary: "Branches", tag: "branches", permission: .branchesRead,
                             query: pagingParameters + [("q", .string(), "Search by name")], response: .list(BranchDTO.schema))) { req in
            let page = try await Branches.list(try req.ctx, page: try req.pageRequest(), query: req.query[String.self, at: "q"], on: req.db)
            return try apiResponse(ListBody(data: page.items.map(BranchDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/branches", summary: "Create a branch", tag: "branches", permission: .branchesManage,
                             body: BranchRequest.schema, success: 201, response: BranchDTO.schema)) { req in
            let body = try req.json(BranchRequest.self)
            return try apiResponse(BranchDTO(try await Branches.create(try req.ctx, body.input, services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/branches/{id}", summary: "One branch", tag: "branches", permission: .branchesRead,
                             response: BranchDTO.schema)) { req in
            try apiResponse(BranchDTO(try await Branches.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/branches/{id}", summary: "Change a branch", tag: "branches", permission: .branchesManage,
                             body: BranchRequest.schema, response: BranchDTO.schema)) { req in
            let body = try req.json(BranchRequest.self)
            let branch = try await Branches.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(BranchDTO(branch))
        }
    }

    struct UserRequest: Decodable {
        var email: String?
        var name: String?
        var roleID: String?
        var branchIDs: [String]?
        var status: String?
        var platformAdmin: Bool?
        enum CodingKeys: String, CodingKey {
            case email, name, status
            case roleID = "role_id"
            case branchIDs = "branch_ids"
            case platformAdmin = "platform_admin"
        }
    }

    struct RoleRequest: Decodable {
        var name: String?
        var permissions: [String]?
        static let schema = Schema.object([("name", .string(maxLength: 80)),
                                           ("permissions", .array(.string(enumValues: Permission.allCases.map(\.rawValue))))])
    }

    static func registerUsersAndRoles(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/users", summary: "Staff of the organization", tag: "users", permission: .usersRead,
                             query: pagingParameters + [("q", .string(), "Search by name or email")], response: .list(UserDTO.schema))) { req in
            let page = try await Users.list(try req.ctx, page: try req.pageRequest(), query: req.query[String.self, at: "q"], on: req.db)
            return try apiResponse(ListBody(data: page.items.map { UserDTO($0) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/users", summary: "Invite a staff member (emails an invitation link)", tag: "users",
                             permission: .usersManage,
                             body: .object([("email", .email), ("name", .string(maxLength: 120)), ("role_id", .uuid), ("branch_ids", .array(.uuid))],
                                           required: ["email", "name", "role_id"]),
                             success: 201, response: UserDTO.schema)) { req in
            let body = try req.json(UserRequest.self)
            let user = try await Users.invite(try req.ctx, .init(email: body.email, name: body.name, roleID: body.roleID, branchIDs: body.branchIDs),
                                              services: req.services, on: req.db)
            return try apiResponse(UserDTO(user, branchIDs: try await Users.details(of: user, on: req.db).branchIDs), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/users/{id}", summary: "One staff member", tag: "users", permission: .usersRead,
                             response: UserDTO.schema)) { req in
            let details = try await Users.details(try req.ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(UserDTO(details.user, branchIDs: details.branchIDs))
        }
        api.add(APIOperation(method: .PATCH, path: "/users/{id}", summary: "Change a staff member's name, role, branches or status", tag: "users",
                             permission: .usersManage,
                             body: .object([("name", .string(maxLength: 120)), ("role_id", .uuid), ("branch_ids", .array(.uuid)),
                                            ("status", .string(enumValues: ["active", "disabled"])),
                                            ("platform_admin", .boolean)]),
                             response: UserDTO.schema)) { req in
            let body = try req.json(UserRequest.self)
            let user = try await Users.update(try req.ctx, req.parameters.get("id"),
                                              .init(name: body.name, roleID: body.roleID, branchIDs: body.branchIDs, status: body.status,
                                                    platformAdmin: body.platformAdmin),
                                              services: req.services, on: req.db)
            return try apiResponse(UserDTO(user, branchIDs: try await Users.details(of: user, on: req.db).branchIDs))
        }
        api.add(APIOperation(method: .POST, path: "/users/{id}/password-reset", summary: "Email a staff member a password reset link",
                             tag: "users", permission: .usersManage, success: 202, response: UserDTO.schema)) { req in
            let user = try await Users.sendPasswordReset(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return try apiResponse(UserDTO(user), status: .accepted)
        }
        api.add(APIOperation(method: .DELETE, path: "/users/{id}/sessions", summary: "Sign a staff member out of every browser", tag: "users",
                             permission: .usersManage, success: 204)) { req in
            try await Users.endSessions(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .POST, path: "/users/{id}/invitation", summary: "Email a new invitation link to an invited user",
                             tag: "users", permission: .usersManage, success: 202, response: UserDTO.schema)) { req in
            let user = try await Users.resendInvitation(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return try apiResponse(UserDTO(user), status: .accepted)
        }
        api.add(APIOperation(method: .GET, path: "/roles", summary: "Roles and their permissions", tag: "roles", permission: .rolesRead,
                             query: pagingParameters, response: .list(RoleDTO.schema))) { req in
            let page = try await Roles.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(RoleDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/roles", summary: "Create a custom role", tag: "roles", permission: .rolesManage,
                             body: RoleRequest.schema, success: 201, response: RoleDTO.schema)) { req in
            let body = try req.json(RoleRequest.self)
            return try apiResponse(RoleDTO(try await Roles.create(try req.ctx, .init(name: body.name, permissions: body.permissions),
                                                                  services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/roles/{id}", summary: "One role", tag: "roles", permission: .rolesRead,
                             response: RoleDTO.schema)) { req in
            try apiResponse(RoleDTO(try await Roles.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/roles/{id}", summary: "Rename a role or change its permissions", tag: "roles",
                             permission: .rolesManage, body: RoleRequest.schema, response: RoleDTO.schema)) { req in
            let body = try req.json(RoleRequest.self)
            return try apiResponse(RoleDTO(try await Roles.update(try req.ctx, req.parameters.get("id"),
                                                                  .init(name: body.name, permissions: body.permissions),
                                                                  services: req.services, on: req.db)))
        }
    }

    static func registerSettingsAndAudit(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/settings", summary: "Organization settings (secrets shown only as *_set)", tag: "settings",
                             permission: .settingsRead, response: settingsSchema(forPatch: false))) { req in
            try apiResponse(settingsBody(try await Settings.read(try req.ctx, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/settings", summary: "Change settings; send only what changes", tag: "settings",
                             permission: .settingsManage, body: settingsSchema(forPatch: true),
                             response: settingsSchema(forPatch: false))) { req in
            let patch = try req.json([String: [String: SettingValue]].self)
            return try apiResponse(settingsBody(try await Settings.update(try req.ctx, patch, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/audit-events", summary: "The audit trail, newest first", tag: "audit",
                             permission: .auditRead,
                             query: pagingParameters + [("action", .string(), "Action prefix, e.g. auth."), ("actor", .string(), "Actor email contains"),
                                                        ("from", .dateTime, "From (RFC 3339)"), ("to", .dateTime, "Before (RFC 3339)")],
                             response: .list(AuditEventDTO.schema))) { req in
            func date(_ name: String) throws -> Date? {
                guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
                guard let d = ISO8601DateFormatter().date(from: raw) else { throw DomainError.invalid(name, "must be an RFC 3339 time such as 2026-11-25T00:00:00Z") }
                return d
            }
            let filter = Audit.Filter(action: req.query[String.self, at: "action"], actor: req.query[String.self, at: "actor"],
                                      from: try date("from"), to: try date("to"))
            let page = try await Audit.list(try req.ctx, filter: filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AuditEventDTO.init), nextCursor: page.nextCursor))
        }
    }
}
