import Billing
import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Receivables
import SQLKit
import Vapor

/// `meghna dunning run [--date YYYY-MM-DD] [--organization slug] [--dry-run]`: the daily pass now.
struct DunningRunCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "date", help: "The day to judge (YYYY-MM-DD; default today in each organization's time zone)") var date: String?
        @Option(name: "organization", help: "Only this organization (its slug); default every organization") var organization: String?
        @Flag(name: "dry-run", help: "Show what would happen; write nothing") var dryRun: Bool
    }

    var help: String { "Runs the dunning pass: reminders, suspensions after grace, restorations" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var day: LocalDate?
        if let raw = signature.date {
            guard let parsed = LocalDate(raw) else { throw CommandFailure("--date must be a date written YYYY-MM-DD, such as 2026-12-01.") }
            day = parsed
        }
        try await app.prepareDatabase()
        let query = Organization.query(on: app.db).sort(\.$createdAt)
        if let slug = signature.organization { query.filter(\.$slug == slug) }
        let organizations = try await query.all()
        if let slug = signature.organization, organizations.isEmpty { throw CommandFailure("No organization has the slug \"\(slug)\".") }
        for org in organizations {
            let (o, plan) = try await Dunning.run(organizationID: org.id!, today: day, dryRun: signature.dryRun, actor: "cli:dunning",
                                                  services: app.meghna.services, on: app.db)
            if signature.dryRun {
                let count = { (a: DunningDecision.Action) in plan.filter { $0.decision.action == a }.count }
                context.console.print("\(org.slug): \(plan.count) looked at; would suspend \(count(.suspend)), restore \(count(.restore)), terminate \(count(.terminate))")
            } else {
                context.console.print("\(org.slug): \(o.evaluated) looked at; \(o.notices) notices, \(o.suspended) suspended, \(o.restored) restored, "
                                      + "\(o.terminated) terminated, \(o.lateFees) late fees")
            }
        }
    }
}

/// `meghna dunning benchmark [--subscriptions N]`: an organization (`dunning-benchmark`) with N
/// customers billed on 1 November 2026 (due the 8th, grace 3 days) and nothing paid. Times the
/// pass on the 5th (a reminder each), the 12th (every one suspended, a late fee and a router job
/// each) and the 13th (nothing to change), then puts the organization back for the next run.
struct DunningBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "subscriptions", help: "Due subscriptions (default 10000)") var subscriptions: Int?
    }

    var help: String { "Times the daily dunning pass over N due subscriptions" }

    /// The same pass in a PHP ISP billing system (phpnuxbill-style cron over 10,000 customers).
    static let phpSeconds = 11.9

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let target = signature.subscriptions ?? 10_000
        guard (10...1_000_000).contains(target) else { throw CommandFailure("--subscriptions must be between 10 and 1000000.") }
        try await app.prepareDatabase()
        let (db, services) = (app.db, app.meghna.services)
        let database = if case .postgres = app.meghna.configuration.database { "PostgreSQL" } else { "SQLite" }
        let org: Organization
        if let existing = try await Organization.query(on: db).filter(\.$slug == "dunning-benchmark").first() {
            org = existing
        } else {
            org = try await Organizations.create(.init(name: "Dunning Benchmark", slug: "dunning-benchmark"), services: services, on: db)
        }
        let ctx = TenantContext.system("benchmark", organizationID: org.id!, timeZone: org.timeZone)
        _ = try await Settings.update(ctx, ["dunning": ["late_fee": .int(50)]], services: services, on: db)
        _ = try await BillingBenchmarkSeed.seed(ctx, subscriptions: target, services: services, console: context.console, on: db)
        let first = LocalDate("2026-11-01")!
        _ = try await InvoiceRuns.run(organizationID: org.id!, through: first, dryRun: false, actor: "benchmark", services: services, on: db)
        try await reset(org.id!, on: db)
        // The month's invoices just written: statistics as a maintained database has them (and
        // no autovacuum of them running beside the first timed pass), as the other benchmarks do.
        try await BenchmarkOrganization.refreshStatistics(on: db)
        context.console.print("\(database): \(target) subscriptions billed on \(first), due 2026-11-08, unpaid")
        var worst = 0.0
        for (day, what) in [("2026-11-05", "reminders"), ("2026-11-12", "suspensions"), ("2026-11-13", "nothing to change")] {
            let started = ContinuousClock.now
            let (o, _) = try await Dunning.run(organizationID: org.id!, today: LocalDate(day), actor: "benchmark", services: services, on: db)
            let seconds = (ContinuousClock.now - started).inSeconds
            worst = max(worst, seconds)
            context.console.print(String(format: "pass on %@ (%@): %.2f s; %d looked at, %d notices, %d suspended, %d late fees", day, what, seconds,
                                         o.evaluated, o.notices, o.suspended, o.lateFees))
        }
        context.console.print(String(format: "slowest pass %.2f s (target ≤ 2 s; a PHP ISP billing system takes %.1f s for 10,000), peak memory %d MB",
                                     worst, Self.phpSeconds, ProcessMemory.peakKB() / 1024))
        try await reset(org.id!, on: db)
    }

    /// Takes back what the passes did so the next run starts alike (benchmark data only).
    func reset(_ org: UUID, on db: any Database) async throws {
        try await db.writeTransaction { tx in
            let sql = tx as! any SQLDatabase
            for table in ["dunning_notices", "dunning_states", "dunning_passes", "invoice_notices"] {
                try await sql.raw("DELETE FROM \(ident: table) WHERE \(TenantSQL.organization(org))").run()
            }
            try await sql.raw("DELETE FROM billing_charges WHERE \(TenantSQL.organization(org)) AND kind = 'late_fee'").run()
            try await sql.raw("DELETE FROM subscription_events WHERE \(TenantSQL.organization(org)) AND actor = 'system:benchmark'").run()
            try await sql.raw("DELETE FROM activities WHERE \(TenantSQL.organization(org)) AND actor_label = 'system:benchmark'").run()
            try await sql.raw("DELETE FROM jobs WHERE \(TenantSQL.organization(org)) AND kind IN ('network.apply_subscription_state', 'collections.send_notices')").run()
            try await sql.raw("UPDATE subscriptions SET status = 'active' WHERE \(TenantSQL.organization(org)) AND status = 'suspended'").run()
            try await sql.raw("UPDATE customers SET status = 'active' WHERE \(TenantSQL.organization(org)) AND status = 'suspended'").run()
        }
    }
}
