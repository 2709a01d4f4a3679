import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// A customer's service addresses. Changes land on the customer's timeline.
public enum Addresses {
    public struct Input: Sendable {
        public var label: String?
        public var line1: String?
        public var line2: String?
        public var city: String?
        public var postcode: String?
        /// "" clears.
        public var areaID: String?
        /// Decimal degrees; "" clears.
        public var latitude: String?
        public var longitude: String?
        public var installationNotes: String?
        public var isPrimary: Bool?

        public init(label: String? = nil, line1: String? = nil, line2: String? = nil, city: String? = nil, postcode: String? = nil,
                    areaID: String? = nil, latitude: String? = nil, longitude: String? = nil, installationNotes: String? = nil,
                    isPrimary: Bool? = nil) {
            self.label = label
            self.line1 = line1
            self.line2 = line2
            self.city = city
            self.postcode = postcode
            self.areaID = areaID
            self.latitude = latitude
            self.longitude = longitude
            self.installationNotes = installationNotes
            self.isPrimary = isPrimary
        }
    }

    struct Valid: Sendable {
        var label: String??
        var line1: String?
        var line2: String??
        var city: String??
        var postcode: String??
        var area: Area??
        var latitude: Int64??
        var longitude: Int64??
        var notes: String??
        var isPrimary: Bool?
    }

    static func validate(_ ctx: TenantContext, _ input: Input, creating: Bool, prefix: String = "", v: inout Validator,
                         on db: any Database) async throws -> Valid {
        var out = validateFields(input, creating: creating, prefix: prefix, v: &v)
        if let raw = input.areaID {
            if raw.nonBlank == nil {
                out.area = .some(nil)
            } else if let area = try? await Area.find(raw, in: ctx, on: db) {
                out.area = .some(area)
            } else {
                v.add(prefix + "area_id", "is not an area of this organization")
            }
        }
        return out
    }

    /// Everything but the area, which needs the database.
    static func validateFields(_ input: Input, creating: Bool, prefix: String = "", v: inout Validator) -> Valid {
        var out = Valid()
        out.label = v.optionalText(prefix + "label", input.label, max: 60)
        out.line1 = v.text(prefix + "line1", input.line1, required: creating, max: 200)
        out.line2 = v.optionalText(prefix + "line2", input.line2, max: 200)
        out.city = v.optionalText(prefix + "city", input.city, max: 80)
        out.postcode = v.optionalText(prefix + "postcode", input.postcode, max: 12)
        out.notes = v.optionalText(prefix + "installation_notes", input.installationNotes, max: 2000)
        out.isPrimary = input.isPrimary
        for (field, raw, limit) in [("latitude", input.latitude, Int64(90)), ("longitude", input.longitude, Int64(180))] {
            guard let raw else { continue }
            let value: Int64?? = raw.nonBlank == nil ? .some(nil) : v.coordinate(prefix + field, raw, limit: limit).map(Optional.some)
            if field == "latitude" { out.latitude = value } else { out.longitude = value }
        }
        let lat = out.latitude ?? nil, lon = out.longitude ?? nil
        if (lat == nil) != (lon == nil), input.latitude.nonBlank != nil || input.longitude.nonBlank != nil,
           !v.errors.contains(where: { $0.field == prefix + "latitude" || $0.field == prefix + "longitude" }) {
            v.add(prefix + (lat == nil ? "latitude" : "longitude"), "is needed too: give both coordinates or neither")
        }
        return out
    }

    static func snapshot(_ a: ServiceAddress, areaName: String?) -> [String: String?] {
        ["label": a.label, "line1": a.line1, "line2": a.line2, "city": a.city, "postcode": a.postcode, "area": areaName,
         "latitude": a.latitudeE6.map(Decimal6.format), "longitude": a.longitudeE6.map(Decimal6.format), "installation_notes": a.installationNotes,
         "primary": a.isPrimary ? "yes" : nil]
    }

