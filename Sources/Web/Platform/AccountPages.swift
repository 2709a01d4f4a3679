import Documents
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The signed-in user's own account: password, two-factor, API tokens.
enum AccountPages {
    struct AccountPage: Encodable {
        var page: PageContext
        var form: FormState
        var twoFactorEnabled: Bool
        var recoveryCodesLeft: Int
        var tokens: [TokenDTO]
    }

    struct TwoFactorPage: Encodable {
        var page: PageContext
        var form: FormState
        var enabled: Bool
        var required: Bool
        var pending: Bool
        var secret: String?
        var otpauthURI: String?
        var qrSVG: String?
        var recoveryCodes: [String]?
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get("account") { req async throws -> View in
            try await renderAccount(req, form: FormState())
        }
        routes.post("account", "password") { req async throws -> Response in
            struct Form: Decodable { var current_password, password, password_confirmation: String? }
            let form = try req.content.decode(Form.self)
            let identity = try req.identity
            do {
                if form.password != form.password_confirmation { throw DomainError.invalid("password_confirmation", "does not match the password") }
                let revoked = try await Credentials.changePassword(identity.user, current: form.current_password, new: form.password,
                                                                   keepSessionID: req.staffSession?.id, origin: req.origin, services: req.services, on: req.db)
                let tokens = revoked == 0 ? "" : " Your \(revoked) API token(s) were revoked: create new ones where you need them."
                return redirect(req, to: "/account", flash: "Password changed. Your other sessions were signed out.\(tokens)")
            } catch let error as DomainError {
                return try await renderAccount(req, form: FormState(values: [:], error: error)).encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.post("account", "tokens", ":id", "revoke") { req async throws -> Response in
            try await APITokens.revoke(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return redirect(req, to: "/account", flash: "Token revoked.")
        }

        routes.get("account", "two-factor") { req async throws -> View in
            try await renderTwoFactor(req, form: FormState(), codes: nil)
        }
        routes.post("account", "two-factor", "start") { req async throws -> Response in
            _ = try await TwoFactor.begin(try req.identity.user, issuer: req.services.productName, services: req.services, on: req.db)
            return req.redirect(to: "/account/two-factor")
        }
        routes.post("account", "two-factor", "confirm") { req async throws -> Response in
            struct Form: Decodable { var code: String? }
            let form = try req.content.decode(Form.self)
            do {
                let codes = try await TwoFactor.confirm(try req.identity.user, code: form.code, origin: req.origin, services: req.services, on: req.db)
                return try await renderTwoFactor(req, form: FormState(), codes: codes).encodeResponse(for: req)
            } catch let error as DomainError {
                return try await renderTwoFactor(req, form: FormState(values: [:], error: error), codes: nil)
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.post("account", "two-factor", "disable") { req async throws -> Response in
            struct Form: Decodable { var password, code: String? }
            let form = try req.content.decode(Form.self)
            do {
                try await TwoFactor.disable(try req.identity.user, password: form.password, code: form.code, origin: req.origin,
                                            services: req.services, on: req.db)
                return redirect(req, to: "/account", flash: "Two-factor authentication is off.")
            } catch let error as DomainError {
                return try await renderTwoFactor(req, form: FormState(values: [:], error: error), codes: nil)
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
    }

    static func renderAccount(_ req: Request, form: FormState) async throws -> View {
        let identity = try req.identity
        let tokens = try await APITokens.list(try req.ctx, page: try CursorRequest(limit: 200), on: req.db).items
            .filter { $0.userID == identity.user.id }
        return try await req.view.render("account/index", AccountPage(
            page: try req.page("Your account"), form: form, twoFactorEnabled: identity.user.twoFactorEnabled,
            recoveryCodesLeft: try await TwoFactor.remainingRecoveryCodes(identity.user, on: req.db), tokens: tokens.map { TokenDTO($0) }))
    }

    static func renderTwoFactor(_ req: Request, form: FormState, codes: [String]?) async throws -> View {
        let identity = try req.identity
        let user = try await User.find(identity.user.id, on: req.db) ?? identity.user
        let pending = codes == nil ? try TwoFactor.pending(user, issuer: req.services.productName, services: req.services) : nil
        let svg = try pending.map { try QRCode(text: $0.otpauthURI, errorCorrection: .medium).svg(moduleSize: 5) }
        return try await req.view.render("account/two-factor", TwoFactorPage(
            page: try req.page("Two-factor authentication"), form: form, enabled: user.twoFactorEnabled,
            required: identity.mustEnrolTwoFactor, pending: pending != nil, secret: pending?.secret, otpauthURI: pending?.otpauthURI,
            qrSVG: svg, recoveryCodes: codes))
    }
}
