import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

/// Defects 6, 7, 11 and 12 of the attack report: large forms, oversized uploads, the Export
/// button, and the CSRF token and security headers.
@Suite("Forms and headers", .serialized)
struct FormsAndHeadersTests {
    @Test func formsWhoseBodyArrivesInSeveralChunksAreCheckedLikeAnyOther() async throws {
        try await withApp { t in
            // setup: a browser talking to a real listening server, as Chromium does
            let tenant = try await t.makeTenant("Alpha Net")
            let customer = try await t.api(.POST, "/api/v1/customers", token: tenant.token, json: ["display_name": "Rahim Uddin", "phones": ["01712345678"]])
            let id = try #require(customer.json["id"] as? String)
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            browser.live = true
            _ = try await browser.get("/customers/\(id)")
            let note = String(repeating: "নতুন রাউটার বসানো হয়েছে। Router replaced, signal -19 dBm. ", count: 60)
            #expect(note.count > 3_000)
            // MUT (the test client follows the redirect, so success is the customer page)
            let saved = try await browser.post("/customers/\(id)/activities", [("kind", "note"), ("body", note)])
            // validate
            #expect(saved.status == .ok, "\(saved.status): \(saved.text.prefix(300))")
            let page = try await browser.get("/customers/\(id)")
            #expect(page.text.contains(String(note.prefix(200))))

            // A CSV of 5,000 customers (about 400 KB) uploads the same way.
            var csv = "name,phone,address\n"
            for index in 0..<5_000 { csv += "Customer \(index),0155\(String(format: "%07d", index)),House \(index) Road \(index % 40) Mirpur\n" }
            _ = try await browser.get("/customers/import")
            let uploaded = try await browser.upload("/customers/import", file: "file", fileName: "customers.csv", contents: csv)
            #expect(uploaded.status == .ok, "\(uploaded.status): \(uploaded.text.prefix(300))")
            let imports = try await CustomerImport.query(on: t.db).all()
            #expect(imports.map(\.totalRows) == [5_000])

            // Too large is a 413 before anything else, even without a CSRF token.
            let huge = try await browser.post("/customers/\(id)/activities", [("kind", "note"), ("body", String(repeating: "x", count: 3_000_000))], csrf: false)
            #expect(huge.status == .payloadTooLarge)
        }
    }

