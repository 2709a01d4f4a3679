import CRM
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

/// Walks every page route that takes an id, as the API walk does: staff of organization A get
/// 404 for organization B's ids on every page and every form post, and nothing of B changes. A
/// new page route is covered automatically; one whose id has no fixture here fails the test
/// until one is added.
@Suite("Page route walk", .serialized)
struct PageRouteWalkTests {
    /// Parameters that are not ids of tenant rows: one-time link tokens and the interest form's
    /// organization slug (public pages, checked in their own tests), settings section names and
    /// job actions (words, not rows).
    static let notIDs: Set<String> = ["token", "slug", "section", "action"]

    @Test func anotherOrganizationsIDsAreNotFoundOnEveryPageAndForm() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let b = try await t.makeTenant("Beta Broadband")
            let bCtx = try await t.context(of: b.admin)
            let bToken = try #require(try await APIToken.query(on: t.db).filter(\.$organizationID == b.id).first())
            let bBranch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == b.id).first())
            let bRole = try #require(try await Role.query(on: t.db).filter(\.$organizationID == b.id).filter(\.$key == "support").first())
            let bUser = try await t.makeUser(in: b, role: .support, email: "agent@beta.test")
            // An invitation puts a message in B's outbox and its delivery job in the queue.
            let invited = try await t.api(.POST, "/api/v1/users", token: b.token,
                                          json: ["email": "new@beta.test", "name": "New Agent", "role_id": bRole.id!.uuidString])
            #expect(invited.status == .created, "\(invited.text)")
            let bMessage = try #require(try await OutboxMessage.query(on: t.db).filter(\.$organizationID == b.id).first())
            let bJob = try #require(try await JobRecord.query(on: t.db).filter(\.$organizationID == b.id).first())
            let crm = try await CRMFixtures.make(t, in: b)
            let bImport = try await CustomerImports.upload(bCtx, fileName: "beta.csv", bytes: Array("name,phone\nBeta One,01711111112\n".utf8),
                                                           services: t.services, on: t.db)
            let ids: [String: String] = [
                "customers": crm.customer.id!.uuidString, "addresses": crm.address.id!.uuidString, "contacts": crm.contact.id!.uuidString,
                "import": bImport.id!.uuidString, "leads": crm.lead.id!.uuidString, "resellers": crm.reseller.id!.uuidString,
                "areas": crm.area.id!.uuidString, "users": bUser.id!.uuidString, "roles": bRole.id!.uuidString,
                "branches": bBranch.id!.uuidString, "outbox": bMessage.id!.uuidString, "jobs": bJob.id!.uuidString,
                "tokens": bToken.id!.uuidString, "plans": crm.plan.id!.uuidString, "addons": crm.addon.id!.uuidString,
                "discounts": crm.discount.id!.uuidString, "tax-rules": crm.taxRule.id!.uuidString,
                "subscriptions": crm.subscription.id!.uuidString, "invoices": crm.invoice.id!.uuidString,
                "payments": crm.payment.id!.uuidString, "dunning-exclusions": crm.exclusion.id!.uuidString,
                "routers": crm.router.id!.uuidString, "bulk-actions": crm.bulkAction.id!.uuidString,
                "onboarding": crm.onboardingDraft.id!.uuidString,
            ]
            let fields: [(String, String)] = [
                ("name", "Taken over"), ("display_name", "Taken over"), ("kind", "note"), ("body", "Taken over"), ("line1", "Taken over"),
                ("phone1", "01799999999"), ("phone", "01799999999"), ("status", "lost"), ("lost_reason", "Taken over"), ("role_id", bRole.id!.uuidString),
                ("commission_rate", "1"), ("code", "TKN"), ("email", "taken@alpha.test"), ("permissions[]", "customers.read"),
            ]

            // A's branch admin walks every page route (A's super admin is checked the same way by
            // RoleHierarchyTests for people, and the API walk for everything else).
            _ = try await t.makeUser(in: a, role: .branchAdmin, email: "boss@alpha.test")
            let browser = Browser(t.app)
            try await browser.signIn("boss@alpha.test")
            var walked = 0
            var missing: [String] = []
            for route in t.app.routes.all where route.path.first != .constant("api") {
                let names = route.path.compactMap { if case .parameter(let name) = $0 { name } else { nil } }
                guard names.contains(where: { !Self.notIDs.contains($0) }) else { continue }
                var path = ""
                var previous = ""
                var complete = true
                for component in route.path {
                    switch component {
                    case .constant(let text):
                        path += "/" + text
                        previous = text
                    case .parameter(let name):
                        if name == "action" {
                            path += "/retry"
                        } else if let id = ids[previous] {
                            path += "/" + id
                        } else {
                            complete = false
                        }
                    default:
                        complete = false
                    }
                }
                let pattern = route.method.rawValue + " /" + route.path.map(\.description).joined(separator: "/")
                guard complete else {
                    missing.append(pattern)
                    continue
                }
                let result: APIResult
                if route.method == .GET {
                    result = try await browser.get(path)
                } else {
                    _ = try await browser.get("/")  // a page with the session's form token
                    result = try await browser.post(path, fields)
                }
                #expect(result.status == .notFound, "\(pattern) with another organization's id answered \(result.status)")
                #expect(!result.text.contains("Fixture"), "\(pattern) shows another organization's data")
                walked += 1
            }
            #expect(missing.isEmpty, "no other-organization fixture for \(missing): add one to this test")
            #expect(walked >= 30, "walked \(walked) page routes")

            // Nothing of B changed.
            try await crm.expectUnchanged(t)
            #expect(try await Branch.find(bBranch.id, on: t.db)?.name == bBranch.name)
            #expect(try await User.find(bUser.id, on: t.db)?.status == .active)
            #expect(try await APIToken.find(bToken.id, on: t.db)?.revokedAt == nil)
            #expect(try await Role.find(bRole.id, on: t.db)?.name == bRole.name)
            #expect(try await JobRecord.find(bJob.id, on: t.db)?.state == bJob.state)
            #expect(try await CustomerImport.find(bImport.id, on: t.db)?.status == bImport.status)
        }
    }

    /// Follows every link and form of every page a super admin reaches from the dashboard: each
    /// link and each form action is a registered route (GET for links, the form's method for
    /// forms), and no page answers with a server error.
    @Test func everyLinkAndFormLeadsToARoute() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            _ = try await CRMFixtures.make(t, in: a)
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            let href = try NSRegularExpression(pattern: ##"href="(/[^"#]*)"##)
            let form = try NSRegularExpression(pattern: #"<form[^>]*method="(get|post)"[^>]*action="(/[^"]*)"|<form[^>]*action="(/[^"]*)"[^>]*method="(get|post)""#)
            var queue = ["/"]
            var seen: Set<String> = ["/"]
            var checked: Set<String> = []
            var problems: [String] = []
            while let path = queue.first, seen.count < 400 {
                queue.removeFirst()
                let page = try await browser.get(path)
                if page.status.code >= 500 { problems.append("GET \(path) answered \(page.status)") }
                guard page.headers.contentType == .html || (page.headers.first(name: .contentType) ?? "").hasPrefix("text/html") else { continue }
                let text = page.text
                let range = NSRange(text.startIndex..., in: text)
                for match in href.matches(in: text, range: range) {
                    let link = String(text[Range(match.range(at: 1), in: text)!]).replacingOccurrences(of: "&amp;", with: "&")
                    let bare = String(link.prefix { $0 != "?" })
                    if bare.hasPrefix("/css/") || bare.hasPrefix("/js/") { continue }
                    if !Self.routeExists(.GET, bare, in: t.app) { problems.append("\(path) links to \(link): no such page") }
                    // Follow pages, not actions that change things or download files.
                    if !seen.contains(link), !bare.hasSuffix(".csv"), !bare.hasSuffix("/export"), !bare.hasPrefix("/api/") {
                        seen.insert(link)
                        queue.append(link)
                    }
                }
                for match in form.matches(in: text, range: range) {
                    let method = (Range(match.range(at: 1), in: text).map { String(text[$0]) } ?? Range(match.range(at: 4), in: text).map { String(text[$0]) })!
                    let action = (Range(match.range(at: 2), in: text).map { String(text[$0]) } ?? Range(match.range(at: 3), in: text).map { String(text[$0]) })!
                    let bare = String(action.prefix { $0 != "?" })
                    let key = method + " " + bare
                    if checked.insert(key).inserted, !Self.routeExists(method == "get" ? .GET : .POST, bare, in: t.app) {
                        problems.append("\(path) has a form to \(key): no such route")
                    }
                }
            }
            #expect(seen.count >= 25, "followed \(seen.count) links")
            #expect(checked.count >= 20, "checked \(checked.count) forms")
            #expect(problems.isEmpty, "\(problems.joined(separator: "\n"))")
        }
    }

    static func routeExists(_ method: HTTPMethod, _ path: String, in app: Application) -> Bool {
        let parts = path.split(separator: "/").map(String.init)
        return app.routes.all.contains { route in
            guard route.method == method, route.path.count == parts.count else { return false }
            for (component, part) in zip(route.path, parts) {
                switch component {
                case .constant(let text): if text != part { return false }
                case .parameter, .anything: continue
                case .catchall: return true
                }
            }
            return true
        }
    }
}
