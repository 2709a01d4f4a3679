import Documents
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Sign-in, second factor, first-run setup, invitations, password reset, email verification.
enum AuthPages {
    struct FormPage: Encodable {
        var page: PageContext
        var form: FormState
        var next: String?
        var extra: [String: String] = [:]
    }

    static func register(_ routes: any RoutesBuilder, signedIn: any RoutesBuilder) {
        routes.get("setup") { req async throws -> Response in
            guard try await Setup.isFirstRun(on: req.db) else { return req.redirect(to: "/login") }
            return try await req.view.render("auth/setup", FormPage(page: req.publicPage("Set up Meghna"), form: FormState()))
                .encodeResponse(for: req)
        }
        routes.post("setup") { req async throws -> Response in
            struct Form: Decodable { var organization_name, name, email, password: String? }
            let form = try req.content.decode(Form.self)
            do {
                let (_, user) = try await Setup.createAdmin(.init(organizationName: form.organization_name, adminName: form.name, email: form.email,
                                                                  password: form.password), onlyOnFirstRun: true, platformAdmin: true,
                                                              services: req.services, on: req.db)
                return try await signIn(user, method: "password (first run)", req: req, next: "/")
            } catch let error as DomainError {
                return try await req.view.render("auth/setup", FormPage(page: req.publicPage("Set up Meghna"),
                                                                        form: FormState(values: req.formValues(), error: error)))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }

        routes.get("login") { req async throws -> Response in
            if try await Setup.isFirstRun(on: req.db) { return req.redirect(to: "/setup") }
            return try await req.view.render("auth/login", FormPage(page: req.publicPage("Sign in"), form: FormState(),
                                                                    next: req.query[String.self, at: "next"]))
                .encodeResponse(for: req)
        }
        routes.post("login") { req async throws -> Response in
            struct Form: Decodable { var email, password, next: String? }
            let form = try req.content.decode(Form.self)
            do {
                let device = KnownDevice.signedInBefore(req)
                let user = try await Credentials.authenticate(email: form.email, password: form.password, origin: req.origin, knownDevice: device,
                                                              services: req.services, on: req.db)
                if user.twoFactorEnabled {
                    let (token, _) = try await Sessions.start(for: user, twoFactorPassed: false, origin: req.origin, services: req.services, on: req.db)
                    let response = req.redirect(to: "/login/two-factor?next=" + (safeNext(form.next, on: req.application).addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F"))
                    setSessionCookie(token, on: response, req: req)
                    return response
                }
                return try await signIn(user, method: "password", req: req, next: safeNext(form.next, on: req.application))
            } catch let error as DomainError {
                let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unauthorized }
                let response = try await req.view.render("auth/login", FormPage(page: req.publicPage("Sign in"),
                                                                                form: FormState(values: req.formValues(), error: error), next: form.next))
                    .encodeResponse(status: status, for: req)
                if case .throttled(let after, _) = error { response.headers.replaceOrAdd(name: .retryAfter, value: String(after)) }
                return response
            }
        }

        signedIn.get("login", "two-factor") { req async throws -> Response in
            guard let session = req.staffSession, !session.twoFactorPassed else { return req.redirect(to: "/") }
            return try await req.view.render("auth/two-factor", FormPage(page: req.publicPage("Two-factor code"), form: FormState(),
                                                                         next: req.query[String.self, at: "next"]))
                .encodeResponse(for: req)
        }
        signedIn.post("login", "two-factor") { req async throws -> Response in
            struct Form: Decodable { var code, next: String? }
            let form = try req.content.decode(Form.self)
            guard let session = req.staffSession, !session.twoFactorPassed,
                  let user = try await User.find(session.userID, on: req.db)
            else { return req.redirect(to: "/") }
            do {
                let method = try await TwoFactor.verifySignIn(user, code: form.code, origin: req.origin, services: req.services, on: req.db)
                try await Sessions.end(req.cookies[PageAuthenticationMiddleware.cookieName]?.string, on: req.db)
                return try await signIn(user, method: "password + \(method)", req: req, next: safeNext(form.next, on: req.application))
            } catch let error as DomainError {
                let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unprocessableEntity }
                return try await req.view.render("auth/two-factor", FormPage(page: req.publicPage("Two-factor code"),
                                                                             form: FormState(values: [:], error: error), next: form.next))
                    .encodeResponse(status: status, for: req)
            }
        }
        signedIn.post("logout") { req async throws -> Response in
            try await Sessions.end(req.cookies[PageAuthenticationMiddleware.cookieName]?.string, on: req.db)
            let response = redirect(req, to: "/login", flash: "You are signed out.")
            response.cookies[PageAuthenticationMiddleware.cookieName] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0)
            return response
        }

        routes.get("invitations", ":token") { req async throws -> Response in
            let token = req.parameters.get("token")
            let (_, user) = try await Credentials.redeemable(token, purpose: .invitation, services: req.services, on: req.db)
            return try await req.view.render("auth/invitation", FormPage(page: req.publicPage("Accept invitation"), form: FormState(),
                                                                         extra: ["email": user.email, "name": user.name, "token": token ?? ""]))
                .encodeResponse(for: req)
        }
        routes.post("invitations", ":token") { req async throws -> Response in
            struct Form: Decodable { var password, password_confirmation: String? }
            let form = try req.content.decode(Form.self)
            let token = req.parameters.get("token")
            let (_, invited) = try await Credentials.redeemable(token, purpose: .invitation, services: req.services, on: req.db)
            do {
                if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
                let user = try await Credentials.acceptInvitation(token: token, password: form.password, origin: req.origin,
                                                                  services: req.services, on: req.db)
                return try await signIn(user, method: "invitation", req: req, next: "/")
            } catch let error as DomainError {
                return try await req.view.render("auth/invitation", FormPage(page: req.publicPage("Accept invitation"),
                                                                             form: FormState(values: [:], error: error),
                                                                             extra: ["email": invited.email, "name": invited.name, "token": token ?? ""]))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }

        routes.get("password-reset") { req async throws -> View in
            try await req.view.render("auth/reset-request", FormPage(page: req.publicPage("Reset password"), form: FormState()))
        }
        routes.post("password-reset") { req async throws -> Response in
            struct Form: Decodable { var email: String? }
            let form = try req.content.decode(Form.self)
            do {
                try await Credentials.requestPasswordReset(email: form.email, origin: req.origin, services: req.services, on: req.db)
                return redirect(req, to: "/login", flash: "If that address has an account, a reset link is on its way.")
            } catch let error as DomainError {
                let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unprocessableEntity }
                return try await req.view.render("auth/reset-request", FormPage(page: req.publicPage("Reset password"),
                                                                                form: FormState(values: req.formValues(), error: error)))
                    .encodeResponse(status: status, for: req)
            }
        }
        routes.get("password-reset", ":token") { req async throws -> Response in
            let token = req.parameters.get("token")
            _ = try await Credentials.redeemable(token, purpose: .passwordReset, services: req.services, on: req.db)
            return try await req.view.render("auth/reset", FormPage(page: req.publicPage("Choose a new password"), form: FormState(),
                                                                    extra: ["token": token ?? ""]))
                .encodeResponse(for: req)
        }
        routes.post("password-reset", ":token") { req async throws -> Response in
            struct Form: Decodable { var password, password_confirmation: String? }
            let form = try req.content.decode(Form.self)
            let token = req.parameters.get("token")
            do {
                if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
                let (_, revoked) = try await Credentials.resetPassword(token: token, password: form.password, origin: req.origin,
                                                                       services: req.services, on: req.db)
                let tokens = revoked == 0 ? "" : " Your \(revoked) API token(s) were revoked: create new ones where you need them."
                return redirect(req, to: "/login", flash: "Your password is changed and every session signed out.\(tokens) Sign in with it.")
            } catch let error as DomainError {
                return try await req.view.render("auth/reset", FormPage(page: req.publicPage("Choose a new password"),
                                                                        form: FormState(values: [:], error: error), extra: ["token": token ?? ""]))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.get("verify-email", ":token") { req async throws -> Response in
            _ = try await Credentials.verifyEmail(token: req.parameters.get("token"), origin: req.origin, services: req.services, on: req.db)
            return redirect(req, to: "/login", flash: "Your email address is verified. Sign in.")
        }
    }

    static func setSessionCookie(_ token: String, on response: Response, req: Request) {
        response.cookies[PageAuthenticationMiddleware.cookieName] = HTTPCookies.Value(
            string: token, expires: nil, maxAge: nil, path: "/", isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
    }

    /// Completes sign-in: a brand-new session id, the old one (if any) ended.
    static func signIn(_ user: User, method: String, req: Request, next: String) async throws -> Response {
        try await Sessions.end(req.cookies[PageAuthenticationMiddleware.cookieName]?.string, on: req.db)
        try await Credentials.recordSignIn(user, method: method, origin: req.origin, services: req.services, on: req.db)
        let (token, _) = try await Sessions.start(for: user, twoFactorPassed: true, origin: req.origin, services: req.services, on: req.db)
        let response = req.redirect(to: headerSafe(next))
        setSessionCookie(token, on: response, req: req)
        KnownDevice.remember(user, on: response, req: req)
        return response
    }
}

/// A browser that signed in to an account before. A correct password from it gets through the
/// account's failure limit (the address limit still holds), so nobody can keep staff out of
/// their own account by typing wrong passwords for it. The cookie is a MAC of the user id.
enum KnownDevice {
    static let cookieName = "meghna_device"

    static func value(for userID: UUID, _ secrets: SecretBox) -> String {
        userID.uuidString.lowercased() + "." + secrets.mac(userID.uuidString.lowercased(), purpose: "known-device")
    }

    /// Which user ids this browser signed in as before (at most the last one).
    static func signedInBefore(_ req: Request) -> @Sendable (UUID) -> Bool {
        let cookie = req.cookies[cookieName]?.string ?? ""
        let secrets = req.services.secrets
        return { userID in
            let expected = value(for: userID, secrets)
            return cookie.count == expected.count && SecureToken.constantTimeEquals(cookie, expected)
        }
    }

    static func remember(_ user: User, on response: Response, req: Request) {
        response.cookies[cookieName] = HTTPCookies.Value(string: value(for: user.id!, req.services.secrets), maxAge: 180 * 86_400, path: "/",
                                                         isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
    }
}
