import Billing
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// `/api/v1/subscriptions`: signing up, the life cycle, plan changes with a proration preview,
/// and the schedule of coming periods.
enum SubscriptionAPI {
    struct CreateRequest: Decodable {
        var customerID, planID, serviceAddressID, startsOn: String?
        var billingDay: Int?
        var activate: Bool?
        enum CodingKeys: String, CodingKey {
            case activate
            case customerID = "customer_id", planID = "plan_id", serviceAddressID = "service_address_id", startsOn = "starts_on", billingDay = "billing_day"
        }
        var input: Subscriptions.Input {
            .init(customerID: customerID, planID: planID, serviceAddressID: serviceAddressID, billingDay: billingDay.map(String.init),
                  startsOn: startsOn, activate: activate.map { $0 ? "true" : "false" })
        }
        static let schema = Schema.named("SubscriptionInput", .input([
            ("customer_id", .reference("customer")), ("plan_id", .reference("plan")), ("service_address_id", .uuid),
            ("billing_day", .integer(minimum: 1, maximum: 31)), ("starts_on", .date),
            ("activate", .described(.boolean, "Active from starts_on at once (no installation step)")),
        ], required: ["customer_id", "plan_id"]))
        static let rules = [APIRule("plan_id", "must be an active plan sold in the customer's branch"),
                            APIRule("service_address_id", "must be one of the customer's service addresses")]
    }

    struct ChangeRequest: Decodable {
        var reason, on: String?
        var pauseBilling: Bool?
        enum CodingKeys: String, CodingKey {
            case reason, on
            case pauseBilling = "pause_billing"
        }
        static let onField: (String, Schema) = ("on", .date)
        static let activateSchema = Schema.named("SubscriptionActivate", .input([onField]))
        static let resumeSchema = Schema.named("SubscriptionResume", .input([onField]))
        static let rechargeSchema = Schema.named("SubscriptionRecharge", .input([onField]))
        static let suspendSchema = Schema.named("SubscriptionSuspend", .input([
            ("reason", .text(max: 300)), onField,
            ("pause_billing", .described(.boolean, "A customer's request: no charge while suspended (default false: billing goes on)")),
        ], required: ["reason"]))
        static let terminateSchema = Schema.named("SubscriptionTerminate", .input([("reason", .text(max: 300)), onField], required: ["reason"]))
    }

