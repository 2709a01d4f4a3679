import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("Jobs page", .serialized)
struct JobsPageTests {
    struct Boom: Error, CustomStringConvertible { var description: String }

    @Test func staffSeeAndRetryOnlyTheirOrganizationsJobs() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net", platformAdmin: true)
            let b = try await t.makeTenant("Beta Broadband")
            let queue = JobQueue(clock: t.clock.clock)
            let aJob = try #require(try await queue.enqueue("alpha.sync", payload: ["n": 1], organizationID: a.id, maxAttempts: 1, on: t.db))
            let bJob = try #require(try await queue.enqueue("beta.sync", payload: ["n": 1], organizationID: b.id, maxAttempts: 1, on: t.db))
            var registry = JobRegistry()
            registry.register("alpha.sync") { _ in throw Boom(description: "alpha router 10.0.0.1 refused") }
            registry.register("beta.sync") { _ in throw Boom(description: "beta customer 01712345678 secret") }
            #expect(try await JobWorker(db: t.db, registry: registry, clock: t.clock.clock).drain() == 2)

            try await t.makeUser(in: a, role: .branchAdmin, email: "boss@alpha.test")
            let browser = Browser(t.app)
            try await browser.signIn("boss@alpha.test")
            let page = try await browser.get("/jobs")
            #expect(page.status == .ok)
            #expect(page.text.contains("alpha router 10.0.0.1 refused"))
            #expect(!page.text.contains("beta"))
            let foreign = try await browser.post("/jobs/\(bJob)/retry", [])
            #expect(foreign.status == .notFound, "another organization's job is not found, as any other tenant's row")
            #expect(try await JobRecord.find(bJob, on: t.db)?.jobState == .discarded)
            _ = try await browser.get("/jobs")
            _ = try await browser.post("/jobs/\(aJob)/retry", [])
            #expect(try await JobRecord.find(aJob, on: t.db)?.jobState == .available)
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "job.retry").count() == 1)

            // The platform administrator at home sees every organization's jobs.
            let admin = Browser(t.app)
            try await admin.signIn(a.admin.email)
            #expect(try await admin.get("/jobs").text.contains("beta customer"))
        }
    }

    @Test func metricsCanRequireABearerToken() async throws {
        try await withApp(environment: ["MEGHNA_METRICS_TOKEN": "scrape-me-please-0123456789"]) { (t: TestApp) async throws in
            let none = try await t.api(.GET, "/metrics")
            let wrong = try await t.api(.GET, "/metrics", token: "wrong")
            let right = try await t.api(.GET, "/metrics", token: "scrape-me-please-0123456789")
            #expect(none.status == .unauthorized)
            #expect(wrong.status == .unauthorized)
            #expect(right.status == .ok)
        }
    }
}
