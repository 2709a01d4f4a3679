import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Leads: the pipeline, conversion into customers and the timeline.
extension CRMAPI {
    struct LeadRequest: Decodable {
        var name, email, address, areaID, interest, source, assignedUserID, nextFollowUpOn, status, lostReason, notes, branchID, resellerID: String?
        var phones, tags: [String]?
        enum CodingKeys: String, CodingKey {
            case name, email, address, interest, source, status, notes, phones, tags
            case areaID = "area_id", assignedUserID = "assigned_user_id", nextFollowUpOn = "next_follow_up_on", lostReason = "lost_reason"
            case branchID = "branch_id", resellerID = "reseller_id"
        }
        var input: Leads.Input {
            .init(name: name, phones: phones, email: email, address: address, areaID: areaID, interest: interest, source: source, tags: tags,
                  assignedUserID: assignedUserID, nextFollowUpOn: nextFollowUpOn, status: status, lostReason: lostReason, notes: notes,
                  branchID: branchID, resellerID: resellerID)
        }

        static func fields(creating: Bool) -> [(String, Schema)] {
            [
                ("name", .text(max: 160)),
                ("phones", .described(.array(.phone, minItems: creating ? 1 : nil, maxItems: 10), "The first is the primary number")),
                ("email", .emailOrEmpty), ("address", .optionalText(max: 300)),
                ("area_id", .referenceOrEmpty("area", description: "Empty clears")), ("interest", .optionalText(max: 120, description: "The plan or speed asked about")),
                ("source", .choice(Leads.sources, description: "api when left out")), ("tags", CRMAPI.tagList),
                ("assigned_user_id", .referenceOrEmpty("user", description: "The staff member who follows up; empty unassigns")),
                ("next_follow_up_on", .dateOrEmpty),
                ("status", .choice(["new", "contacted", "qualified", "lost"], description: "converted comes from POST /leads/{id}/convert")),
                ("lost_reason", .optionalText(max: 300, description: "Required with status lost")), ("notes", .optionalText(max: 4000)),
                ("branch_id", .referenceOrEmpty("branch", description: "Empty: no branch yet")),
                ("reseller_id", .referenceOrEmpty("reseller", description: "Empty: no reseller")),
            ]
        }
        static let createSchema = Schema.named("LeadInput", .input(fields(creating: true), required: ["name", "phones"]))
        static let patchSchema = Schema.named("LeadPatch", .input(fields(creating: false)))
        static let rules = [
            APIRule("lost_reason", "is required when the status is lost"),
            APIRule("assigned_user_id", "must be an active staff member"),
            APIRule("reseller_id", "cannot be emptied by reseller staff, whose leads stay under a reseller"),
        ]
    }

    struct ConvertRequest: Decodable {
        var branchID, kind: String?
        var allowDuplicate: Bool?
        enum CodingKeys: String, CodingKey {
            case kind
            case branchID = "branch_id", allowDuplicate = "allow_duplicate"
        }
        static let schema = Schema.named("LeadConversion", .input([
            ("branch_id", .reference("branch", description: "The customer's branch; the lead's when left out")),
            ("kind", .choice(CustomerKind.allCases.map(\.rawValue))),
            ("allow_duplicate", .described(.boolean, "Convert although a phone belongs to another customer")),
        ]))
    }

    static func registerLeads(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/leads", summary: "Leads, newest first", tag: "leads", permission: .leadsRead,
                             query: paging + [PlatformAPI.search("Name, number or phone"),
                                              ("status", .choice(LeadStatus.allCases.map(\.rawValue)), "Only this status"),
                                              ("assigned_user_id", .string(pattern: "none|" + Schema.uuidPattern, message: "must be a user id or none"),
                                               "A user id, or none for unassigned leads"),
                                              ("tag", .string(maxLength: 40), "Only this tag"), ("area_id", .uuid, "Only this area"),
                                              ("overdue", .choice(["true", "false"]), "Follow-up date passed and still open")],
                             response: .list(LeadDTO.schema))) { req in
            let ctx = try req.ctx
            let filter = Leads.Filter(parameters: req.queryValue)
            let page = try await Leads.list(ctx, filter, page: try req.pageRequest(), now: req.services.clock.now(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(LeadDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/leads", summary: "Create a lead (source defaults to api)", tag: "leads",
                             permission: .leadsWrite, body: LeadRequest.createSchema, success: 201, response: LeadDTO.schema,
                             rules: LeadRequest.rules)) { req in
            var input = try req.json(LeadRequest.self).input
            if input.source == nil { input.source = "api" }
            return try apiResponse(LeadDTO(try await Leads.create(try req.ctx, input, services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/leads/{id}", summary: "One lead", tag: "leads", permission: .leadsRead,
                             response: LeadDTO.schema)) { req in
            try apiResponse(LeadDTO(try await Leads.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/leads/{id}", summary: "Change, assign or move a lead along the pipeline", tag: "leads",
                             permission: .leadsWrite, body: LeadRequest.patchSchema, response: LeadDTO.schema,
                             rules: LeadRequest.rules + [APIRule("status", "cannot change once the lead is converted")])) { req in
            let body = try req.json(LeadRequest.self)
            return try apiResponse(LeadDTO(try await Leads.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .DELETE, path: "/leads/{id}", summary: "Archive a lead", tag: "leads", permission: .leadsWrite,
                             response: LeadDTO.schema)) { req in
            try apiResponse(LeadDTO(try await Leads.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/leads/{id}/convert", summary: "Convert a lead into a customer", tag: "leads",
                             permission: .leadsWrite, body: ConvertRequest.schema, bodyRequired: false, success: 201,
                             response: .named("Conversion", .object([("lead", LeadDTO.schema), ("customer", CustomerDTO.schema)], required: ["lead", "customer"])),
                             rules: duplicateRules)) { req in
            let body = try req.optionalJSON(ConvertRequest.self) ?? ConvertRequest()
            let (lead, customer) = try await Leads.convert(try req.ctx, req.parameters.get("id"),
                                                           .init(branchID: body.branchID, kind: body.kind, allowDuplicate: body.allowDuplicate ?? false),
                                                           services: req.services, on: req.db)
            struct Converted: Encodable { var lead: LeadDTO; var customer: CustomerDTO }
            return try apiResponse(Converted(lead: LeadDTO(lead), customer: CustomerDTO(customer)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/leads/{id}/activities", summary: "The lead's timeline, newest first", tag: "leads",
                             permission: .leadsRead, query: paging, response: .list(ActivityDTO.schema))) { req in
            let page = try await Leads.timeline(try req.ctx, req.parameters.get("id"), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(ActivityDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/leads/{id}/activities", summary: "Log a note or a call on the lead", tag: "leads",
                             permission: .leadsWrite, body: LogRequest.schema, success: 201, response: ActivityDTO.schema)) { req in
            let body = try req.json(LogRequest.self)
            let entry = try await Leads.log(try req.ctx, req.parameters.get("id"), kind: body.kind, body: body.body, services: req.services, on: req.db)
            return try apiResponse(ActivityDTO(entry), status: .created)
        }
    }
}
