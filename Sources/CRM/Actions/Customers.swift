import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// Customers: create (with a first address and contact), change, archive, restore, find.
public enum Customers {
    public struct Input: Sendable {
        public var kind: String?
        public var displayName: String?
        public var legalName: String?
        public var phones: [String]?
        public var email: String?
        public var nationalID: String?
        public var tradeLicense: String?
        public var joinedOn: String?
        public var branchID: String?
        /// "" removes the reseller; nil leaves it.
        public var resellerID: String?
        public var tags: [String]?
        public var notes: String?
        public var status: String?
        public var externalRef: String?
        /// Save even though a phone or national ID already belongs to another customer.
        public var allowDuplicate: Bool
        /// Create without a phone (customers imported from a router, whose entries rarely carry one).
        public var phoneOptional: Bool = false
        /// Created together with the customer (the onboarding form).
        public var address: Addresses.Input?
        public var contact: Contacts.Input?

        public init(kind: String? = nil, displayName: String? = nil, legalName: String? = nil, phones: [String]? = nil, email: String? = nil,
                    nationalID: String? = nil, tradeLicense: String? = nil, joinedOn: String? = nil, branchID: String? = nil,
                    resellerID: String? = nil, tags: [String]? = nil, notes: String? = nil, status: String? = nil, externalRef: String? = nil,
                    allowDuplicate: Bool = false, address: Addresses.Input? = nil, contact: Contacts.Input? = nil) {
            self.kind = kind
            self.displayName = displayName
            self.legalName = legalName
            self.phones = phones
            self.email = email
            self.nationalID = nationalID
            self.tradeLicense = tradeLicense
            self.joinedOn = joinedOn
            self.branchID = branchID
            self.resellerID = resellerID
            self.tags = tags
            self.notes = notes
            self.status = status
            self.externalRef = externalRef
            self.allowDuplicate = allowDuplicate
            self.address = address
            self.contact = contact
        }
    }

    /// A customer with everything its page shows.
    public struct Details: Sendable {
        public var customer: Customer
        public var branchName: String
        public var reseller: Reseller?
        public var areaName: String?
        public var addresses: [ServiceAddress]
        public var areaNames: [UUID: String]
        public var contacts: [Contact]
        public var lead: Lead?
    }

    struct Valid {
        var kind: CustomerKind?
        var displayName: String?
        var legalName: String??
        var phones: [String]?
        var email: String??
        var nationalID: String??
        var tradeLicense: String??
        var joinedOn: String?
        var branchID: UUID?
        var reseller: Reseller??
        var tags: [String]?
        var notes: String??
        var status: CustomerStatus?
        var externalRef: String??
    }

