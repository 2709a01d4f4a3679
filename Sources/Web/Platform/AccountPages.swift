import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The signed-in person's own account: two-factor status, password, API tokens.
enum AccountPages {
    struct Model {
        var twoFactorEnabled: Bool
        var recoveryCodesLeft: Int
        var tokens: [APIToken]
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.account, use: show)
        routes.post(PlatformRoutes.accountPassword, use: changePassword)
        routes.post(PlatformRoutes.revokeToken, use: revokeToken)
    }

    static func show(_ req: Request) async throws -> Response {
        try await render(req, form: FormState())
    }

    /// The other sessions end and the person's API tokens are revoked; this session stays.
    static func changePassword(_ req: Request) async throws -> Response {
        struct Form: Decodable { var current_password, password, password_confirmation: String? }
        let form = try req.content.decode(Form.self)
        let identity = try req.identity
        do {
            if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
            let revoked = try await Credentials.changePassword(identity.user, current: form.current_password, new: form.password,
                                                               keepSessionID: req.staffSession?.id, origin: req.origin, services: req.services, on: req.db)
            let tokens = revoked == 0 ? "" : " Your \(revoked) API token(s) were revoked: create new ones where you need them."
            return redirect(req, to: PlatformRoutes.account.link, flash: "Password changed. Your other sessions were signed out.\(tokens)")
        } catch let error as DomainError {
            return try await render(req, form: FormState(values: [:], error: error), status: .unprocessableEntity)
        }
    }

    static func revokeToken(_ req: Request, _ id: UUID) async throws -> Response {
        try await APITokens.revoke(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.account.link, flash: "Token revoked.")
    }

    static func render(_ req: Request, form: FormState, status: HTTPResponseStatus = .ok) async throws -> Response {
        let identity = try req.identity
        let tokens = try await APITokens.list(try req.ctx, page: try CursorRequest(limit: 200), on: req.db).items
            .filter { $0.userID == identity.user.id }
        let model = Model(twoFactorEnabled: identity.user.twoFactorEnabled,
                          recoveryCodesLeft: try await TwoFactor.remainingRecoveryCodes(identity.user, on: req.db), tokens: tokens)
        var html = HTML()
        let page = try req.page("Your account")
        html.appLayout(page) { h in
            h.pageHead("Your account")
            h.el("div", [.class("panel")]) { h in
                h.raw("<h2>Two-factor authentication</h2>")
                if model.twoFactorEnabled {
                    h.el("p") { h in
                        h.raw(#"<span class="badge on">On</span> "#)
                        h.text(model.recoveryCodesLeft)
                        h.raw(" recovery codes left.")
                    }
                } else {
                    h.raw(#"<p><span class="badge off">Off</span> Protect your account with an authenticator app.</p>"#)
                }
                h.el("a", [.class("btn"), .href(PlatformRoutes.twoFactor.link)], text: "Manage two-factor authentication")
            }
            h.el("div", [.class("panel")]) { h in
                h.raw("<h2>Change password</h2>")
                h.formError(form.general)
                h.postForm(PlatformRoutes.accountPassword.link, csrf: page.csrf, class: "form") { h in
                    h.credentialField("Current password", "current_password", form: form, error: "Current password", type: "password",
                                      [.flag("required"), .attr("autocomplete", literal: "current-password")])
                    h.newPasswordField("New password", form: form, help: false)
                    h.repeatPasswordField("Repeat it", form: form)
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Change password</button></div>"#)
                }
            }
            h.el("div", [.class("panel")]) { h in
                h.raw("<h2>API tokens</h2>")
                h.el("p", [.class("muted")]) { h in
                    h.raw("Create tokens with <code>POST /api/v1/auth/tokens</code>; see ")
                    h.el("a", [.href(PlatformRoutes.apiDescription.link)], text: "the API description")
                    h.raw(".")
                }
                h.el("div", [.class("table-wrap")]) { h in
                    h.raw(#"<table class="data"><thead><tr><th>Name</th><th>Starts with</th><th>Abilities</th><th>Last used</th><th></th></tr></thead><tbody>"#)
                    for token in model.tokens { h.tokenRow(token, lastUsed: token.lastUsedAt.map(req.shortDate), csrf: page.csrf) }
                    h.raw("</tbody></table>")
                }
            }
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func tokenRow(_ token: APIToken, lastUsed: String?, csrf: String) {
        raw("<tr><td>")
        text(token.name)
        raw("</td><td><code>")
        text(token.prefix)
        raw("…</code></td><td>")
        for ability in token.abilities {
            el("span", [.class("badge")], text: ability)
            raw(" ")
        }
        raw("</td><td>")
        text(lastUsed)
        raw("</td><td>")
        if let id = token.id {
            postButton("Revoke", to: PlatformRoutes.revokeToken.link(id), csrf: csrf, class: "btn small danger",
                       confirm: "Revoke this token? Programs using it stop working.")
        }
        raw("</td></tr>")
    }
}
