import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import SQLKit
import Vapor

/// Organizations, branches, staff, roles, settings, sign-in, the audit trail and the job queue.
struct PlatformArea: AreaModule {
    var name: String { "Platform" }

    var migrations: [any Migration] { JobsMigrations.all + PlatformMigrations.all }

    var permissions: [Permission] {
        [.organizationsManage, .branchesRead, .branchesManage, .usersRead, .usersManage, .rolesRead, .rolesManage, .settingsRead,
         .settingsManage, .securityManage, .auditRead, .jobsRead, .jobsManage]
    }

    var navigation: [NavigationEntry] {
        [
            .init(group: .operations, label: "Jobs", link: PlatformRoutes.jobs.link, permission: .jobsRead),
            .init(group: .operations, label: "Audit", link: PlatformRoutes.audit.link, permission: .auditRead),
            .init(group: .settings, label: "Users", link: PlatformRoutes.users.link, permission: .usersRead),
            .init(group: .settings, label: "Roles", link: PlatformRoutes.roles.link, permission: .rolesRead),
            .init(group: .settings, label: "Branches", link: PlatformRoutes.branches.link, permission: .branchesRead),
            .init(group: .settings, label: "Settings", link: PlatformRoutes.settings.link, permission: .settingsRead),
            .init(group: .settings, label: "Organizations", link: PlatformRoutes.organizations.link, permission: .organizationsManage),
        ]
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        let services = env.services
        registry.register(Credentials.passwordResetJob) { request, job in
            try await Credentials.sendPasswordReset(request, services: services, on: job.db)
        }
        let clock = env.clock
        registry.register("platform.prune") { job in
            try await Maintenance.prune(now: clock.now(), on: job.db)
            if (job.db as? any SQLDatabase)?.dialect.name == "sqlite" { try await (job.db as! any SQLDatabase).raw("PRAGMA optimize").run() }
        }
    }

    func schedules() throws -> [ScheduledJob] {
        [ScheduledJob(name: "platform.prune", cron: try CronExpression("17 3 * * *"), kind: "platform.prune", queue: "default")]
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        DashboardPage.register(signedIn)
        SignInPages.register(pages, signedIn: signedIn)
        InvitationPages.register(pages)
        PasswordResetPages.register(pages)
        AccountPages.register(signedIn)
        TwoFactorPages.register(signedIn)
        UserPages.register(signedIn)
        RolePages.register(signedIn)
        BranchPages.register(signedIn)
        SettingsPages.register(signedIn)
        JobPages.register(signedIn)
        AuditPages.register(signedIn)
        OrganizationPages.register(signedIn)
        SwitcherPages.register(signedIn)
    }

    func registerAPI(_ api: APIRouter) {
        PlatformAPI.register(api)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        var jobs = AsyncCommands()
        jobs.use(JobsBenchmarkCommand(), as: "benchmark")
        commands.use(jobs.group(help: "Background jobs"), as: "jobs")
        var web = AsyncCommands()
        web.use(WebBenchmarkCommand(), as: "benchmark")
        commands.use(web.group(help: "Pages and the API"), as: "web")
    }

    func dashboard(_ req: Request) async throws -> [DashboardCard] {
        let ctx = try req.ctx
        var cards: [DashboardCard] = []
        if ctx.can(.usersRead) {
            cards.append(.init(label: "Staff", value: String(try await Users.count(ctx, on: req.db)), link: PlatformRoutes.users.link))
        }
        if ctx.can(.branchesRead) {
            cards.append(.init(label: "Branches", value: String(try await Branches.count(ctx, on: req.db)), link: PlatformRoutes.branches.link))
        }
        if ctx.can(.jobsRead) {
            let failed = try await JobStats.counts(organization: try req.jobScope(), on: req.db).filter { $0.state == "discarded" }.reduce(0) { $0 + $1.count }
            cards.append(.init(label: "Failed jobs", value: String(failed), link: PlatformRoutes.jobs.link,
                               note: failed > 0 ? "Look at their errors and retry" : nil, warning: failed > 0))
        }
        return cards
    }
}
