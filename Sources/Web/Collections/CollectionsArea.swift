import Receivables
import Fluent
import Foundation
import Jobs
import Ledger
import MeghnaCore
import Vapor

/// Collections: payments with receipts and their allocation to invoices (this far); credit
/// notes, refunds, statements, reminders, dunning and reseller wallets follow.
struct CollectionsArea: AreaModule {
    var name: String { "Collections" }

    var migrations: [any Migration] { CollectionsMigrations.all }

    var permissions: [Permission] { [.paymentsRead, .paymentsWrite] }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        let services = env.services
        registry.register("collections.apply_credit") { job in
            try await Credits.applyEverywhere(services: services, on: job.db)
        }
    }

    /// Customer credit pays open invoices a few minutes after each scheduled invoice run check.
    func schedules() throws -> [ScheduledJob] {
        [ScheduledJob(name: "collections.apply_credit", cron: try CronExpression("6,16,26,36,46,56 * * * *"), kind: "collections.apply_credit",
                      queue: "default")]
    }

    func registerAPI(_ api: APIRouter) {
        PaymentAPI.register(api)
        StatementAPI.register(api)
        AdjustmentAPI.register(api)
        DunningAPI.register(api)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        var dunning = AsyncCommands()
        dunning.use(DunningRunCommand(), as: "run")
        dunning.use(DunningBenchmarkCommand(), as: "benchmark")
        commands.use(dunning.group(help: "Reminders, suspension and restoration of unpaid service"), as: "dunning")
    }

    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        try await CollectionsChecks.ledgerProblems(organizationID: organizationID, on: db)
    }
}
