import Fluent
import Foundation
import MeghnaCore
import Testing
import TestSupport
import Vapor
@testable import Platform
@testable import Web

@Suite("API authentication", .serialized)
struct APIAuthTests {
    @Test func aTokenWithoutTheAbilityGets403EvenWhenTheRoleAllowsIt() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let readOnly = try await t.makeToken(email: tenant.admin.email, abilities: ["branches.read"])
            #expect(try await t.api(.GET, "/api/v1/branches", token: readOnly).status == .ok)
            let denied = try await t.api(.POST, "/api/v1/branches", token: readOnly, json: ["name": "Sylhet"])
            #expect(denied.status == .forbidden)
            #expect(denied.json["detail"] as? String == "You need the branches.manage permission for this.")
            #expect(denied.headers.contentType?.description.hasPrefix("application/problem+json") == true)
            #expect(try await t.api(.GET, "/api/v1/users", token: readOnly).status == .forbidden)
        }
    }

    @Test func aRoleWithoutThePermissionGets403WhateverTheToken() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            try await t.makeUser(in: tenant, role: .support, email: "agent@alpha.test")
            let token = try await t.makeToken(email: "agent@alpha.test", abilities: ["*"])
            #expect(try await t.api(.GET, "/api/v1/settings", token: token).status == .forbidden)
            #expect(try await t.api(.GET, "/api/v1/branches", token: token).status == .ok)
        }
    }

    @Test func missingInvalidAndRevokedTokensGet401() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            #expect(try await t.api(.GET, "/api/v1/me").status == .unauthorized)
            #expect(try await t.api(.GET, "/api/v1/me", token: "mgh_nonsense").status == .unauthorized)
            let me = try await t.api(.GET, "/api/v1/me", token: tenant.token)
            #expect(me.status == .ok)
            let tokens = try await t.api(.GET, "/api/v1/auth/tokens", token: tenant.token)
            let id = try #require(tokens.data.first?["id"] as? String)
            #expect(try await t.api(.DELETE, "/api/v1/auth/tokens/\(id)", token: tenant.token).status == .noContent)
            #expect(try await t.api(.GET, "/api/v1/me", token: tenant.token).status == .unauthorized)
        }
    }

    @Test func unknownAccountsCostAFullBcryptCheckLikeKnownOnes() throws {
        // If this hash were malformed, Bcrypt would fail fast and response times would reveal which emails exist.
        #expect(try Bcrypt.verify("anything", created: Credentials.dummyHash) == false)
        #expect(Credentials.dummyHash.hasPrefix("$2b$12$"))
    }

    @Test func theTokenIsStoredOnlyAsAHash() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let rows = try await APIToken.query(on: t.db).all()
            #expect(!rows.isEmpty)
            for row in rows { #expect(row.tokenHash != tenant.token && !row.tokenHash.contains(tenant.token)) }
            #expect(rows.contains { $0.tokenHash == SecureToken.sha256Hex(tenant.token) })
        }
    }

    @Test func twoFactorOverTheAPIThenTokensNeedACode() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let start = try await t.api(.POST, "/api/v1/me/two-factor", token: tenant.token)
            #expect(start.status == .created)
            let uri = try #require(start.json["otpauth_uri"] as? String)
            #expect(uri.hasPrefix("otpauth://totp/"))
            let secretText = try #require(start.json["secret"] as? String)
            let secret = try #require(Base32.decode(secretText))
            let totp = TOTP(secret: secret)
            let wrong = try await t.api(.POST, "/api/v1/me/two-factor/confirm", token: tenant.token, json: ["code": "000000"])
            #expect(wrong.status == .unprocessableEntity)
            let confirm = try await t.api(.POST, "/api/v1/me/two-factor/confirm", token: tenant.token, json: ["code": totp.code(at: t.clock.date)])
            #expect(confirm.status == .ok)
            let codes = try #require(confirm.json["recovery_codes"] as? [String])
            #expect(codes.count == 10)

            let noCode = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x", "abilities": ["*"]])
            #expect(noCode.status == .unprocessableEntity)
            #expect(noCode.errorFields == ["otp"])
            t.clock.advance(by: 30)
            let withCode = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                              "abilities": ["*"], "otp": totp.code(at: t.clock.date)])
            #expect(withCode.status == .created)
            // The same code cannot be used twice.
            let replay = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                            "abilities": ["*"], "otp": totp.code(at: t.clock.date)])
            #expect(replay.status == .unprocessableEntity)
            // A recovery code works once.
            let recovery = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                              "abilities": ["*"], "otp": codes[0]])
            #expect(recovery.status == .created)
            let again = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                           "abilities": ["*"], "otp": codes[0]])
            #expect(again.status == .unprocessableEntity)
            let actions = try await AuditEvent.query(on: t.db).all().map(\.action)
            #expect(actions.contains("auth.two_factor_enabled"))
            #expect(actions.contains("auth.recovery_code_used"))
        }
    }

    @Test func repeatedFailuresAreThrottledWith429AndRetryAfter() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            for _ in 0..<5 {
                let r = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": "wrong password here", "name": "x",
                                                                           "abilities": ["*"]])
                #expect(r.status == .unauthorized)
            }
            let throttled = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                               "abilities": ["*"]])
            #expect(throttled.status == .tooManyRequests)
            let retryAfter = try #require(Int(throttled.headers.first(name: "Retry-After") ?? ""))
            #expect(retryAfter > 0 && retryAfter <= 900)
            // A delay, not a lockout: after the window the right password works again.
            t.clock.advance(by: 901)
            let ok = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": tenant.admin.email, "password": testPassword, "name": "x",
                                                                        "abilities": ["*"]])
            #expect(ok.status == .created)
            let failed = try await AuditEvent.query(on: t.db).filter(\.$action == "auth.login_failed").count()
            #expect(failed == 5)
        }
    }

    @Test func manyFailuresFromOneAddressAreThrottledAcrossAccounts() async throws {
        try await withApp { t in
            _ = try await t.makeTenant("Alpha Net")
            for n in 0..<20 {
                let r = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": "nobody\(n)@alpha.test", "password": "wrong password here",
                                                                           "name": "x", "abilities": ["*"]])
                #expect(r.status == .unauthorized)
            }
            let r = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": "admin@alpha-net.test", "password": testPassword, "name": "x",
                                                                       "abilities": ["*"]])
            #expect(r.status == .tooManyRequests)
        }
    }
}
