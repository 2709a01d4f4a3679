import FluentKit
import Foundation
import MeghnaCore

public enum Users {
    public struct InviteInput: Sendable {
        public var email: String?
        public var name: String?
        public var roleID: String?
        public var branchIDs: [String]?
        /// Links the person to a reseller: they then see only its subtree.
        public var resellerID: String?

        public init(email: String? = nil, name: String? = nil, roleID: String? = nil, branchIDs: [String]? = nil, resellerID: String? = nil) {
            self.email = email
            self.name = name
            self.roleID = roleID
            self.branchIDs = branchIDs
            self.resellerID = resellerID
        }
    }

    public struct UpdateInput: Sendable {
        public var name: String?
        public var roleID: String?
        public var branchIDs: [String]?
        public var status: String?
        /// "" unlinks the reseller; nil leaves it.
        public var resellerID: String?

        public init(name: String? = nil, roleID: String? = nil, branchIDs: [String]? = nil, status: String? = nil, resellerID: String? = nil) {
            self.name = name
            self.roleID = roleID
            self.branchIDs = branchIDs
            self.status = status
            self.resellerID = resellerID
        }
    }

    /// A user with its role and branch limits, for display.
    public struct Details: Sendable {
        public var user: User
        public var role: Role
        public var branchIDs: [UUID]
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, query text: String? = nil, on db: any Database) async throws -> CursorPage<User> {
        try ctx.require(.usersRead)
        let query = User.scoped(to: ctx, on: db)
        if let text, !text.isEmpty {
            query.group(.or) {
                $0.filter(\.$name, .custom("LIKE"), "%\(text)%").filter(\.$email, .custom("LIKE"), "%\(text.lowercased())%")
            }
        }
        return try await query.paginate(page, by: \.$name)
    }

    public static func count(_ ctx: TenantContext, on db: any Database) async throws -> Int {
        try ctx.require(.usersRead)
        return try await User.scoped(to: ctx, on: db).count()
    }

