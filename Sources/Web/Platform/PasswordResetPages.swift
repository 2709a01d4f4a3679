import Foundation
import MeghnaCore
import Platform
import Vapor

/// "Forgot your password?": asking for the emailed link, and choosing a new password from it.
enum PasswordResetPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.passwordResetRequest, use: requestForm)
        routes.post(PlatformRoutes.passwordResetRequest, use: request)
        routes.get(PlatformRoutes.passwordReset, use: resetForm)
        routes.post(PlatformRoutes.passwordReset, use: reset)
    }

    // MARK: Asking for the link

    static func requestForm(_ req: Request) async throws -> Response {
        renderRequest(req, form: FormState())
    }

    /// Known and unknown addresses get the same answer; many requests from one address are a 429.
    static func request(_ req: Request) async throws -> Response {
        struct Form: Decodable { var email: String? }
        let form = try req.content.decode(Form.self)
        do {
            try await Credentials.requestPasswordReset(email: form.email, origin: req.origin, services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.login.link, flash: "If that address has an account, a reset link is on its way.")
        } catch let error as DomainError {
            let status: HTTPStatus = if case .throttled = error { .tooManyRequests } else { .unprocessableEntity }
            return renderRequest(req, form: FormState(values: req.formValues(), error: error), status: status)
        }
    }

    static func renderRequest(_ req: Request, form: FormState, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Reset password")
        var html = HTML()
        html.publicLayout(page) { h in
            h.raw("<h1>Reset your password</h1>")
            h.raw(#"<p class="muted">We will email you a link to choose a new password.</p>"#)
            h.formError(form.general)
            h.postForm(PlatformRoutes.passwordResetRequest.link, csrf: page.csrf, class: "form") { h in
                h.credentialField("Email", "email", form: form, error: "Email", type: "email", keepValue: true, [.flag("required")])
                h.el("div", [.class("form-actions")]) { h in
                    h.raw(#"<button class="btn primary" type="submit">Send the link</button> "#)
                    h.el("a", [.href(PlatformRoutes.login.link)], text: "Back to sign in")
                }
            }
        }
        return html.response(status: status)
    }

    // MARK: Choosing the new password

    /// A link that was used or has expired is the error page (404 or 409).
    static func resetForm(_ req: Request, _ token: String) async throws -> Response {
        _ = try await Credentials.redeemable(token, purpose: .passwordReset, services: req.services, on: req.db)
        return renderReset(req, token: token, form: FormState())
    }

    /// Every session ends and the person's API tokens are revoked.
    static func reset(_ req: Request, _ token: String) async throws -> Response {
        struct Form: Decodable { var password, password_confirmation: String? }
        let form = try req.content.decode(Form.self)
        do {
            if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
            let (_, revoked) = try await Credentials.resetPassword(token: token, password: form.password, origin: req.origin,
                                                                   services: req.services, on: req.db)
            let tokens = revoked == 0 ? "" : " Your \(revoked) API token(s) were revoked: create new ones where you need them."
            return redirect(req, to: PlatformRoutes.login.link, flash: "Your password is changed and every session signed out.\(tokens) Sign in with it.")
        } catch let error as DomainError {
            return renderReset(req, token: token, form: FormState(values: [:], error: error), status: .unprocessableEntity)
        }
    }

    static func renderReset(_ req: Request, token: String, form: FormState, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Choose a new password")
        var html = HTML()
        html.publicLayout(page) { h in
            h.raw("<h1>Choose a new password</h1>")
            h.formError(form.general)
            h.postForm(PlatformRoutes.passwordReset.link(token), csrf: page.csrf, class: "form") { h in
                h.newPasswordField("New password", form: form, help: false)
                h.repeatPasswordField("Repeat it", form: form)
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Save password</button></div>"#)
            }
        }
        return html.response(status: status)
    }
}
