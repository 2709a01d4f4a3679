import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import SQLKit
import Testing
import TestSupport
import Vapor
@testable import Web

/// Defects 3–5 of the attack report: a branch admin could demote or disable a super admin, lift
/// their own branch limit, and every organization's super admin could act in other organizations.
@Suite("Role hierarchy", .serialized)
struct RoleHierarchyTests {
    struct Staff {
        var label: String
        var user: User
        var token: String
        var permissions: Set<Permission>
    }

    /// One organization with a person of every seeded role, plus a platform administrator; each
    /// has a live browser session and an API token.
    static func seedStaff(_ t: TestApp) async throws -> (Tenant, [Staff]) {
        let tenant = try await t.makeTenant("Alpha Net")
        let reseller = try await t.api(.POST, "/api/v1/resellers", token: tenant.token, json: ["name": "Mirpur Link"])
        var staff: [Staff] = []
        for role in SystemRole.allCases {
            let email = "\(role.rawValue)@alpha.test"
            let user = try await t.makeUser(in: tenant, role: role, email: email, name: "Person \(role.rawValue)")
            if role == .reseller {
                user.resellerID = UUID(uuidString: reseller.json["id"] as? String ?? "")
                try await user.save(on: t.db)
            }
            staff.append(Staff(label: role.rawValue, user: user, token: "", permissions: role.permissions))
        }
        let operatorUser = try await t.makeUser(in: tenant, role: .superAdmin, email: "operator@alpha.test", name: "Platform Operator")
        operatorUser.platformAdmin = true
        try await operatorUser.save(on: t.db)
        staff.append(Staff(label: "platform admin", user: operatorUser, token: "",
                           permissions: SystemRole.superAdmin.permissions.union([.organizationsManage])))
        for index in staff.indices {
            staff[index].token = try await t.makeToken(email: staff[index].user.email, abilities: ["*"])
            _ = try await Sessions.start(for: staff[index].user, twoFactorPassed: true, origin: .init(ip: "10.0.0.1", userAgent: nil),
                                         services: t.services, on: t.db)
        }
        return (tenant, staff)
    }

    struct Snapshot: Equatable {
        var name: String
        var status: UserStatus
        var roleID: UUID
        var platformAdmin: Bool
        var branches: Set<UUID>
        var sessions: Int
        var liveTokens: Int
    }

    static func snapshot(_ user: User, _ t: TestApp) async throws -> Snapshot {
        let fresh = try #require(try await User.find(user.id, on: t.db))
        return Snapshot(name: fresh.name, status: fresh.status, roleID: fresh.roleID, platformAdmin: fresh.platformAdmin,
                        branches: Set(try await UserBranch.query(on: t.db).filter(\.$userID == user.id!).all().map(\.branchID)),
                        sessions: try await StaffSession.query(on: t.db).filter(\.$userID == user.id!).count(),
                        liveTokens: try await APIToken.query(on: t.db).filter(\.$userID == user.id!).filter(\.$revokedAt == nil).count())
    }

