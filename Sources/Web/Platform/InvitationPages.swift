import Foundation
import MeghnaCore
import Platform
import Vapor

/// The emailed invitation link: the invited person chooses a password and is signed in.
enum InvitationPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.invitation, use: show)
        routes.post(PlatformRoutes.invitation, use: accept)
    }

    /// A link that was replaced, used or has expired is the error page (404 or 409).
    static func show(_ req: Request, _ token: String) async throws -> Response {
        let (_, user) = try await Credentials.redeemable(token, purpose: .invitation, services: req.services, on: req.db)
        return render(req, token: token, invited: user, form: FormState())
    }

    static func accept(_ req: Request, _ token: String) async throws -> Response {
        struct Form: Decodable { var password, password_confirmation: String? }
        let form = try req.content.decode(Form.self)
        let (_, invited) = try await Credentials.redeemable(token, purpose: .invitation, services: req.services, on: req.db)
        do {
            if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
            let user = try await Credentials.acceptInvitation(token: token, password: form.password, origin: req.origin,
                                                              services: req.services, on: req.db)
            return try await SignInPages.signIn(user, method: "invitation", req: req, next: PlatformRoutes.dashboard.link.path)
        } catch let error as DomainError {
            return render(req, token: token, invited: invited, form: FormState(values: [:], error: error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, token: String, invited: User, form: FormState, status: HTTPResponseStatus = .ok) -> Response {
        let page = req.publicPage("Accept invitation")
        var html = HTML()
        html.publicLayout(page) { h in
            h.el("h1") { h in
                h.raw("Welcome, ")
                h.text(invited.name)
            }
            h.el("p", [.class("muted")]) { h in
                h.raw("Choose a password for ")
                h.el("strong", text: invited.email)
                h.raw(" to accept the invitation.")
            }
            h.formError(form.general)
            h.postForm(PlatformRoutes.invitation.link(token), csrf: page.csrf, class: "form") { h in
                h.newPasswordField("Password", form: form, help: true)
                h.repeatPasswordField("Repeat the password", form: form)
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Accept invitation</button></div>"#)
            }
        }
        return html.response(status: status)
    }
}