    public static func details(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Details {
        try ctx.require(.usersRead)
        let user = try await User.find(id, in: ctx, on: db)
        return try await details(of: user, on: db)
    }

    public static func details(of user: User, on db: any Database) async throws -> Details {
        guard let role = try await Role.find(user.roleID, on: db) else { throw DomainError.notFound("Role") }
        let branches = try await UserBranch.query(on: db).filter(\.$userID == user.id!).all().map(\.branchID)
        return Details(user: user, role: role, branchIDs: branches)
    }

    static func resolveRole(_ ctx: TenantContext, _ id: String?, field: String, into v: inout Validator, on db: any Database) async throws -> Role? {
        guard let id else { return nil }
        guard let uuid = UUID(uuidString: id),
              let role = try await Role.scoped(to: ctx, on: db).filter(\.$id == uuid).first()
        else {
            v.add(field, "is not a role of this organization")
            return nil
        }
        if role.isSuperAdmin, !ctx.can(.organizationsManage) {
            v.add(field, "only a super admin can give the super admin role")
        } else if !role.permissions.isSubset(of: ctx.permissions) {
            v.add(field, "holds permissions you do not have, so you cannot give it")
        }
        return role
    }

    static func resolveBranches(_ ctx: TenantContext, _ ids: [String]?, into v: inout Validator, on db: any Database) async throws -> [UUID]? {
        guard let ids else { return nil }
        var result: [UUID] = []
        let known = Set(try await Branch.scoped(to: ctx, on: db).all().compactMap(\.id))
        for (index, id) in ids.enumerated() {
            if let uuid = UUID(uuidString: id), known.contains(uuid) { result.append(uuid) } else {
                v.add("branch_ids[\(index)]", "is not a branch of this organization")
            }
        }
        return result
    }

    /// A reseller id that exists in the organization, or a field error.
    static func resolveReseller(_ ctx: TenantContext, _ id: String?, into v: inout Validator, services: PlatformServices,
                                on db: any Database) async throws -> UUID? {
        guard let id, !id.isEmpty else { return nil }
        guard let uuid = UUID(uuidString: id), try await !services.resellerSubtree(ctx.organizationID, uuid, db).isEmpty else {
            v.add("reseller_id", "is not a reseller of this organization")
            return nil
        }
        return uuid
    }

    /// Creates an invited user and emails an invitation link.
    public static func invite(_ ctx: TenantContext, _ input: InviteInput, services: PlatformServices, on db: any Database) async throws -> User {
        try ctx.require(.usersManage)
        var v = Validator()
        let email = v.email("email", input.email)
        let name = v.text("name", input.name, max: 120)
        if input.roleID == nil { v.add("role_id", "is required") }
        let role = try await resolveRole(ctx, input.roleID, field: "role_id", into: &v, on: db)
        let branches = try await resolveBranches(ctx, input.branchIDs, into: &v, on: db)
        let reseller = try await resolveReseller(ctx, input.resellerID, into: &v, services: services, on: db)
        if role?.key == SystemRole.reseller.rawValue, reseller == nil, input.resellerID?.isEmpty ?? true {
            v.add("reseller_id", "is required for the reseller role")
        }
        try v.check()
        if try await User.query(on: db).filter(\.$email == email!).first() != nil {
            throw DomainError.invalid("email", "already belongs to a user")
        }
        return try await db.transaction { tx in
            let user = User(organizationID: ctx.organizationID, roleID: role!.id!, email: email!, name: name!, status: .invited)
            user.resellerID = reseller
            try await user.create(on: tx)
            for branch in branches ?? [] {
                try await UserBranch(organizationID: ctx.organizationID, userID: user.id!, branchID: branch).create(on: tx)
            }
            try await sendInvitation(to: user, role: role!, ctx: ctx, services: services, on: tx)
            try await Audit.record("user.invited", "Invited \(user.email) as \(role!.name)", ctx: ctx, target: .init("user", user.id),
                                   at: services.clock.now(), on: tx)
            return user
        }
    }

    /// Emails a fresh invitation link (the old one stops working).
    public static func resendInvitation(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> User {
        try ctx.require(.usersManage)
        let user = try await User.find(id, in: ctx, on: db)
        guard user.status == .invited else { throw DomainError.conflict("\(user.email) has already accepted the invitation.") }
        guard let role = try await Role.find(user.roleID, on: db) else { throw DomainError.notFound("Role") }
        return try await db.transaction { tx in
            try await sendInvitation(to: user, role: role, ctx: ctx, services: services, on: tx)
            try await Audit.record("user.invitation_resent", "Sent a new invitation to \(user.email)", ctx: ctx, target: .init("user", user.id),
                                   at: services.clock.now(), on: tx)
            return user
        }
    }

    static func sendInvitation(to user: User, role: Role, ctx: TenantContext, services: PlatformServices, on db: any Database) async throws {
        let org = try await Organization.find(ctx.organizationID, on: db)
        let token = try await Credentials.issueToken(for: user, purpose: .invitation, services: services, on: db)
        let link = "\(services.baseURL)/invitations/\(token)"
        try await services.outbox.queueEmail(OutgoingEmail(
            organizationID: ctx.organizationID, to: user.email, toName: user.name,
            subject: "You are invited to \(org?.name ?? services.productName) on \(services.productName)",
            text: """
            Hello \(user.name),

            \(ctx.actor.label) invited you to join \(org?.name ?? "their organization") on \(services.productName) as \(role.name).

            Accept the invitation and choose your password here (the link works for 7 days):
            \(link)

            If you did not expect this, you can ignore this email.
            """, purpose: "invitation"), db)
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: UpdateInput, services: PlatformServices,
                              on db: any Database) async throws -> User {
        try ctx.require(.usersManage)
        let user = try await User.find(id, in: ctx, on: db)
        var v = Validator()
        let name = v.text("name", input.name, required: false, max: 120)
        let role = try await resolveRole(ctx, input.roleID, field: "role_id", into: &v, on: db)
        let branches = try await resolveBranches(ctx, input.branchIDs, into: &v, on: db)
        let reseller = try await resolveReseller(ctx, input.resellerID, into: &v, services: services, on: db)
        var finalRoleKey = role?.key
        if finalRoleKey == nil { finalRoleKey = try await Role.find(user.roleID, on: db)?.key }
        let finalReseller = input.resellerID == nil ? user.resellerID : reseller
        if finalRoleKey == SystemRole.reseller.rawValue, finalReseller == nil, v.errors.allSatisfy({ $0.field != "reseller_id" }) {
            v.add("reseller_id", "is required for the reseller role")
        }
        var status: UserStatus?
        if let raw = input.status {
            status = UserStatus(rawValue: raw)
            if status == nil || status == .invited { v.add("status", "must be active or disabled") }
        }
        if user.id == ctx.actor.userID, status == .disabled { v.add("status", "you cannot disable your own account") }
        if user.id == ctx.actor.userID, let role, role.id != user.roleID { v.add("role_id", "you cannot change your own role") }
        try v.check()
        let newStatus = status
        return try await db.transaction { tx in
            var changes: [String: String] = [:]
            if let name, name != user.name { changes["name"] = "\(user.name) → \(name)"; user.name = name }
            if let role, role.id != user.roleID { changes["role"] = role.key; user.roleID = role.id! }
            if finalReseller != user.resellerID {
                changes["reseller"] = finalReseller?.uuidString ?? "none"
                user.resellerID = finalReseller
                user.sessionEpoch += 1
            }
            if let status = newStatus, status != user.status, user.status != .invited {
                changes["status"] = "\(user.status.rawValue) → \(status.rawValue)"
                user.status = status
                if status == .disabled { user.sessionEpoch += 1 }
            }
            try await user.save(on: tx)
            if let branches {
                try await UserBranch.query(on: tx).filter(\.$userID == user.id!).delete()
                for branch in branches {
                    try await UserBranch(organizationID: ctx.organizationID, userID: user.id!, branchID: branch).create(on: tx)
                }
                changes["branches"] = branches.map(\.uuidString).joined(separator: ",")
            }
            if newStatus == .disabled { try await StaffSession.query(on: tx).filter(\.$userID == user.id!).delete() }
            let action = changes["role"] != nil ? "user.role_changed" : "user.updated"
            try await Audit.record(action, "Changed user \(user.email)", ctx: ctx, target: .init("user", user.id), metadata: changes,
                                   at: services.clock.now(), on: tx)
            return user
        }
    }
}
