import Billing
import Fluent
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
            .init(group: .billing, label: "Plans", link: BillingRoutes.plans.link, permission: .plansRead),
            .init(group: .billing, label: "Add-ons", link: BillingRoutes.addons.link, permission: .plansRead),
            .init(group: .billing, label: "Discounts", link: BillingRoutes.discounts.link, permission: .plansRead),
            .init(group: .billing, label: "Tax rules", link: BillingRoutes.taxRules.link, permission: .plansRead),
        ]
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        PlanPages.register(signedIn)
        CatalogPages.register(signedIn)
    }

    func registerAPI(_ api: APIRouter) {
        CatalogAPI.register(api)
    }
}
