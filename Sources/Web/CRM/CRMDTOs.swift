import CRM
import Foundation
import MeghnaCore
import Platform

struct CustomerDTO: Encodable {
    var id: UUID
    var number: String
    var kind: String
    var displayName: String
    var legalName: String?
    var phones: [String]
    var email: String?
    var nationalID: String?
    var tradeLicense: String?
    var joinedOn: String
    var status: String
    var branchID: UUID
    var resellerID: UUID?
    var areaID: UUID?
    var tags: [String]
    var notes: String?
    var externalRef: String?
    var archived: Bool
    var createdAt: Date?
    var updatedAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, number, kind, phones, email, status, tags, notes, archived
        case displayName = "display_name", legalName = "legal_name", nationalID = "national_id", tradeLicense = "trade_license"
        case joinedOn = "joined_on", branchID = "branch_id", resellerID = "reseller_id", areaID = "area_id", externalRef = "external_ref"
        case createdAt = "created_at", updatedAt = "updated_at"
    }

    init(_ c: Customer) {
        id = c.id!
        number = c.numberText
        kind = c.kind.rawValue
        displayName = c.displayName
        legalName = c.legalName
        phones = c.phones
        email = c.email
        nationalID = c.nationalID
        tradeLicense = c.tradeLicense
        joinedOn = c.joinedOn
        status = c.status.rawValue
        branchID = c.branchID
        resellerID = c.resellerID
        areaID = c.areaID
        tags = c.tags
        notes = c.notes
        externalRef = c.externalRef
        archived = c.archivedAt != nil
        createdAt = c.createdAt
        updatedAt = c.updatedAt
    }

    static let schema = Schema.named("Customer", .object([
        ("id", .uuid), ("number", .string(description: "C-000001")), ("kind", .choice(CustomerKind.allCases.map(\.rawValue))),
        ("display_name", .string()), ("legal_name", .nullable(.string())), ("phones", .array(.string(description: "E.164"))),
        ("email", .nullable(.string())), ("national_id", .nullable(.string())), ("trade_license", .nullable(.string())),
        ("joined_on", .string(format: "date")), ("status", .choice(CustomerStatus.allCases.map(\.rawValue))), ("branch_id", .uuid),
        ("reseller_id", .nullable(.uuid)), ("area_id", .nullable(.described(.uuid, "The primary address's area"))), ("tags", .array(.string())),
        ("notes", .nullable(.string())), ("external_ref", .nullable(.string())), ("archived", .boolean), ("created_at", .nullable(.dateTime)),
        ("updated_at", .nullable(.dateTime)),
    ], required: ["id", "number", "kind", "display_name", "phones", "joined_on", "status", "branch_id", "tags", "archived"]))
}

struct CustomerRowDTO: Encodable, JSONWritable {
    var id: UUID
    var number: String
    var displayName: String
    var kind: String
    var status: String
    var primaryPhone: String?
    var email: String?
    var joinedOn: String
    var tags: [String]
    var branch: String
    var area: String?
    var reseller: String?
    var archived: Bool

    enum CodingKeys: String, CodingKey {
        case id, number, kind, status, email, tags, branch, area, reseller, archived
        case displayName = "display_name", primaryPhone = "primary_phone", joinedOn = "joined_on"
    }

    init(_ r: CustomerDirectory.Row) {
        id = r.id
        number = r.numberText
        displayName = r.displayName
        kind = r.kind
        status = r.status
        primaryPhone = r.primaryPhone
        email = r.email
        joinedOn = r.joinedOn
        tags = r.tags
        branch = r.branchName
        area = r.areaName
        reseller = r.resellerName
        archived = r.archived
    }

    /// The members in `apiJSON`'s (sorted) order.
    func writeJSON(_ out: inout JSONOut) {
        out.object { out in
            out.field("archived", archived)
            out.field("area", area)
            out.field("branch", branch)
            out.field("display_name", displayName)
            out.field("email", email)
            out.field("id", id)
            out.field("joined_on", joinedOn)
            out.field("kind", kind)
            out.field("number", number)
            out.field("primary_phone", primaryPhone)
            out.field("reseller", reseller)
            out.field("status", status)
            out.field("tags", tags)
        }
    }

    static let schema = Schema.named("CustomerRow", .object([
        ("id", .uuid), ("number", .string()), ("display_name", .string()), ("kind", .choice(CustomerKind.allCases.map(\.rawValue))),
        ("status", .choice(CustomerStatus.allCases.map(\.rawValue))), ("primary_phone", .nullable(.string())), ("email", .nullable(.string())),
        ("joined_on", .string(format: "date")), ("tags", .array(.string())), ("branch", .string(description: "The branch's name")),
        ("area", .nullable(.string(description: "The area's full name"))), ("reseller", .nullable(.string(description: "The reseller's name"))),
        ("archived", .boolean),
    ], required: ["id", "number", "display_name", "kind", "status", "joined_on", "tags", "branch", "archived"]))
}

