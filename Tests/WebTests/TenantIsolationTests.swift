import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

/// Walks every documented `/api/v1` route: organization A's token must never read, change or
/// delete organization B's objects. A new route is covered automatically; a route whose
/// resource has no fixture fails the test until one is added here.
@Suite("Tenant isolation", .serialized)
struct TenantIsolationTests {
    @Test func oneOrganizationCannotReachAnothersObjectsThroughAnyRoute() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let b = try await t.makeTenant("Beta Broadband")
            let bToken = try #require(try await APIToken.query(on: t.db).filter(\.$organizationID == b.id).first())
            let bBranch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == b.id).first())
            let bRole = try #require(try await Role.query(on: t.db).filter(\.$organizationID == b.id).filter(\.$key == "support").first())
            let bUser = try await t.makeUser(in: b, role: .support, email: "agent@beta.test")
            _ = try await t.api(.PATCH, "/api/v1/settings", token: b.token, json: ["email": ["host": "smtp.beta.test", "password": "beta-secret"]])

            // A branch admin of A walks every route (A's super admin is checked the same way in
            // RoleHierarchyTests, and the platform administrator's crossing below).
            _ = try await t.makeUser(in: a, role: .branchAdmin, email: "boss@alpha.test")
            let aToken = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])

            let crm = try await CRMFixtures.make(t, in: b)
            var fixtures: [String: String] = [
                "/auth/tokens/{id}": bToken.id!.uuidString,
                "/branches/{id}": bBranch.id!.uuidString,
                "/roles/{id}": bRole.id!.uuidString,
                "/users/{id}": bUser.id!.uuidString,
                "/users/{id}/invitation": bUser.id!.uuidString,
                "/users/{id}/sessions": bUser.id!.uuidString,
                "/users/{id}/password-reset": bUser.id!.uuidString,
                "/organizations/{id}": b.id.uuidString,
            ]
            fixtures.merge(crm.fixtures) { a, _ in a }
            let bodies: [String: Any] = ["name": "Taken over", "permissions": ["customers.read"], "status": "disabled",
                                         "display_name": "Taken over", "line1": "Taken over", "body": "Taken over", "reason": "Taken over",
                                         "plan_id": crm.plan.id!.uuidString, "addon_id": crm.addon.id!.uuidString, "kind": "vip",
                                         "amount": ["amount": "1.00", "currency": "BDT"], "method": "cash",
                                         "service": "ppp", "session_id": "*1", "router_id": crm.router.id!.uuidString,
                                         "drift_ids": [UUID().uuidString], "decision": "correct"]
            let bIDs = Set(fixtures.values.flatMap { $0.split(separator: "/").map { $0.lowercased() } }.filter { $0.count == 36 })

            var walked = 0
            for op in t.app.apiOperations where op.authenticated {
                if op.path.contains("{") {
                    let id = try #require(fixtures[op.path], "no other-tenant fixture for \(op.method) \(op.path): add one to this test")
                    let path = "/api/v1" + CRMFixtures.fill(op.path, id)
                    let result = try await t.api(op.method, path, token: aToken, json: try fittingBody(for: op, from: bodies))
                    #expect(result.status == .notFound, "\(op.method) \(op.path) with another organization's id answered \(result.status): \(result.text)")
                    walked += 1
                } else if op.method == .GET {
                    let result = try await t.api(.GET, "/api/v1" + op.path, token: aToken)
                    // The organization-wide books are not a branch admin's (LedgerTests checks their tenancy).
                    let allowed = op.permission.map { SystemRole.branchAdmin.permissions.contains($0) } ?? true
                    #expect(result.status == (allowed ? .ok : .forbidden), "\(op.path): \(result.status)")
                    let leaked = bIDs.filter { result.text.lowercased().contains($0) }
                    #expect(leaked.isEmpty, "GET \(op.path) shows another organization's ids \(leaked)")
                    #expect(!result.text.contains("beta-secret") && !result.text.contains("smtp.beta.test"), "GET \(op.path) leaks settings")
                    walked += 1
                }
            }
            #expect(walked >= 12)

            // Nothing of B changed.
            #expect(try await Branch.find(bBranch.id, on: t.db)?.name == bBranch.name)
            #expect(try await User.find(bUser.id, on: t.db)?.status == .active)
            #expect(try await APIToken.find(bToken.id, on: t.db)?.revokedAt == nil)
            #expect(try await Role.find(bRole.id, on: t.db)?.name == bRole.name)
            let bSettings = try await Settings.load(organizationID: b.id, services: t.services, on: t.db)
            #expect(bSettings.string("email", "host") == "smtp.beta.test")
            try await crm.expectUnchanged(t)
        }
    }

    /// The same walk for reseller staff: a reseller's user reaches only its own subtree's
    /// customers and leads, never another reseller's or the organization's direct ones.
    @Test func aResellerUserCannotReachCustomersOutsideItsSubtree() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: a.admin)
            let mine = try await Resellers.create(ctx, .init(name: "Mirpur Franchise"), services: t.services, on: t.db)
            _ = try await Customers.create(ctx, .init(displayName: "Own Customer", phones: ["01799999999"], resellerID: mine.id!.uuidString),
                                           services: t.services, on: t.db)
            // Everything the fixtures create belongs to another reseller or to no reseller.
            let crm = try await CRMFixtures.make(t, in: a)
            let staff = try await t.makeUser(in: a, role: .reseller, email: "franchise@alpha.test")
            staff.resellerID = mine.id
            try await staff.save(on: t.db)
            let token = try await t.makeToken(email: "franchise@alpha.test", abilities: ["*"])
            let bodies: [String: Any] = ["name": "Taken over", "display_name": "Taken over", "line1": "Taken over", "body": "Taken over",
                                         "reason": "Taken over", "plan_id": crm.plan.id!.uuidString, "addon_id": crm.addon.id!.uuidString, "kind": "vip",
                                         "amount": ["amount": "1.00", "currency": "BDT"], "method": "cash",
                                         "service": "ppp", "session_id": "*1", "router_id": crm.router.id!.uuidString,
                                         "drift_ids": [UUID().uuidString], "decision": "correct"]
            var walked = 0
            for op in t.app.apiOperations where op.authenticated && op.path.contains("{") {
                guard let id = crm.resellerScopedFixtures[op.path] else { continue }
                let result = try await t.api(op.method, "/api/v1" + CRMFixtures.fill(op.path, id), token: token, json: try fittingBody(for: op, from: bodies))
                #expect(result.status == .notFound || result.status == .forbidden,
                        "reseller staff: \(op.method) \(op.path) answered \(result.status): \(result.text)")
                walked += 1
            }
            #expect(walked >= 20)

            // Again with every permission in the role: the reseller role lacks most write
            // permissions, so above many answers are the role's 403. Here the refusal has to come
            // from the subtree (or a whole-organization rule), and nothing may change.
            let everything = Role(organizationID: a.id, key: "reseller_everything", name: "Reseller with every permission",
                                  permissions: Set(Permission.allCases), isSystem: false)
            try await everything.create(on: t.db)
            staff.roleID = everything.id!
            try await staff.save(on: t.db)
            let strong = try await t.makeToken(email: "franchise@alpha.test", abilities: ["*"])
            var notFound = 0
            for op in t.app.apiOperations where op.authenticated && op.path.contains("{") {
                guard let id = crm.resellerScopedFixtures[op.path] else { continue }
                let result = try await t.api(op.method, "/api/v1" + CRMFixtures.fill(op.path, id), token: strong, json: try fittingBody(for: op, from: bodies))
                #expect(result.status == .notFound || result.status == .forbidden,
                        "reseller staff with every permission: \(op.method) \(op.path) answered \(result.status): \(result.text)")
                if result.status == .notFound { notFound += 1 }
            }
            #expect(notFound * 10 >= walked * 8, "most refusals are the subtree's 404 (\(notFound) of \(walked))")
            try await crm.expectUnchanged(t)
            staff.roleID = try #require(try await Role.query(on: t.db).filter(\.$organizationID == a.id).filter(\.$key == SystemRole.reseller.rawValue).first()?.id)
            try await staff.save(on: t.db)

            for path in ["/customers", "/leads", "/resellers", "/customers/export"] {
                let result = try await t.api(.GET, "/api/v1" + path, token: token)
                #expect(result.status == .ok, "\(path): \(result.status)")
                #expect(!result.text.contains("Fixture"), "GET \(path) shows records outside the subtree: \(result.text)")
            }
            let own = try await t.api(.GET, "/api/v1/customers", token: token)
            #expect(own.data.map { $0["display_name"] as? String } == ["Own Customer"])
            try await crm.expectUnchanged(t)
        }
    }

    @Test func aPlatformAdministratorActsInAnotherOrganizationOnlyByNamingItAndIsAudited() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net", platformAdmin: true)
            let b = try await t.makeTenant("Beta Broadband")
            let bBranch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == b.id).first())
            let home = try await t.api(.GET, "/api/v1/branches/\(bBranch.id!)", token: a.token)
            #expect(home.status == .notFound)
            let crossing = try await t.api(.GET, "/api/v1/branches/\(bBranch.id!)", token: a.token, headers: ["X-Organization": b.organization.slug])
            #expect(crossing.status == .ok)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$action == "tenant.crossed").all()
            #expect(audit.count == 1)
            #expect(audit.first?.organizationID == b.id)
            #expect(audit.first?.actorUserID == a.admin.id)

            // Anyone else naming another organization finds nothing (a branch admin here; an
            // organization's own super admin in RoleHierarchyTests).
            _ = try await t.makeUser(in: a, role: .branchAdmin, email: "boss@alpha.test")
            let token = try await t.makeToken(email: "boss@alpha.test", abilities: ["*"])
            let refused = try await t.api(.GET, "/api/v1/branches", token: token, headers: ["X-Organization": b.organization.slug])
            #expect(refused.status == .notFound)
        }
    }
}
