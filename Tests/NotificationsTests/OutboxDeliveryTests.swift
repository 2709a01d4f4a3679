import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Notifications
@testable import Web

/// The whole path a real message takes: an action queues it, the delivery job runs, the
/// organization's SMTP settings are read (the password unsealed) and a real SMTP server
/// (aiosmtpd) receives it.
@Suite("Outbox delivery to a real SMTP server", .serialized)
struct OutboxDeliveryTests {
    @Test func aPasswordResetReachesTheSMTPServerThroughTheOutbox() async throws {
        let server = try await SMTPPeerServer.start()
        defer { server.stop() }
        try await withApp(liveTransports: true) { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let patch = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token, json: [
                "email": ["host": "127.0.0.1", "port": server.port, "security": "none", "from_address": "noc@alpha.test", "from_name": "আলফা নেট NOC"],
            ])
            #expect(patch.status == .ok)
            try await Credentials.requestPasswordReset(email: tenant.admin.email, origin: .init(ip: "127.0.0.1", userAgent: nil),
                                                       services: t.services, on: t.db)
            // The request job, then the delivery.
            let ran = try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).drain()
            #expect(ran == 2)
            let message = try #require(try await OutboxMessage.query(on: t.db).first())
            #expect(message.state == .sent, "\(message.lastError ?? "")")
            // Only the recipient's copy carries the link; what staff can read does not.
            #expect(!message.body.contains("/password-reset/"))
            #expect(message.body.contains(Outbox.hiddenPart))
            let received = try server.receivedMessages()
            #expect(received.count == 1)
            let mail = try #require(received.first)
            #expect(mail.rcpt_tos == [tenant.admin.email])
            #expect(mail.mail_from == "noc@alpha.test")
            #expect(mail.parsed.subject == "Reset your Meghna password")
            #expect(mail.parsed.text?.contains("/password-reset/") == true)
            let attempt = try #require(try await DeliveryAttempt.query(on: t.db).first())
            #expect(attempt.succeeded)
            #expect(attempt.detail.hasPrefix("250"))
        }
    }

    @Test func anUnreachableServerIsRetriedWithTheErrorLogged() async throws {
        try await withApp(liveTransports: true) { t in
            let tenant = try await t.makeTenant("Alpha Net")
            _ = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token, json: [
                "email": ["host": "127.0.0.1", "port": 1, "security": "none", "from_address": "noc@alpha.test"],
            ])
            let browserless = try await t.api(.POST, "/api/v1/users", token: tenant.token, json: [
                "email": "new@alpha.test", "name": "New Person",
                "role_id": try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "support").first()?.id?.uuidString),
            ])
            #expect(browserless.status == .created)
            _ = try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).drain()
            let message = try #require(try await OutboxMessage.query(on: t.db).first())
            #expect(message.state == .retrying)
            #expect(message.lastError?.isEmpty == false)
            let job = try #require(try await JobRecord.query(on: t.db).filter(\.$kind == "notifications.deliver").first())
            #expect(job.jobState == .retryable)
        }
    }

    @Test func heldMessagesGoOutOnceEmailIsConfigured() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let other = try await t.makeTenant("Beta Broadband")
            for (org, email) in [(tenant.id, tenant.admin.email), (other.id, other.admin.email)] {
                try await Outbox.queueEmail(OutgoingEmail(organizationID: org, to: email, toName: nil, subject: "Hello", text: "Body", purpose: "test"),
                                            jobs: t.services.jobs, secrets: t.services.secrets, on: t.db)
            }
            let worker = JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock)
            _ = try await worker.drain()
            #expect(try await OutboxMessage.query(on: t.db).all().allSatisfy { $0.state == .held })

            _ = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token,
                                json: ["email": ["host": "smtp.alpha.test", "security": "none", "from_address": "noc@alpha.test"]])
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/outbox")
            #expect(browser.lastBody.contains("Send held and failed messages"))
            #expect(try await browser.post("/outbox/send-again", []).status == .seeOther)
            _ = try await worker.drain()
            #expect(t.sent.emails.map { $0.0.to.first?.address } == [tenant.admin.email])
            let states = try await OutboxMessage.query(on: t.db).all().map { ($0.organizationID, $0.state) }
            #expect(states.contains { $0.0 == tenant.id && $0.1 == .sent })
            #expect(states.contains { $0.0 == other.id && $0.1 == .held })  // another organization's messages are untouched
            let sent = try #require(try await OutboxMessage.query(on: t.db).filter(\.$state == .sent).first())
            _ = try await browser.get("/outbox/\(sent.id!)")
            #expect(try await browser.post("/outbox/\(sent.id!)/send-again", []).status == .conflict)
        }
    }

    @Test func testMessagesCheckTheSettings() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = TenantContext(organizationID: tenant.id, actor: .user(id: tenant.admin.id!, email: tenant.admin.email),
                                    permissions: Set(Permission.allCases))
            let email = try await Outbox.sendTestEmail(ctx, services: t.services, on: t.db)
            #expect(email.recipient == tenant.admin.email)
            await #expect(throws: DomainError.self) {
                _ = try await Outbox.sendTestSMS(ctx, to: "0123", jobs: t.services.jobs, on: t.db)
            }
            let sms = try await Outbox.sendTestSMS(ctx, to: "01712-345678", jobs: t.services.jobs, on: t.db)
            #expect(sms.recipient == "+8801712345678")
            _ = try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).drain()
            // Nothing configured: both stay readable in the outbox.
            #expect(try await OutboxMessage.query(on: t.db).all().map(\.state) == [.held, .held])
        }
    }

    @Test func anSMSGoesToTheConfiguredProviderAsItsAPIDocuments() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let patch = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token,
                                        json: ["sms": ["provider": "ssl_wireless", "api_key": "ssl-token-123", "sender_id": "ALPHANET"]])
            #expect(patch.status == .ok)
            t.sent.smsReply = HTTPResponseSpec(status: 200, body: Array(#"{"status":"SUCCESS","status_code":200,"error_message":"","smsinfo":[{"sms_status":"SUCCESS","status_message":"Success","msisdn":"8801712345678","sms_type":"EN","sms_body":"x","csms_id":"abc","reference_id":"ref-42"}]}"#.utf8))
            let ctx = TenantContext(organizationID: tenant.id, actor: .user(id: tenant.admin.id!, email: tenant.admin.email),
                                    permissions: Set(Permission.allCases))
            let message = try await Outbox.sendTestSMS(ctx, to: "01712345678", jobs: t.services.jobs, on: t.db)
            _ = try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).drain()
            let request = try #require(t.sent.smsRequests.first)
            #expect(request.url == "https://smsplus.sslwireless.com/api/v3/send-sms")
            let body = try #require(try JSONSerialization.jsonObject(with: Data(request.body ?? [])) as? [String: Any])
            #expect(body["api_token"] as? String == "ssl-token-123")
            #expect(body["sid"] as? String == "ALPHANET")
            #expect((body["msisdn"] as? String)?.hasSuffix("1712345678") == true)
            let sent = try #require(try await OutboxMessage.find(message.id, on: t.db))
            #expect(sent.state == .sent, "\(sent.lastError ?? "")")
            let log = try #require(try await DeliveryAttempt.query(on: t.db).first())
            #expect(!log.detail.contains("ssl-token-123"))
        }
    }
}
