import FluentKit
import Foundation
import MeghnaCore

public enum APITokens {
    public struct Issued: Sendable {
        public var token: APIToken
        /// The bearer token text, returned once.
        public var plaintext: String
    }

    /// `POST /api/v1/auth/tokens`: email, password, otp (when 2FA is on), name, abilities.
    public static func issue(email: String?, password: String?, otp: String?, name: String?, abilities: [String]?, origin: Credentials.Origin,
                             services: PlatformServices, on db: any Database) async throws -> Issued {
        var v = Validator()
        let tokenName = v.text("name", name, max: 100)
        let abilityList = validateAbilities(abilities, into: &v)
        try v.check()
        let user = try await Credentials.authenticate(email: email, password: password, origin: origin, services: services, on: db)
        if user.twoFactorEnabled {
            guard let otp, !otp.isEmpty else { throw DomainError.invalid("otp", "is required because this account uses two-factor authentication") }
            _ = try await TwoFactor.verifySignIn(user, code: otp, origin: origin, services: services, on: db)
        }
        return try await db.writeTransaction { tx in
            try await Credentials.recordSignIn(user, method: "api token", origin: origin, services: services, on: tx)
            let plaintext = "mgh_" + SecureToken.generate(bytes: 30)
            let token = APIToken(organizationID: user.organizationID, userID: user.id!, name: tokenName!, tokenHash: SecureToken.sha256Hex(plaintext),
                                 prefix: String(plaintext.prefix(12)), abilities: abilityList, expiresAt: nil)
            try await token.create(on: tx)
            try await Audit.record("api_token.created", "Created API token \(token.name)", organizationID: user.organizationID, actorUserID: user.id,
                                   actorLabel: user.email, target: .init("api_token", token.id), ip: origin.ip, userAgent: origin.userAgent,
                                   metadata: ["abilities": token.abilitiesJSON], at: services.clock.now(), on: tx)
            return Issued(token: token, plaintext: plaintext)
        }
    }

    static func validateAbilities(_ abilities: [String]?, into v: inout Validator) -> [String] {
        guard let abilities else {
            v.add("abilities", "is required: a list of permission names, or [\"*\"] for everything your role allows")
            return []
        }
        if abilities.isEmpty { v.add("abilities", "must name at least one permission, or \"*\"") }
        for (index, ability) in abilities.enumerated() where ability != "*" && Permission(rawValue: ability) == nil {
            v.add("abilities[\(index)]", "\"\(ability.prefix(60))\" is not a permission name")
        }
        return Array(Set(abilities)).sorted()
    }

    /// The actor's own tokens; with users.manage, every token in the organization.
    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<APIToken> {
        let query = APIToken.scoped(to: ctx, on: db).filter(\.$revokedAt == nil)
        if !ctx.can(.usersManage) { query.filter(\.$userID == (ctx.actor.userID ?? UUID())) }
        return try await query.paginate(page, by: \.$name)
    }

    public static func revoke(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws {
        let token = try await APIToken.find(id, in: ctx, on: db)
        guard token.userID == ctx.actor.userID || ctx.can(.usersManage) else { throw DomainError.notFound(APIToken.displayName) }
        guard token.revokedAt == nil else { throw DomainError.notFound(APIToken.displayName) }
        if token.userID != ctx.actor.userID, let owner = try await User.find(token.userID, on: db) {
            try await Users.requireManageable(ctx, owner, on: db)
        }
        try await db.writeTransaction { tx in
            token.revokedAt = services.clock.now()
            try await token.save(on: tx)
            try await Audit.record("api_token.revoked", "Revoked API token \(token.name)", ctx: ctx, target: .init("api_token", token.id),
                                   at: services.clock.now(), on: tx)
        }
    }
}
