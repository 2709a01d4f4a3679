import Billing
import CRM
import Fluent
import Foundation
import Jobs
import Ledger
import MeghnaCore
import MeghnaNetwork
import Notifications
import Platform
import Vapor

/// One business area as the web application sees it: everything it brings, declared in one
/// place. `configure` (migrations, jobs, schedules, commands), routing (pages and API),
/// `/readyz`, the navigation, the dashboard, the demo and the route walks all iterate
/// `AreaModules.all`, so adding an area is its own folder, its target in `Package.swift` and
/// one entry in that list.
protocol AreaModule: Sendable {
    /// Short name, for logs and errors.
    var name: String { get }
    /// Migrations in the order they shipped; names are pinned (`"<Area>.<Type>"`).
    var migrations: [any Migration] { get }
    /// The permissions this area introduces (the role form groups them by area).
    var permissions: [Permission] { get }
    /// Navigation entries, each in its group.
    var navigation: [NavigationEntry] { get }
    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment)
    func schedules() throws -> [ScheduledJob]
    /// Page routes: `pages` carries CSRF and flash, `signedIn` also a page session.
    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder)
    func registerAPI(_ api: APIRouter)
    func registerCommands(_ commands: inout AsyncCommands)
    /// Figures for the dashboard, counted inside what the person may see.
    func dashboard(_ req: Request) async throws -> [DashboardCard]
    /// Adds this area's part of the demo ISP (runs after the areas before it in the list).
    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws
    /// The page of one of this area's records, for links from other records' timelines
    /// (`Activity.relatedType` is the record type, e.g. "customer").
    func recordLink(type: String, id: UUID) -> (link: Link, label: String)?
    /// Panels this area adds to the customer page (Billing: the customer's services).
    func customerPanels(_ req: Request, customer: Customer, canWrite: Bool, csrf: String) async throws -> [HTML]
    /// Panels this area adds to a subscription's page (Network: its router account); `forms`
    /// carries a refused form back with what was typed.
    func subscriptionPanels(_ req: Request, subscription: Subscription, canWrite: Bool, csrf: String, forms: [String: FormState]) async throws -> [HTML]
    /// This area's ledger invariants for `meghna ledger check` (for one organization, or all).
    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem]
    /// Why an organization's currency can no longer change (Billing: prices and invoices are in
    /// it), or nil.
    func currencyInUse(organizationID: UUID, on db: any Database) async throws -> String?
}

extension AreaModule {
    var migrations: [any Migration] { [] }
    var permissions: [Permission] { [] }
    var navigation: [NavigationEntry] { [] }
    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {}
    func schedules() throws -> [ScheduledJob] { [] }
    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {}
    func registerAPI(_ api: APIRouter) {}
    func registerCommands(_ commands: inout AsyncCommands) {}
    func dashboard(_ req: Request) async throws -> [DashboardCard] { [] }
    func seedDemo(_ demo: DemoSeed, on db: any Database) async throws {}
    func recordLink(type: String, id: UUID) -> (link: Link, label: String)? { nil }
    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] { [] }
    func currencyInUse(organizationID: UUID, on db: any Database) async throws -> String? { nil }
    func customerPanels(_ req: Request, customer: Customer, canWrite: Bool, csrf: String) async throws -> [HTML] { [] }
    func subscriptionPanels(_ req: Request, subscription: Subscription, canWrite: Bool, csrf: String, forms: [String: FormState]) async throws -> [HTML] { [] }
}

/// What job handlers get from the composition root.
struct AreaEnvironment: Sendable {
    var services: PlatformServices
    var transports: NotificationTransports
    var routers: RouterLink
    var clock: Clock
}

/// The demo ISP as the areas before have left it.
struct DemoSeed: Sendable {
    var organization: Organization
    var roles: [Role]
    /// The demo staff's password hash (every demo account shares the printed password).
    var passwordHash: String
    var services: PlatformServices
}

/// One entry of the navigation.
struct NavigationEntry: Sendable {
    /// Groups in the order the sidebar shows them; a group appears once an area fills it.
    enum Group: Int, Sendable, CaseIterable {
        case customers, billing, network, operations, settings

        var title: String {
            switch self {
            case .customers: "Customers"
            case .billing: "Billing"
            case .network: "Network"
            case .operations: "Operations"
            case .settings: "Settings"
            }
        }
    }

    var group: Group
    var label: String
    var link: Link
    /// Shown to people holding this permission (nil: everyone signed in).
    var permission: Permission?
}

/// One figure on the dashboard.
struct DashboardCard: Sendable {
    var label: String
    var value: String
    var link: Link
    /// A word on what the figure counts, or what to do about it.
    var note: String?
    /// Draws attention (failed jobs, overdue follow-ups).
    var warning: Bool = false
}

enum AreaModules {
    /// Every area, in dependency order: migrations run and demo data is seeded in this order.
    static let all: [any AreaModule] = [PlatformArea(), NotificationsArea(), CRMArea(), LedgerArea(), BillingArea(), CollectionsArea(), NetworkArea()]
}

extension Request {
    struct QueryValuesKey: StorageKey { typealias Value = [String: String] }

    /// A query parameter's value by name (list filters read theirs through this). The query is
    /// parsed once per request (form encoding: `+` is a space, percent escapes decoded; the first
    /// of repeated names counts), not once per parameter.
    func queryValue(_ name: String) -> String? {
        if let values = storage[QueryValuesKey.self] { return values[name] }
        var values: [String: String] = [:]
        for (key, value) in APIRouter.queryPairs(url.query) ?? [] where values[key] == nil { values[key] = value }
        storage[QueryValuesKey.self] = values
        return values[name]
    }
}
