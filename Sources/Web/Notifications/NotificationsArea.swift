import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import Vapor

/// Email and SMS through the outbox: delivery jobs, provider settings, the outbox pages.
struct NotificationsArea: AreaModule {
    var name: String { "Notifications" }

    var migrations: [any Migration] { NotificationsMigrations.all }

    var permissions: [Permission] { [.outboxRead] }

    var navigation: [NavigationEntry] {
        [.init(group: .operations, label: "Outbox", link: PlatformRoutes.outbox.link, permission: .outboxRead)]
    }

    func registerJobs(into registry: inout JobRegistry, _ env: AreaEnvironment) {
        Outbox.register(into: &registry, services: env.services, transports: env.transports)
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        OutboxPages.register(signedIn)
    }

    func dashboard(_ req: Request) async throws -> [DashboardCard] {
        let ctx = try req.ctx
        guard ctx.can(.outboxRead) else { return [] }
        return [.init(label: "Messages in outbox", value: String(try await Outbox.count(ctx, on: req.db)), link: PlatformRoutes.outbox.link)]
    }
}
