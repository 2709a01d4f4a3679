import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

struct SubscriptionAddonDTO: Encodable {
    var id, addonID: UUID
    var name, category, fromOn: String
    var price: MoneyDTO
    var taxable: Bool
    var toOn: String?

    enum CodingKeys: String, CodingKey {
        case id, name, category, price, taxable
        case addonID = "addon_id", fromOn = "from_on", toOn = "to_on"
    }

    init(_ a: SubscriptionAddon, currency: String) {
        id = a.id!
        addonID = a.addonID
        name = a.name
        category = a.category
        fromOn = a.fromOn
        price = MoneyDTO(minorUnits: a.price, currency: currency)
        taxable = a.taxable
        toOn = a.toOn
    }

    static let schema = Schema.named("SubscriptionAddon", .object([
        ("id", .uuid), ("addon_id", .uuid), ("name", .string()), ("category", .string()), ("price", MoneyDTO.schema), ("taxable", .boolean),
        ("from_on", .described(.date, "Billed in every period starting after this day (or on it, when added before activation)")),
        ("to_on", .nullable(.described(.date, "Removed on this day"))),
    ], required: ["id", "addon_id", "name", "category", "price", "taxable", "from_on"]))
}

struct SubscriptionDiscountDTO: Encodable {
    var id, discountID: UUID
    var name, target, firstPeriodOn: String
    var couponCode: String?
    var percent: String?
    var amount: MoneyDTO?
    var targetID: UUID?
    var cycles: Int?
    var endedOn: String?

    enum CodingKeys: String, CodingKey {
        case id, name, target, percent, amount, cycles
        case discountID = "discount_id", firstPeriodOn = "first_period_on", couponCode = "coupon_code", targetID = "target_id", endedOn = "ended_on"
    }

    init(_ d: SubscriptionDiscount) {
        id = d.id!
        discountID = d.discountID
        name = d.name
        target = d.target
        firstPeriodOn = d.firstPeriodOn
        couponCode = d.couponCode
        percent = d.percentBasisPoints.map(percentText)
        amount = d.amount.map { MoneyDTO(minorUnits: $0, currency: d.currency) }
        targetID = d.targetID
        cycles = d.cycles
        endedOn = d.endedOn
    }

    static let schema = Schema.named("SubscriptionDiscount", .object([
        ("id", .uuid), ("discount_id", .uuid), ("name", .string()), ("coupon_code", .nullable(.string())),
        ("percent", .nullable(.described(.string(), "Percent off, such as \"10\" or \"7.5\""))), ("amount", .nullable(MoneyDTO.schema)),
        ("target", .choice(Discount.Target.allCases.map(\.rawValue))), ("target_id", .nullable(.uuid)),
        ("cycles", .nullable(.described(.integer(minimum: 1), "Periods it lasts; absent: for ever"))),
        ("first_period_on", .described(.date, "The start of the first period it is billed in")),
        ("ended_on", .nullable(.described(.date, "Periods starting after this day are billed without it"))),
    ], required: ["id", "discount_id", "name", "target", "first_period_on"]))
}

struct AddonChangeDTO: Encodable {
    var applied: Bool
    var period: PeriodDTO?
    var remainingDays: Int?
    var charge: MoneyDTO?
    var oneTime: MoneyDTO?

    enum CodingKeys: String, CodingKey {
        case applied, period, charge
        case remainingDays = "remaining_days", oneTime = "one_time"
    }

    init(_ q: AddonChangeQuote) {
        applied = q.applied
        period = q.quote.map { PeriodDTO($0.period) }
        remainingDays = q.quote?.remainingDays
        charge = q.quote.map { MoneyDTO($0.net) }
        oneTime = q.oneTime.map(MoneyDTO.init)
    }

    static let schema = Schema.named("AddonChange", .object([
        ("applied", .boolean), ("period", .nullable(PeriodDTO.schema)), ("remaining_days", .nullable(.integer(minimum: 1))),
        ("charge", .nullable(.described(MoneyDTO.schema, "The prorated charge (negative: a credit) on the next invoice"))),
        ("one_time", .nullable(.described(MoneyDTO.schema, "A one-time add-on's price, on the next invoice"))),
    ], required: ["applied"]))
}

/// `/api/v1/subscriptions/{id}/addons` and `/discounts`: recurring and one-time add-ons with a
/// proration preview, discounts by id or coupon code.
enum SubscriptionExtrasAPI {
    struct AddonRequest: Decodable {
        var addonID, on: String?
        var preview: Bool?
        enum CodingKeys: String, CodingKey {
            case on, preview
            case addonID = "addon_id"
        }
        static let schema = Schema.named("SubscriptionAddonInput", .input([
            ("addon_id", .reference("add-on")), ("on", .date), ("preview", .described(.boolean, "Only quote: nothing changes")),
        ], required: ["addon_id"]))
        static let rules = [APIRule("addon_id", "must be an active add-on not already on the subscription; a prepaid service takes one-time add-ons only"),
                            APIRule("on", "must not be before the service started nor before its last change")]
    }

