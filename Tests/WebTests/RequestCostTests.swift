import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

/// What a request costs in SQL statements (the `X-SQL-Statements` header counts every statement
/// the request sent), and the HTML writer the pages render with.
@Suite("Request cost and HTML")
struct RequestCostTests {
    static func statements(_ result: APIResult) throws -> Int {
        try #require(Int(result.headers.first(name: "X-SQL-Statements") ?? ""))
    }

    @Test func theCustomerListIsFourStatementsAndTheAPIListThree() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: a.admin)
            // Two branches (the switcher and the branch column show), a reseller and an area.
            _ = try await Branches.create(ctx, .init(name: "Uttara"), services: t.services, on: t.db)
            _ = try await CRMFixtures.make(t, in: a)
            for i in 0..<60 {
                _ = try await Customers.create(ctx, .init(displayName: "Customer \(i)", phones: [String(format: "0171%07d", i)]), services: t.services,
                                               on: t.db)
            }
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            _ = try await browser.get("/customers")  // the session's last-seen write, at most once a minute, is not the list's cost
            let list = try await browser.get("/customers")
            #expect(list.status == .ok && list.text.contains("Customer 1") && list.text.contains("Next page"))
            #expect(try Self.statements(list) == 2, "the list page: session and identity in one, the list in one (settings, branches, areas and resellers unchanged since the last request)")

            // Switched to one branch: still two statements for who is asking.
            let branch = try #require(try await Branch.query(on: t.db).filter(\.$organizationID == a.id).filter(\.$name == "Uttara").first())
            #expect(try await browser.post("/switch-branch", [("branch_id", branch.id!.uuidString)]).status == .seeOther)
            let narrowed = try await browser.get("/customers")
            #expect(narrowed.status == .ok && !narrowed.text.contains("Customer 1<"))
            #expect(try Self.statements(narrowed) == 3, "the filter choices of the narrowed view, once")
            #expect(try Self.statements(try await browser.get("/customers")) == 2)
            // A setting written: the next page reads the settings, branches and choices again.
            _ = try await Settings.update(ctx, ["security": ["idle_timeout_minutes": .int(45)]], services: t.services, on: t.db)
            #expect(try Self.statements(try await browser.get("/customers")) == 4)
            #expect(try Self.statements(try await browser.get("/customers")) == 2)

            _ = try await t.api(.GET, "/api/v1/customers", token: a.token)
            let api = try await t.api(.GET, "/api/v1/customers", token: a.token)
            #expect(api.status == .ok && api.data.count == 50)
            #expect(try Self.statements(api) == 2, "the API list: token and identity in one, the list in one")
        }
    }

    @Test func aPlatformAdministratorsPagesCostTheSame() async throws {
        try await withApp { t in
            let home = try await t.makeTenant("Home ISP", platformAdmin: true)
            _ = try await t.makeTenant("Other ISP")
            let browser = Browser(t.app)
            try await browser.signIn(home.admin.email)
            _ = try await browser.get("/customers")
            let list = try await browser.get("/customers")
            #expect(list.status == .ok && list.text.contains("Other ISP"), "the organization switcher lists every organization")
            #expect(try Self.statements(list) <= 4)
        }
    }

    @Test func textAndAttributesAreEscaped() {
        var html = HTML()
        html.el("p", [.attr("title", "a\"b'c<d>&e")], text: "<script>alert('x') & \"y\"</script>")
        html.void("input", [.name("q"), .value("\"><img src=x onerror=alert(1)>"), .flag("checked", false), .flag("required")])
        html.raw("<br>")
        html.text(Optional<String>.none)
        html.text("ক্রেতা — ১২৩")
        #expect(html.string == #"<p title="a&quot;b&#39;c&lt;d&gt;&amp;e">&lt;script&gt;alert(&#39;x&#39;) &amp; &quot;y&quot;&lt;/script&gt;</p>"#
            + #"<input name="q" value="&quot;&gt;&lt;img src=x onerror=alert(1)&gt;" required><br>ক্রেতা — ১২৩"#)
    }

    @Test func typedRoutesBuildLinksAndRegisterTheirHandlers() async throws {
        let id = UUID(uuidString: "7C5E2A8B-1D2F-4A3B-9C8D-0E1F2A3B4C5D")!
        #expect(CRMRoutes.customer.link(id).path == "/customers/7C5E2A8B-1D2F-4A3B-9C8D-0E1F2A3B4C5D")
        #expect(CRMRoutes.deleteAddress.link(id, id).path == "/customers/\(id)/addresses/\(id)/delete")
        #expect(PlatformRoutes.dashboard.link.path == "/")
        #expect(PlatformRoutes.settingsTest.link("e mail/x").path == "/settings/e%20mail%2Fx/test", "a parameter cannot add a path segment")
        #expect(CRMRoutes.customers.link.query([("q", "Rahim & Sons"), ("status", nil), ("tag", "")]).path == "/customers?q=Rahim%20%26%20Sons")
        #expect(CRMRoutes.customers.link.query([("q", nil)]).path == "/customers")
        for _ in 0..<200 {
            let random = UUID()
            #expect(random.pathValue == random.uuidString, "the fast UUID text is Foundation's")
        }
        #expect(PlatformRoutes.settingsTest.link("..").path == "/settings/%2E%2E/test", "a parameter cannot climb out of its path")
        #expect(RoutePath.segment("billing") == "billing" && RoutePath.segment("a b") == "a%20b")

        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            // A parameter that is not an id is a page that does not exist, not a server error.
            #expect(try await browser.get("/customers/not-a-uuid").status == .notFound)
            #expect(try await browser.get("/customers/\(UUID())").status == .notFound)
        }
    }

    @Test func theCustomerListEscapesWhatCustomersTyped() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: a.admin)
            _ = try await Customers.create(ctx, .init(displayName: "<b>Bold</b> & \"Co\"", phones: ["01712345678"], tags: ["<i>vip</i>"]),
                                           services: t.services, on: t.db)
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            let list = try await browser.get("/customers?q=bold")
            #expect(list.status == .ok)
            #expect(list.text.contains("&lt;b&gt;Bold&lt;/b&gt; &amp; &quot;Co&quot;"))
            #expect(!list.text.contains("<b>Bold</b>"))
            #expect(list.text.contains("value=\"bold\""), "the search box keeps what was typed")
            #expect(list.text.contains("href=\"/customers/export?q=bold\""), "export keeps the filters")
        }
    }
}
