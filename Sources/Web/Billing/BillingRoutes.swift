import Foundation
import Vapor

/// Every page route of the Billing area.
enum BillingRoutes {
    static let plans = Route0("plans")
    static let newPlan = Route0("plans", "new")
    static let plan = Route1<UUID>("plans", .id)
    static let addons = Route0("addons")
    static let addon = Route1<UUID>("addons", .id)
    static let discounts = Route0("discounts")
    static let discount = Route1<UUID>("discounts", .id)
    static let taxRules = Route0("tax-rules")
    static let taxRule = Route1<UUID>("tax-rules", .id)
}