    static func insert(_ ctx: TenantContext, customer: Customer, _ valid: Valid, primary: Bool, services: CRMServices, on tx: any Database,
                       reindex: Bool = true) async throws -> ServiceAddress {
        let address = build(ctx, customerID: customer.id!, valid, primary: primary)
        if primary {
            try await ServiceAddress.scoped(to: ctx, on: tx).filter(\.$customerID == customer.id!).set(\.$isPrimary, to: false).update()
        }
        try await address.create(on: tx)
        try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated",
                                    summary: "Added service address \(address.line1)",
                                    changes: Activities.diff([:], snapshot(address, areaName: (valid.area ?? nil)?.fullName))
                                        .map { FieldChange(field: "address." + $0.field, before: $0.before, after: $0.after) },
                                    at: services.clock.now(), on: tx)
        try await Customers.refreshArea(customer, ctx: ctx, on: tx)
        if reindex { try await SearchIndex.reindex(customer, on: tx) }
        return address
    }

    static func build(_ ctx: TenantContext, customerID: UUID, _ valid: Valid, primary: Bool) -> ServiceAddress {
        let address = ServiceAddress()
        address.id = UUID.timeOrdered()
        address.organizationID = ctx.organizationID
        address.customerID = customerID
        address.label = valid.label ?? nil
        address.line1 = valid.line1!
        address.line2 = valid.line2 ?? nil
        address.city = valid.city ?? nil
        address.postcode = valid.postcode ?? nil
        address.areaID = (valid.area ?? nil)?.id
        address.latitudeE6 = valid.latitude ?? nil
        address.longitudeE6 = valid.longitude ?? nil
        address.installationNotes = valid.notes ?? nil
        address.isPrimary = primary
        return address
    }

    public static func list(_ ctx: TenantContext, customerID: String?, page: CursorRequest, on db: any Database) async throws -> CursorPage<ServiceAddress> {
        let customer = try await Customers.find(ctx, customerID, on: db)
        return try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).paginate(page, by: \.$line1)
    }

    public static func find(_ ctx: TenantContext, customerID: String?, _ id: String?, on db: any Database) async throws -> (Customer, ServiceAddress) {
        let customer = try await Customers.find(ctx, customerID, on: db)
        guard let uuid = id.flatMap(UUID.init(uuidString:)),
              let address = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).filter(\.$id == uuid).first()
        else { throw DomainError.notFound("Service address") }
        return (customer, address)
    }

    public static func create(_ ctx: TenantContext, customerID: String?, _ input: Input, services: CRMServices,
                              on db: any Database) async throws -> ServiceAddress {
        try ctx.require(.customersWrite)
        let customer = try await Customers.find(ctx, customerID, on: db)
        var v = Validator()
        let valid = try await validate(ctx, input, creating: true, v: &v, on: db)
        try v.check()
        let existing = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).count()
        if existing >= 50 { throw DomainError.conflict("A customer may have at most 50 service addresses.") }
        return try await db.writeTransaction { tx in
            try await insert(ctx, customer: customer, valid, primary: input.isPrimary ?? (existing == 0), services: services, on: tx)
        }
    }

    public static func update(_ ctx: TenantContext, customerID: String?, _ id: String?, _ input: Input, services: CRMServices,
                              on db: any Database) async throws -> ServiceAddress {
        try ctx.require(.customersWrite)
        let (customer, address) = try await find(ctx, customerID: customerID, id, on: db)
        var v = Validator()
        let valid = try await validate(ctx, input, creating: false, v: &v, on: db)
        try v.check()
        return try await db.writeTransaction { tx in
            let oldArea = try await address.areaID.asyncMap { try await Area.find($0, in: ctx, on: tx).fullName }
            let before = snapshot(address, areaName: oldArea)
            if let x = valid.label { address.label = x }
            if let x = valid.line1 { address.line1 = x }
            if let x = valid.line2 { address.line2 = x }
            if let x = valid.city { address.city = x }
            if let x = valid.postcode { address.postcode = x }
            var areaName = oldArea
            if let x = valid.area { address.areaID = x?.id; areaName = x?.fullName }
            if let x = valid.latitude { address.latitudeE6 = x }
            if let x = valid.longitude { address.longitudeE6 = x }
            if (address.latitudeE6 == nil) != (address.longitudeE6 == nil) {
                throw DomainError.invalid(address.latitudeE6 == nil ? "latitude" : "longitude", "is needed too: give both coordinates or neither")
            }
            if let x = valid.notes { address.installationNotes = x }
            if valid.isPrimary == true, !address.isPrimary {
                try await ServiceAddress.scoped(to: ctx, on: tx).filter(\.$customerID == customer.id!).set(\.$isPrimary, to: false).update()
                address.isPrimary = true
            }
            try await address.save(on: tx)
            let changes = Activities.diff(before, snapshot(address, areaName: areaName))
            if !changes.isEmpty {
                try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated",
                                            summary: "Changed service address \(address.line1)",
                                            changes: changes.map { FieldChange(field: "address." + $0.field, before: $0.before, after: $0.after) },
                                            at: services.clock.now(), on: tx)
            }
            try await Customers.refreshArea(customer, ctx: ctx, on: tx)
            try await SearchIndex.reindex(customer, on: tx)
            return address
        }
    }

    public static func delete(_ ctx: TenantContext, customerID: String?, _ id: String?, services: CRMServices, on db: any Database) async throws {
        try ctx.require(.customersWrite)
        let (customer, address) = try await find(ctx, customerID: customerID, id, on: db)
        try await db.writeTransaction { tx in
            try await address.delete(on: tx)
            if address.isPrimary,
               let next = try await ServiceAddress.scoped(to: ctx, on: tx).filter(\.$customerID == customer.id!).sort(\.$createdAt).first() {
                next.isPrimary = true
                try await next.save(on: tx)
            }
            try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated",
                                        summary: "Removed service address \(address.line1)",
                                        changes: [FieldChange(field: "address.line1", before: address.line1, after: nil)],
                                        at: services.clock.now(), on: tx)
            try await Customers.refreshArea(customer, ctx: ctx, on: tx)
            try await SearchIndex.reindex(customer, on: tx)
        }
    }
}

