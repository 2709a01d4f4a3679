import Billing
import CRM
import Fluent
import Foundation
import Jobs
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// Network: routers with tested connections, their heartbeat and history, live sessions, and
/// the audit of every command sent to them. Provisioning follows (issue 14).
struct NetworkArea: AreaModule {
    var name: String { "Network" }

    var migrations: [any Migration] { [CreateRouters(), CreateProvisioning()] }

    var permissions: [Permission] { [.routersRead, .routersManage] }

    var navigation: [NavigationEntry] {
        [
            .init(group: .network, label: "Routers", link: NetworkRoutes.routers.link, permission: .routersRead),
            .init(group: .network, label: "Router commands", link: NetworkRoutes.routerCommands.link, permission: .routersRead),
            .init(group: .customers, label: "Onboarding", link: NetworkRoutes.onboarding.link, permission: .customersWrite),
            .init(group: .network, label: "Bulk actions", link: NetworkRoutes.bulkActions.link, permission: .subscriptionsWrite),
        ]
    }

    func recordLink(type: String, id: UUID) -> (link: Link, label: String)? {
        type == "router" ? (NetworkRoutes.router.link(id), "Open the router") : nil
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        RouterListPage.register(signedIn)
        RouterFormPages.register(signedIn)
        RouterPage.register(signedIn)
        RouterCommandPage.register(signedIn)
        ReconcilePages.register(signedIn)
        ServiceAccountPages.register(signedIn)
        BulkActionPages.register(signedIn)
        RouterImportPages.register(signedIn)
        OnboardingPages.register(signedIn)
    }

    func subscriptionPanels(_ req: Request, subscription: Subscription, canWrite: Bool, csrf: String, forms: [String: FormState]) async throws -> [HTML] {
        [try await ServiceAccountPages.panel(req, subscription: subscription, canWrite: canWrite, csrf: csrf, form: forms["router-account"] ?? FormState())]
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        let (services, link, clock) = (env.services, env.routers, env.clock)
        registry.register(Heartbeat.scheduleKind) { job in
            try await Heartbeat.queueDue(services: services, on: job.db)
        }
        registry.register(Heartbeat.kind) { payload, job in
            try await Heartbeat.beat(payload, link: link, services: services, on: job.db)
        }
        registry.register(NetworkContracts.applySubscriptionState) { payload, job in
            guard let org = job.organizationID else { throw JobFailure.discard("the job has no organization") }
            try await SubscriptionSync.apply(payload, organizationID: org, link: link, services: services, on: job.db)
        }
        registry.register(SubscriptionSync.reconcileKind) { payload, job in
            guard let org = job.organizationID else { throw JobFailure.discard("the job has no organization") }
            try await SubscriptionSync.reconcile(payload, organizationID: org, link: link, services: services, on: job.db)
        }
        registry.register(BulkActions.kind) { payload, job in
            guard let org = job.organizationID else { throw JobFailure.discard("the job has no organization") }
            try await BulkActions.carryOut(payload, organizationID: org, services: services, on: job.db)
        }
        registry.register(SubscriptionSync.scheduleKind) { job in
            try await SubscriptionSync.queueScheduled(services: services, on: job.db)
        }
        registry.register("network.downsample_router_samples") { job in
            try await RouterHistory.downsample(now: clock.now(), on: job.db)
        }
    }

    /// Heartbeats are queued every minute (each router on its own interval); samples older than
    /// a week are folded into hours each night.
    func schedules() throws -> [ScheduledJob] {
        [ScheduledJob(name: Heartbeat.scheduleKind, cron: try CronExpression("* * * * *"), kind: Heartbeat.scheduleKind, queue: Heartbeat.queue),
         ScheduledJob(name: SubscriptionSync.scheduleKind, cron: try CronExpression("*/15 * * * *"), kind: SubscriptionSync.scheduleKind,
                      queue: Heartbeat.queue),
         ScheduledJob(name: "network.downsample_router_samples", cron: try CronExpression("17 3 * * *"), kind: "network.downsample_router_samples",
                      queue: Heartbeat.queue)]
    }

    func registerAPI(_ api: APIRouter) {
        RouterAPI.register(api)
        ProvisioningAPI.register(api)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        commands.use(RouterOSSimCommand(), as: "routeros-sim")
        var routeros = AsyncCommands()
        routeros.use(RouterOSBenchmarkCommand(), as: "benchmark")
        commands.use(routeros.group(help: "The RouterOS API client"), as: "routeros")
        var provisioning = AsyncCommands()
        provisioning.use(ProvisioningBenchmarkCommand(), as: "benchmark")
        commands.use(provisioning.group(help: "Router accounts: desired state and reconcile"), as: "provisioning")
    }

    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws {
        try await NetworkDemo.seed(demo.organization, services: demo.services, on: db)
    }

    func dashboard(_ req: Request) async throws -> [DashboardCard] {
        let ctx = try req.ctx
        guard ctx.can(.routersRead), !ctx.isResellerScoped else { return [] }
        let (all, down) = try await Routers.healthCounts(ctx, on: req.db)
        guard all > 0 else { return [] }
        return [DashboardCard(label: "Routers down", value: "\(down) of \(all)", link: NetworkRoutes.routers.link.query([("health", "down")]),
                              note: down == 0 ? "Every router answers its heartbeat" : "No answer to the last heartbeats", warning: down > 0)]
    }
}