    @Test func nobodyChangesSomeoneWhoseRoleHoldsAPermissionTheyLack() async throws {
        try await withApp { t in
            // setup
            let (tenant, staff) = try await Self.seedStaff(t)
            let weakest = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "support").first())
            let branch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == tenant.id).first())
            var walked = 0
            for actor in staff {
                for target in staff where !target.permissions.isSubset(of: actor.permissions) {
                    let before = try await Self.snapshot(target.user, t)
                    let tokenID = try #require(try await APIToken.query(on: t.db).filter(\.$userID == target.user.id!).first()?.id)
                    let id = target.user.id!.uuidString
                    // MUT: every user-management route, by API
                    let attempts: [(HTTPMethod, String, [String: Any]?)] = [
                        (.PATCH, "/api/v1/users/\(id)", ["name": "Taken Over"]),
                        (.PATCH, "/api/v1/users/\(id)", ["status": "disabled"]),
                        (.PATCH, "/api/v1/users/\(id)", ["role_id": weakest.id!.uuidString]),
                        (.PATCH, "/api/v1/users/\(id)", ["branch_ids": [branch.id!.uuidString]]),
                        (.PATCH, "/api/v1/users/\(id)", ["platform_admin": false]),
                        (.POST, "/api/v1/users/\(id)/invitation", nil),
                        (.POST, "/api/v1/users/\(id)/password-reset", nil),
                        (.DELETE, "/api/v1/users/\(id)/sessions", nil),
                        (.DELETE, "/api/v1/auth/tokens/\(tokenID)", nil),
                    ]
                    for (method, path, body) in attempts {
                        let result = try await t.api(method, path, token: actor.token, json: body)
                        // validate: refused (403, or 404 for a token they may not even see)
                        #expect([.forbidden, .notFound].contains(result.status),
                                "\(actor.label) → \(target.label): \(method) \(path) answered \(result.status) \(result.text)")
                        walked += 1
                    }
                    #expect(try await Self.snapshot(target.user, t) == before, "\(actor.label) changed \(target.label)")
                }
            }
            #expect(walked >= 9 * 10)
            #expect(try await JobRecordState.count(kind: "platform.send_password_reset", t) == 0)

            // The same through the pages, for the branch admin against the super admin.
            let branchAdmin = Browser(t.app)
            try await branchAdmin.signIn("branch_admin@alpha.test")
            let owner = try #require(staff.first { $0.label == "super_admin" })
            let before = try await Self.snapshot(owner.user, t)
            _ = try await branchAdmin.get("/users/\(owner.user.id!)")
            for (path, fields) in [("/users/\(owner.user.id!)", [("name", "Taken Over"), ("role_id", weakest.id!.uuidString), ("status", "disabled")]),
                                   ("/users/\(owner.user.id!)/sessions", []), ("/users/\(owner.user.id!)/invitation", []),
                                   ("/users/\(owner.user.id!)/password-reset", [])] {
                let result = try await branchAdmin.post(path, fields)
                #expect([.forbidden, .unprocessableEntity].contains(result.status), "\(path): \(result.status)")
            }
            #expect(try await Self.snapshot(owner.user, t) == before)

            // Control: a less powerful person is still managed as before.
            let support = try #require(staff.first { $0.label == "support" })
            let admin = try #require(staff.first { $0.label == "branch_admin" })
            // An admin helps someone locked out by sending a reset link, which they never see.
            #expect(try await t.api(.POST, "/api/v1/users/\(support.user.id!)/password-reset", token: admin.token).status == .accepted)
            try await t.drainJobs()
            let reset = try #require(try await OutboxMessage.query(on: t.db).filter(\.$purpose == "password_reset").first())
            #expect(reset.recipient == support.user.email && !reset.body.contains("/password-reset/"))
            #expect(try await t.api(.PATCH, "/api/v1/users/\(support.user.id!)", token: admin.token, json: ["status": "disabled"]).status == .ok)
            let ended = try await t.api(.DELETE, "/api/v1/users/\(support.user.id!)/sessions", token: admin.token)
            #expect(ended.status == .noContent)
        }
    }

    @Test func nobodyChangesARoleHoldingAPermissionTheyLack() async throws {
        try await withApp { t in
            // setup: an owner-made role with the security rules, held by someone
            let tenant = try await t.makeTenant("Alpha Net")
            let made = try await t.api(.POST, "/api/v1/roles", token: tenant.token,
                                       json: ["name": "Security officer", "permissions": ["security.manage", "settings.read", "audit.read"]])
            let roleID = try #require(made.json["id"] as? String)
            try await t.makeUser(in: tenant, role: .branchAdmin, email: "boss@alpha.test")
            let boss = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])
            // MUT: the branch admin strips the role (which would demote its holders)
            let stripped = try await t.api(.PATCH, "/api/v1/roles/\(roleID)", token: boss, json: ["permissions": ["audit.read"]])
            // validate
            #expect(stripped.status == .forbidden)
            let role = try #require(try await Role.find(UUID(uuidString: roleID), on: t.db))
            #expect(role.permissions.contains(.securityManage))
            // Roles within their reach stay theirs to change.
            let support = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "support").first())
            #expect(try await t.api(.PATCH, "/api/v1/roles/\(support.id!)", token: boss, json: ["name": "Helpdesk"]).status == .ok)
        }
    }

    @Test func branchLimitedStaffGrantOnlyTheirOwnBranchesAndNeverWidenTheirOwn() async throws {
        try await withApp { t in
            // setup: a branch admin limited to Head office; a second branch they may not see
            let tenant = try await t.makeTenant("Alpha Net")
            let headOffice = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == tenant.id).first())
            let other = try await t.api(.POST, "/api/v1/branches", token: tenant.token, json: ["name": "Sylhet"])
            let sylhet = try #require(other.json["id"] as? String)
            let boss = try await t.makeUser(in: tenant, role: .branchAdmin, email: "boss@alpha.test")
            try await UserBranch(organizationID: tenant.id, userID: boss.id!, branchID: headOffice.id!).create(on: t.db)
            let token = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])
            let support = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "support").first())
            let unlimited = try await t.makeUser(in: tenant, role: .support, email: "everywhere@alpha.test")

            // MUT + validate: no widening of their own limit
            for branches in [[], [headOffice.id!.uuidString, sylhet], [sylhet]] {
                let result = try await t.api(.PATCH, "/api/v1/users/\(boss.id!)", token: token, json: ["branch_ids": branches])
                #expect(result.status == .unprocessableEntity, "\(branches): \(result.status)")
            }
            #expect(Set(try await UserBranch.query(on: t.db).filter(\.$userID == boss.id!).all().map(\.branchID)) == [headOffice.id!])
            // Invitations: never less limited than themselves.
            for branches in [nil, [], [sylhet]] as [[String]?] {
                var body: [String: Any] = ["email": "new\(branches?.count ?? 9)@alpha.test", "name": "New Person", "role_id": support.id!.uuidString]
                if let branches { body["branch_ids"] = branches }
                let result = try await t.api(.POST, "/api/v1/users", token: token, json: body)
                #expect(result.status == .unprocessableEntity, "\(String(describing: branches)): \(result.status)")
                #expect(result.errorFields.contains { $0.hasPrefix("branch_ids") })
            }
            let invited = try await t.api(.POST, "/api/v1/users", token: token,
                                          json: ["email": "ok@alpha.test", "name": "New Person", "role_id": support.id!.uuidString,
                                                 "branch_ids": [headOffice.id!.uuidString]])
            #expect(invited.status == .created)
            // Someone who works in every branch is less limited than they are: out of reach.
            let reach = try await t.api(.PATCH, "/api/v1/users/\(unlimited.id!)", token: token, json: ["status": "disabled"])
            #expect(reach.status == .forbidden)
            // The page keeps what was typed and says why.
            let page = Browser(t.app)
            try await page.signIn("boss@alpha.test")
            _ = try await page.get("/users/invite")
            let form = try await page.post("/users/invite", [("email", "typed@alpha.test"), ("name", "Typed Name"), ("role_id", support.id!.uuidString)])
            #expect(form.status == .unprocessableEntity)
            #expect(form.text.contains("Typed Name"))
            #expect(form.text.contains("at least one of your branches"))
        }
    }

    @Test func anOrganizationsSuperAdminStaysInsideItOnlyAPlatformAdministratorCrosses() async throws {
        try await withApp { t in
            // setup
            let platform = try await t.makeTenant("Meghna Host", platformAdmin: true)
            let alpha = try await t.makeTenant("Alpha Net")
            let beta = try await t.makeTenant("Beta Broadband")
            let betaBranch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == beta.id).first())

            // MUT + validate: Alpha's own super admin cannot name Beta, list it, or create organizations.
            let crossing = try await t.api(.GET, "/api/v1/branches/\(betaBranch.id!)", token: alpha.token, headers: ["X-Organization": beta.organization.slug])
            #expect(crossing.status == .notFound)
            let listed = try await t.api(.GET, "/api/v1/organizations", token: alpha.token)
            #expect(listed.data.compactMap { $0["slug"] as? String } == [alpha.organization.slug])
            #expect(try await t.api(.POST, "/api/v1/organizations", token: alpha.token, json: ["name": "Gamma"]).status == .forbidden)
            let me = try await t.api(.GET, "/api/v1/me", token: alpha.token)
            #expect((me.json["permissions"] as? [String])?.contains("organizations.manage") == false)
            #expect((me.json["permissions"] as? [String])?.contains("security.manage") == true)
            // Jobs of another organization stay out of reach (the Jobs page is scoped to Alpha).
            let betaJob = try #require(try await t.services.jobs.enqueue("test.other", payload: ["x": 1], organizationID: beta.id, on: t.db))
            let browser = Browser(t.app)
            try await browser.signIn(alpha.admin.email)
            let jobs = try await browser.get("/jobs")
            #expect(!jobs.text.contains(betaJob.uuidString))
            _ = try await browser.post("/jobs/\(betaJob)/discard", [])
            #expect(try await JobRecordState.of(betaJob, t) == "available")
            // Giving the super admin role makes an organization super admin, never a platform one.
            let superRole = try #require(try await Role.query(on: t.db).filter(\.$organizationID == alpha.id).filter(\.$key == "super_admin").first())
            let invite = try await t.api(.POST, "/api/v1/users", token: alpha.token,
                                         json: ["email": "co@alpha.test", "name": "Co Owner", "role_id": superRole.id!.uuidString])
            #expect(invite.status == .created)
            #expect(invite.json["platform_admin"] as? Bool == false)
            let promote = try await t.api(.PATCH, "/api/v1/users/\(alpha.admin.id!)", token: alpha.token, json: ["platform_admin": true])
            #expect(promote.status == .unprocessableEntity)

            // The platform administrator crosses by naming the organization, audited.
            let allowed = try await t.api(.GET, "/api/v1/branches/\(betaBranch.id!)", token: platform.token, headers: ["X-Organization": beta.organization.slug])
            #expect(allowed.status == .ok)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "tenant.crossed").count() == 1)
            // Only a platform administrator makes another.
            let made = try await t.api(.PATCH, "/api/v1/users/\(alpha.admin.id!)", token: platform.token,
                                       json: ["platform_admin": true], headers: ["X-Organization": alpha.organization.slug])
            #expect(made.status == .ok)
            #expect(made.json["platform_admin"] as? Bool == true)
        }
    }

    @Test func existingInstallationsKeepOneOperatorWhenMigrated() async throws {
        try await withApp { t in
            // setup: two organizations as an older version made them (no platform flag yet)
            let first = try await t.makeTenant("First ISP")
            let second = try await t.makeTenant("Second ISP")
            let migration = try #require(PlatformMigrations.all.first { $0.name.hasSuffix("AddPlatformAdministrators") })
            // One connection throughout: another connection of the pool could still read the
            // table as it was (a SQLite read snapshot), which made this test fail now and then
            // with "duplicate column name".
            let gone = try await t.db.transaction { tx in
                try await migration.revert(on: tx).get()
                let gone = try await !Self.columns(of: "users", on: tx).contains("platform_admin")
                // MUT
                try await migration.prepare(on: tx).get()
                return gone
            }
            #expect(gone, "the revert took the column away")
            // validate
            #expect(try await User.find(first.admin.id, on: t.db)?.platformAdmin == true)
            #expect(try await User.find(second.admin.id, on: t.db)?.platformAdmin == false)
        }
    }
}

extension RoleHierarchyTests {
    static func columns(of table: String, on db: any Database) async throws -> [String] {
        let sql = db as! any SQLDatabase
        if sql.dialect.name == "postgresql" {
            return try await sql.raw("SELECT column_name FROM information_schema.columns WHERE table_name = \(bind: table)").all()
                .map { try $0.decode(column: "column_name", as: String.self) }
        }
        return try await sql.raw("SELECT name FROM pragma_table_info(\(bind: table))").all().map { try $0.decode(column: "name", as: String.self) }
    }
}

enum JobRecordState {
    static func of(_ id: UUID, _ t: TestApp) async throws -> String? {
        try await Jobs.JobRecord.find(id, on: t.db)?.state
    }

    static func count(kind: String, _ t: TestApp) async throws -> Int {
        try await Jobs.JobRecord.query(on: t.db).filter(\.$kind == kind).count()
    }
}
