import Billing
import CRM
import Fluent
import Jobs
import Ledger
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Billing: the catalog (plans, add-ons, discounts, tax rules); subscriptions, invoice runs and
/// invoices arrive next.
struct BillingArea: AreaModule {
    var name: String { "Billing" }

    var migrations: [any Migration] { BillingMigrations.all }

    var permissions: [Permission] {
        [.plansRead, .plansManage, .subscriptionsRead, .subscriptionsWrite, .invoicesRead, .invoicesWrite]
    }

    var navigation: [NavigationEntry] {
        [
            .init(group: .billing, label: "Invoices", link: BillingRoutes.invoices.link, permission: .invoicesRead),
            .init(group: .billing, label: "Subscriptions", link: BillingRoutes.subscriptions.link, permission: .subscriptionsRead),
            .init(group: .billing, label: "Plans", link: BillingRoutes.plans.link, permission: .plansRead),
            .init(group: .billing, label: "Add-ons", link: BillingRoutes.addons.link, permission: .plansRead),
            .init(group: .billing, label: "Discounts", link: BillingRoutes.discounts.link, permission: .plansRead),
            .init(group: .billing, label: "Tax rules", link: BillingRoutes.taxRules.link, permission: .plansRead),
        ]
    }

    func recordLink(type: String, id: UUID) -> (link: Link, label: String)? {
        switch type {
        case "subscription": (BillingRoutes.subscription.link(id), "Open the subscription")
        case "invoice": (BillingRoutes.invoice.link(id), "Open the invoice")
        default: nil
        }
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        PlanPages.register(signedIn)
        SubscriptionPages.register(signedIn)
        SubscriptionExtrasPages.register(signedIn)
        InvoicePages.register(signedIn)
        CatalogPages.register(signedIn)
    }

    func customerPanels(_ req: Request, customer: Customer, canWrite: Bool, csrf: String) async throws -> [HTML] {
        try await CustomerServicesPanel.render(req, customer: customer, canWrite: canWrite, csrf: csrf)
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        let (services, clock) = (env.services, env.clock)
        registry.register("billing.scheduled_runs") { job in
            try await InvoiceRuns.runScheduled(now: clock.now(), services: services, on: job.db)
        }
        registry.register(BillingRuns.runJob) { payload, job in
            try await BillingRuns.carryOut(payload, services: services, on: job.db)
        }
    }

    func schedules() throws -> [ScheduledJob] {
        [ScheduledJob(name: "billing.scheduled_runs", cron: try CronExpression("2,12,22,32,42,52 * * * *"), kind: "billing.scheduled_runs", queue: "default")]
    }

    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws {
        try await BillingDemo.seed(demo.organization, services: demo.services, on: db)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        var billing = AsyncCommands()
        billing.use(BillingRunCommand(), as: "run")
        billing.use(BillingBenchmarkCommand(), as: "benchmark")
        commands.use(billing.group(help: "Invoice runs"), as: "billing")
    }

    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        try await InvoiceRuns.ledgerProblems(organizationID: organizationID, on: db)
    }

    func currencyInUse(organizationID: UUID, on db: any Database) async throws -> String? {
        try await BillingCurrency.inUse(organizationID: organizationID, on: db)
    }

    func registerAPI(_ api: APIRouter) {
        CatalogAPI.register(api)
        SubscriptionAPI.register(api)
        SubscriptionExtrasAPI.register(api)
        InvoiceAPI.register(api)
    }
}
