import CRM
import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Vapor

/// Customers, service addresses, contacts, leads, resellers, areas, the import and the public
/// interest form.
struct CRMArea: AreaModule {
    var name: String { "CRM" }

    var migrations: [any Migration] { CRMMigrations.all }

    var permissions: [Permission] {
        [.customersRead, .customersWrite, .leadsRead, .leadsWrite, .resellersRead, .resellersManage, .areasManage]
    }

    var navigation: [NavigationEntry] {
        [
            .init(group: .customers, label: "Customers", link: CRMRoutes.customers.link, permission: .customersRead),
            .init(group: .customers, label: "Leads", link: CRMRoutes.leads.link, permission: .leadsRead),
            .init(group: .customers, label: "Resellers", link: CRMRoutes.resellers.link, permission: .resellersRead),
            .init(group: .customers, label: "Areas", link: CRMRoutes.areas.link, permission: .areasManage),
        ]
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        CustomerImports.register(into: &registry, services: env.services)
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        CustomerListPage.register(signedIn)
        CustomerFormPages.register(signedIn)
        CustomerPages.register(signedIn)
        LeadBoardPage.register(signedIn)
        LeadPages.register(signedIn)
        ResellerPages.register(signedIn)
        AreaPages.register(signedIn)
        ImportPages.register(signedIn)
        InterestFormPages.register(pages)
    }

    func registerAPI(_ api: APIRouter) {
        CRMAPI.register(api)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        var crm = AsyncCommands()
        crm.use(CRMBenchmarkCommand(), as: "benchmark")
        commands.use(crm.group(help: "Customers and leads"), as: "crm")
    }

    func dashboard(_ req: Request) async throws -> [DashboardCard] {
        let figures = try await CRMFigures.current(try req.ctx, now: req.services.clock.now(), on: req.db)
        var cards: [DashboardCard] = []
        for (status, count) in figures.customersByStatus ?? [] where count > 0 || status == .active {
            cards.append(.init(label: "\(status.rawValue.capitalized) customers", value: String(count),
                               link: CRMRoutes.customers.link.query([("status", status.rawValue)])))
        }
        if let new = figures.newLeads {
            cards.append(.init(label: "New leads", value: String(new), link: CRMRoutes.leads.link.query([("status", LeadStatus.new.rawValue)])))
        }
        if let overdue = figures.overdueFollowUps {
            cards.append(.init(label: "Overdue follow-ups", value: String(overdue), link: CRMRoutes.leads.link.query([("overdue", "true")]),
                               note: overdue > 0 ? "Leads waiting for a call" : nil, warning: overdue > 0))
        }
        if let running = figures.runningImports, running > 0 {
            cards.append(.init(label: "Imports running", value: String(running), link: CRMRoutes.importCustomers.link))
        }
        return cards
    }

    func recordLink(type: String, id: UUID) -> (link: Link, label: String)? {
        switch type {
        case "customer": (CRMRoutes.customer.link(id), "Open the customer")
        case "lead": (CRMRoutes.lead.link(id), "Open the lead")
        case "reseller": (CRMRoutes.reseller.link(id), "Open the reseller")
        default: nil
        }
    }

    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws {
        try await CRMDemo.seed(demo.organization, roles: demo.roles, hash: demo.passwordHash, services: demo.services, on: db)
    }
}
