import Fluent
import Jobs
import Foundation
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("Pages", .serialized)
struct PageTests {
    @Test func firstRunSetupCreatesTheOrganizationAndSignsIn() async throws {
        try await withApp { t in
            let browser = Browser(t.app)
            let login = try await browser.get("/login")
            #expect(login.status == .seeOther)
            #expect(login.headers.first(name: .location) == "/setup")
            #expect(try await browser.get("/setup").status == .ok)
            let weak = try await browser.post("/setup", [("organization_name", "Karnaphuli Net"), ("name", "Rafiq Uddin"),
                                                         ("email", "rafiq@karnaphuli.test"), ("password", "password123")])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.text.contains("at least 12 characters"))
            #expect(weak.text.contains("value=\"Karnaphuli Net\""))  // input kept
            let done = try await browser.post("/setup", [("organization_name", "Karnaphuli Net"), ("name", "Rafiq Uddin"),
                                                         ("email", "rafiq@karnaphuli.test"), ("password", testPassword)])
            #expect(done.status == .seeOther)
            let dashboard = try await browser.get("/")
            #expect(dashboard.status == .ok)
            #expect(dashboard.text.contains("Karnaphuli Net"))
            // The first run makes the installation's operator: the platform administrator.
            #expect(try await User.query(on: t.db).filter(\.$email == "rafiq@karnaphuli.test").first()?.platformAdmin == true)
            // Setup cannot run twice.
            #expect(try await Browser(t.app).get("/setup").status == .seeOther)
        }
    }

    @Test func everyPageRendersForThePlatformAdministrator() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net", platformAdmin: true)
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let role = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).first())
            let branch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == tenant.id).first())
            for path in ["/", "/users", "/users/invite", "/users/\(tenant.admin.id!)", "/roles", "/roles/new", "/roles/\(role.id!)",
                         "/branches", "/branches/new", "/branches/\(branch.id!)", "/settings", "/jobs", "/outbox", "/audit",
                         "/organizations", "/account", "/account/two-factor"] {
                let page = try await browser.get(path)
                #expect(page.status == .ok, "\(path): \(page.status) \(page.text.prefix(300))")
                #expect(page.text.contains("</html>"), "\(path)")
            }
        }
    }

    @Test func settingsFormErrorsNameTheFieldAndKeepTheInput() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/settings")
            let bad = try await browser.post("/settings/billing", [("billing_day_rule", "anniversary"), ("fixed_billing_day", "1"),
                                                                   ("invoice_due_days", "7"), ("grace_days", "400"), ("currency", "BDT"),
                                                                   ("tax_rate_basis_points", "500"), ("invoice_run_schedule", "0 2 * * *")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("must be between 0 and 60"))
            #expect(bad.text.contains("value=\"400\""))
            _ = try await browser.get("/settings")
            let good = try await browser.post("/settings/email", [("host", "smtp.alpha.test"), ("port", "587"), ("security", "starttls"),
                                                                  ("username", "noc"), ("password", "mail-secret-1"), ("from_address", "noc@alpha.test"),
                                                                  ("from_name", "Alpha NOC")])
            #expect(good.status == .seeOther)
            let page = try await browser.get("/settings")
            #expect(!page.text.contains("mail-secret-1"))
            #expect(page.text.contains("smtp.alpha.test"))
            #expect(page.text.contains("href=\"#billing\"") && page.text.contains("id=\"billing\""))
            _ = try await browser.get("/settings")
            let badZone = try await browser.post("/organization", [("name", "Alpha Net"), ("time_zone", "Dhaka"), ("currency", "BDT")])
            #expect(badZone.status == .unprocessableEntity)
            #expect(badZone.text.contains("is not a known time zone"))
            #expect(badZone.text.contains("value=\"Dhaka\""))
            _ = try await browser.get("/settings")
            #expect(try await browser.post("/organization", [("name", "Alpha Net Ltd"), ("time_zone", "Asia/Dhaka"), ("currency", "BDT")]).status == .seeOther)
            #expect(try await Organization.find(tenant.id, on: t.db)?.name == "Alpha Net Ltd")
            _ = try await browser.get("/settings")
            let test = try await browser.post("/settings/email/test", [])
            #expect(test.status == .seeOther)
            #expect(test.headers.first(name: .location)?.hasPrefix("/outbox/") == true)
            _ = try await browser.get("/settings")
            let badPhone = try await browser.post("/settings/sms/test", [("phone", "12")])
            #expect(badPhone.headers.first(name: .location) == "/settings#sms")
        }
    }

    @Test func formPostsWithoutTheCSRFTokenAreRefused() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            _ = try await browser.get("/login")
            let forged = try await browser.post("/login", [("email", tenant.admin.email), ("password", testPassword)], csrf: false)
            #expect(forged.status == .forbidden)
            let wrong = try await browser.post("/login", [("email", tenant.admin.email), ("password", testPassword), ("_csrf", "x")], csrf: false)
            #expect(wrong.status == .forbidden)
            let ok = try await browser.post("/login", [("email", tenant.admin.email), ("password", testPassword)])
            #expect(ok.status == .seeOther)
            _ = try await browser.get("/branches/new")
            let noToken = try await browser.post("/branches/new", [("name", "Sylhet")], csrf: false)
            #expect(noToken.status == .forbidden)
            #expect(try await Branch.query(on: t.db).filter(\.$name == "Sylhet").count() == 0)
        }
    }

    @Test func loginIssuesANewSessionAndPasswordChangeEndsTheOthers() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let phone = Browser(t.app)
            let laptop = Browser(t.app)
            for browser in [phone, laptop] {
                _ = try await browser.get("/login")
                #expect(try await browser.post("/login", [("email", tenant.admin.email), ("password", testPassword)]).status == .seeOther)
            }
            #expect(phone.cookies["meghna_session"] != laptop.cookies["meghna_session"])
            _ = try await laptop.get("/account")
            let changed = try await laptop.post("/account/password", [("current_password", testPassword), ("password", "a brand new passphrase 99"),
                                                                      ("password_confirmation", "a brand new passphrase 99")])
            #expect(changed.status == .seeOther)
            #expect(try await laptop.get("/").status == .ok)
            let ended = try await phone.get("/")
            #expect(ended.status == .seeOther)
            #expect(ended.headers.first(name: .location)?.hasPrefix("/login") == true)
        }
    }

    @Test func idleSessionsExpire() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            #expect(try await browser.get("/").status == .ok)
            t.clock.advance(by: 29 * 60)
            #expect(try await browser.get("/").status == .ok)
            t.clock.advance(by: 31 * 60)
            #expect(try await browser.get("/").status == .seeOther)

            // An organization can shorten it.
            _ = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token, json: ["security": ["idle_timeout_minutes": 5]])
            try await browser.signIn(tenant.admin.email)
            t.clock.advance(by: 4 * 60)
            #expect(try await browser.get("/").status == .ok)
            t.clock.advance(by: 6 * 60)
            #expect(try await browser.get("/").status == .seeOther)
        }
    }

    @Test func aRoleWithoutPermissionSeesA403Page() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            try await t.makeUser(in: tenant, role: .support, email: "agent@alpha.test")
            let browser = Browser(t.app)
            try await browser.signIn("agent@alpha.test")
            let settings = try await browser.get("/settings")
            #expect(settings.status == .forbidden)
            #expect(settings.text.contains("settings.read"))
            let dashboard = try await browser.get("/")
            #expect(dashboard.status == .ok)
            #expect(!dashboard.text.contains("href=\"/settings\""))

            // Billing ops may read users (with their role names) but not roles.
            try await t.makeUser(in: tenant, role: .billingOps, email: "cash@alpha.test")
            let billing = Browser(t.app)
            try await billing.signIn("cash@alpha.test")
            let users = try await billing.get("/users")
            #expect(users.status == .ok)
            #expect(users.text.contains("Super admin"))
            #expect(try await billing.get("/roles").status == .forbidden)
        }
    }

    @Test func anInvitationArrivesInTheOutboxAndIsAcceptedWithAStrongPassword() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let role = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "billing_ops").first())
            let invite = try await t.api(.POST, "/api/v1/users", token: tenant.token, json: ["email": "Mina@Alpha.test", "name": "Mina Akter", "role_id": role.id!.uuidString])
            #expect(invite.status == .created)
            #expect(invite.json["status"] as? String == "invited")
            // No SMTP configured: after delivery is attempted the message is held in the outbox.
            _ = try await JobWorkerHarness.drain(t)
            let message = try #require(try await OutboxMessage.query(on: t.db).filter(\.$recipient == "mina@alpha.test").first())
            #expect(message.state == .held)
            // Sending again replaces the link: the first one stops working.
            let again = try await t.api(.POST, "/api/v1/users/\(invite.json["id"] as! String)/invitation", token: tenant.token)
            #expect(again.status == .accepted)
            _ = try await JobWorkerHarness.drain(t)
            let messages = try await OutboxMessage.query(on: t.db).filter(\.$recipient == "mina@alpha.test").sort(\.$createdAt).all()
            #expect(messages.count == 2)
            let oldPath = try #require(try t.linkPath(in: message, containing: "/invitations/"))
            #expect(try await Browser(t.app).get(oldPath).status == .notFound)
            let latest = try #require(messages.last(where: { $0.id != message.id }))
            let path = try #require(try t.linkPath(in: latest, containing: "/invitations/"))

            let browser = Browser(t.app)
            #expect(try await browser.get(path).status == .ok)
            let weak = try await browser.post(path, [("password", "mina akter 2026!"), ("password_confirmation", "mina akter 2026!")])
            #expect(weak.status == .unprocessableEntity)
            #expect(weak.text.contains("name"))
            let common = try await browser.post(path, [("password", "qwerty123456"), ("password_confirmation", "qwerty123456")])
            #expect(common.text.contains("common"))
            let accepted = try await browser.post(path, [("password", "tea garden sunrise 7"), ("password_confirmation", "tea garden sunrise 7")])
            #expect(accepted.status == .seeOther)
            #expect(try await browser.get("/").status == .ok)
            // The link works once.
            #expect(try await Browser(t.app).get(path).status == .conflict)
            let user = try #require(try await User.query(on: t.db).filter(\.$email == "mina@alpha.test").first())
            #expect(user.status == .active)
            #expect(user.emailVerifiedAt != nil)
            #expect(try await t.api(.POST, "/api/v1/users/\(user.id!)/invitation", token: tenant.token).status == .conflict)
        }
    }

    @Test func withSMTPConfiguredTheOutboxDeliversAndLogsTheAttempt() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            _ = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token,
                                json: ["email": ["host": "smtp.alpha.test", "port": 2525, "security": "none", "from_address": "noc@alpha.test"]])
            try await Credentials.requestPasswordReset(email: tenant.admin.email, origin: .init(ip: "10.0.0.1", userAgent: nil),
                                                       services: t.services, on: t.db)
            _ = try await JobWorkerHarness.drain(t)
            #expect(t.sent.emails.count == 1)
            let (email, config) = try #require(t.sent.emails.first)
            #expect(config.host == "smtp.alpha.test" && config.port == 2525)
            #expect(email.to.first?.address == tenant.admin.email)
            #expect(email.textBody.contains("/password-reset/"))
            let message = try #require(try await OutboxMessage.query(on: t.db).first())
            #expect(message.state == .sent)
            #expect(try await DeliveryAttempt.query(on: t.db).count() == 1)
        }
    }
}

enum JobWorkerHarness {
    static func drain(_ t: TestApp) async throws -> Int {
        try await Jobs.JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).drain()
    }
}
