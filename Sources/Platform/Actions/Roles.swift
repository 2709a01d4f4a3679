import FluentKit
import Foundation
import MeghnaCore

public enum Roles {
    public struct Input: Sendable {
        public var name: String?
        public var permissions: [String]?

        public init(name: String? = nil, permissions: [String]? = nil) {
            self.name = name
            self.permissions = permissions
        }
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<Role> {
        try ctx.require(.rolesRead)
        return try await Role.scoped(to: ctx, on: db).paginate(page, by: \.$name)
    }

    /// Every role of the organization by name, for labels and choosers on pages the caller may
    /// already open (organizations have a handful); the roles pages themselves use `list`.
    public static func all(_ ctx: TenantContext, on db: any Database) async throws -> [Role] {
        try await Role.scoped(to: ctx, on: db).sort(\.$name).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Role {
        try ctx.require(.rolesRead)
        return try await Role.find(id, in: ctx, on: db)
    }

    /// Parses permission names; nobody may grant a permission they do not hold themselves.
    static func permissions(_ names: [String]?, ctx: TenantContext, into v: inout Validator) -> Set<Permission>? {
        guard let names else { return nil }
        var result = Set<Permission>()
        for (index, name) in names.enumerated() {
            guard let permission = Permission(rawValue: name) else {
                v.add("permissions[\(index)]", "\"\(name.prefix(60))\" is not a permission name")
                continue
            }
            if !ctx.can(permission) {
                v.add("permissions[\(index)]", "you cannot grant \(name) because you do not hold it")
                continue
            }
            result.insert(permission)
        }
        if result.contains(.organizationsManage) {
            v.add("permissions", "organizations.manage belongs to platform administrators only and is never part of a role")
        }
        return result
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Role {
        try ctx.require(.rolesManage)
        var v = Validator()
        let name = v.text("name", input.name, max: 80)
        if input.permissions == nil { v.add("permissions", "is required (an array of permission names)") }
        let perms = permissions(input.permissions, ctx: ctx, into: &v)
        try v.check()
        let key = slugify(name!).replacingOccurrences(of: "-", with: "_")
        guard !key.isEmpty else { throw DomainError.invalid("name", "must contain letters or digits") }
        if try await Role.scoped(to: ctx, on: db).filter(\.$key == key).first() != nil {
            throw DomainError.invalid("name", "is already used by another role")
        }
        return try await db.writeTransaction { tx in
            let role = Role(organizationID: ctx.organizationID, key: key, name: name!, permissions: perms ?? [], isSystem: false)
            try await role.create(on: tx)
            try await Audit.record("role.created", "Created role \(role.name)", ctx: ctx, target: .init("role", role.id),
                                   metadata: ["permissions": role.permissionsJSON], at: services.clock.now(), on: tx)
            return role
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices,
                              on db: any Database) async throws -> Role {
        try ctx.require(.rolesManage)
        let role = try await Role.find(id, in: ctx, on: db)
        if role.isSuperAdmin { throw DomainError.conflict("The super admin role always holds every permission and cannot be changed.") }
        // Taking permissions away from a role demotes everyone who holds it: only someone who
        // holds all of them may change it.
        let beyond = role.permissions.subtracting(ctx.permissions)
        if !beyond.isEmpty {
            throw DomainError.forbidden("\(role.name) holds permissions you do not have (\(beyond.sorted().prefix(3).map(\.rawValue).joined(separator: ", "))), so you cannot change it.")
        }
        var v = Validator()
        let name = v.text("name", input.name, required: false, max: 80)
        let perms = permissions(input.permissions, ctx: ctx, into: &v)
        try v.check()
        return try await db.writeTransaction { tx in
            let before = role.permissionsJSON
            if let name { role.name = name }
            if let perms { role.permissions = perms }
            try await role.save(on: tx)
            try await Audit.record("role.updated", "Changed role \(role.name)", ctx: ctx, target: .init("role", role.id),
                                   metadata: ["permissions_before": before, "permissions_after": role.permissionsJSON],
                                   at: services.clock.now(), on: tx)
            return role
        }
    }
}
