import FluentKit
import Foundation
import MeghnaCore
import Platform

/// A place in the organization's own area tree: zone → area → building, as deep as it likes.
/// `path` holds the ids from the root ("/<id>/<id>/"), so a subtree is one prefix match.
public final class Area: TenantOwned, @unchecked Sendable {
    public static let schema = "areas"
    public static var organizationKey: KeyPath<Area, FieldProperty<Area, UUID>> { \Area.$organizationID }
    public static let displayName = "Area"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @OptionalField(key: "parent_id") public var parentID: UUID?
    @Field(key: "name") public var name: String
    /// What level this is, in the organization's words: "zone", "area", "building".
    @OptionalField(key: "kind") public var kind: String?
    @Field(key: "path") public var path: String
    /// "Dhaka North › Mirpur › Road 10 Tower", kept current when an ancestor is renamed.
    @Field(key: "full_name") public var fullName: String
    @Field(key: "depth") public var depth: Int
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}
}

public enum ResellerStatus: String, Codable, Sendable, CaseIterable {
    case active, suspended, terminated
}

/// A reseller or sub-reseller: an area franchise, a building operator. Resellers form a tree;
/// reseller staff see only their own subtree.
public final class Reseller: TenantOwned, @unchecked Sendable {
    public static let schema = "resellers"
    public static var organizationKey: KeyPath<Reseller, FieldProperty<Reseller, UUID>> { \Reseller.$organizationID }
    public static let displayName = "Reseller"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "parent_id") public var parentID: UUID?
    @Field(key: "path") public var path: String
    @Field(key: "depth") public var depth: Int
    @Field(key: "name") public var name: String
    @Field(key: "sort_name") public var sortName: String
    @OptionalField(key: "contact_name") public var contactName: String?
    @OptionalField(key: "phone") public var phone: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "address") public var address: String?
    /// Commission in basis points: 1250 is 12.50 %.
    @Field(key: "commission_bp") public var commissionBasisPoints: Int
    @Field(key: "status") public var status: ResellerStatus
    @OptionalField(key: "archived_at") public var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public static func narrow(_ query: QueryBuilder<Reseller>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$id ~~ resellers) }
    }
}

public enum CustomerKind: String, Codable, Sendable, CaseIterable {
    case individual, business
}

public enum CustomerStatus: String, Codable, Sendable, CaseIterable {
    case prospect, active, suspended, terminated

    /// What staff may set by hand, the default first: suspended and terminated follow from the
    /// customer's services.
    public static let settable: [CustomerStatus] = [.active, .prospect]
}

/// A customer of the ISP: a household or a business.
public final class Customer: TenantOwned, @unchecked Sendable {
    public static let schema = "customers"
    public static var organizationKey: KeyPath<Customer, FieldProperty<Customer, UUID>> { \Customer.$organizationID }
    public static let displayName = "Customer"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "number") public var number: Int64
    /// "C-000123"
    @Field(key: "number_text") public var numberText: String
    @Field(key: "kind") public var kind: CustomerKind
    @Field(key: "display_name") public var displayName: String
    @Field(key: "sort_name") public var sortName: String
    @OptionalField(key: "legal_name") public var legalName: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "national_id") public var nationalID: String?
    @OptionalField(key: "trade_license") public var tradeLicense: String?
    /// YYYY-MM-DD in the organization's time zone.
    @Field(key: "joined_on") public var joinedOn: String
    @Field(key: "status") public var status: CustomerStatus
    /// The first phone, for lists (all phones are in `customer_phones`).
    @OptionalField(key: "primary_phone") public var primaryPhone: String?
    /// JSON array of phones in E.164, in the order staff entered them.
    @Field(key: "phones") public var phonesJSON: String
    @Field(key: "tags") public var tagsJSON: String
    @OptionalField(key: "notes") public var notes: String?
    /// The area of the primary service address, for filtering lists.
    @OptionalField(key: "area_id") public var areaID: UUID?
    /// The id this customer had in the system it was imported from.
    @OptionalField(key: "external_ref") public var externalRef: String?
    @OptionalField(key: "archived_at") public var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var phones: [String] {
        get { JSONColumn.decode(phonesJSON) }
        set { phonesJSON = JSONColumn.encode(newValue) }
    }

    public var tags: [String] {
        get { JSONColumn.decode(tagsJSON) }
        set { tagsJSON = JSONColumn.encode(newValue) }
    }

    public static func narrow(_ query: QueryBuilder<Customer>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }
}

/// Every phone that leads to a customer (its own and its contacts'), for exact lookup and
/// duplicate warnings.
public final class CustomerPhone: TenantOwned, @unchecked Sendable {
    public static let schema = "customer_phones"
    public static var organizationKey: KeyPath<CustomerPhone, FieldProperty<CustomerPhone, UUID>> { \CustomerPhone.$organizationID }
    public static let displayName = "Customer phone"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @OptionalField(key: "contact_id") public var contactID: UUID?
    @Field(key: "e164") public var e164: String

