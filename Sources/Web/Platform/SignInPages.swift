import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// First-run setup, sign-in with its second factor, sign-out and the email verification link.
enum SignInPages {
    static func register(_ routes: any RoutesBuilder, signedIn: any RoutesBuilder) {
        routes.get(PlatformRoutes.setup, use: setupForm)
        routes.post(PlatformRoutes.setup, use: setup)
        routes.get(PlatformRoutes.login, use: loginForm)
        routes.post(PlatformRoutes.login, use: login)
        signedIn.get(PlatformRoutes.loginTwoFactor, use: twoFactorForm)
        signedIn.post(PlatformRoutes.loginTwoFactor, use: twoFactor)
        signedIn.post(PlatformRoutes.logout, use: logout)
        routes.get(PlatformRoutes.verifyEmail, use: verifyEmail)
    }

    // MARK: First run

    static func setupForm(_ req: Request) async throws -> Response {
        guard try await Setup.isFirstRun(on: req.db) else { return redirect(req, to: PlatformRoutes.login.link) }
        return renderSetup(req, form: FormState())
    }

    static func setup(_ req: Request) async throws -> Response {
        struct Form: Decodable { var organization_name, name, email, password: String? }
        let form = try req.content.decode(Form.self)
        do {
            let (_, user) = try await Setup.createAdmin(.init(organizationName: form.organization_name, adminName: form.name, email: form.email,
                                                              password: form.password), onlyOnFirstRun: true, platformAdmin: true,
                                                          services: req.services, on: req.db)
            return try await signIn(user, method: "password (first run)", req: req, next: PlatformRoutes.dashboard.link.path)
        } catch let error as DomainError {
            return renderSetup(req, form: FormState(values: req.formValues(), error: error), status: .unprocessableEntity)
        }
    }

    static func renderSetup(_ req: Request, form: FormState, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Set up Meghna")
        var html = HTML()
        html.publicLayout(page) { h in
            h.raw("<h1>Set up Meghna</h1>")
            h.raw(#"<p class="muted">Create your ISP's organization and its first super admin. You can invite everyone else afterwards.</p>"#)
            h.formError(form.general)
            h.postForm(PlatformRoutes.setup.link, csrf: page.csrf, class: "form") { h in
                h.credentialField("Organization name", "organization_name", form: form, error: "Organization name", keepValue: true,
                                  [.flag("required"), .attr("maxlength", literal: "120")])
                h.credentialField("Your name", "name", form: form, error: "Name", keepValue: true,
                                  [.flag("required"), .attr("maxlength", literal: "120"), .attr("autocomplete", literal: "name")])
                h.credentialField("Your email", "email", form: form, error: "Email", type: "email", keepValue: true,
                                  [.flag("required"), .attr("autocomplete", literal: "username")])
                h.newPasswordField("Password", form: form, help: true)
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Create organization</button></div>"#)
            }
        }
        return html.response(status: status)
    }

    // MARK: Sign-in

    static func loginForm(_ req: Request) async throws -> Response {
        if try await Setup.isFirstRun(on: req.db) { return redirect(req, to: PlatformRoutes.setup.link) }
        return renderLogin(req, form: FormState(), next: req.query[String.self, at: "next"])
    }

    /// The password. A wrong one is a 401 (429 with `Retry-After` once throttled); with
    /// two-factor on, a session that has not passed it yet and the code page.
    static func login(_ req: Request) async throws -> Response {
        struct Form: Decodable { var email, password, next: String? }
        let form = try req.content.decode(Form.self)
        do {
            let device = KnownDevice.signedInBefore(req)
            let user = try await Credentials.authenticate(email: form.email, password: form.password, origin: req.origin, knownDevice: device,
                                                          services: req.services, on: req.db)
            if user.twoFactorEnabled {
                let (token, _) = try await Sessions.start(for: user, twoFactorPassed: false, origin: req.origin, services: req.services, on: req.db)
                let response = req.redirect(to: withNext(PlatformRoutes.loginTwoFactor.link, safeNext(form.next, on: req.application)))
                setSessionCookie(token, on: response, req: req)
                return response
            }
            return try await signIn(user, method: "password", req: req, next: safeNext(form.next, on: req.application))
        } catch let error as DomainError {
            let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unauthorized }
            let response = renderLogin(req, form: FormState(values: req.formValues(), error: error), next: form.next, status: status)
            if case .throttled(let after, _) = error { response.headers.replaceOrAdd(name: .retryAfter, value: String(after)) }
            return response
        }
    }

