import Fluent
import Foundation
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("Account rules", .serialized)
struct AccountRulesTests {
    @Test func sessionsEndAfterTwelveHoursEvenWhenActive() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            for _ in 0..<24 {  // 24 × 29 min = 11 h 36 min
                t.clock.advance(by: 29 * 60)
                #expect(try await browser.get("/").status == .ok)
            }
            t.clock.advance(by: 29 * 60)  // 12 h 5 min after sign-in
            #expect(try await browser.get("/").status == .seeOther)
        }
    }

    @Test func anUnverifiedEmailMustBeVerifiedBeforeSigningIn() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let user = try await t.makeUser(in: tenant, role: .support, email: "late@alpha.test")
            user.emailVerifiedAt = nil
            try await user.save(on: t.db)
            let refused = try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": "late@alpha.test", "password": testPassword, "name": "x", "abilities": ["*"]])
            #expect(refused.status == .forbidden)
            #expect((refused.json["detail"] as? String)?.contains("Verify your email") == true)
            let message = try #require(try await OutboxMessage.query(on: t.db).filter(\.$purpose == "email_verification").first())
            let path = try #require(try t.linkPath(in: message, containing: "/verify-email/"))
            let verified = try await Browser(t.app).get(path)
            #expect(verified.status == .seeOther)
            #expect(try await t.api(.POST, "/api/v1/auth/tokens", json: ["email": "late@alpha.test", "password": testPassword, "name": "x",
                                                                       "abilities": ["*"]]).status == .created)
        }
    }

    @Test func branchLimitedStaffSeeOnlyTheirBranches() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let north = try await t.api(.POST, "/api/v1/branches", token: tenant.token, json: ["name": "Dhaka North", "code": "DHN"])
            let south = try await t.api(.POST, "/api/v1/branches", token: tenant.token, json: ["name": "Dhaka South", "code": "DHS"])
            let northID = try #require(north.json["id"] as? String)
            let southID = try #require(south.json["id"] as? String)
            let manager = try await t.makeUser(in: tenant, role: .branchAdmin, email: "north@alpha.test")
            let update = try await t.api(.PATCH, "/api/v1/users/\(manager.id!)", token: tenant.token, json: ["branch_ids": [northID]])
            #expect(update.status == .ok)
            #expect(update.json["branch_ids"] as? [String] == [northID])
            let token = try await t.makeToken(email: "north@alpha.test", abilities: ["*"])
            let list = try await t.api(.GET, "/api/v1/branches", token: token)
            #expect(list.data.compactMap { $0["name"] as? String } == ["Dhaka North"])
            #expect(try await t.api(.GET, "/api/v1/branches/\(southID)", token: token).status == .notFound)
            #expect(try await t.api(.GET, "/api/v1/branches/\(northID)", token: token).status == .ok)
        }
    }

    @Test func theBranchSwitcherNarrowsTheViewToAnAllowedBranch() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let north = try await t.api(.POST, "/api/v1/branches", token: tenant.token, json: ["name": "Dhaka North", "code": "DHN"])
            let northID = try #require(north.json["id"] as? String)
            let other = try await t.makeTenant("Beta Broadband")
            let foreign = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == other.id).first())
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let all = try await browser.get("/branches")
            #expect(all.text.contains("Head office") && all.text.contains("Dhaka North"))
            #expect(all.text.contains("All branches"))
            #expect(try await browser.post("/switch-branch", [("branch_id", northID)]).status == .seeOther)
            let one = try await browser.get("/branches")
            #expect(one.text.contains(">Dhaka North</a>") && !one.text.contains(">Head office</a>"))
            #expect(try await browser.post("/switch-branch", [("branch_id", foreign.id!.uuidString)]).status == .notFound)
            _ = try await browser.get("/branches")
            #expect(try await browser.post("/switch-branch", [("branch_id", "")]).status == .seeOther)
            #expect(try await browser.get("/branches").text.contains(">Head office</a>"))
        }
    }

    @Test func theAuditPageFiltersByActionPersonAndDay() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            _ = try await t.api(.POST, "/api/v1/branches", token: tenant.token, json: ["name": "Sylhet", "code": "SYL"])
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let branchOnly = try await browser.get("/audit?action=branch.")
            #expect(branchOnly.text.contains("Created branch Sylhet"))
            #expect(!branchOnly.text.contains("Signed in"))
            let f = DateFormatter()
            f.dateFormat = "yyyy-MM-dd"
            f.timeZone = TimeZone(identifier: "Asia/Dhaka")
            let today = f.string(from: t.clock.date)
            let tomorrow = f.string(from: t.clock.date.addingTimeInterval(86_400))
            #expect(try await browser.get("/audit?from=\(today)&to=\(today)").text.contains("Created branch Sylhet"))
            #expect(!(try await browser.get("/audit?from=\(tomorrow)").text.contains("Created branch Sylhet")))
            #expect(try await browser.get("/audit?from=yesterday").status == .unprocessableEntity)
        }
    }

    @Test func nobodyGrantsWhatTheyDoNotHold() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            try await t.makeUser(in: tenant, role: .branchAdmin, email: "boss@alpha.test")
            let token = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])
            let escalate = try await t.api(.POST, "/api/v1/roles", token: token, json: ["name": "Platform", "permissions": ["organizations.manage"]])
            #expect(escalate.status == .unprocessableEntity)
            #expect(escalate.errorFields == ["permissions[0]"])
            let unknown = try await t.api(.POST, "/api/v1/roles", token: token, json: ["name": "Odd", "permissions": ["customers.read", "fly.plane"]])
            #expect(unknown.errorFields == ["permissions[1]"])
            let cashier = try await t.api(.POST, "/api/v1/roles", token: token, json: ["name": "Cashier", "permissions": ["payments.read", "payments.write"]])
            #expect(cashier.status == .created)
            #expect(cashier.json["key"] as? String == "cashier")
            #expect(try await t.api(.POST, "/api/v1/roles", token: token, json: ["name": "Cashier", "permissions": []]).errorFields == ["name"])

            let superRole = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "super_admin").first())
            let touchSuper = try await t.api(.PATCH, "/api/v1/roles/\(superRole.id!)", token: tenant.token, json: ["permissions": ["customers.read"]])
            #expect(touchSuper.status == .conflict)
            let me = try #require(try await User.query(on: t.db).filter(\.$email == "boss@alpha.test").first())
            let giveSuper = try await t.api(.PATCH, "/api/v1/users/\(me.id!)", token: token, json: ["role_id": superRole.id!.uuidString])
            #expect(giveSuper.status == .unprocessableEntity)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action == "role.created").count()
            #expect(audit == 1)
        }
    }

    @Test func organizationsAreCreatedByThePlatformAdministratorAndRenamedByTheirAdmins() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net", platformAdmin: true)
            let created = try await t.api(.POST, "/api/v1/organizations", token: tenant.token, json: ["name": "Sylhet Fiber", "time_zone": "Asia/Dhaka"])
            #expect(created.status == .created)
            #expect(created.json["slug"] as? String == "sylhet-fiber")
            #expect(try await t.api(.POST, "/api/v1/organizations", token: tenant.token, json: ["name": "Sylhet Fiber"]).errorFields == ["slug"])
            #expect(try await t.api(.POST, "/api/v1/organizations", token: tenant.token, json: ["name": "X", "time_zone": "Mars/Olympus"]).errorFields == ["time_zone"])
            #expect(try await t.api(.POST, "/api/v1/organizations", token: tenant.token, json: ["name": "Y", "currency": "TAKA"]).errorFields == ["currency"])
            try await t.makeUser(in: tenant, role: .branchAdmin, email: "boss@alpha.test")
            let token = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])
            #expect(try await t.api(.POST, "/api/v1/organizations", token: token, json: ["name": "Mine"]).status == .forbidden)
            let renamed = try await t.api(.PATCH, "/api/v1/organizations/\(tenant.id)", token: token, json: ["name": "Alpha Net Ltd", "time_zone": "Asia/Kolkata"])
            #expect(renamed.status == .ok)
            #expect(renamed.json["time_zone"] as? String == "Asia/Kolkata")
            let other = try #require(created.json["id"] as? String)
            #expect(try await t.api(.PATCH, "/api/v1/organizations/\(other)", token: token, json: ["name": "Hijack"]).status == .notFound)
        }
    }
}
