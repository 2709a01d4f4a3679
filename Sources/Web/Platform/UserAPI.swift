import Foundation
import MeghnaCore
import Platform
import Vapor

/// Staff and roles.
extension PlatformAPI {
    struct UserRequest: Decodable {
        var email: String?
        var name: String?
        var roleID: String?
        var branchIDs: [String]?
        var resellerID: String?
        var status: String?
        var platformAdmin: Bool?
        enum CodingKeys: String, CodingKey {
            case email, name, status
            case roleID = "role_id"
            case branchIDs = "branch_ids"
            case resellerID = "reseller_id"
            case platformAdmin = "platform_admin"
        }

        static let common: [(String, Schema)] = [
            ("name", .text(max: 120)), ("role_id", .reference("role")),
            ("branch_ids", .described(.array(.reference("branch"), maxItems: 200), "The branches the person is limited to; empty: every branch")),
            ("reseller_id", .referenceOrEmpty("reseller", description: "Reseller staff see only this reseller's subtree; empty unlinks")),
        ]
        static let inviteSchema = Schema.named("UserInvitation", .input([("email", .email)] + common, required: ["email", "name", "role_id"]))
        static let patchSchema = Schema.named("UserPatch", .input(common + [
            ("status", .choice(UserStatus.settable.map(\.rawValue))),
            ("platform_admin", .described(.boolean, "The operator of the installation; only a platform administrator changes it")),
        ]))
        static let rules = [
            APIRule("role_id", "must not hold permissions you lack"),
            APIRule("branch_ids", "must be branches you may grant; staff limited to branches must name at least one"),
            APIRule("reseller_id", "is required with the reseller role"),
        ]
    }

    struct RoleRequest: Decodable {
        var name: String?
        var permissions: [String]?

        static let fields: [(String, Schema)] = [
            ("name", .string(Schema.StringRules(minLength: 1, maxLength: 80, pattern: "[A-Za-z0-9]", search: true,
                                                description: "Must contain Latin letters or digits (the role's key is made from them)",
                                                message: "must contain Latin letters or digits"))),
            ("permissions", .array(.choice(Permission.allCases.filter { $0 != .organizationsManage }.map(\.rawValue)), maxItems: 200)),
        ]
        static let schema = Schema.named("RoleInput", .input(fields, required: ["name", "permissions"]))
        static let patchSchema = Schema.named("RolePatch", .input(fields))
        static let rules = [APIRule("permissions", "may hold only permissions you hold yourself")]
    }

    static func registerUsers(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/users", summary: "Staff of the organization", tag: "users", permission: .usersRead,
                             query: pagingParameters + [search("Name or email contains")], response: .list(UserDTO.schema))) { req in
            let page = try await Users.list(try req.ctx, page: try req.pageRequest(), query: req.query[String.self, at: "q"], on: req.db)
            return try apiResponse(ListBody(data: page.items.map { UserDTO($0) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/users", summary: "Invite a staff member (emails an invitation link)", tag: "users",
                             permission: .usersManage, body: UserRequest.inviteSchema, success: 201, response: UserDTO.schema,
                             rules: UserRequest.rules + [APIRule("email", "must not belong to another user")])) { req in
            let body = try req.json(UserRequest.self)
            let user = try await Users.invite(try req.ctx, .init(email: body.email, name: body.name, roleID: body.roleID, branchIDs: body.branchIDs,
                                                                 resellerID: body.resellerID),
                                              services: req.services, on: req.db)
            return try apiResponse(UserDTO(user, branchIDs: try await Users.details(of: user, on: req.db).branchIDs), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/users/{id}", summary: "One staff member", tag: "users", permission: .usersRead,
                             response: UserDTO.schema)) { req in
            let details = try await Users.details(try req.ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(UserDTO(details.user, branchIDs: details.branchIDs))
        }
        api.add(APIOperation(method: .PATCH, path: "/users/{id}", summary: "Change a staff member's name, role, branches, reseller or status",
                             tag: "users", permission: .usersManage, body: UserRequest.patchSchema, response: UserDTO.schema,
                             rules: UserRequest.rules + [
                                 APIRule("role_id", "cannot be changed on your own account"),
                                 APIRule("status", "cannot disable your own account"),
                                 APIRule("platform_admin", "changes only by a platform administrator, never on their own account or an invited one"),
                             ])) { req in
            let body = try req.json(UserRequest.self)
            let user = try await Users.update(try req.ctx, req.parameters.get("id"),
                                              .init(name: body.name, roleID: body.roleID, branchIDs: body.branchIDs, status: body.status,
                                                    resellerID: body.resellerID, platformAdmin: body.platformAdmin),
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
    }

    static func registerRoles(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/roles", summary: "Roles and their permissions", tag: "roles", permission: .rolesRead,
                             query: pagingParameters, response: .list(RoleDTO.schema))) { req in
            let page = try await Roles.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(RoleDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/roles", summary: "Create a custom role", tag: "roles", permission: .rolesManage,
                             body: RoleRequest.schema, success: 201, response: RoleDTO.schema,
                             rules: RoleRequest.rules + [APIRule("name", "must not be taken by another role")])) { req in
            let body = try req.json(RoleRequest.self)
            return try apiResponse(RoleDTO(try await Roles.create(try req.ctx, .init(name: body.name, permissions: body.permissions),
                                                                  services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/roles/{id}", summary: "One role", tag: "roles", permission: .rolesRead,
                             response: RoleDTO.schema)) { req in
            try apiResponse(RoleDTO(try await Roles.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/roles/{id}", summary: "Rename a role or change its permissions", tag: "roles",
                             permission: .rolesManage, body: RoleRequest.patchSchema, response: RoleDTO.schema, rules: RoleRequest.rules)) { req in
            let body = try req.json(RoleRequest.self)
            return try apiResponse(RoleDTO(try await Roles.update(try req.ctx, req.parameters.get("id"),
                                                                  .init(name: body.name, permissions: body.permissions),
                                                                  services: req.services, on: req.db)))
        }
    }
}
