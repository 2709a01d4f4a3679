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

/// Bearer tokens for `/api/v1`. `X-Organization` (slug or id) lets a platform administrator act in another
/// organization; each such request is audited.
struct APIAuthenticationMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        guard let bearer = request.headers.bearerAuthorization?.token, !bearer.isEmpty else {
            throw DomainError.unauthorized("Send an API token as Authorization: Bearer <token>. Create one with POST /api/v1/auth/tokens.")
        }
        let services = request.services
        guard let identity = try await Identities.resolveToken(bearer, acting: request.headers.first(name: "X-Organization"), origin: request.origin,
                                                               services: services, on: request.db)
        else { throw DomainError.unauthorized("The API token is not valid, or it was revoked.") }
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
        guard let (session, identity) = try await Identities.resumeSession(request.cookies[Self.cookieName]?.string, origin: request.origin,
                                                                           services: request.services, on: request.db)
        else { throw DomainError.unauthorized("Sign in first.") }
        request.storage[Request.SessionKey.self] = session
        let path = request.url.path
        let logout = PlatformRoutes.logout.link.path
        if !session.twoFactorPassed {
            let secondFactor = PlatformRoutes.loginTwoFactor.link
            if path.hasPrefix(secondFactor.path) || path == logout { return try await next.respond(to: request) }
            return redirect(request, to: secondFactor)
        }
        request.attach(identity)
        let enrolment = PlatformRoutes.twoFactor.link
        if identity.mustEnrolTwoFactor, !(path.hasPrefix(enrolment.path) || path == logout) {
            return redirect(request, to: enrolment.query([("required", "1")]))
        }
        return try await next.respond(to: request)
    }
}

/// CSRF protection for every state-changing form. A signed-in browser's token is a MAC of its
/// session cookie (bound to the session: a token planted or read elsewhere is worthless);
/// before sign-in it is a random HttpOnly cookie that the form repeats (double submit). The
/// body is collected first (within the route's limit, else 413), so a large upload or a long
/// note arriving in several chunks is checked like any other form.
struct CSRFMiddleware: AsyncMiddleware {
    static let cookieName = "meghna_csrf"
    /// `Route.userInfo` key holding a route's body limit in bytes, when above the default.
    static let bodyLimitKey = "meghna.body_limit"
    struct TokenKey: StorageKey { typealias Value = String }

    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let cookie = request.cookies[Self.cookieName]?.string
        let validCookie = cookie.flatMap { (32...64).contains($0.count) && $0.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") } ? $0 : nil }
        let anonymous = validCookie ?? SecureToken.generate()
        let sessionCookie = request.cookies[PageAuthenticationMiddleware.cookieName]?.string ?? ""
        let bound = sessionCookie.isEmpty || sessionCookie.count > 128 ? nil : request.services.secrets.mac(sessionCookie, purpose: "csrf")
        let expected = bound ?? validCookie
        request.storage[TokenKey.self] = bound ?? anonymous
        if ![.GET, .HEAD, .OPTIONS].contains(request.method) {
            try await collectBody(of: request)
            struct Form: Decodable { var _csrf: String? }
            let submitted = (try? request.content.decode(Form.self))?._csrf ?? request.headers.first(name: "X-CSRF-Token")
            guard let expected, let submitted, submitted.count == expected.count, SecureToken.constantTimeEquals(expected, submitted) else {
                throw FormExpired()
            }
        }
        let response = try await next.respond(to: request)
        if validCookie == nil {
            response.cookies[Self.cookieName] = HTTPCookies.Value(string: anonymous, isSecure: request.isSecure, isHTTPOnly: true, sameSite: .lax)
        }
        return response
    }

    /// Reads the whole body into memory, up to the route's limit; a larger one is a 413 before
    /// anything else looks at it.
    private func collectBody(of request: Request) async throws {
        let limit = request.route?.userInfo[Self.bodyLimitKey] as? Int ?? request.application.routes.defaultMaxBodySize.value
        if let length = request.headers.first(name: .contentLength).flatMap(Int.init), length > limit {
            throw Abort(.payloadTooLarge)
        }
        if request.body.data == nil {
            _ = try await request.body.collect(max: limit).get()
        } else if let data = request.body.data, data.readableBytes > limit {
            throw Abort(.payloadTooLarge)
        }
    }
}

/// A state-changing form without this session's token: a page left open across a sign-in, or
/// another site's form. Shown as "reload", not as a missing permission.
struct FormExpired: AbortError {
    var status: HTTPResponseStatus { .forbidden }
    var reason: String { "The form expired or did not come from this site. Reload the page and try again." }
}

extension Route {
    /// Lets a page route take a body above the default limit (uploads); the CSRF check honours it.
    @discardableResult
    func bodyLimit(_ bytes: Int) -> Route {
        userInfo[CSRFMiddleware.bodyLimitKey] = bytes
        return self
    }
}

extension Request {
    var csrfToken: String { storage[CSRFMiddleware.TokenKey.self] ?? "" }

    /// Served over HTTPS: configured so (an https base URL or MEGHNA_SECURE_COOKIES=1), or told
    /// so by a proxy that Meghna was told to trust (MEGHNA_TRUST_PROXY=1). A client's own
    /// `X-Forwarded-Proto` is not believed otherwise.
    var isSecure: Bool {
        if application.meghna.configuration.secureCookies { return true }
        return application.meghna.configuration.environment["MEGHNA_TRUST_PROXY"] == "1" && headers.first(name: "X-Forwarded-Proto") == "https"
    }
}