struct AddressDTO: Encodable {
    var id: UUID
    var customerID: UUID
    var label: String?
    var line1: String
    var line2: String?
    var city: String?
    var postcode: String?
    var areaID: UUID?
    var latitude: String?
    var longitude: String?
    var installationNotes: String?
    var isPrimary: Bool

    enum CodingKeys: String, CodingKey {
        case id, label, line1, line2, city, postcode, latitude, longitude
        case customerID = "customer_id", areaID = "area_id", installationNotes = "installation_notes", isPrimary = "is_primary"
    }

    init(_ a: ServiceAddress) {
        id = a.id!
        customerID = a.customerID
        label = a.label
        line1 = a.line1
        line2 = a.line2
        city = a.city
        postcode = a.postcode
        areaID = a.areaID
        latitude = a.latitudeE6.map(Decimal6.format)
        longitude = a.longitudeE6.map(Decimal6.format)
        installationNotes = a.installationNotes
        isPrimary = a.isPrimary
    }

    static let schema = Schema.named("Address", .object([
        ("id", .uuid), ("customer_id", .uuid), ("label", .nullable(.string())), ("line1", .string()), ("line2", .nullable(.string())),
        ("city", .nullable(.string())), ("postcode", .nullable(.string())), ("area_id", .nullable(.uuid)),
        ("latitude", .nullable(.string(description: "Decimal degrees, six decimals"))),
        ("longitude", .nullable(.string(description: "Decimal degrees, six decimals"))),
        ("installation_notes", .nullable(.string())), ("is_primary", .boolean),
    ], required: ["id", "customer_id", "line1", "is_primary"]))
}

struct ContactDTO: Encodable {
    var id: UUID
    var customerID: UUID
    var name: String
    var role: String
    var phones: [String]
    var email: String?
    var isPrimary: Bool

    enum CodingKeys: String, CodingKey {
        case id, name, role, phones, email
        case customerID = "customer_id", isPrimary = "is_primary"
    }

    init(_ c: Contact) {
        id = c.id!
        customerID = c.customerID
        name = c.name
        role = c.role.rawValue
        phones = c.phones
        email = c.email
        isPrimary = c.isPrimary
    }

    static let schema = Schema.named("Contact", .object([
        ("id", .uuid), ("customer_id", .uuid), ("name", .string()), ("role", .choice(ContactRole.allCases.map(\.rawValue))),
        ("phones", .array(.string(description: "E.164"))), ("email", .nullable(.string())), ("is_primary", .boolean),
    ], required: ["id", "customer_id", "name", "role", "phones", "is_primary"]))
}

struct ActivityDTO: Encodable {
    struct Change: Encodable {
        var field: String
        var before: String?
        var after: String?
    }

    var id: UUID
    var subjectType: String
    var subjectID: UUID
    var kind: String
    var summary: String
    var body: String?
    var changes: [Change]
    var relatedType: String?
    var relatedID: UUID?
    var actor: String
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, summary, body, changes, actor
        case subjectType = "subject_type", subjectID = "subject_id", relatedType = "related_type", relatedID = "related_id", createdAt = "created_at"
    }

    init(_ a: Activity) {
        id = a.id!
        subjectType = a.subjectType
        subjectID = a.subjectID
        kind = a.kind
        summary = a.summary
        body = a.body
        changes = a.changes.map { Change(field: $0.field, before: $0.before, after: $0.after) }
        relatedType = a.relatedType
        relatedID = a.relatedID
        actor = a.actorLabel
        createdAt = a.createdAt
    }

    static let schema = Schema.named("TimelineEntry", .object([
        ("id", .uuid), ("subject_type", .string(description: "customer, lead, reseller, …")), ("subject_id", .uuid),
        ("kind", .string(description: "created, updated, note, call, converted, assigned, …")), ("summary", .string()),
        ("body", .nullable(.string(description: "The text of a note or call"))),
        ("changes", .array(.named("FieldChange", .object([("field", .string()), ("before", .nullable(.string())), ("after", .nullable(.string()))],
                                                         required: ["field"])))),
        ("related_type", .nullable(.string())), ("related_id", .nullable(.uuid)), ("actor", .string()), ("created_at", .dateTime),
    ], required: ["id", "subject_type", "subject_id", "kind", "summary", "changes", "actor", "created_at"]))
}

