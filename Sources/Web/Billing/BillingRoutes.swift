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
    static let subscriptions = Route0("subscriptions")
    static let subscription = Route1<UUID>("subscriptions", .id)
    static let activateSubscription = Route1<UUID>("subscriptions", .id, "activate")
    static let suspendSubscription = Route1<UUID>("subscriptions", .id, "suspend")
    static let resumeSubscription = Route1<UUID>("subscriptions", .id, "resume")
    static let terminateSubscription = Route1<UUID>("subscriptions", .id, "terminate")
    static let changeSubscriptionPlan = Route1<UUID>("subscriptions", .id, "change-plan")
    static let rechargeSubscription = Route1<UUID>("subscriptions", .id, "recharge")
}

extension BillingRoutes {
    static let invoices = Route0("invoices")
    static let invoice = Route1<UUID>("invoices", .id)
    static let invoicePDF = Route1<UUID>("invoices", .id, "pdf")
    static let voidInvoice = Route1<UUID>("invoices", .id, "void")
    static let addSubscriptionAddon = Route1<UUID>("subscriptions", .id, "addons")
    static let removeSubscriptionAddon = Route1<UUID>("subscriptions", .id, "addons", "remove")
    static let giveSubscriptionDiscount = Route1<UUID>("subscriptions", .id, "discounts")
    static let endSubscriptionDiscount = Route1<UUID>("subscriptions", .id, "discounts", "end")
    static let runs = Route0("billing", "runs")
}