/// People at a customer.
public enum Contacts {
    public struct Input: Sendable {
        public var name: String?
        public var role: String?
        public var phones: [String]?
        public var email: String?
        public var isPrimary: Bool?

        public init(name: String? = nil, role: String? = nil, phones: [String]? = nil, email: String? = nil, isPrimary: Bool? = nil) {
            self.name = name
            self.role = role
            self.phones = phones
            self.email = email
            self.isPrimary = isPrimary
        }
    }

    struct Valid: Sendable {
        var name: String?
        var role: ContactRole?
        var phones: [String]?
        var email: String??
        var isPrimary: Bool?
    }

    static func validate(_ input: Input, creating: Bool, prefix: String = "", v: inout Validator) -> Valid {
        var out = Valid()
        out.name = v.text(prefix + "name", input.name, required: creating, max: 120)
        if let raw = input.role.nonBlank {
            out.role = ContactRole(rawValue: raw)
            if out.role == nil { v.add(prefix + "role", "must be one of \(ContactRole.allCases.map(\.rawValue).joined(separator: ", "))") }
        }
        out.phones = v.phones(prefix + "phones", input.phones, required: false)
        if let raw = input.email {
            out.email = raw.nonBlank == nil ? .some(nil) : v.email(prefix + "email", raw, required: false).map(Optional.some)
        }
        out.isPrimary = input.isPrimary
        return out
    }

    static func snapshot(_ c: Contact) -> [String: String?] {
        ["name": c.name, "role": c.role.rawValue, "phones": c.phones.isEmpty ? nil : c.phones.joined(separator: ", "), "email": c.email,
         "primary": c.isPrimary ? "yes" : nil]
    }

    static func build(_ ctx: TenantContext, customerID: UUID, _ valid: Valid, primary: Bool) -> Contact {
        let contact = Contact()
        contact.id = UUID.timeOrdered()
        contact.organizationID = ctx.organizationID
        contact.customerID = customerID
        contact.name = valid.name!
        contact.role = valid.role ?? (primary ? .primary : .other)
        contact.phones = valid.phones ?? []
        contact.email = valid.email ?? nil
        contact.isPrimary = primary
        return contact
    }