struct ResellerDTO: Encodable {
    var id: UUID
    var name: String
    var parentID: UUID?
    var branchID: UUID
    var depth: Int
    var contactName: String?
    var phone: String?
    var email: String?
    var address: String?
    var commissionRate: String
    var status: String
    var archived: Bool
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, depth, phone, email, address, status, archived
        case parentID = "parent_id", branchID = "branch_id", contactName = "contact_name", commissionRate = "commission_rate", createdAt = "created_at"
    }

    init(_ r: Reseller) {
        id = r.id!
        name = r.name
        parentID = r.parentID
        branchID = r.branchID
        depth = r.depth
        contactName = r.contactName
        phone = r.phone
        email = r.email
        address = r.address
        commissionRate = Resellers.commissionText(r.commissionBasisPoints)
        status = r.status.rawValue
        archived = r.archivedAt != nil
        createdAt = r.createdAt
    }

    static let schema = Schema.named("Reseller", .object([
        ("id", .uuid), ("name", .string()), ("parent_id", .nullable(.uuid)), ("branch_id", .uuid), ("depth", .integer(minimum: 0)),
        ("contact_name", .nullable(.string())), ("phone", .nullable(.string(description: "E.164"))), ("email", .nullable(.string())),
        ("address", .nullable(.string())), ("commission_rate", .string(description: "Percent with two decimals, such as 12.50")),
        ("status", .choice(ResellerStatus.allCases.map(\.rawValue))), ("archived", .boolean), ("created_at", .nullable(.dateTime)),
    ], required: ["id", "name", "branch_id", "depth", "commission_rate", "status", "archived"]))
}

struct AreaDTO: Encodable {
    var id: UUID
    var name: String
    var kind: String?
    var parentID: UUID?
    var fullName: String
    var depth: Int

    enum CodingKeys: String, CodingKey {
        case id, name, kind, depth
        case parentID = "parent_id", fullName = "full_name"
    }

    init(_ a: Area) {
        id = a.id!
        name = a.name
        kind = a.kind
        parentID = a.parentID
        fullName = a.fullName
        depth = a.depth
    }

    static let schema = Schema.named("Area", .object([
        ("id", .uuid), ("name", .string()), ("kind", .nullable(.string())), ("parent_id", .nullable(.uuid)),
        ("full_name", .string(description: "With the areas above it: Dhaka North › Mirpur")), ("depth", .integer(minimum: 0)),
    ], required: ["id", "name", "full_name", "depth"]))
}

struct LeadDTO: Encodable {
    var id: UUID
    var number: String
    var name: String
    var phones: [String]
    var email: String?
    var address: String?
    var areaID: UUID?
    var interest: String?
    var source: String
    var tags: [String]
    var assignedUserID: UUID?
    var nextFollowUpOn: String?
    var status: String
    var lostReason: String?
    var notes: String?
    var branchID: UUID?
    var resellerID: UUID?
    var customerID: UUID?
    var convertedAt: Date?
    var archived: Bool
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, number, name, phones, email, address, interest, source, tags, status, notes, archived
        case areaID = "area_id", assignedUserID = "assigned_user_id", nextFollowUpOn = "next_follow_up_on", lostReason = "lost_reason"
        case branchID = "branch_id", resellerID = "reseller_id", customerID = "customer_id", convertedAt = "converted_at", createdAt = "created_at"
    }

    init(_ l: Lead) {
        id = l.id!
        number = l.numberText
        name = l.name
        phones = l.phones
        email = l.email
        address = l.address
        areaID = l.areaID
        interest = l.interest
        source = l.source
        tags = l.tags
        assignedUserID = l.assignedUserID
        nextFollowUpOn = l.nextFollowUpOn
        status = l.status.rawValue
        lostReason = l.lostReason
        notes = l.notes
        branchID = l.branchID
        resellerID = l.resellerID
        customerID = l.customerID
        convertedAt = l.convertedAt
        archived = l.archivedAt != nil
        createdAt = l.createdAt
    }

    static let schema = Schema.named("Lead", .object([
        ("id", .uuid), ("number", .string(description: "L-000001")), ("name", .string()), ("phones", .array(.string(description: "E.164"))),
        ("email", .nullable(.string())), ("address", .nullable(.string())), ("area_id", .nullable(.uuid)), ("interest", .nullable(.string())),
        ("source", .choice(Leads.sources)), ("tags", .array(.string())), ("assigned_user_id", .nullable(.uuid)),
        ("next_follow_up_on", .nullable(.string(format: "date"))), ("status", .choice(LeadStatus.allCases.map(\.rawValue))),
        ("lost_reason", .nullable(.string())), ("notes", .nullable(.string())), ("branch_id", .nullable(.uuid)), ("reseller_id", .nullable(.uuid)),
        ("customer_id", .nullable(.described(.uuid, "The customer the lead became"))), ("converted_at", .nullable(.dateTime)), ("archived", .boolean),
        ("created_at", .nullable(.dateTime)),
    ], required: ["id", "number", "name", "phones", "source", "tags", "status", "archived"]))
}
