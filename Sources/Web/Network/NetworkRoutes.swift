import Foundation
import Vapor

/// Every page route of the Network area.
enum NetworkRoutes {
    static let routers = Route0("routers")
    static let newRouter = Route0("routers", "new")
    static let router = Route1<UUID>("routers", .id)
    static let editRouter = Route1<UUID>("routers", .id, "edit")
    static let testRouter = Route1<UUID>("routers", .id, "test")
    static let disconnectSession = Route1<UUID>("routers", .id, "disconnect")
    static let routerCommands = Route0("router-commands")
    static let reconcile = Route1<UUID>("routers", .id, "reconcile")
    static let routerImport = Route1<UUID>("routers", .id, "import")
    static let onboarding = Route0("onboarding")
    static let onboardingDraft = Route1<UUID>("onboarding", .id)
    static let routerAccountState = Route1<UUID>("subscriptions", .id, "router-account", "state")
    static let bulkActions = Route0("bulk-actions")
    static let bulkAction = Route1<UUID>("bulk-actions", .id)
    static let bulkActionReport = Route1<UUID>("bulk-actions", .id, "report.csv")
    static let routerDrift = Route1<UUID>("routers", .id, "drift")
    static let routerAccount = Route1<UUID>("subscriptions", .id, "router-account")
    static let routerAccountPassword = Route1<UUID>("subscriptions", .id, "router-account", "password")
}
