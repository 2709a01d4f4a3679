import CRM
import MeghnaCore
import Fluent
import Foundation
import Platform
import SQLKit
import Testing
import TestSupport
import Vapor
@testable import Web

/// An installation made by an earlier release keeps working: Fixtures/main-d5d8544.sqlite is the
/// demo ISP as `meghna serve --demo` of main at d5d8544 (before area modules) left it, with its
/// master key. The current code migrates it without running any migration twice, and its
/// people and customers are all there.
@Suite("Upgrade from an earlier release")
struct UpgradeTests {
    @Test func aDatabaseFromTheEarlierReleaseMigratesWithNothingRunTwice() async throws {
        let fixtures = packageRoot + "/Tests/WebTests/Fixtures/"
        let dir = NSTemporaryDirectory() + "meghna-upgrade-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try FileManager.default.copyItem(atPath: fixtures + "main-d5d8544.sqlite", toPath: dir + "/meghna.sqlite")
        try FileManager.default.copyItem(atPath: fixtures + "main-d5d8544.master.key", toPath: dir + "/master.key")

        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        do {
            let config = AppConfiguration(database: .sqliteFile(dir + "/meghna.sqlite"), dataDirectory: dir, baseURL: "http://meghna.test",
                                          logFormat: .text, secureCookies: false, environment: [:])
            try await configure(app, ConfigureOptions(configuration: config, hasher: .bcrypt(threadPool: app.threadPool, cost: 4),
                                                      rootDirectory: packageRoot + "/"))
            let sql = app.db as! any SQLDatabase
            let before = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(before.count == 19)
            try await app.prepareDatabase()
            let after = try await sql.raw("SELECT name FROM _fluent_migrations").all().map { try $0.decode(column: "name", as: String.self) }
            #expect(Set(after).count == after.count, "a migration ran twice: \(after)")
            #expect(Set(after) == Set(app.meghna.migrationNames), "the database holds exactly the migrations the code knows")
            #expect(Set(before).isSubset(of: Set(after)))
            #expect(try await Health.pendingMigrations(app).isEmpty)

            // The earlier release's people, sealed secrets and customers work with the new code.
            let browser = Browser(app)
            let signedIn = try await browser.signIn("admin@demo.test", password: "upgrade from main 2026")
            #expect(signedIn.status == .seeOther)
            let list = try await browser.get("/customers")
            #expect(list.status == .ok && list.text.contains("customer-table") && list.text.contains("Next page"))
            let demo = try #require(try await Organization.query(on: app.db).filter(\.$slug == "demo").first())
            let ctx = TenantContext.system("test", organizationID: demo.id!)
            #expect(try await Customer.scoped(to: ctx, on: app.db).count() == 203)
            let search = try await CustomerDirectory.search(ctx, .init(query: "mirpur"), page: try CursorRequest(limit: 5), on: app.db)
            #expect(!search.items.isEmpty, "the search index carried over")
        } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }
}