    /// Upper-case letters and digits only, every script's decimal digits (Bengali ১৯৮৭, Arabic-Indic
    /// ١٩٨٧, full-width …) as ASCII, so the same id typed either way is one id for duplicates.
    static func normaliseID(_ text: String) -> String {
        var out = ""
        for scalar in text.uppercased().unicodeScalars {
            if scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue {
                out.append(Character(String(Int(value))))
            } else if scalar.properties.isAlphabetic {
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }

    /// Everything that needs no database: texts, phones, dates, ids, tags, status.
    static func validateFields(_ input: Input, creating: Bool, v: inout Validator) -> Valid {
        var out = Valid()
        if let raw = input.kind.nonBlank {
            out.kind = CustomerKind(rawValue: raw)
            if out.kind == nil { v.add("kind", "must be individual or business") }
        } else if creating {
            out.kind = .individual
        }
        out.displayName = v.text("display_name", input.displayName, required: creating, max: 160)
        out.legalName = v.optionalText("legal_name", input.legalName, max: 200)
        out.phones = v.phones("phones", input.phones, required: creating && !input.phoneOptional)
        if let raw = input.email {
            out.email = raw.nonBlank == nil ? .some(nil) : v.email("email", raw, required: false).map(Optional.some)
        }
        if let raw = input.nationalID {
            if let text = raw.nonBlank {
                let id = normaliseID(text)
                if ![10, 13, 17].contains(id.count) || !id.allSatisfy({ $0.isASCII && $0.isNumber }) {
                    v.add("national_id", "must be a Bangladeshi NID of 10, 13 or 17 digits")
                } else {
                    out.nationalID = .some(id)
                }
            } else {
                out.nationalID = .some(nil)
            }
        }
        out.tradeLicense = v.optionalText("trade_license", input.tradeLicense, max: 60)
        out.joinedOn = v.date("joined_on", input.joinedOn)
        out.tags = v.tags("tags", input.tags)
        out.notes = v.optionalText("notes", input.notes, max: 4000)
        out.externalRef = v.optionalText("external_ref", input.externalRef, max: 100)
        if let raw = input.status.nonBlank {
            switch CustomerStatus(rawValue: raw) {
            case .prospect?, .active?: out.status = CustomerStatus(rawValue: raw)
            case .suspended?, .terminated?: v.add("status", "suspended and terminated follow from the customer's services; staff set prospect or active")
            case nil: v.add("status", "must be prospect or active")
            }
        }
        return out
    }

    static func validate(_ ctx: TenantContext, _ input: Input, creating: Bool, existing: Customer?, v: inout Validator,
                         on db: any Database) async throws -> Valid {
        var out = validateFields(input, creating: creating, v: &v)
        if let raw = input.resellerID {
            if raw.nonBlank == nil {
                if ctx.isResellerScoped { v.add("reseller_id", "reseller staff keep their customers under a reseller") } else { out.reseller = .some(nil) }
            } else if let reseller = try await Resellers.resolve(ctx, raw, into: &v, on: db) {
                out.reseller = .some(reseller)
            }
        } else if creating, ctx.isResellerScoped {
            let home = try await Resellers.home(ctx, on: db)
            if let home { out.reseller = .some(home) } else { v.add("reseller_id", "is required") }
        }
        if input.branchID.nonBlank != nil || creating {
            let fallback = (out.reseller ?? nil)?.branchID ?? existing?.branchID
            out.branchID = try await Resellers.resolveBranch(ctx, input.branchID, fallback: fallback, into: &v, on: db)
        }
        return out
    }

    /// Other customers that share a phone or the national ID: staff are warned before saving.
    public static func duplicates(_ ctx: TenantContext, phones: [String], nationalID: String?, except: UUID?,
                                  on db: any Database) async throws -> [(field: String, customer: Customer)] {
        var found: [(String, Customer)] = []
        if !phones.isEmpty {
            let rows = try await CustomerPhone.scoped(to: ctx, on: db).filter(\.$e164 ~~ phones).all()
            let ids = Set(rows.map(\.customerID)).subtracting(except.map { [$0] } ?? [])
            if !ids.isEmpty {
                let customers = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ ids)
                    .filter(\.$archivedAt == nil).all()
                for customer in customers {
                    let shared = rows.first { $0.customerID == customer.id }?.e164 ?? ""
                    let index = phones.firstIndex(of: shared) ?? 0
                    found.append(("phones[\(index)]", customer))
                }
            }
        }
        if let nationalID {
            let query = Customer.inOrganization(ctx.organizationID, on: db).filter(\.$nationalID == nationalID)
                .filter(\.$archivedAt == nil)
            if let except { query.filter(\.$id != except) }
            for customer in try await query.limit(5).all() { found.append(("national_id", customer)) }
        }
        return found
    }

    static func checkDuplicates(_ ctx: TenantContext, phones: [String], nationalID: String?, except: UUID?, allow: Bool,
                                on db: any Database) async throws {
        guard !allow else { return }
        let found = try await duplicates(ctx, phones: phones, nationalID: nationalID, except: except, on: db)
        guard !found.isEmpty else { return }
        // Reseller staff must not learn about customers outside their subtree beyond "in use".
        let visible = ctx.resellerIDs
        var errors = found.map { item -> FieldError in
            let who = visible == nil || visible!.contains(item.customer.resellerID ?? UUID())
                ? "\(item.customer.numberText) \(item.customer.displayName)" : "another customer"
            return FieldError(item.field, "already belongs to \(who)")
        }
        errors.append(FieldError("allow_duplicate", "This looks like a customer you already have. Check it, or save anyway to keep both."))
        throw DomainError.validation(errors)
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: CRMServices, on db: any Database) async throws -> Customer {
        try ctx.require(.customersWrite)
        var v = Validator()
        let valid = try await validate(ctx, input, creating: true, existing: nil, v: &v, on: db)
        let address = try await input.address.asyncMap { try await Addresses.validate(ctx, $0, creating: true, prefix: "address.", v: &v, on: db) }
        let contact = input.contact.map { Contacts.validate($0, creating: true, prefix: "contact.", v: &v) }
        if let ref = valid.externalRef ?? nil,
           try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$externalRef == ref).first() != nil {
            v.add("external_ref", "is already used by another customer")
        }
        try v.check()
        try await checkDuplicates(ctx, phones: valid.phones ?? [], nationalID: valid.nationalID ?? nil, except: nil,
                                  allow: input.allowDuplicate, on: db)
        let now = services.clock.now()
        return try await db.writeTransaction { tx in
            let number = try await NumberSequences.next("customer", organizationID: ctx.organizationID, on: tx)
            let customer = build(ctx, valid, number: number, now: now)
            try await customer.create(on: tx)
            try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "created",
                                        summary: "Created customer \(customer.numberText) \(customer.displayName)",
                                        changes: Activities.diff([:], try await snapshot(customer, ctx: ctx, on: tx)), at: now, on: tx)
            if let address {
                _ = try await Addresses.insert(ctx, customer: customer, address, primary: true, services: services, on: tx, reindex: false)
            }
            if let contact {
                _ = try await Contacts.insert(ctx, customer: customer, contact, primary: true, services: services, on: tx, reindex: false)
            }
            try await SearchIndex.reindex(customer, on: tx)
            return customer
        }
    }

    /// A new customer from validated input (not saved).
    static func build(_ ctx: TenantContext, _ valid: Valid, number: Int64, now: Date) -> Customer {
            let customer = Customer()
            customer.id = UUID.timeOrdered()
            customer.organizationID = ctx.organizationID
            customer.branchID = valid.branchID!
            customer.resellerID = (valid.reseller ?? nil)?.id
            customer.number = number
            customer.numberText = NumberSequences.format(number, prefix: "C-")
            customer.kind = valid.kind ?? .individual
            customer.displayName = valid.displayName!
            customer.sortName = SearchText.fold(valid.displayName!)
            customer.legalName = valid.legalName ?? nil
            customer.email = valid.email ?? nil
            customer.nationalID = valid.nationalID ?? nil
            customer.tradeLicense = valid.tradeLicense ?? nil
            customer.joinedOn = valid.joinedOn ?? CalendarDate.today(now, in: ctx.timeZone)
            customer.status = valid.status ?? .active
            customer.phones = valid.phones ?? []
            customer.primaryPhone = customer.phones.first
            customer.tags = valid.tags ?? []
            customer.notes = valid.notes ?? nil
            customer.externalRef = valid.externalRef ?? nil
            return customer
    }

    static func snapshot(_ c: Customer, ctx: TenantContext, on db: any Database) async throws -> [String: String?] {
        let branch = try await Branch.find(c.branchID, in: ctx, on: db).name
        let reseller = try await c.resellerID.asyncMap { try await Reseller.query(on: db).filter(\.$id == $0).first()?.name ?? "?" }
        return snapshot(c, branchName: branch, resellerName: reseller)
    }

    static func snapshot(_ c: Customer, branchName branch: String, resellerName reseller: String?) -> [String: String?] {
        return [
            "kind": c.kind.rawValue, "display_name": c.displayName, "legal_name": c.legalName,
            "phones": c.phones.isEmpty ? nil : c.phones.joined(separator: ", "), "email": c.email, "national_id": c.nationalID,
            "trade_license": c.tradeLicense, "joined_on": c.joinedOn, "branch": branch, "reseller": reseller,
            "tags": c.tags.isEmpty ? nil : c.tags.joined(separator: ", "), "notes": c.notes, "status": c.status.rawValue,
            "external_ref": c.externalRef,
        ]
    }

    /// "C-000123 Rahim Uddin" for each of these customers the viewer may see.
    public static func names(_ ctx: TenantContext, _ ids: [UUID], on db: any Database) async throws -> [UUID: String] {
        var names: [UUID: String] = [:]
        for part in ids.chunked(500) {
            for c in try await Customer.scoped(to: ctx, on: db).filter(\.$id ~~ part).all() { names[c.id!] = "\(c.numberText) \(c.displayName)" }
        }
        return names
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Customer {
        try ctx.require(.customersRead)
        return try await Customer.find(id, in: ctx, on: db)
    }

    public static func details(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Details {
        let customer = try await find(ctx, id, on: db)
        let addresses = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!)
            .sort(\.$isPrimary, .descending).sort(\.$createdAt).all()
        let contacts = try await Contact.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!)
            .sort(\.$isPrimary, .descending).sort(\.$name).all()
        let areaIDs = Set(addresses.compactMap(\.areaID) + [customer.areaID].compactMap { $0 })
        let areas = areaIDs.isEmpty ? [] : try await Area.scoped(to: ctx, on: db).filter(\.$id ~~ areaIDs).all()
        let names = Dictionary(uniqueKeysWithValues: areas.map { ($0.id!, $0.fullName) })
        let branch = try await Branch.find(customer.branchID, in: ctx, on: db)
        let reseller = try await customer.resellerID.asyncMap { try await Reseller.find($0, in: ctx, on: db) }
        let lead = try await Lead.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).first()
        return Details(customer: customer, branchName: branch.name, reseller: reseller, areaName: customer.areaID.flatMap { names[$0] },
                       addresses: addresses, areaNames: names, contacts: contacts, lead: lead)
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: CRMServices, on db: any Database) async throws -> Customer {
        try ctx.require(.customersWrite)
        let customer = try await Customer.find(id, in: ctx, on: db)
        guard customer.archivedAt == nil else { throw DomainError.conflict("\(customer.numberText) is archived; restore it before changing it.") }
        var v = Validator()
        let valid = try await validate(ctx, input, creating: false, existing: customer, v: &v, on: db)
        if let ref = valid.externalRef ?? nil, ref != customer.externalRef,
           try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$externalRef == ref).first() != nil {
            v.add("external_ref", "is already used by another customer")
        }
        try v.check()
        let newPhones = (valid.phones ?? customer.phones).filter { !customer.phones.contains($0) }
        let newNID = (valid.nationalID ?? nil).flatMap { $0 == customer.nationalID ? nil : $0 }
        try await checkDuplicates(ctx, phones: newPhones, nationalID: newNID, except: customer.id, allow: input.allowDuplicate, on: db)
        return try await db.writeTransaction { tx in
            let before = try await snapshot(customer, ctx: ctx, on: tx)
            if let kind = valid.kind { customer.kind = kind }
            if let name = valid.displayName { customer.displayName = name; customer.sortName = SearchText.fold(name) }
            if let x = valid.legalName { customer.legalName = x }
            if let phones = valid.phones { customer.phones = phones; customer.primaryPhone = phones.first }
            if let x = valid.email { customer.email = x }
            if let x = valid.nationalID { customer.nationalID = x }
            if let x = valid.tradeLicense { customer.tradeLicense = x }
            if let x = valid.joinedOn { customer.joinedOn = x }
            if let x = valid.branchID { customer.branchID = x }
            if let x = valid.reseller { customer.resellerID = x?.id }
            if let x = valid.tags { customer.tags = x }
            if let x = valid.notes { customer.notes = x }
            if let x = valid.status { customer.status = x }
            if let x = valid.externalRef { customer.externalRef = x }
            try await customer.save(on: tx)
            let changes = Activities.diff(before, try await snapshot(customer, ctx: ctx, on: tx))
            if !changes.isEmpty {
                try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "updated",
                                            summary: "Changed \(changes.map(\.field).joined(separator: ", "))",
                                            changes: changes, at: services.clock.now(), on: tx)
                try await SearchIndex.reindex(customer, on: tx)
            }
            return customer
        }
    }

    /// Sets the status that follows from the customer's services (Billing calls this inside
    /// its transaction when a subscription changes state); a timeline entry notes the change.
    public static func followServices(_ ctx: TenantContext, _ id: UUID, status: CustomerStatus, at date: Date, on tx: any Database) async throws {
        guard let customer = try await Customer.inOrganization(ctx.organizationID, on: tx).filter(\.$id == id).first(),
              customer.status != status else { return }
        let before = customer.status
        customer.status = status
        try await customer.save(on: tx)
        try await Activities.record(ctx, subject: .init("customer", id), kind: "status", summary: "Status \(before.rawValue) → \(status.rawValue) (follows the services)",
                                    changes: [FieldChange(field: "status", before: before.rawValue, after: status.rawValue)], at: date, on: tx)
    }

    /// Archives instead of deleting: invoices and payments will point at customers.
    public static func archive(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws -> Customer {
        try await setArchived(ctx, id, true, services: services, on: db)
    }

    public static func restore(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws -> Customer {
        try await setArchived(ctx, id, false, services: services, on: db)
    }

    static func setArchived(_ ctx: TenantContext, _ id: String?, _ archived: Bool, services: CRMServices, on db: any Database) async throws -> Customer {
        try ctx.require(.customersWrite)
        let customer = try await Customer.find(id, in: ctx, on: db)
        guard (customer.archivedAt != nil) != archived else { return customer }
        return try await db.writeTransaction { tx in
            customer.archivedAt = archived ? services.clock.now() : nil
            try await customer.save(on: tx)
            try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: archived ? "archived" : "restored",
                                        summary: archived ? "Archived the customer" : "Restored the customer",
                                        changes: [FieldChange(field: "archived", before: archived ? nil : "yes", after: archived ? "yes" : nil)],
                                        at: services.clock.now(), on: tx)
            return customer
        }
    }

    /// A note or call logged by staff on the customer's timeline.
    public static func log(_ ctx: TenantContext, _ id: String?, kind: String?, body: String?, services: CRMServices,
                           on db: any Database) async throws -> Activity {
        try ctx.require(.customersWrite)
        let customer = try await Customer.find(id, in: ctx, on: db)
        let (kind, text) = try validateLog(kind: kind, body: body)
        return try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: kind,
                                           summary: kind == "call" ? "Logged a call" : "Added a note", body: text, at: services.clock.now(), on: db)
    }

    static func validateLog(kind: String?, body: String?) throws(DomainError) -> (String, String) {
        var v = Validator()
        let kind = kind.nonBlank ?? "note"
        if !Activities.loggableKinds.contains(kind) { v.add("kind", "must be note or call") }
        let text = v.text("body", body, max: 4000)
        try v.check()
        return (kind, text!)
    }

    public static func timeline(_ ctx: TenantContext, _ id: String?, kind: String? = nil, page: CursorRequest,
                                on db: any Database) async throws -> CursorPage<Activity> {
        let customer = try await find(ctx, id, on: db)
        return try await Activities.list(ctx, subject: .init("customer", customer.id!), kind: kind, page: page, on: db)
    }

    /// Puts the primary address's area on the customer (for list filters) after address changes.
    static func refreshArea(_ customer: Customer, ctx: TenantContext, on db: any Database) async throws {
        let primary = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!)
            .sort(\.$isPrimary, .descending).sort(\.$createdAt).first()
        if customer.areaID != primary?.areaID {
            customer.areaID = primary?.areaID
            try await customer.save(on: db)
        }
    }
}