    struct PlanChangeRequest: Decodable {
        var planID, effective, on: String?
        var preview: Bool?
        enum CodingKeys: String, CodingKey {
            case effective, on, preview
            case planID = "plan_id"
        }
        static let schema = Schema.named("PlanChangeInput", .input([
            ("plan_id", .reference("plan")), ("effective", .choice(["now", "period_end"])), ("on", .date),
            ("preview", .described(.boolean, "Only quote: nothing changes")),
        ], required: ["plan_id"]))
        static let rules = [APIRule("plan_id", "must be an active monthly plan sold in the branch, other than the current one"),
                            APIRule("on", "must not be before the service started")]
    }

    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/subscriptions", summary: "Subscriptions, newest first", tag: "subscriptions",
                             permission: .subscriptionsRead,
                             query: PlatformAPI.pagingParameters + [("customer_id", .uuid, "One customer's"), ("plan_id", .uuid, "On this plan"),
                                                                     ("status", .choice(SubscriptionStatus.allCases.map(\.rawValue)), "Only this status")],
                             response: .list(SubscriptionDTO.schema))) { req in
            let filter = Subscriptions.Filter(customerID: req.query[String.self, at: "customer_id"], status: req.query[String.self, at: "status"],
                                              planID: req.query[String.self, at: "plan_id"])
            let page = try await Subscriptions.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(SubscriptionDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions", summary: "Sign a customer up for a plan (pending until activated)",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: CreateRequest.schema, success: 201,
                             response: SubscriptionDTO.schema, rules: CreateRequest.rules)) { req in
            let body = try req.json(CreateRequest.self)
            return try apiResponse(SubscriptionDTO(try await Subscriptions.create(try req.ctx, body.input, services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/subscriptions/{id}", summary: "One subscription", tag: "subscriptions",
                             permission: .subscriptionsRead, response: SubscriptionDTO.schema)) { req in
            let ctx = try req.ctx
            let s = try await Subscriptions.find(ctx, req.parameters.get("id"), on: req.db)
            var dto = SubscriptionDTO(s)
            dto.provisioning = try await Provisioning.status(ctx, subscriptionID: s.id!, on: req.db).map { ServiceAccountDTO($0) }
            return try apiResponse(dto)
        }
        let onRule = [APIRule("on", "must not be before the service started")]
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/activate", summary: "Start the service (billing starts that day)",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: ChangeRequest.activateSchema, bodyRequired: false,
                             response: SubscriptionDTO.schema, rules: onRule)) { req in
            let body = try req.optionalJSON(ChangeRequest.self)
            return try apiResponse(SubscriptionDTO(try await Subscriptions.activate(try req.ctx, req.parameters.get("id"), on: body?.on,
                                                                                    services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/suspend", summary: "Suspend the service",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: ChangeRequest.suspendSchema,
                             response: SubscriptionDTO.schema, rules: onRule)) { req in
            let body = try req.json(ChangeRequest.self)
            return try apiResponse(SubscriptionDTO(try await Subscriptions.suspend(try req.ctx, req.parameters.get("id"), reason: body.reason, on: body.on,
                                                                                   pauseBilling: body.pauseBilling ?? false, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/resume", summary: "Restore a suspended service",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: ChangeRequest.resumeSchema, bodyRequired: false,
                             response: SubscriptionDTO.schema, rules: onRule)) { req in
            let body = try req.optionalJSON(ChangeRequest.self)
            return try apiResponse(SubscriptionDTO(try await Subscriptions.resume(try req.ctx, req.parameters.get("id"), on: body?.on,
                                                                                  services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/terminate", summary: "End the service for good",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: ChangeRequest.terminateSchema,
                             response: SubscriptionDTO.schema, rules: onRule)) { req in
            let body = try req.json(ChangeRequest.self)
            return try apiResponse(SubscriptionDTO(try await Subscriptions.terminate(try req.ctx, req.parameters.get("id"), reason: body.reason, on: body.on,
                                                                                     services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/change-plan",
                             summary: "Change plan now (prorated) or at period end; with preview, only the quote",
                             tag: "subscriptions", permission: .subscriptionsRead, body: PlanChangeRequest.schema,
                             response: PlanChangeDTO.schema, rules: PlanChangeRequest.rules)) { req in
            let body = try req.json(PlanChangeRequest.self)
            let result = try await Subscriptions.changePlan(try req.ctx, req.parameters.get("id"), planID: body.planID, effective: body.effective,
                                                            on: body.on, preview: body.preview ?? false, services: req.services, on: req.db)
            return try apiResponse(PlanChangeDTO(result))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/recharge",
                             summary: "Prepaid: buy one validity package (from the day after the current expiry while valid, else from on); answers its invoice",
                             tag: "subscriptions", permission: .subscriptionsWrite, body: ChangeRequest.rechargeSchema, bodyRequired: false, success: 201,
                             response: InvoiceDTO.schema, rules: onRule)) { req in
            let body = try req.optionalJSON(ChangeRequest.self)
            let ctx = try req.ctx
            let invoice = try await Subscriptions.recharge(ctx, req.parameters.get("id"), on: body?.on, services: req.services, on: req.db)
            let d = try await Invoices.details(ctx, invoice.id!.uuidString, on: req.db)
            return try apiResponse(InvoiceDTO(d.invoice, lines: d.lines, taxes: d.taxes), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/subscriptions/{id}/schedule", summary: "The next periods with their dates and expected amounts",
                             tag: "subscriptions", permission: .subscriptionsRead,
                             query: [("count", .integer(minimum: 1, maximum: 24), "How many periods (default 6)"), ("from", .date, "From the period holding this day (default today)")],
                             response: .object([("data", .array(ScheduledPeriodDTO.schema))], required: ["data"]))) { req in
            let count = req.query[Int.self, at: "count"] ?? 6
            let periods = try await Subscriptions.schedule(try req.ctx, req.parameters.get("id"), count: count, from: req.query[String.self, at: "from"],
                                                           services: req.services, on: req.db)
            return try apiResponse(ScheduleBody(data: periods.map(ScheduledPeriodDTO.init)))
        }
    }

    struct ScheduleBody: Encodable { var data: [ScheduledPeriodDTO] }
}