    static func renderLogin(_ req: Request, form: FormState, next: String?, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Sign in")
        var html = HTML()
        html.publicLayout(page) { h in
            h.raw("<h1>Sign in</h1>")
            h.formError(form.general)
            h.postForm(PlatformRoutes.login.link, csrf: page.csrf, class: "form") { h in
                h.nextInput(next)
                h.credentialField("Email", "email", form: form, error: "Email", type: "email", keepValue: true,
                                  [.attr("autocomplete", literal: "username"), .flag("required")])
                h.credentialField("Password", "password", form: form, error: "Password", type: "password",
                                  [.attr("autocomplete", literal: "current-password"), .flag("required")])
                h.el("div", [.class("form-actions")]) { h in
                    h.raw(#"<button class="btn primary" type="submit">Sign in</button> "#)
                    h.el("a", [.href(PlatformRoutes.passwordResetRequest.link)], text: "Forgot your password?")
                }
            }
        }
        return html.response(status: status)
    }

    // MARK: Second factor

    static func twoFactorForm(_ req: Request) async throws -> Response {
        guard let session = req.staffSession, !session.twoFactorPassed else { return redirect(req, to: PlatformRoutes.dashboard.link) }
        return renderTwoFactor(req, form: FormState(), next: req.query[String.self, at: "next"])
    }

    /// The code. A wrong one is a 422 (429 once throttled); the right one ends the half-signed-in
    /// session and starts a full one.
    static func twoFactor(_ req: Request) async throws -> Response {
        struct Form: Decodable { var code, next: String? }
        let form = try req.content.decode(Form.self)
        guard let session = req.staffSession, !session.twoFactorPassed,
              let user = try await User.find(session.userID, on: req.db)
        else { return redirect(req, to: PlatformRoutes.dashboard.link) }
        do {
            let method = try await TwoFactor.verifySignIn(user, code: form.code, origin: req.origin, services: req.services, on: req.db)
            try await Sessions.end(req.cookies[PageAuthenticationMiddleware.cookieName]?.string, on: req.db)
            return try await signIn(user, method: "password + \(method)", req: req, next: safeNext(form.next, on: req.application))
        } catch let error as DomainError {
            let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unprocessableEntity }
            return renderTwoFactor(req, form: FormState(values: [:], error: error), next: form.next, status: status)
        }
    }

    static func renderTwoFactor(_ req: Request, form: FormState, next: String?, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Two-factor code")
        var html = HTML()
        html.publicLayout(page) { h in
            h.raw("<h1>Two-factor code</h1>")
            h.raw(#"<p class="muted">Enter the 6-digit code from your authenticator app, or one of your recovery codes.</p>"#)
            h.formError(form.general)
            h.postForm(PlatformRoutes.loginTwoFactor.link, csrf: page.csrf, class: "form") { h in
                h.nextInput(next)
                h.credentialField("Code", "code", form: form, error: "The code",
                                  [.attr("inputmode", literal: "numeric"), .attr("autocomplete", literal: "one-time-code"), .flag("required"),
                                   .flag("autofocus")])
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Verify</button></div>"#)
            }
            h.postForm(PlatformRoutes.logout.link, csrf: page.csrf) { h in
                h.raw(#"<button class="link" type="submit">Cancel and sign out</button>"#)
            }
        }
        return html.response(status: status)
    }

    // MARK: Sign-out and email verification

    static func logout(_ req: Request) async throws -> Response {
        try await Sessions.end(req.cookies[PageAuthenticationMiddleware.cookieName]?.string, on: req.db)
        let response = redirect(req, to: PlatformRoutes.login.link, flash: "You are signed out.")
        response.cookies[PageAuthenticationMiddleware.cookieName] = HTTPCookies.Value(string: "", expires: Date(timeIntervalSince1970: 0), maxAge: 0)
        return response
    }

    static func verifyEmail(_ req: Request, _ token: String) async throws -> Response {
        _ = try await Credentials.verifyEmail(token: token, origin: req.origin, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.login.link, flash: "Your email address is verified. Sign in.")
    }

    // MARK: Session cookie

    static func setSessionCookie(_ token: String, on response: Response, req: Request) {
        response.cookies[PageAuthenticationMiddleware.cookieName] = HTTPCookies.Value(
            string: token, expires: nil, maxAge: nil, path: "/", isSecure: req.isSecure, isHTTPOnly: true, sameSite: .lax)
    }

    /// Completes sign-in: a brand-new session id, the old one (if any) ended. `next` is a path
    /// already checked by `safeNext` or one of our own.
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