    struct RemoveRequest: Decodable {
        var on: String?
        var preview: Bool?
        static let schema = Schema.named("SubscriptionAddonRemoval", .input([("on", .date), ("preview", .described(.boolean, "Only quote: nothing changes"))]))
        static let rules = [APIRule("on", "must not be before the add-on was added nor before the subscription's last change")]
    }

    struct DiscountRequest: Decodable {
        var discountID, couponCode: String?
        enum CodingKeys: String, CodingKey {
            case discountID = "discount_id", couponCode = "coupon_code"
        }
        static let schema = Schema.named("SubscriptionDiscountInput", .input([
            ("discount_id", .reference("discount")), ("coupon_code", .text(max: 40, description: "A coupon's code instead of discount_id")),
        ]))
        static let rules = [APIRule("discount_id", "must be an active discount, not expired nor used up, for this monthly subscription's plan or add-ons, not given already; or give coupon_code"),
                            APIRule("coupon_code", "must be a coupon of the organization, not expired nor used up, not given already")]
    }

    struct EndRequest: Decodable {
        var on: String?
        static let schema = Schema.named("SubscriptionDiscountEnd", .input([("on", .date)]))
    }

    struct AddonsBody: Encodable { var data: [SubscriptionAddonDTO] }
    struct DiscountsBody: Encodable { var data: [SubscriptionDiscountDTO] }

    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/subscriptions/{id}/addons", summary: "The subscription's recurring add-ons, current first",
                             tag: "subscriptions", permission: .subscriptionsRead,
                             response: .object([("data", .array(SubscriptionAddonDTO.schema))], required: ["data"]))) { req in
            let ctx = try req.ctx
            let s = try await Subscriptions.find(ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(AddonsBody(data: try await Subscriptions.addons(ctx, s, on: req.db).map { SubscriptionAddonDTO($0, currency: ctx.currency) }))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/addons",
                             summary: "Add an add-on: recurring ones prorated for the rest of the period, one-time ones charged once; with preview, only the quote",
                             tag: "subscriptions", permission: .subscriptionsRead, body: AddonRequest.schema,
                             response: AddonChangeDTO.schema, rules: AddonRequest.rules)) { req in
            let body = try req.json(AddonRequest.self)
            return try apiResponse(AddonChangeDTO(try await Subscriptions.addAddon(try req.ctx, req.parameters.get("id"), addonID: body.addonID, on: body.on,
                                                                                   preview: body.preview ?? false, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/addons/{item_id}/remove",
                             summary: "Take a recurring add-on off (the rest of the period credited); with preview, only the quote",
                             tag: "subscriptions", permission: .subscriptionsRead, body: RemoveRequest.schema, bodyRequired: false,
                             response: AddonChangeDTO.schema, rules: RemoveRequest.rules)) { req in
            let body = try req.optionalJSON(RemoveRequest.self)
            return try apiResponse(AddonChangeDTO(try await Subscriptions.removeAddon(try req.ctx, req.parameters.get("id"), itemID: req.parameters.get("item_id"),
                                                                                      on: body?.on, preview: body?.preview ?? false, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/subscriptions/{id}/discounts", summary: "The subscription's discounts, running first",
                             tag: "subscriptions", permission: .subscriptionsRead,
                             response: .object([("data", .array(SubscriptionDiscountDTO.schema))], required: ["data"]))) { req in
            let ctx = try req.ctx
            let s = try await Subscriptions.find(ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(DiscountsBody(data: try await Subscriptions.discounts(ctx, s, on: req.db).map(SubscriptionDiscountDTO.init)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/discounts", summary: "Give a discount, by id or coupon code, from the next period billed",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: DiscountRequest.schema, success: 201,
                             response: SubscriptionDiscountDTO.schema, rules: DiscountRequest.rules)) { req in
            let body = try req.json(DiscountRequest.self)
            return try apiResponse(SubscriptionDiscountDTO(try await Subscriptions.giveDiscount(try req.ctx, req.parameters.get("id"), discountID: body.discountID,
                                                                                                couponCode: body.couponCode, services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/discounts/{grant_id}/end", summary: "End a discount: later periods are billed without it",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: EndRequest.schema, bodyRequired: false,
                             response: SubscriptionDiscountDTO.schema)) { req in
            let body = try req.optionalJSON(EndRequest.self)
            return try apiResponse(SubscriptionDiscountDTO(try await Subscriptions.endDiscount(try req.ctx, req.parameters.get("id"), grantID: req.parameters.get("grant_id"),
                                                                                               on: body?.on, services: req.services, on: req.db)))
        }
    }
}