    static func insert(_ ctx: TenantContext, customer: Customer, _ valid: Valid, primary: Bool, services: CRMServices, on tx: any Database,
                       reindex: Bool = true) async throws -> Contact {
        let contact = build(ctx, customerID: customer.id!, valid, primary: primary)
        if primary {
            try await Contact.scoped(to: ctx, on: tx).filter(\.$customerID == customer.id!).set(\.$isPrimary, to: false).update()
        }
        try await contact.create(on: tx)
        try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated", summary: "Added contact \(contact.name)",
                                    changes: Activities.diff([:], snapshot(contact))
                                        .map { FieldChange(field: "contact." + $0.field, before: $0.before, after: $0.after) },
                                    at: services.clock.now(), on: tx)
        if reindex { try await SearchIndex.reindex(customer, on: tx) }
        return contact
    }

    public static func list(_ ctx: TenantContext, customerID: String?, page: CursorRequest, on db: any Database) async throws -> CursorPage<Contact> {
        let customer = try await Customers.find(ctx, customerID, on: db)
        return try await Contact.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).paginate(page, by: \.$name)
    }

    public static func find(_ ctx: TenantContext, customerID: String?, _ id: String?, on db: any Database) async throws -> (Customer, Contact) {
        let customer = try await Customers.find(ctx, customerID, on: db)
        guard let uuid = id.flatMap(UUID.init(uuidString:)),
              let contact = try await Contact.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).filter(\.$id == uuid).first()
        else { throw DomainError.notFound("Contact") }
        return (customer, contact)
    }

    public static func create(_ ctx: TenantContext, customerID: String?, _ input: Input, services: CRMServices,
                              on db: any Database) async throws -> Contact {
        try ctx.require(.customersWrite)
        let customer = try await Customers.find(ctx, customerID, on: db)
        var v = Validator()
        let valid = validate(input, creating: true, v: &v)
        try v.check()
        let existing = try await Contact.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).count()
        if existing >= 50 { throw DomainError.conflict("A customer may have at most 50 contacts.") }
        return try await db.writeTransaction { tx in
            try await insert(ctx, customer: customer, valid, primary: input.isPrimary ?? (existing == 0), services: services, on: tx)
        }
    }

    public static func update(_ ctx: TenantContext, customerID: String?, _ id: String?, _ input: Input, services: CRMServices,
                              on db: any Database) async throws -> Contact {
        try ctx.require(.customersWrite)
        let (customer, contact) = try await find(ctx, customerID: customerID, id, on: db)
        var v = Validator()
        let valid = validate(input, creating: false, v: &v)
        try v.check()
        return try await db.writeTransaction { tx in
            let before = snapshot(contact)
            if let x = valid.name { contact.name = x }
            if let x = valid.role { contact.role = x }
            if let x = valid.phones { contact.phones = x }
            if let x = valid.email { contact.email = x }
            if valid.isPrimary == true, !contact.isPrimary {
                try await Contact.scoped(to: ctx, on: tx).filter(\.$customerID == customer.id!).set(\.$isPrimary, to: false).update()
                contact.isPrimary = true
            }
            try await contact.save(on: tx)
            let changes = Activities.diff(before, snapshot(contact))
            if !changes.isEmpty {
                try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated", summary: "Changed contact \(contact.name)",
                                            changes: changes.map { FieldChange(field: "contact." + $0.field, before: $0.before, after: $0.after) },
                                            at: services.clock.now(), on: tx)
            }
            try await SearchIndex.reindex(customer, on: tx)
            return contact
        }
    }

    public static func delete(_ ctx: TenantContext, customerID: String?, _ id: String?, services: CRMServices, on db: any Database) async throws {
        try ctx.require(.customersWrite)
        let (customer, contact) = try await find(ctx, customerID: customerID, id, on: db)
        try await db.writeTransaction { tx in
            try await contact.delete(on: tx)
            try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated", summary: "Removed contact \(contact.name)",
                                        changes: [FieldChange(field: "contact.name", before: contact.name, after: nil)],
                                        at: services.clock.now(), on: tx)
            try await SearchIndex.reindex(customer, on: tx)
        }
    }
}
