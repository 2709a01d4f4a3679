import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("Security rules and health", .serialized)
struct SecurityPolicyTests {
    @Test func anOrganizationCanRequireTwoFactorForChosenRoles() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            try await t.makeUser(in: tenant, role: .billingOps, email: "cash@alpha.test")
            try await t.makeUser(in: tenant, role: .support, email: "agent@alpha.test")
            let billingToken = try await t.makeToken(email: "cash@alpha.test", abilities: ["*"])
            let supportToken = try await t.makeToken(email: "agent@alpha.test", abilities: ["*"])
            let set = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token, json: ["security": ["require_2fa_roles": ["billing_ops"]]])
            #expect(set.status == .ok)

            let blocked = try await t.api(.GET, "/api/v1/branches", token: billingToken)
            #expect(blocked.status == .forbidden)
            #expect((blocked.json["detail"] as? String)?.contains("two-factor") == true)
            #expect(try await t.api(.POST, "/api/v1/me/two-factor", token: billingToken).status == .created)
            #expect(try await t.api(.GET, "/api/v1/branches", token: supportToken).status == .ok)

            let browser = Browser(t.app)
            try await browser.signIn("cash@alpha.test")
            let home = try await browser.get("/")
            #expect(home.status == .seeOther)
            #expect(home.headers.first(name: .location) == "/account/two-factor?required=1")
            let enrol = try await browser.get("/account/two-factor?required=1")
            #expect(enrol.status == .ok)
            #expect(enrol.text.contains("requires two-factor authentication"))
        }
    }

    @Test func disablingTwoFactorNeedsThePasswordAndACode() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let user = try #require(try await User.find(tenant.admin.id, on: t.db))
            let enrolment = try await TwoFactor.begin(user, issuer: "Meghna", services: t.services, on: t.db)
            let totp = TOTP(secret: Base32.decode(enrolment.secret)!)
            let origin = Credentials.Origin(ip: "127.0.0.1", userAgent: nil)
            let codes = try await TwoFactor.confirm(user, code: totp.code(at: t.clock.date), origin: origin, services: t.services, on: t.db)
            #expect(codes.count == 10)
            await #expect(throws: DomainError.invalid("password", "is not correct")) {
                try await TwoFactor.disable(user, password: "nope nope nope", code: codes[1], origin: origin, services: t.services, on: t.db)
            }
            try await TwoFactor.disable(user, password: testPassword, code: codes[1], origin: origin, services: t.services, on: t.db)
            let reloaded = try #require(try await User.find(user.id, on: t.db))
            #expect(!reloaded.twoFactorEnabled)
            #expect(try await RecoveryCode.query(on: t.db).count() == 0)
            // The seed was stored sealed while it was on.
            #expect(enrolment.secret.count == 32)
        }
    }

    @Test func readinessNeedsAWorkerHeartbeatAndMetricsAreExposed() async throws {
        try await withApp { t in
            let notReady = try await t.api(.GET, "/readyz")
            #expect(notReady.status == .serviceUnavailable)
            #expect((notReady.json["worker"] as? String)?.contains("no worker") == true)
            try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).heartbeat()
            let ready = try await t.api(.GET, "/readyz")
            #expect(ready.status == .ok)
            #expect(ready.json["migrations"] as? String == "ok")
            #expect(try await t.api(.GET, "/healthz").status == .ok)

            try await JobQueue(clock: t.clock.clock).enqueue("test.waiting", payload: ["x": 1], on: t.db)
            // Without MEGHNA_METRICS_TOKEN, a scraper on this machine reads them (a real listening server).
            let response = try await t.app.testing(method: .running(hostname: "127.0.0.1", port: 0)).sendRequest(.GET, "/metrics")
            let metrics = APIResult(status: response.status, headers: response.headers, text: String(buffer: response.body))
            #expect(metrics.status == .ok)
            #expect(metrics.text.contains("# TYPE meghna_http_requests_total counter"))
            #expect(metrics.text.contains("meghna_http_requests_total{method=\"GET\",route=\"/readyz\",status=\"503\"} 1"))
            #expect(metrics.text.contains("meghna_jobs{queue=\"default\",state=\"available\"} 1"))
            #expect(metrics.text.contains("meghna_http_request_duration_seconds_bucket"))
        }
    }

    @Test func theRequestIDIsEchoedAndInvented() async throws {
        try await withApp { t in
            let given = try await t.api(.GET, "/healthz", headers: ["X-Request-ID": "abc-123"])
            #expect(given.headers.first(name: "X-Request-ID") == "abc-123")
            let hostile = try await t.api(.GET, "/healthz", headers: ["X-Request-ID": "<script>"])
            #expect(hostile.headers.first(name: "X-Request-ID") != "<script>")
            #expect(hostile.headers.first(name: "X-Request-ID")?.count == 36)
        }
    }

    @Test func passwordResetByEmailLinkEndsEverySession() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let signedIn = Browser(t.app)
            try await signedIn.signIn(tenant.admin.email)
            let requester = Browser(t.app)
            _ = try await requester.get("/password-reset")
            #expect(try await requester.post("/password-reset", [("email", tenant.admin.email)]).status == .seeOther)
            // Unknown addresses get the same answer.
            _ = try await requester.get("/password-reset")
            #expect(try await requester.post("/password-reset", [("email", "ghost@alpha.test")]).status == .seeOther)
            try await t.drainJobs()
            let message = try #require(try await Notifications.OutboxMessage.query(on: t.db).filter(\.$purpose == "password_reset").first())
            let path = try #require(try t.linkPath(in: message, containing: "/password-reset/"))
            _ = try await requester.get(path)
            let mismatch = try await requester.post(path, [("password", "fresh mango juice 11"), ("password_confirmation", "other")])
            #expect(mismatch.status == .unprocessableEntity)
            #expect(try await requester.post(path, [("password", "fresh mango juice 11"), ("password_confirmation", "fresh mango juice 11")]).status == .seeOther)
            #expect(try await signedIn.get("/").status == .seeOther)
            let token = try await t.makeToken(email: tenant.admin.email, password: "fresh mango juice 11", abilities: ["*"])
            #expect(!token.isEmpty)
            #expect(try await Browser(t.app).get(path).status == .conflict)
        }
    }
}
