import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Customers: search, export, create (with a first address and contact), change, archive,
/// restore and the timeline.
extension CRMAPI {
    struct CustomerRequest: Decodable {
        var kind, displayName, legalName, email, nationalID, tradeLicense, joinedOn, branchID, resellerID, notes, status, externalRef: String?
        var phones, tags: [String]?
        var allowDuplicate: Bool?
        var address: AddressRequest?
        var contact: ContactRequest?
        enum CodingKeys: String, CodingKey {
            case kind, email, notes, status, phones, tags, address, contact
            case displayName = "display_name", legalName = "legal_name", nationalID = "national_id", tradeLicense = "trade_license"
            case joinedOn = "joined_on", branchID = "branch_id", resellerID = "reseller_id", externalRef = "external_ref"
            case allowDuplicate = "allow_duplicate"
        }
        var input: Customers.Input {
            .init(kind: kind, displayName: displayName, legalName: legalName, phones: phones, email: email, nationalID: nationalID,
                  tradeLicense: tradeLicense, joinedOn: joinedOn, branchID: branchID, resellerID: resellerID, tags: tags, notes: notes,
                  status: status, externalRef: externalRef, allowDuplicate: allowDuplicate ?? false, address: address?.input, contact: contact?.input)
        }

        static func fields(creating: Bool) -> [(String, Schema)] {
            [
                ("kind", .choice(CustomerKind.allCases.map(\.rawValue), description: "individual (default) or business")),
                ("display_name", .text(max: 160)), ("legal_name", .optionalText(max: 200)),
                ("phones", .described(.array(.phone, minItems: creating ? 1 : nil, maxItems: 10), "The first is the primary number")),
                ("email", .emailOrEmpty),
                ("national_id", .string(pattern: "([0-9]{10}|[0-9]{13}|[0-9]{17})?", description: "Bangladeshi NID of 10, 13 or 17 digits; empty clears",
                                        message: "must be a Bangladeshi NID of 10, 13 or 17 digits")),
                ("trade_license", .optionalText(max: 60)), ("joined_on", .described(.date, "Today when left out")),
                ("branch_id", .reference("branch", description: "The reseller's branch, or your first branch, when left out")),
                ("reseller_id", .referenceOrEmpty("reseller", description: "The reseller the customer belongs to; empty: none")),
                ("tags", CRMAPI.tagList), ("notes", .optionalText(max: 4000)),
                ("status", .choice(["prospect", "active"], description: "Suspended and terminated follow from services")),
                ("external_ref", .optionalText(max: 100, description: "Your system's id for the customer")),
                ("allow_duplicate", .described(.boolean, "Save although a phone or the national ID belongs to another customer")),
            ]
        }
        static let createSchema = Schema.named("CustomerInput", .input(fields(creating: true) + [
            ("address", .described(AddressRequest.createSchema, "A first service address")),
            ("contact", .described(ContactRequest.createSchema, "A first contact person")),
        ], required: ["display_name", "phones"]))
        static let updateSchema = Schema.named("CustomerPatch", .input(fields(creating: false)))
        static let rules = duplicateRules + [
            APIRule("external_ref", "must not be taken by another customer"),
            APIRule("reseller_id", "cannot be emptied by reseller staff, whose customers stay under a reseller"),
        ]
    }

    static func registerCustomers(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/customers", summary: "Search and list customers", tag: "customers", permission: .customersRead,
                             query: paging + directoryParameters, response: .list(CustomerRowDTO.schema))) { req in
            let page = try await CustomerDirectory.search(try req.ctx, directoryFilter(req), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(CustomerRowDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .GET, path: "/customers/export", summary: "The filtered customer list as CSV", tag: "customers",
                             permission: .customersRead, query: directoryParameters,
                             response: .string(description: "CSV with a header row: number, name, kind, status, phone, email, joined_on, branch, area, reseller, tags, archived"),
                             responseType: "text/csv")) { req in
            try await CSVExport.customers(req, filter: directoryFilter(req))
        }
        api.add(APIOperation(method: .POST, path: "/customers", summary: "Create a customer (optionally with a first address and contact)",
                             tag: "customers", permission: .customersWrite, body: CustomerRequest.createSchema, success: 201,
                             response: CustomerDTO.schema, rules: CustomerRequest.rules + AddressRequest.rules(prefix: "address."))) { req in
            let body = try req.json(CustomerRequest.self)
            let customer = try await Customers.create(try req.ctx, body.input, services: req.services, on: req.db)
            return try apiResponse(CustomerDTO(customer), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}", summary: "One customer", tag: "customers", permission: .customersRead,
                             response: CustomerDTO.schema)) { req in
            try apiResponse(CustomerDTO(try await Customers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/customers/{id}", summary: "Change a customer (not while archived)", tag: "customers",
                             permission: .customersWrite, body: CustomerRequest.updateSchema, response: CustomerDTO.schema,
                             rules: CustomerRequest.rules)) { req in
            let body = try req.json(CustomerRequest.self)
            let customer = try await Customers.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(CustomerDTO(customer))
        }
        api.add(APIOperation(method: .DELETE, path: "/customers/{id}", summary: "Archive a customer (customers are never deleted)",
                             tag: "customers", permission: .customersWrite, response: CustomerDTO.schema)) { req in
            try apiResponse(CustomerDTO(try await Customers.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/restore", summary: "Restore an archived customer", tag: "customers",
                             permission: .customersWrite, response: CustomerDTO.schema)) { req in
            try apiResponse(CustomerDTO(try await Customers.restore(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/activities", summary: "The customer's timeline, newest first", tag: "customers",
                             permission: .customersRead,
                             query: paging + [("kind", .string(maxLength: 40), "Only this kind: created, updated, note, call, converted, …")],
                             response: .list(ActivityDTO.schema))) { req in
            let page = try await Customers.timeline(try req.ctx, req.parameters.get("id"), kind: req.query[String.self, at: "kind"],
                                                    page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(ActivityDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/activities", summary: "Log a note or a call on the customer's timeline",
                             tag: "customers", permission: .customersWrite, body: LogRequest.schema, success: 201,
                             response: ActivityDTO.schema)) { req in
            let body = try req.json(LogRequest.self)
            let entry = try await Customers.log(try req.ctx, req.parameters.get("id"), kind: body.kind, body: body.body, services: req.services, on: req.db)
            return try apiResponse(ActivityDTO(entry), status: .created)
        }
    }
}
