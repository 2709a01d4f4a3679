import Billing
import CRM
import Receivables
import Fluent
import Foundation
import Jobs
import Ledger
import MeghnaCore
import Platform
import Vapor

/// Collections: payments with receipts and their allocation, customer credit, credit notes,
/// refunds and write-offs, statements, dunning (reminders, suspension, restoration). Reseller
/// wallets follow.
struct CollectionsArea: AreaModule {
    var name: String { "Collections" }

    var migrations: [any Migration] { CollectionsMigrations.all }

    var permissions: [Permission] { [.paymentsRead, .paymentsWrite] }

    var navigation: [NavigationEntry] {
        [
            .init(group: .billing, label: "Take a payment", link: CollectionsRoutes.collect.link, permission: .paymentsWrite),
            .init(group: .billing, label: "Payments", link: CollectionsRoutes.payments.link, permission: .paymentsRead),
            .init(group: .billing, label: "Dunning", link: CollectionsRoutes.dunning.link, permission: .invoicesRead),
            .init(group: .billing, label: "Reseller wallets", link: WalletPages.wallets.link, permission: .paymentsRead),
            .init(group: .settings, label: "Messages", link: MessagePages.messages.link, permission: .settingsRead),
        ]
    }

    func recordLink(type: String, id: UUID) -> (link: Link, label: String)? {
        type == "payment" ? (CollectionsRoutes.payment.link(id), "Open the payment") : nil
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        CollectionScreen.register(signedIn)
        PaymentPages.register(signedIn)
        StatementPage.register(signedIn)
        DunningPages.register(signedIn)
        WalletPages.register(signedIn)
        MessagePages.register(signedIn)
    }

    func customerPanels(_ req: Request, customer: Customer, canWrite: Bool, csrf: String) async throws -> [HTML] {
        try await CustomerMoneyPanel.render(req, customer: customer, csrf: csrf)
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        let (services, clock) = (env.services, env.clock)
        registry.register("collections.apply_credit") { job in
            try await Credits.applyEverywhere(services: services, on: job.db)
        }
        registry.register("collections.dunning") { job in
            try await Dunning.runScheduled(now: clock.now(), services: services, on: job.db)
        }
        registry.register("collections.send_notices") { job in
            guard let org = job.organizationID else { throw JobFailure.discard("no organization") }
            try await NoticeSender.send(organizationID: org, services: services, on: job.db)
        }
    }

    /// Customer credit pays open invoices a few minutes after each scheduled invoice run check;
    /// the dunning pass is checked every ten minutes and runs once a day at each organization's hour.
    func schedules() throws -> [ScheduledJob] {
        [ScheduledJob(name: "collections.apply_credit", cron: try CronExpression("6,16,26,36,46,56 * * * *"), kind: "collections.apply_credit",
                      queue: "default"),
         ScheduledJob(name: "collections.dunning", cron: try CronExpression("8,18,28,38,48,58 * * * *"), kind: "collections.dunning", queue: "default")]
    }

    func registerAPI(_ api: APIRouter) {
        PaymentAPI.register(api)
        StatementAPI.register(api)
        AdjustmentAPI.register(api)
        DunningAPI.register(api)
        WalletAPI.register(api)
        MessageTemplateAPI.register(api)
    }

    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws {
        try await CollectionsDemo.seed(demo.organization, services: demo.services, on: db)
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
