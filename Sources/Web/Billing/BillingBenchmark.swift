import Billing
import CRM
import Fluent
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit
import Vapor

/// `meghna billing benchmark --subscriptions N [--seed-only]`: seeds an organization
/// (`billing-benchmark`) with N customers on monthly plans once, then bills the next period due
/// for all of them and bills it again (which must write nothing), printing wall time, invoices
/// per second and peak memory; then writes the same rows as plain batched SQL in a transaction
/// it rolls back (the floor) and prints the ratio. `--seed-only` stops after seeding (the crash
/// test seeds this way).
struct BillingBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "subscriptions", help: "Subscriptions in the benchmark organization (default 100000)") var subscriptions: Int?
        @Flag(name: "seed-only", help: "Seed and stop") var seedOnly: Bool
    }

    var help: String { "Times an invoice run over N subscriptions, its re-run and the plain-SQL floor" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let target = signature.subscriptions ?? 100_000
        guard (10...2_000_000).contains(target) else { throw CommandFailure("--subscriptions must be between 10 and 2000000.") }
        try await app.prepareDatabase()
        let db = app.db
        let services = app.meghna.services
        let database = if case .postgres = app.meghna.configuration.database { "PostgreSQL" } else { "SQLite" }
        let org: Organization
        if let existing = try await Organization.query(on: db).filter(\.$slug == "billing-benchmark").first() {
            org = existing
        } else {
            org = try await Organizations.create(.init(name: "Billing Benchmark", slug: "billing-benchmark"), services: services, on: db)
        }
        let ctx = TenantContext.system("benchmark", organizationID: org.id!)
        let seedStart = ContinuousClock.now
        let seeded = try await BillingBenchmarkSeed.seed(ctx, subscriptions: target, services: services, console: context.console, on: db)
        context.console.print("\(database): \(target) subscriptions (\(seeded) seeded now in \((ContinuousClock.now - seedStart).components.seconds) s)")
        if signature.seedOnly { return }
        let due = try await Subscription.inOrganization(org.id!, on: db).filter(\.$status == .active).sort(\.$nextBillOn).first()?.nextBillOn
        guard let through = due.flatMap(LocalDate.init) else { throw CommandFailure("No subscription is due.") }
        let started = ContinuousClock.now
        let run = try await InvoiceRuns.run(organizationID: org.id!, through: through, dryRun: false, actor: "benchmark", services: services, on: db)
        let seconds = (ContinuousClock.now - started).inSeconds
        context.console.print(String(format: "run through %@: %d invoices in %.1f s (%.0f invoices/s), peak memory %d MB", through.description,
                                     run.invoices, seconds, Double(run.invoices) / max(seconds, 0.001), ProcessMemory.peakKB() / 1024))
        let again = ContinuousClock.now
        let rerun = try await InvoiceRuns.run(organizationID: org.id!, through: through, dryRun: false, actor: "benchmark", services: services, on: db)
        context.console.print(String(format: "re-run: %d invoices written in %.1f s", rerun.invoices, (ContinuousClock.now - again).inSeconds))
        let floor = try await BillingBenchmarkSeed.floor(ctx, rows: max(run.invoices, 1), on: db)
        context.console.print(String(format: "floor (the same rows as plain batched SQL, rolled back): %.1f s; the run took %.1f× that", floor,
                                     seconds / max(floor, 0.001)))
        var problems: [LedgerProblem] = []
        for area in AreaModules.all { problems += try await area.ledgerChecks(organizationID: org.id!, on: db) }
        guard problems.isEmpty else { throw CommandFailure("The ledger check found \(problems.count) problems after the run.") }
        context.console.print("ledger check: clean")
    }
}