    @Test func anUploadWithAbsurdColumnsIsRefusedAtOnceAndPagesStaySmall() async throws {
        try await withApp { t in
            // setup
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let wide = (0..<100_000).map { "c\($0)" }.joined(separator: ",") + "\n" + Array(repeating: "x", count: 100_000).joined(separator: ",") + "\n"
            // MUT + validate
            await #expect(throws: DomainError.invalid("file", "has 100000 columns in its header; at most 100 are read. Is it the right file?")) {
                _ = try await CustomerImports.upload(ctx, fileName: "wide.csv", bytes: Array(wide.utf8), services: t.services, on: t.db)
            }
            let longCell = "name,phone,notes\nRahim,01712345678," + String(repeating: "n", count: 6_000) + "\n"
            await #expect(throws: DomainError.self) {
                _ = try await CustomerImports.upload(ctx, fileName: "long.csv", bytes: Array(longCell.utf8), services: t.services, on: t.db)
            }
            // The page says so and keeps the form (a narrower file: the rule is the same, the test quicker).
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/customers/import")
            let narrower = (0..<5_000).map { "c\($0)" }.joined(separator: ",") + "\n" + Array(repeating: "x", count: 5_000).joined(separator: ",") + "\n"
            let page = try await browser.upload("/customers/import", file: "file", fileName: "wide.csv", contents: narrower)
            #expect(page.status == .unprocessableEntity)
            #expect(page.text.contains("columns in its header"))
            #expect(page.text.utf8.count < 200_000)
        }
    }

    @Test func theExportButtonWorksForASignedInPerson() async throws {
        try await withApp { t in
            // setup
            let tenant = try await t.makeTenant("Alpha Net")
            _ = try await t.api(.POST, "/api/v1/customers", token: tenant.token, json: ["display_name": "Rahim Uddin", "phones": ["01712345678"]])
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let list = try await browser.get("/customers?q=rahim")
            let href = try #require(list.text.range(of: #"href="([^"]*export[^"]*)""#, options: .regularExpression).map {
                String(list.text[$0].dropFirst(6).dropLast()).replacingOccurrences(of: "&amp;", with: "&")
            })
            // MUT
            let csv = try await browser.get(href)
            // validate
            #expect(csv.status == .ok)
            #expect(csv.headers.contentType?.subType == "csv")
            #expect(csv.text.contains("Rahim Uddin"))
            // Without a session it is a sign-in, not a file.
            #expect(try await Browser(t.app).get(href).status == .seeOther)
        }
    }

    @Test func theCSRFTokenIsBoundToTheSessionAndNeverTrivial() async throws {
        try await withApp { t in
            // setup
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            _ = try await browser.get("/branches/new")
            // MUT + validate: a token planted in the cookie (by an injected header or a sibling site) is worthless
            let planted = "attackerattackerattackerattacker0123"
            browser.setCookie("meghna_csrf", planted)
            let forged = try await browser.post("/branches/new", [("name", "Planted"), ("_csrf", planted)], csrf: false)
            #expect(forged.status == .forbidden)
            // Empty and one-character tokens, with a matching cookie, are refused.
            for trivial in ["", "a"] {
                let anonymous = Browser(t.app)
                anonymous.setCookie("meghna_csrf", trivial.isEmpty ? nil : trivial)
                let result = try await anonymous.post("/password-reset", [("email", tenant.admin.email), ("_csrf", trivial)], csrf: false)
                #expect(result.status == .forbidden, "token \(trivial.debugDescription)")
            }
            // The page's own token still works.
            browser.setCookie("meghna_csrf", nil)
            _ = try await browser.get("/branches/new")
            #expect(try await browser.post("/branches/new", [("name", "Sylhet")]).status == .seeOther)
            #expect(try await Branch.query(on: t.db).filter(\.$name == "Planted").count() == 0)
        }
    }

    @Test func everyAnswerCarriesTheSecurityHeaders() async throws {
        try await withApp { t in
            // setup
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            // MUT: a page, a redirect, an error page, a problem document, the token answer
            let answers: [(String, APIResult)] = [
                ("page", try await browser.get("/customers")),
                ("redirect", try await Browser(t.app).get("/customers")),
                ("error page", try await browser.get("/customers/00000000-0000-0000-0000-000000000000")),
                ("problem", try await t.api(.GET, "/api/v1/customers/nope", token: tenant.token)),
                ("api", try await t.api(.GET, "/api/v1/me", token: tenant.token)),
                ("token", try await t.api(.POST, "/api/v1/auth/tokens",
                                          json: ["email": tenant.admin.email, "password": testPassword, "name": "x", "abilities": ["*"]])),
            ]
            // validate
            for (what, answer) in answers {
                #expect(answer.headers.first(name: "Content-Security-Policy")?.contains("frame-ancestors 'none'") == true, "\(what)")
                #expect(answer.headers.first(name: "X-Content-Type-Options") == "nosniff", "\(what)")
                #expect(answer.headers.first(name: "Referrer-Policy") == "same-origin", "\(what)")
                #expect(answer.headers.first(name: .cacheControl) == "no-store", "\(what)")
                #expect(answer.headers.first(name: "Strict-Transport-Security") == nil, "\(what): HSTS over plain HTTP")
            }
            #expect(answers[1].1.status == .seeOther && answers[2].1.status == .notFound && answers[3].1.status == .notFound)
            // A client's own X-Forwarded-Proto is not believed.
            let claimed = try await t.app.testing().sendRequest(.GET, "/login", headers: ["X-Forwarded-Proto": "https"])
            #expect(!claimed.headers[.setCookie].contains { $0.contains("Secure") })
            #expect(claimed.headers.first(name: "Strict-Transport-Security") == nil)
        }
        // Behind a proxy Meghna was told to trust, or with an https address: Secure cookies and HSTS.
        try await withApp(environment: ["MEGHNA_TRUST_PROXY": "1"]) { (t: TestApp) async throws in
            let proxied = try await t.app.testing().sendRequest(.GET, "/login", headers: ["X-Forwarded-Proto": "https"])
            #expect(proxied.headers[.setCookie].contains { $0.contains("Secure") })
            #expect(proxied.headers.first(name: "Strict-Transport-Security")?.hasPrefix("max-age=") == true)
        }
    }

    @Test func metricsAreOpenOnlyToThisMachineUnlessATokenIsSet() async throws {
        try await withApp { t in
            // In memory there is no peer address: not this machine.
            #expect(try await t.api(.GET, "/metrics").status == .forbidden)
            let local = try await t.app.testing(method: .running(hostname: "127.0.0.1", port: 0))
                .sendRequest(.GET, "/metrics")
            #expect(local.status == .ok)
        }
        // With MEGHNA_METRICS_TOKEN, the token from anywhere: JobsPageTests.metricsCanRequireABearerToken.
    }
}
