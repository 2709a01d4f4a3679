import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1` routes of the CRM: customers (with addresses, contacts and activities), resellers,
/// leads and areas.
enum CRMAPI {
    static let paging = PlatformAPI.pagingParameters

    static func register(_ api: APIRouter) {
        registerCustomers(api)
        registerChildren(api)
        registerResellers(api)
        registerLeads(api)
        registerAreas(api)
    }

    // MARK: Requests

    struct AddressRequest: Decodable {
        var label, line1, line2, city, postcode, areaID, latitude, longitude, installationNotes: String?
        var isPrimary: Bool?
        enum CodingKeys: String, CodingKey {
            case label, line1, line2, city, postcode, latitude, longitude
            case areaID = "area_id", installationNotes = "installation_notes", isPrimary = "is_primary"
        }
        var input: Addresses.Input {
            .init(label: label, line1: line1, line2: line2, city: city, postcode: postcode, areaID: areaID, latitude: latitude, longitude: longitude,
                  installationNotes: installationNotes, isPrimary: isPrimary)
        }
        static let schema = Schema.object([
            ("label", .string(maxLength: 60)), ("line1", .string(maxLength: 200)), ("line2", .string(maxLength: 200)), ("city", .string(maxLength: 80)),
            ("postcode", .string(maxLength: 12)), ("area_id", .string(description: "An area id, or empty to clear")),
            ("latitude", .string(maxLength: 20, description: "Decimal degrees, -90 to 90")),
            ("longitude", .string(maxLength: 20, description: "Decimal degrees, -180 to 180")),
            ("installation_notes", .string(maxLength: 2000)), ("is_primary", .boolean),
        ])
    }

    struct ContactRequest: Decodable {
        var name, role, email: String?
        var phones: [String]?
        var isPrimary: Bool?
        enum CodingKeys: String, CodingKey {
            case name, role, email, phones
            case isPrimary = "is_primary"
        }
        var input: Contacts.Input { .init(name: name, role: role, phones: phones, email: email, isPrimary: isPrimary) }
        static let schema = Schema.object([
            ("name", .string(maxLength: 120)), ("role", .string(enumValues: ContactRole.allCases.map(\.rawValue))), ("phones", .array(.string())),
            ("email", .string(maxLength: 254)), ("is_primary", .boolean),
        ])
    }

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
        static let fields: [(String, Schema)] = [
            ("kind", .string(enumValues: CustomerKind.allCases.map(\.rawValue))), ("display_name", .string(maxLength: 160)),
            ("legal_name", .string(maxLength: 200)), ("phones", .array(.string(description: "Bangladeshi mobile in any common form, or E.164"))),
            ("email", .string(maxLength: 254)), ("national_id", .string(maxLength: 20)), ("trade_license", .string(maxLength: 60)),
            ("joined_on", .string(format: "date")), ("branch_id", .uuid), ("reseller_id", .string(description: "A reseller id, or empty to clear")),
            ("tags", .array(.string(maxLength: 40))), ("notes", .string(maxLength: 4000)), ("status", .string(enumValues: ["prospect", "active"])),
            ("external_ref", .string(maxLength: 100)),
            ("allow_duplicate", .boolean),
        ]
        static let createSchema = Schema.object(fields + [("address", AddressRequest.schema), ("contact", ContactRequest.schema)],
                                                required: ["display_name", "phones"])
        static let updateSchema = Schema.object(fields)
    }

    struct LogRequest: Decodable {
        var kind, body: String?
        static let schema = Schema.object([("kind", .string(enumValues: Activities.loggableKinds)), ("body", .string(maxLength: 4000))],
                                          required: ["body"])
    }

    struct ResellerRequest: Decodable {
        var name, parentID, branchID, contactName, phone, email, address, commissionRate, status: String?
        enum CodingKeys: String, CodingKey {
            case name, phone, email, address, status
            case parentID = "parent_id", branchID = "branch_id", contactName = "contact_name", commissionRate = "commission_rate"
        }
        var input: Resellers.Input {
            .init(name: name, parentID: parentID, branchID: branchID, contactName: contactName, phone: phone, email: email, address: address,
                  commissionRate: commissionRate, status: status)
        }
        static let schema = Schema.object([
            ("name", .string(maxLength: 120)), ("parent_id", .string(description: "A reseller id, or empty for a top-level reseller")),
            ("branch_id", .uuid), ("contact_name", .string(maxLength: 120)), ("phone", .string(maxLength: 30)), ("email", .string(maxLength: 254)),
            ("address", .string(maxLength: 300)), ("commission_rate", .string(maxLength: 10, description: "Percent, e.g. 12.5")),
            ("status", .string(enumValues: ResellerStatus.allCases.map(\.rawValue))),
        ])
    }

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
        static let schema = Schema.object([
            ("name", .string(maxLength: 160)), ("phones", .array(.string())), ("email", .string(maxLength: 254)), ("address", .string(maxLength: 300)),
            ("area_id", .string()), ("interest", .string(maxLength: 120)), ("source", .string(enumValues: Leads.sources)),
            ("tags", .array(.string(maxLength: 40))), ("assigned_user_id", .string(description: "A user id, or empty to unassign")),
            ("next_follow_up_on", .string(format: "date")), ("status", .string(enumValues: ["new", "contacted", "qualified", "lost"])),
            ("lost_reason", .string(maxLength: 300)), ("notes", .string(maxLength: 4000)), ("branch_id", .string()), ("reseller_id", .string()),
        ])
    }

    struct ConvertRequest: Decodable {
        var branchID, kind: String?
        var allowDuplicate: Bool?
        enum CodingKeys: String, CodingKey {
            case kind
            case branchID = "branch_id", allowDuplicate = "allow_duplicate"
        }
    }

    struct AreaRequest: Decodable {
        var name, kind, parentID: String?
        enum CodingKeys: String, CodingKey {
            case name, kind
            case parentID = "parent_id"
        }
        static let schema = Schema.object([("name", .string(maxLength: 120)), ("kind", .string(maxLength: 40)),
                                           ("parent_id", .string(description: "An area id, or empty for a top-level area"))])
    }

    static func directoryFilter(_ req: Request) -> CustomerDirectory.Filter {
        CustomerDirectory.Filter(parameters: req.queryValue)
    }

    static let directoryParameters: [(String, Schema, String)] = [
        ("q", .string(maxLength: 200), "Name, customer number, any phone, email, national ID or address words"),
        ("status", .string(enumValues: CustomerStatus.allCases.map(\.rawValue)), "Only this status"),
        ("kind", .string(enumValues: CustomerKind.allCases.map(\.rawValue)), "Individual or business"),
        ("branch_id", .uuid, "Only this branch"), ("reseller_id", .uuid, "This reseller and its sub-resellers"),
        ("area_id", .uuid, "This area and the areas below it"), ("tag", .string(), "Only customers with this tag"),
        ("archived", .string(enumValues: ["true", "false"]), "Archived customers instead of current ones"),
        ("sort", .string(enumValues: CustomerDirectory.Sort.allCases.map(\.rawValue)), "name (default), number, newest or joined"),
    ]

    // MARK: Customers

    static func registerCustomers(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/customers", summary: "Search and list customers", tag: "customers", permission: .customersRead,
                             query: paging + directoryParameters, response: .list(CustomerRowDTO.schema))) { req in
            let page = try await CustomerDirectory.search(try req.ctx, directoryFilter(req), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(CustomerRowDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .GET, path: "/customers/export", summary: "The filtered customer list as CSV", tag: "customers",
                             permission: .customersRead, query: directoryParameters, response: .string(description: "text/csv"))) { req in
            try await CSVExport.customers(req, filter: directoryFilter(req))
        }
        api.add(APIOperation(method: .POST, path: "/customers", summary: "Create a customer (optionally with a first address and contact)",
                             tag: "customers", permission: .customersWrite, body: CustomerRequest.createSchema, success: 201,
                             response: CustomerDTO.schema)) { req in
            let body = try req.json(CustomerRequest.self)
            let customer = try await Customers.create(try req.ctx, body.input, services: req.services, on: req.db)
            return try apiResponse(CustomerDTO(customer), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}", summary: "One customer", tag: "customers", permission: .customersRead,
                             response: CustomerDTO.schema)) { req in
            try apiResponse(CustomerDTO(try await Customers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/customers/{id}", summary: "Change a customer", tag: "customers", permission: .customersWrite,
                             body: CustomerRequest.updateSchema, response: CustomerDTO.schema)) { req in
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
                             query: paging + [("kind", .string(), "Only this kind: created, updated, note, call, converted, …")],
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

    static func registerChildren(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/customers/{id}/addresses", summary: "A customer's service addresses", tag: "customers",
                             permission: .customersRead, query: paging, response: .list(AddressDTO.schema))) { req in
            let page = try await Addresses.list(try req.ctx, customerID: req.parameters.get("id"), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AddressDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/addresses", summary: "Add a service address", tag: "customers",
                             permission: .customersWrite, body: AddressRequest.schema, success: 201, response: AddressDTO.schema)) { req in
            let body = try req.json(AddressRequest.self)
            let address = try await Addresses.create(try req.ctx, customerID: req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(AddressDTO(address), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/addresses/{address_id}", summary: "One service address", tag: "customers",
                             permission: .customersRead, response: AddressDTO.schema)) { req in
            let (_, address) = try await Addresses.find(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("address_id"), on: req.db)
            return try apiResponse(AddressDTO(address))
        }
        api.add(APIOperation(method: .PATCH, path: "/customers/{id}/addresses/{address_id}", summary: "Change a service address", tag: "customers",
                             permission: .customersWrite, body: AddressRequest.schema, response: AddressDTO.schema)) { req in
            let body = try req.json(AddressRequest.self)
            let address = try await Addresses.update(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("address_id"), body.input,
                                                     services: req.services, on: req.db)
            return try apiResponse(AddressDTO(address))
        }
        api.add(APIOperation(method: .DELETE, path: "/customers/{id}/addresses/{address_id}", summary: "Remove a service address", tag: "customers",
                             permission: .customersWrite, success: 204)) { req in
            try await Addresses.delete(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("address_id"), services: req.services,
                                       on: req.db)
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/contacts", summary: "People at a customer", tag: "customers",
                             permission: .customersRead, query: paging, response: .list(ContactDTO.schema))) { req in
            let page = try await Contacts.list(try req.ctx, customerID: req.parameters.get("id"), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(ContactDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/contacts", summary: "Add a contact", tag: "customers",
                             permission: .customersWrite, body: ContactRequest.schema, success: 201, response: ContactDTO.schema)) { req in
            let body = try req.json(ContactRequest.self)
            let contact = try await Contacts.create(try req.ctx, customerID: req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(ContactDTO(contact), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/contacts/{contact_id}", summary: "One contact", tag: "customers",
                             permission: .customersRead, response: ContactDTO.schema)) { req in
            let (_, contact) = try await Contacts.find(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("contact_id"), on: req.db)
            return try apiResponse(ContactDTO(contact))
        }
        api.add(APIOperation(method: .PATCH, path: "/customers/{id}/contacts/{contact_id}", summary: "Change a contact", tag: "customers",
                             permission: .customersWrite, body: ContactRequest.schema, response: ContactDTO.schema)) { req in
            let body = try req.json(ContactRequest.self)
            let contact = try await Contacts.update(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("contact_id"), body.input,
                                                    services: req.services, on: req.db)
            return try apiResponse(ContactDTO(contact))
        }
        api.add(APIOperation(method: .DELETE, path: "/customers/{id}/contacts/{contact_id}", summary: "Remove a contact", tag: "customers",
                             permission: .customersWrite, success: 204)) { req in
            try await Contacts.delete(try req.ctx, customerID: req.parameters.get("id"), req.parameters.get("contact_id"), services: req.services,
                                      on: req.db)
            return Response(status: .noContent)
        }
    }

    // MARK: Resellers

    static func registerResellers(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/resellers", summary: "Resellers you can see (reseller staff: their own subtree)",
                             tag: "resellers", permission: .resellersRead,
                             query: paging + [("q", .string(), "Name contains"), ("parent_id", .uuid, "Direct children of this reseller"),
                                              ("status", .string(enumValues: ResellerStatus.allCases.map(\.rawValue)), "Only this status")],
                             response: .list(ResellerDTO.schema))) { req in
            let filter = Resellers.Filter(query: req.query[String.self, at: "q"], parentID: req.query[String.self, at: "parent_id"],
                                          status: req.query[String.self, at: "status"])
            let page = try await Resellers.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(ResellerDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/resellers", summary: "Create a reseller or sub-reseller", tag: "resellers",
                             permission: .resellersManage, body: ResellerRequest.schema, success: 201, response: ResellerDTO.schema)) { req in
            let body = try req.json(ResellerRequest.self)
            return try apiResponse(ResellerDTO(try await Resellers.create(try req.ctx, body.input, services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/resellers/{id}", summary: "One reseller", tag: "resellers", permission: .resellersRead,
                             response: ResellerDTO.schema)) { req in
            try apiResponse(ResellerDTO(try await Resellers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/resellers/{id}", summary: "Change or move a reseller", tag: "resellers",
                             permission: .resellersManage, body: ResellerRequest.schema, response: ResellerDTO.schema)) { req in
            let body = try req.json(ResellerRequest.self)
            return try apiResponse(ResellerDTO(try await Resellers.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services,
                                                                          on: req.db)))
        }
        api.add(APIOperation(method: .DELETE, path: "/resellers/{id}", summary: "Archive a reseller with no active customers or sub-resellers",
                             tag: "resellers", permission: .resellersManage, response: ResellerDTO.schema)) { req in
            try apiResponse(ResellerDTO(try await Resellers.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
    }

    // MARK: Leads

    static func registerLeads(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/leads", summary: "Leads, newest first", tag: "leads", permission: .leadsRead,
                             query: paging + [("q", .string(), "Name, number or phone"),
                                              ("status", .string(enumValues: LeadStatus.allCases.map(\.rawValue)), "Only this status"),
                                              ("assigned_user_id", .string(), "A user id, or none"), ("tag", .string(), "Only this tag"),
                                              ("area_id", .uuid, "Only this area"),
                                              ("overdue", .string(enumValues: ["true", "false"]), "Follow-up date passed and still open")],
                             response: .list(LeadDTO.schema))) { req in
            let ctx = try req.ctx
            let filter = Leads.Filter(parameters: req.queryValue)
            let page = try await Leads.list(ctx, filter, page: try req.pageRequest(), now: req.services.clock.now(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(LeadDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/leads", summary: "Create a lead (source defaults to api)", tag: "leads",
                             permission: .leadsWrite, body: LeadRequest.schema, success: 201, response: LeadDTO.schema)) { req in
            var input = try req.json(LeadRequest.self).input
            if input.source == nil { input.source = "api" }
            return try apiResponse(LeadDTO(try await Leads.create(try req.ctx, input, services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/leads/{id}", summary: "One lead", tag: "leads", permission: .leadsRead,
                             response: LeadDTO.schema)) { req in
            try apiResponse(LeadDTO(try await Leads.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/leads/{id}", summary: "Change, assign or move a lead along the pipeline", tag: "leads",
                             permission: .leadsWrite, body: LeadRequest.schema, response: LeadDTO.schema)) { req in
            let body = try req.json(LeadRequest.self)
            return try apiResponse(LeadDTO(try await Leads.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .DELETE, path: "/leads/{id}", summary: "Archive a lead", tag: "leads", permission: .leadsWrite,
                             response: LeadDTO.schema)) { req in
            try apiResponse(LeadDTO(try await Leads.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/leads/{id}/convert", summary: "Convert a lead into a customer", tag: "leads",
                             permission: .leadsWrite,
                             body: .object([("branch_id", .uuid), ("kind", .string(enumValues: CustomerKind.allCases.map(\.rawValue))),
                                            ("allow_duplicate", .boolean)]),
                             success: 201, response: .object([("lead", LeadDTO.schema), ("customer", CustomerDTO.schema)], required: ["lead", "customer"]))) { req in
            let body = (req.body.data?.readableBytes ?? 0) > 0 ? try req.json(ConvertRequest.self) : ConvertRequest()
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

    // MARK: Areas

    static func registerAreas(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/areas", summary: "The area tree, in display order", tag: "areas",
                             query: paging + [("q", .string(), "Full name contains"), ("parent_id", .uuid, "Direct children of this area")],
                             response: .list(AreaDTO.schema))) { req in
            let page = try await Areas.list(try req.ctx, query: req.query[String.self, at: "q"], parentID: req.query[String.self, at: "parent_id"],
                                            page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AreaDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/areas", summary: "Create an area", tag: "areas", permission: .areasManage,
                             body: AreaRequest.schema, success: 201, response: AreaDTO.schema)) { req in
            let body = try req.json(AreaRequest.self)
            let area = try await Areas.create(try req.ctx, .init(name: body.name, kind: body.kind, parentID: body.parentID), services: req.services,
                                              on: req.db)
            return try apiResponse(AreaDTO(area), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/areas/{id}", summary: "One area", tag: "areas", response: AreaDTO.schema)) { req in
            try apiResponse(AreaDTO(try await Areas.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/areas/{id}", summary: "Rename or move an area", tag: "areas", permission: .areasManage,
                             body: AreaRequest.schema, response: AreaDTO.schema)) { req in
            let body = try req.json(AreaRequest.self)
            let area = try await Areas.update(try req.ctx, req.parameters.get("id"), .init(name: body.name, kind: body.kind, parentID: body.parentID),
                                              services: req.services, on: req.db)
            return try apiResponse(AreaDTO(area))
        }
        api.add(APIOperation(method: .DELETE, path: "/areas/{id}", summary: "Delete an unused area", tag: "areas", permission: .areasManage,
                             success: 204)) { req in
            try await Areas.delete(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return Response(status: .noContent)
        }
    }
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
