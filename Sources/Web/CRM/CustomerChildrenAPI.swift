import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// A customer's service addresses and contacts.
extension CRMAPI {
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

        static let fields: [(String, Schema)] = [
            ("label", .optionalText(max: 60, description: "Home, office, …")), ("line1", .text(max: 200)), ("line2", .optionalText(max: 200)),
            ("city", .optionalText(max: 80)), ("postcode", .optionalText(max: 12)),
            ("area_id", .referenceOrEmpty("area", description: "The area the address lies in; empty clears")),
            ("latitude", .string(pattern: #"([+-]?(90(\.0{1,6})?|[0-8]?[0-9](\.[0-9]{1,6})?))?"#,
                                 description: "Decimal degrees from -90 to 90, up to six decimals; empty clears",
                                 message: "must be between -90 and 90 degrees, such as 23.810332")),
            ("longitude", .string(pattern: #"([+-]?(180(\.0{1,6})?|(1[0-7][0-9]|[0-9]?[0-9])(\.[0-9]{1,6})?))?"#,
                                  description: "Decimal degrees from -180 to 180, up to six decimals; empty clears",
                                  message: "must be between -180 and 180 degrees, such as 90.412518")),
            ("installation_notes", .optionalText(max: 2000)),
            ("is_primary", .described(.boolean, "Makes this the primary address (the first one is)")),
        ]
        static let createSchema = Schema.named("AddressInput", .input(fields, required: ["line1"]))
        static let patchSchema = Schema.named("AddressPatch", .input(fields))

        static func rules(prefix: String = "") -> [APIRule] {
            [APIRule(prefix + "latitude", "and longitude come together: give both or neither"),
             APIRule(prefix + "longitude", "and latitude come together: give both or neither")]
        }
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

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 120)), ("role", .choice(ContactRole.allCases.map(\.rawValue))), ("phones", CRMAPI.phoneList), ("email", .emailOrEmpty),
            ("is_primary", .described(.boolean, "Makes this the primary contact (the first one is)")),
        ]
        static let createSchema = Schema.named("ContactInput", .input(fields, required: ["name"]))
        static let patchSchema = Schema.named("ContactPatch", .input(fields))
    }

    static func registerChildren(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/customers/{id}/addresses", summary: "A customer's service addresses", tag: "customers",
                             permission: .customersRead, query: paging, response: .list(AddressDTO.schema))) { req in
            let page = try await Addresses.list(try req.ctx, customerID: req.parameters.get("id"), page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AddressDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/customers/{id}/addresses", summary: "Add a service address (at most 50)", tag: "customers",
                             permission: .customersWrite, body: AddressRequest.createSchema, success: 201, response: AddressDTO.schema,
                             rules: AddressRequest.rules())) { req in
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
                             permission: .customersWrite, body: AddressRequest.patchSchema, response: AddressDTO.schema,
                             rules: AddressRequest.rules())) { req in
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
        api.add(APIOperation(method: .POST, path: "/customers/{id}/contacts", summary: "Add a contact (at most 50)", tag: "customers",
                             permission: .customersWrite, body: ContactRequest.createSchema, success: 201, response: ContactDTO.schema)) { req in
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
                             permission: .customersWrite, body: ContactRequest.patchSchema, response: ContactDTO.schema)) { req in
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
}
