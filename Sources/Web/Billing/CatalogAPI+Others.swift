import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Add-ons, discounts and tax rules.
extension CatalogAPI {
    struct AddonRequest: Decodable {
        var code, name, kind, category, description, status: String?
        var price: MoneyInput?
        var taxable: Bool?

        func input(currency: String) throws -> Addons.Input {
            .init(code: code, name: name, kind: kind, category: category, price: try MoneyInput.amount(price, field: "price", in: currency),
                  taxable: taxable.map { $0 ? "true" : "false" }, description: description, status: status)
        }

        static let fields: [(String, Schema)] = [
            ("code", PlanRequest.codeSchema), ("name", .text(max: 100)), ("kind", .choice(Addon.Kind.allCases.map(\.rawValue))),
            ("category", .choice(Addon.categories)), ("price", MoneyInput.schema), ("taxable", .boolean),
            ("description", .optionalText(max: 500)), ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
        ]
        static let createSchema = Schema.named("AddonInput", .input(fields, required: ["code", "name", "kind", "price"]))
        static let patchSchema = Schema.named("AddonPatch", .input(fields))
        static let rules = [APIRule("code", "must not be used by another add-on")] + MoneyInput.rules("price")
    }

    struct DiscountRequest: Decodable {
        var name, couponCode, kind, percent, target, targetID, expiresOn, status: String?
        var amount: MoneyInput?
        var cycles, usageLimit: Int?

        enum CodingKeys: String, CodingKey {
            case name, kind, percent, amount, target, cycles, status
            case couponCode = "coupon_code", targetID = "target_id", usageLimit = "usage_limit", expiresOn = "expires_on"
        }

