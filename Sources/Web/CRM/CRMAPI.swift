import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1` routes of the CRM: customers (`CustomerAPI.swift`) with their addresses and
/// contacts (`CustomerChildrenAPI.swift`), leads (`LeadAPI.swift`), resellers and areas
/// (`ResellerAPI.swift`).
enum CRMAPI {
    static let paging = PlatformAPI.pagingParameters

    static func register(_ api: APIRouter) {
        registerCustomers(api)
        registerChildren(api)
        registerResellers(api)
        registerAreas(api)
        registerLeads(api)
    }

    static func directoryFilter(_ req: Request) -> CustomerDirectory.Filter {
        CustomerDirectory.Filter(parameters: req.queryValue)
    }

    static let directoryParameters: [(String, Schema, String)] = [
        PlatformAPI.search("Name, customer number, any phone, email, national ID or address words"),
        ("status", .choice(CustomerStatus.allCases.map(\.rawValue)), "Only this status"),
        ("kind", .choice(CustomerKind.allCases.map(\.rawValue)), "Individual or business"),
        ("branch_id", .uuid, "Only this branch"), ("reseller_id", .uuid, "This reseller and its sub-resellers"),
        ("area_id", .uuid, "This area and the areas below it"), ("tag", .string(maxLength: 40), "Only customers with this tag"),
        ("archived", .choice(["true", "false"]), "Archived customers instead of current ones"),
        ("sort", .choice(CustomerDirectory.Sort.allCases.map(\.rawValue)), "name (default), number, newest or joined"),
    ]

    /// Shared by customers and leads.
    static let phoneList = Schema.array(.phone, maxItems: 10)
    static let tagList = Schema.described(.array(.string(maxLength: 40), maxItems: 20), "Stored in lowercase; blank ones are dropped")

    /// A note or call on a timeline.
    struct LogRequest: Decodable {
        var kind, body: String?
        static let schema = Schema.named("TimelineEntryInput", .input([
            ("kind", .choice(Activities.loggableKinds, description: "note (default) or call")), ("body", .text(max: 4000)),
        ], required: ["body"]))
    }

    /// What makes a customer a likely duplicate (creating one, or converting a lead).
    static let duplicateRules = [
        APIRule("phones", "must not belong to another customer, unless allow_duplicate is true"),
        APIRule("national_id", "must not belong to another customer, unless allow_duplicate is true"),
        APIRule("allow_duplicate", "is named when a phone or the national ID already belongs to another customer: check, or send true"),
    ]
}

/// CSV downloads of lists.
enum CSVExport {
    /// Every customer matching the filter (walked page by page, 200 at a time).
    static func customers(_ req: Request, filter: CustomerDirectory.Filter) async throws -> Response {
        let ctx = try req.ctx
        let rows = try await CustomerExport.csv(ctx, filter, on: req.db)
        let response = Response(status: .ok, body: .init(string: rows))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        let stamp = CalendarDate.today(req.services.clock.now(), in: ctx.timeZone)
        response.headers.contentDisposition = .init(.attachment, filename: "customers-\(stamp).csv")
        return response
    }
}
