import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1` routes of the platform: tokens, me and 2FA here; organizations and branches
/// (`OrganizationAPI.swift`), users and roles (`UserAPI.swift`), settings and audit events
/// (`SettingsAPI.swift`).
enum PlatformAPI {
    static func register(_ api: APIRouter) {
        registerAuth(api)
        registerOrganizations(api)
        registerBranches(api)
        registerUsers(api)
        registerRoles(api)
        registerSettingsAndAudit(api)
    }

    static let pagingParameters: [(String, Schema, String)] = [
        ("limit", .integer(minimum: 1, maximum: CursorRequest.maximumLimit), "Page size, default 50"),
        ("cursor", .string(maxLength: 512), "The next_cursor of the previous page"),
    ]

    /// A search box: any text, trimmed.
    static func search(_ description: String) -> (String, Schema, String) {
        ("q", .string(maxLength: 200), description)
    }

    struct TokenRequest: Decodable {
        var email: String?
        var password: String?
        var otp: String?
        var name: String?
        var abilities: [String]?

        static let schema = Schema.named("TokenInput", .input([
            ("email", .text(max: 254, description: "The account's email address")),
            ("password", .string(minLength: 1, maxLength: 200)),
            ("otp", .string(maxLength: 20, description: "The authenticator's current code or a recovery code; required when 2FA is on")),
            ("name", .text(max: 100, description: "What the token is for")),
            ("abilities", .array(.choice(TokenDTO.abilities), minItems: 1, maxItems: 100)),
        ], required: ["email", "password", "name", "abilities"]))
    }

    struct CodeRequest: Decodable {
        var code: String?
        static let schema = Schema.named("TwoFactorCode", .input([("code", .string(minLength: 1, maxLength: 20, description: "The code the authenticator app shows"))],
                                                                  required: ["code"]))
    }

    static func registerAuth(_ api: APIRouter) {
        api.add(APIOperation(method: .POST, path: "/auth/tokens", summary: "Create an API token (returned once)", tag: "auth", authenticated: false,
                             checksCredentials: true, body: TokenRequest.schema, success: 201, response: TokenDTO.schema,
                             rules: [APIRule("otp", "is required, and must be a current code or an unused recovery code, when the account uses two-factor authentication")]),
                createToken)
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
                             response: MeDTO.schema)) { req in
            let identity = try req.identity
            return try apiResponse(MeDTO(user: UserDTO(identity.user), organization: OrganizationDTO(identity.organization), role: RoleDTO(identity.role),
                                         permissions: identity.context.permissions.map(\.rawValue).sorted(),
                                         actingAcrossTenants: identity.context.isCrossingTenant))
        }
        api.add(APIOperation(method: .POST, path: "/me/two-factor", summary: "Start TOTP enrolment", tag: "auth", success: 201,
                             response: TwoFactorStartDTO.schema)) { req in
            let identity = try req.identity
            let enrolment = try await TwoFactor.begin(identity.user, issuer: req.services.productName, services: req.services, on: req.db)
            return try apiResponse(TwoFactorStartDTO(otpauthURI: enrolment.otpauthURI, secret: enrolment.secret), status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/me/two-factor/confirm", summary: "Confirm TOTP enrolment with a code; returns recovery codes",
                             tag: "auth", body: CodeRequest.schema, response: RecoveryCodesDTO.schema,
                             rules: [APIRule("code", "must be the code the authenticator app shows now")])) { req in
            let identity = try req.identity
            let body = try req.json(CodeRequest.self)
            let codes = try await TwoFactor.confirm(identity.user, code: body.code, origin: req.origin, services: req.services, on: req.db)
            return try apiResponse(RecoveryCodesDTO(recoveryCodes: codes))
        }
    }

    @Sendable static func createToken(_ req: Request) async throws -> Response {
        let body = try req.json(TokenRequest.self)
        let issued = try await APITokens.issue(email: body.email, password: body.password, otp: body.otp, name: body.name,
                                               abilities: body.abilities, origin: req.origin, services: req.services, on: req.db)
        return try apiResponse(TokenDTO(issued.token, plaintext: issued.plaintext), status: .created)
    }
}
