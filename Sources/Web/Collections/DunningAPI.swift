import Billing
import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// `/api/v1/dunning/preview` and exclusions from automatic suspension.
enum DunningAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/dunning/preview",
                             summary: "What the dunning pass would do on a day (default tomorrow): who would be suspended, restored, reminded",
                             tag: "dunning", permission: .invoicesRead, query: [("on", .date, "The day to judge (default tomorrow)")],
                             response: .list(DunningPlanDTO.schema))) { req in
            let ctx = try req.ctx
            let planned = try await Dunning.preview(ctx, on: req.query[String.self, at: "on"], services: req.services, db: req.db)
            return try apiResponse(ListBody(data: planned.map { DunningPlanDTO($0, currency: ctx.currency) }, nextCursor: nil))
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/dunning-exclusions", summary: "The customer's exclusions from suspension, newest first",
                             tag: "dunning", permission: .paymentsRead, response: .list(ExclusionDTO.schema))) { req in
            let ctx = try req.ctx
            let customer = try await Customers.find(ctx, req.parameters.get("id"), on: req.db)
            let rows = try await Exclusions.list(ctx, customerID: customer.id!, on: req.db)
            return try apiResponse(ListBody(data: rows.map(ExclusionDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/dunning-exclusions",
                             summary: "Hold suspension off: a promise to pay by a day (payments.write) or VIP (settings.manage)", tag: "dunning",
                             permission: .paymentsWrite, body: ExclusionRequest.schema, success: 201, response: ExclusionDTO.schema,
                             rules: ExclusionRequest.rules)) { req in
            let body = try req.json(ExclusionRequest.self)
            let e = try await Exclusions.add(try req.ctx, .init(customerID: req.parameters.get("id"), kind: body.kind, until: body.until, reason: body.reason),
                                             services: req.services, on: req.db)
            return try apiResponse(ExclusionDTO(e), status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/dunning-exclusions/{id}/end", summary: "End an exclusion: unpaid service is suspended again",
                             tag: "dunning", permission: .paymentsWrite, response: ExclusionDTO.schema)) { req in
            try apiResponse(ExclusionDTO(try await Exclusions.end(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
    }
}

struct DunningPlanDTO: Encodable {
    var subscriptionID, customerID: UUID
    var status, stage, action, reason: String
    var oldestDue: String?
    var pastDue: MoneyDTO

    enum CodingKeys: String, CodingKey {
        case status, stage, action, reason
        case subscriptionID = "subscription_id", customerID = "customer_id", oldestDue = "oldest_due", pastDue = "past_due"
    }

    init(_ p: Dunning.Planned, currency: String) {
        (subscriptionID, customerID, status, stage) = (p.subscriptionID, p.customerID, p.facts.status.rawValue, p.decision.stage.rawValue)
        (action, reason, oldestDue) = (p.decision.action.rawValue, p.decision.reason, p.facts.oldestDue?.description)
        pastDue = MoneyDTO(minorUnits: p.facts.pastDue, currency: currency)
    }

    static let schema = Schema.named("DunningPlan", .object([
        ("subscription_id", .uuid), ("customer_id", .uuid), ("status", .string(description: "The subscription's status now")),
        ("stage", .choice(DunningStage.allCases.map(\.rawValue))), ("action", .choice(["none", "suspend", "restore", "terminate"])),
        ("reason", .string()), ("oldest_due", .nullable(.date)), ("past_due", MoneyDTO.schema),
    ], required: ["subscription_id", "customer_id", "status", "stage", "action", "reason", "past_due"]))
}

struct ExclusionRequest: Decodable {
    var kind, until, reason: String?
    static let schema = Schema.named("DunningExclusionInput", .input([
        ("kind", .choice(ExclusionKind.allCases.map(\.rawValue))), ("until", .described(.date, "A promise's last day (within 60 days)")),
        ("reason", .text(max: 300)),
    ], required: ["kind", "reason"]))
    static let rules = [APIRule("until", "is required for a promise to pay, from today to 60 days ahead"),
                        APIRule("kind", "vip needs the settings.manage permission")]
}

struct ExclusionDTO: Encodable {
    var id, customerID: UUID
    var kind, reason, actor: String
    var until, endedBy: String?
    var createdAt: Date
    var endedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, kind, reason, actor, until
        case customerID = "customer_id", endedBy = "ended_by", createdAt = "created_at", endedAt = "ended_at"
    }

    init(_ e: DunningExclusion) {
        (id, customerID, kind, reason, actor) = (e.id!, e.customerID, e.kind.rawValue, e.reason, e.actor)
        (until, endedBy, createdAt, endedAt) = (e.until, e.endedBy, e.createdAt, e.endedAt)
    }

    static let schema = Schema.named("DunningExclusion", .object([
        ("id", .uuid), ("customer_id", .uuid), ("kind", .choice(ExclusionKind.allCases.map(\.rawValue))), ("until", .nullable(.date)),
        ("reason", .string()), ("actor", .string()), ("created_at", .dateTime), ("ended_at", .nullable(.dateTime)), ("ended_by", .nullable(.string())),
    ], required: ["id", "customer_id", "kind", "reason", "actor", "created_at"]))
}
