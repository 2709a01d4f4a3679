import FluentKit
import Foundation
import MeghnaCore

/// A tenant: one ISP company.
public final class Organization: Model, @unchecked Sendable {
    public static let schema = "organizations"

    @ID(key: .id) public var id: UUID?

    @Field(key: "name") public var name: String
    @Field(key: "slug") public var slug: String
    @Field(key: "currency") public var currency: String
    @Field(key: "time_zone") public var timeZoneIdentifier: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(id: UUID? = nil, name: String, slug: String, currency: String = "BDT", timeZone: String = "Asia/Dhaka") {
        self.id = id
        self.name = name
        self.slug = slug
        self.currency = currency
        self.timeZoneIdentifier = timeZone
    }

    public var timeZone: TimeZone { TimeZone(identifier: timeZoneIdentifier) ?? TimeZone(identifier: "Asia/Dhaka")! }
}

/// A branch office of an organization.
public final class Branch: TenantOwned, @unchecked Sendable {
    public static let schema = "branches"
    public static var organizationKey: KeyPath<Branch, FieldProperty<Branch, UUID>> { \Branch.$organizationID }
    public static let displayName = "Branch"

    @ID(key: .id) public var id: UUID?

    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "code") public var code: String
    @OptionalField(key: "address") public var address: String?
    @OptionalField(key: "phone") public var phone: String?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(organizationID: UUID, name: String, code: String, address: String? = nil, phone: String? = nil) {
        self.organizationID = organizationID
        self.name = name
        self.code = code
        self.address = address
        self.phone = phone
    }
}

/// A named set of permissions inside an organization. System roles are seeded and cannot be deleted.
public final class Role: TenantOwned, @unchecked Sendable {
    public static let schema = "roles"
    public static var organizationKey: KeyPath<Role, FieldProperty<Role, UUID>> { \Role.$organizationID }
    public static let displayName = "Role"

    @ID(key: .id) public var id: UUID?

    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "key") public var key: String
    @Field(key: "name") public var name: String
    @Field(key: "permissions") public var permissionsJSON: String
    @Field(key: "is_system") public var isSystem: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(organizationID: UUID, key: String, name: String, permissions: Set<Permission>, isSystem: Bool) {
        self.organizationID = organizationID
        self.key = key
        self.name = name
        self.permissionsJSON = JSONColumn.encode(permissions.map(\.rawValue).sorted())
        self.isSystem = isSystem
    }

    /// The super admin role always holds every organization permission, including ones added
    /// after it was stored; `organizations.manage` is never part of any role.
    public var permissions: Set<Permission> {
        get {
            if isSuperAdmin { return SystemRole.superAdmin.permissions }
            return Set(JSONColumn.decode(permissionsJSON).compactMap(Permission.init(rawValue:))).subtracting([.organizationsManage])
        }
        set { permissionsJSON = JSONColumn.encode(newValue.map(\.rawValue).sorted()) }
    }

    public var isSuperAdmin: Bool { key == SystemRole.superAdmin.rawValue }
}