        func input(currency: String) throws -> Discounts.Input {
            var value = percent
            if kind == "fixed" || (kind == nil && amount != nil) {
                value = try MoneyInput.amount(amount, field: "amount", in: currency)
            }
            return .init(name: name, couponCode: couponCode, kind: kind, value: value, target: target, targetID: targetID,
                         cycles: cycles.map(String.init), usageLimit: usageLimit.map(String.init), expiresOn: expiresOn, status: status)
        }

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 100)),
            ("coupon_code", .anyOf([.string(minLength: 1, maxLength: 32, pattern: "[A-Za-z0-9_.-]+", message: "may hold only letters, digits, '-', '_' and '.'"), .empty])),
            ("kind", .choice(["percent", "fixed"])),
            ("percent", .string(pattern: #"[0-9]{1,3}(\.[0-9]{1,2})?"#, description: "For kind percent: more than 0, at most 100, two decimals",
                                message: "must be a percentage such as 10 or 12.5")),
            ("amount", MoneyInput.schema), ("target", .choice(Discount.Target.allCases.map(\.rawValue))),
            ("target_id", .anyOf([.uuid, .empty])), ("cycles", .integer(minimum: 1, maximum: 120)),
            ("usage_limit", .integer(minimum: 1, maximum: 1_000_000)), ("expires_on", .dateOrEmpty),
            ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
        ]
        static let createSchema = Schema.named("DiscountInput", .input(fields, required: ["name", "kind", "target"]))
        static let patchSchema = Schema.named("DiscountPatch", .input(fields))
        static let rules = [
            APIRule("percent", "is required for kind percent: more than 0, at most 100"), APIRule("value", "must be more than 0 and at most 100 %"),
            APIRule("amount", "is required for kind fixed: more than 0"),
            APIRule("target_id", "must be a plan (target plan) or add-on (target addon) you can see, and empty for target invoice"),
            APIRule("coupon_code", "must not be used by another discount"), APIRule("kind", "is required"),
        ] + MoneyInput.rules("amount").dropFirst()
    }

    struct TaxRuleRequest: Decodable {
        var code, name, rate, effectiveFrom, effectiveTo, status: String?
        var inclusive: Bool?
        var appliesTo: [String]?

        enum CodingKeys: String, CodingKey {
            case code, name, rate, inclusive, status
            case appliesTo = "applies_to", effectiveFrom = "effective_from", effectiveTo = "effective_to"
        }

        var input: TaxRules.Input {
            .init(code: code, name: name, rate: rate, inclusive: inclusive.map { $0 ? "true" : "false" }, appliesTo: appliesTo,
                  effectiveFrom: effectiveFrom, effectiveTo: effectiveTo, status: status)
        }

        static let fields: [(String, Schema)] = [
            ("code", PlanRequest.codeSchema), ("name", .text(max: 100)),
            ("rate", .string(pattern: #"[0-9]{1,3}(\.[0-9]{1,2})?"#, description: "Percentage from 0 to 100, two decimals: \"5\", \"7.5\"",
                             message: "must be a percentage such as 5 or 7.5")),
            ("inclusive", .boolean), ("applies_to", .array(.choice(TaxRule.Scope.allCases.map(\.rawValue)), minItems: 1, maxItems: 3)),
            ("effective_from", .date), ("effective_to", .dateOrEmpty), ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
        ]
        static let createSchema = Schema.named("TaxRuleInput", .input(fields, required: ["code", "name", "rate", "effective_from"]))
        static let patchSchema = Schema.named("TaxRulePatch", .input(fields))
        static let rules = [APIRule("code", "must not be used by another tax rule"), APIRule("rate", "must be at most 100 %"),
                            APIRule("effective_to", "must not be before effective_from")]
    }

    static func registerAddons(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/addons", summary: "Add-ons", tag: "addons", permission: .plansRead,
                             query: paging + [("status", .choice(CatalogStatus.allCases.map(\.rawValue)), "Only this status")],
                             response: .list(AddonDTO.schema))) { req in
            let page = try await Addons.list(try req.ctx, status: req.query[String.self, at: "status"], page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AddonDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/addons", summary: "Create an add-on", tag: "addons", permission: .plansManage,
                             body: AddonRequest.createSchema, success: 201, response: AddonDTO.schema, rules: AddonRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(AddonRequest.self)
            return try apiResponse(AddonDTO(try await Addons.create(ctx, try body.input(currency: ctx.currency), services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/addons/{id}", summary: "One add-on", tag: "addons", permission: .plansRead,
                             response: AddonDTO.schema)) { req in
            try apiResponse(AddonDTO(try await Addons.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/addons/{id}", summary: "Change an add-on", tag: "addons", permission: .plansManage,
                             body: AddonRequest.patchSchema, response: AddonDTO.schema, rules: AddonRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(AddonRequest.self)
            return try apiResponse(AddonDTO(try await Addons.update(ctx, req.parameters.get("id"), try body.input(currency: ctx.currency),
                                                                    services: req.services, on: req.db)))
        }
    }

    static func registerDiscountsAndTaxes(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/discounts", summary: "Discounts and coupons", tag: "discounts", permission: .plansRead,
                             query: paging, response: .list(DiscountDTO.schema))) { req in
            let page = try await Discounts.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(DiscountDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/discounts", summary: "Create a discount or coupon", tag: "discounts", permission: .plansManage,
                             body: DiscountRequest.createSchema, success: 201, response: DiscountDTO.schema, rules: DiscountRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(DiscountRequest.self)
            return try apiResponse(DiscountDTO(try await Discounts.create(ctx, try body.input(currency: ctx.currency), services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/discounts/{id}", summary: "One discount", tag: "discounts", permission: .plansRead,
                             response: DiscountDTO.schema)) { req in
            try apiResponse(DiscountDTO(try await Discounts.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/discounts/{id}", summary: "Change a discount", tag: "discounts", permission: .plansManage,
                             body: DiscountRequest.patchSchema, response: DiscountDTO.schema, rules: DiscountRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(DiscountRequest.self)
            return try apiResponse(DiscountDTO(try await Discounts.update(ctx, req.parameters.get("id"), try body.input(currency: ctx.currency),
                                                                          services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/tax-rules", summary: "Tax rules", tag: "tax-rules", permission: .plansRead,
                             query: paging, response: .list(TaxRuleDTO.schema))) { req in
            let page = try await TaxRules.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(TaxRuleDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/tax-rules", summary: "Create a tax rule", tag: "tax-rules", permission: .plansManage,
                             body: TaxRuleRequest.createSchema, success: 201, response: TaxRuleDTO.schema, rules: TaxRuleRequest.rules)) { req in
            let body = try req.json(TaxRuleRequest.self)
            return try apiResponse(TaxRuleDTO(try await TaxRules.create(try req.ctx, body.input, services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/tax-rules/{id}", summary: "One tax rule", tag: "tax-rules", permission: .plansRead,
                             response: TaxRuleDTO.schema)) { req in
            try apiResponse(TaxRuleDTO(try await TaxRules.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/tax-rules/{id}", summary: "Change a tax rule", tag: "tax-rules", permission: .plansManage,
                             body: TaxRuleRequest.patchSchema, response: TaxRuleDTO.schema, rules: TaxRuleRequest.rules)) { req in
            let body = try req.json(TaxRuleRequest.self)
            return try apiResponse(TaxRuleDTO(try await TaxRules.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services,
                                                                        on: req.db)))
        }
    }
}