    public init() {}
}

/// A place a customer is served: where the cable or the radio goes.
public final class ServiceAddress: TenantOwned, @unchecked Sendable {
    public static let schema = "service_addresses"
    public static var organizationKey: KeyPath<ServiceAddress, FieldProperty<ServiceAddress, UUID>> { \ServiceAddress.$organizationID }
    public static let displayName = "Service address"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @OptionalField(key: "label") public var label: String?
    @Field(key: "line1") public var line1: String
    @OptionalField(key: "line2") public var line2: String?
    @OptionalField(key: "city") public var city: String?
    @OptionalField(key: "postcode") public var postcode: String?
    @OptionalField(key: "area_id") public var areaID: UUID?
    /// Degrees × 1,000,000 (about 11 cm), so coordinates are exact integers.
    @OptionalField(key: "latitude_e6") public var latitudeE6: Int64?
    @OptionalField(key: "longitude_e6") public var longitudeE6: Int64?
    @OptionalField(key: "installation_notes") public var installationNotes: String?
    @Field(key: "is_primary") public var isPrimary: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}
}

public enum ContactRole: String, Codable, Sendable, CaseIterable {
    case primary, billing, technical, owner, other
}

/// A person at a customer: the one who pays, the one to call when the link is down.
public final class Contact: TenantOwned, @unchecked Sendable {
    public static let schema = "contacts"
    public static var organizationKey: KeyPath<Contact, FieldProperty<Contact, UUID>> { \Contact.$organizationID }
    public static let displayName = "Contact"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "role") public var role: ContactRole
    @Field(key: "phones") public var phonesJSON: String
    @OptionalField(key: "email") public var email: String?
    @Field(key: "is_primary") public var isPrimary: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var phones: [String] {
        get { JSONColumn.decode(phonesJSON) }
        set { phonesJSON = JSONColumn.encode(newValue) }
    }
}

public enum LeadStatus: String, Codable, Sendable, CaseIterable {
    case new, contacted, qualified, converted, lost

    /// Still in the pipeline: neither converted nor lost.
    public static let open: [LeadStatus] = [.new, .contacted, .qualified]
    /// What staff may set by hand: `converted` is reached only by converting.
    public static let settable: [LeadStatus] = [.new, .contacted, .qualified, .lost]

    public var isOpen: Bool { Self.open.contains(self) }

    public var title: String {
        switch self {
        case .new: "New"
        case .contacted: "Contacted"
        case .qualified: "Qualified"
        case .converted: "Converted"
        case .lost: "Lost"
        }
    }
}

/// Someone who may become a customer.
public final class Lead: TenantOwned, @unchecked Sendable {
    public static let schema = "leads"
    public static var organizationKey: KeyPath<Lead, FieldProperty<Lead, UUID>> { \Lead.$organizationID }
    public static let displayName = "Lead"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @OptionalField(key: "branch_id") public var branchID: UUID?
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "number") public var number: Int64
    @Field(key: "number_text") public var numberText: String
    @Field(key: "name") public var name: String
    @Field(key: "sort_name") public var sortName: String
    @Field(key: "phones") public var phonesJSON: String
    @OptionalField(key: "primary_phone") public var primaryPhone: String?
    @OptionalField(key: "email") public var email: String?
    @OptionalField(key: "address") public var address: String?
    @OptionalField(key: "area_id") public var areaID: UUID?
    /// The plan they asked about, as text until plans exist.
    @OptionalField(key: "interest") public var interest: String?
    @Field(key: "source") public var source: String
    @Field(key: "tags") public var tagsJSON: String
    @OptionalField(key: "assigned_user_id") public var assignedUserID: UUID?
    /// YYYY-MM-DD
    @OptionalField(key: "next_follow_up_on") public var nextFollowUpOn: String?
    @Field(key: "status") public var status: LeadStatus
    @OptionalField(key: "lost_reason") public var lostReason: String?
    @OptionalField(key: "notes") public var notes: String?
    @OptionalField(key: "customer_id") public var customerID: UUID?
    @OptionalField(key: "converted_at") public var convertedAt: Date?
    @OptionalField(key: "archived_at") public var archivedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var phones: [String] {
        get { JSONColumn.decode(phonesJSON) }
        set { phonesJSON = JSONColumn.encode(newValue) }
    }

    public var tags: [String] {
        get { JSONColumn.decode(tagsJSON) }
        set { tagsJSON = JSONColumn.encode(newValue) }
    }

    public static func narrow(_ query: QueryBuilder<Lead>, to ctx: TenantContext) {
        // A lead not yet given to a branch is visible to branch staff, so intake is never lost.
        if let branches = ctx.branchIDs {
            query.group(.or) { $0.filter(\.$branchID ~~ branches.map(Optional.some)).filter(\.$branchID == nil) }
        }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }
}
