import Documents
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Two-factor authentication on the account: set up with a QR code, confirm (the recovery codes
/// are shown once), turn off with the password and a code.
enum TwoFactorPages {
    struct Model {
        var enabled: Bool
        var required: Bool
        var pending: TwoFactor.Enrolment?
        var qrSVG: String?
        var recoveryCodes: [String]?
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.twoFactor, use: show)
        routes.post(PlatformRoutes.twoFactorStart, use: start)
        routes.post(PlatformRoutes.twoFactorConfirm, use: confirm)
        routes.post(PlatformRoutes.twoFactorDisable, use: disable)
    }

    static func show(_ req: Request) async throws -> Response {
        try await render(req, form: FormState(), codes: nil)
    }

    static func start(_ req: Request) async throws -> Response {
        _ = try await TwoFactor.begin(try req.identity.user, issuer: req.services.productName, services: req.services, on: req.db)
        return redirect(req, to: PlatformRoutes.twoFactor.link)
    }

    static func confirm(_ req: Request) async throws -> Response {
        struct Form: Decodable { var code: String? }
        let form = try req.content.decode(Form.self)
        do {
            let codes = try await TwoFactor.confirm(try req.identity.user, code: form.code, origin: req.origin, services: req.services, on: req.db)
            return try await render(req, form: FormState(), codes: codes)
        } catch let error as DomainError {
            return try await render(req, form: FormState(values: [:], error: error), codes: nil, status: .unprocessableEntity)
        }
    }

    static func disable(_ req: Request) async throws -> Response {
        struct Form: Decodable { var password, code: String? }
        let form = try req.content.decode(Form.self)
        do {
            try await TwoFactor.disable(try req.identity.user, password: form.password, code: form.code, origin: req.origin,
                                        services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.account.link, flash: "Two-factor authentication is off.")
        } catch let error as DomainError {
            return try await render(req, form: FormState(values: [:], error: error), codes: nil, status: .unprocessableEntity)
        }
    }

    /// `codes`: the recovery codes just made, shown this once.
    static func render(_ req: Request, form: FormState, codes: [String]?, status: HTTPResponseStatus = .ok) async throws -> Response {
        let identity = try req.identity
        let user = try await User.find(identity.user.id, on: req.db) ?? identity.user
        let pending = codes == nil ? try TwoFactor.pending(user, issuer: req.services.productName, services: req.services) : nil
        let svg = try pending.map { try QRCode(text: $0.otpauthURI, errorCorrection: .medium).svg(moduleSize: 5) }
        let model = Model(enabled: user.twoFactorEnabled, required: identity.mustEnrolTwoFactor, pending: pending, qrSVG: svg, recoveryCodes: codes)
        var html = HTML()
        let page = try req.page("Two-factor authentication")
        html.appLayout(page) { h in
            h.pageHead("Two-factor authentication")
            if model.required {
                h.raw(#"<div class="flash error">Your organization requires two-factor authentication for your role. Turn it on to continue.</div>"#)
            }
            h.formError(form.general)
            if let codes = model.recoveryCodes {
                h.recoveryCodes(codes)
            } else if model.enabled {
                h.turnOff(form: form, csrf: page.csrf)
            } else if let pending = model.pending {
                h.scan(pending, svg: model.qrSVG ?? "", form: form, csrf: page.csrf)
            } else {
                h.el("div", [.class("panel")]) { h in
                    h.raw(#"<p><span class="badge off">Off</span> Add a second step to sign-in: a code from an app on your phone.</p>"#)
                    h.el("form", [.attr("method", literal: "post"), .action(PlatformRoutes.twoFactorStart.link)]) { h in
                        h.csrf(page.csrf)
                        h.raw(#"<button class="btn primary" type="submit">Set up two-factor authentication</button>"#)
                    }
                }
            }
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func recoveryCodes(_ codes: [String]) {
        el("div", [.class("panel")]) { h in
            h.raw("<h2>Two-factor authentication is on</h2>")
            h.raw("<p>Save these recovery codes somewhere safe. Each works once if you lose your phone. They are shown only now.</p>")
            h.el("ol", [.class("codes"), .id("recovery-codes")]) { h in
                for code in codes {
                    h.raw("<li><code>")
                    h.text(code)
                    h.raw("</code></li>")
                }
            }
            h.raw(#"<button class="btn" type="button" data-copy="recovery-codes">Copy codes</button> "#)
            h.el("a", [.class("btn primary"), .href(PlatformRoutes.dashboard.link)], text: "Continue")
        }
    }

    mutating func turnOff(form: FormState, csrf: String) {
        el("div", [.class("panel")]) { h in
            h.raw(#"<p><span class="badge on">On</span> Your account asks for a code from your authenticator app at sign-in.</p>"#)
            h.raw("<h2>Turn it off</h2>")
            h.postForm(PlatformRoutes.twoFactorDisable.link, csrf: csrf, class: "form", confirm: "Turn off two-factor authentication?") { h in
                h.credentialField("Password", "password", form: form, error: "Password", type: "password",
                                  [.flag("required"), .attr("autocomplete", literal: "current-password")])
                h.credentialField("Current code (or a recovery code)", "code", form: form, error: "The code",
                                  [.flag("required"), .attr("autocomplete", literal: "one-time-code")])
                h.raw(#"<div class="form-actions"><button class="btn danger" type="submit">Turn off</button></div>"#)
            }
        }
    }

    mutating func scan(_ pending: TwoFactor.Enrolment, svg: String, form: FormState, csrf: String) {
        el("div", [.class("panel")]) { h in
            h.raw("<h2>Scan this code</h2>")
            h.raw("<p>Open Google Authenticator, Microsoft Authenticator, Aegis or any TOTP app and scan the code, or type the key.</p>")
            // The SVG is our own QR encoder's output (a path of the code's modules), not text from anyone.
            h.el("div", [.class("qr")]) { h in h.documentSVG(svg) }
            h.raw("<p>Key: ")
            h.el("code", [.class("secret"), .id("totp-secret")], text: pending.secret)
            h.raw("</p>")
            h.el("p", [.class("muted")]) { h in h.el("small", [.id("otpauth-uri")], text: pending.otpauthURI) }
            h.postForm(PlatformRoutes.twoFactorConfirm.link, csrf: csrf, class: "form") { h in
                h.credentialField("The 6-digit code the app shows", "code", form: form, error: "The code",
                                  [.attr("inputmode", literal: "numeric"), .attr("autocomplete", literal: "one-time-code"), .flag("required")])
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Turn on</button></div>"#)
            }
        }
    }
}
