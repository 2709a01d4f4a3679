import Foundation
import MeghnaCore
import Platform
import Vapor

extension Request {
    struct IdentityKey: StorageKey { typealias Value = Identity }
    struct SessionKey: StorageKey { typealias Value = StaffSession }

    /// The signed-in identity; set by the API or page authentication middleware.
    var identity: Identity {
        get throws {
            guard let identity = storage[IdentityKey.self] else { throw DomainError.unauthorized("Sign in first.") }
            return identity
        }
    }

    var ctx: TenantContext {
        get throws { try identity.context }
    }

    var staffSession: StaffSession? { storage[SessionKey.self] }

    var origin: Credentials.Origin {
        Credentials.Origin(ip: clientIP, userAgent: headers.first(name: .userAgent))
    }

    /// The peer address; `X-Forwarded-For` only when Meghna runs behind a proxy that sets it
    /// (MEGHNA_TRUST_PROXY=1), since clients could otherwise forge it to dodge throttling.
    var clientIP: String {
        if application.meghna.configuration.environment["MEGHNA_TRUST_PROXY"] == "1",
           let forwarded = headers.first(name: "X-Forwarded-For")?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return remoteAddress?.ipAddress ?? "unknown"
    }

    func attach(_ identity: Identity) {
        storage[IdentityKey.self] = identity
        logger[metadataKey: "organization_id"] = .string(identity.organization.id!.uuidString)
        logger[metadataKey: "user_id"] = .string(identity.user.id!.uuidString)
    }
}

/// Bearer tokens for `/api/v1`. `X-Organization` (slug or id) lets a super admin act in another
/// organization; each such request is audited.
struct APIAuthenticationMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization?.token, !bearer.isEmpty else {
            throw DomainError.unauthorized("Send an API token as Authorization: Bearer <token>. Create one with POST /api/v1/auth/tokens.")
        }
        let services = request.services
        guard let token = try await APITokens.resolve(bearer, services: services, on: request.db),
              let user = try await User.find(token.userID, on: request.db), user.status == .active
        else { throw DomainError.unauthorized("The API token is not valid, or it was revoked.") }
        let identity = try await Identities.resolve(user: user, acting: request.headers.first(name: "X-Organization"), token: token,
                                                    origin: request.origin, services: services, on: request.db)
        if identity.mustEnrolTwoFactor, !request.url.path.hasPrefix("/api/v1/me") {
            throw DomainError.forbidden("Your organization requires two-factor authentication for your role. Turn it on with POST /api/v1/me/two-factor.")
        }
        request.attach(identity)
        if identity.context.isCrossingTenant {
            try await Audit.record("tenant.crossed", "\(request.method.rawValue) \(request.url.path) in \(identity.organization.slug)",
                                   ctx: identity.context, target: .init("organization", identity.organization.id),
                                   at: services.clock.now(), on: request.db)
        }
        return try await next.respond(to: request)
    }
}

/// Session cookies for pages. Redirects to sign-in, to the second factor, or to 2FA enrolment
/// when the organization requires it.
struct PageAuthenticationMiddleware: AsyncMiddleware {
    static let cookieName = "meghna_session"

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let services = request.services
        guard let (session, user) = try await Sessions.resume(request.cookies[Self.cookieName]?.string, services: services, on: request.db) else {
            throw DomainError.unauthorized("Sign in first.")
        }
        request.storage[Request.SessionKey.self] = session
        let path = request.url.path
        if !session.twoFactorPassed {
            if path.hasPrefix("/login/two-factor") || path == "/logout" { return try await next.respond(to: request) }
            return request.redirect(to: "/login/two-factor")
        }
        let acting = session.organizationID == user.organizationID ? nil : session.organizationID.uuidString
        let identity = try await Identities.resolve(user: user, acting: acting, token: nil, branch: session.branchID, origin: request.origin,
                                                    services: services, on: request.db)
        request.attach(identity)
        if identity.mustEnrolTwoFactor, !(path.hasPrefix("/account/two-factor") || path == "/logout") {
            return request.redirect(to: "/account/two-factor?required=1")
        }
        return try await next.respond(to: request)
    }
}

/// Double-submit CSRF protection for every state-changing form: a random HttpOnly cookie and
/// the same value in a hidden `_csrf` field. Cross-site pages can neither read the cookie nor
/// set it, so they cannot produce a matching pair.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "meghna_csrf"
    struct TokenKey: StorageKey { typealias Value = String }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let existing = request.cookies[Self.cookieName]?.string
        let token = existing.flatMap { $0.count >= 32 && $0.count <= 64 ? $0 : nil } ?? SecureToken.generate()
        request.storage[TokenKey.self] = token
        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            struct Form: Decodable { var _csrf: String? }
            let submitted = (try? request.content.decode(Form.self))?._csrf ?? request.headers.first(name: "X-CSRF-Token")
            guard let existing, let submitted, SecureToken.constantTimeEquals(existing, submitted) else {
                throw Abort(.forbidden, reason: "The form expired or did not come from this site. Reload the page and try again.")
            }
        }
        let response = try await next.respond(to: request)
        if existing != token {
            response.cookies[Self.cookieName] = HTTPCookies.Value(string: token, isSecure: request.isSecure, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }
}

extension Request {
    var csrfToken: String { storage[CSRFMiddleware.TokenKey.self] ?? "" }

    var isSecure: Bool {
        application.meghna.configuration.secureCookies || headers.first(name: "X-Forwarded-Proto") == "https"
    }
}
