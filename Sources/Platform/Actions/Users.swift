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
        /// Makes or unmakes a platform administrator; only a platform administrator may.
        public var platformAdmin: Bool?

        public init(name: String? = nil, roleID: String? = nil, branchIDs: [String]? = nil, status: String? = nil, resellerID: String? = nil,
                    platformAdmin: Bool? = nil) {
            self.name = name
            self.roleID = roleID
            self.branchIDs = branchIDs
            self.status = status
            self.resellerID = resellerID
            self.platformAdmin = platformAdmin
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
        if !role.permissions.isSubset(of: ctx.permissions) {
            v.add(field, "holds permissions you do not have, so you cannot give it")
        }
        return role
    }

    /// Branch ids the actor may grant: branches of the organization that the actor may see. Staff
    /// limited to branches must name at least one (an empty list would mean every branch), so
    /// nobody can widen their own limit or make someone less limited than themselves.
    static func resolveBranches(_ ctx: TenantContext, _ ids: [String]?, into v: inout Validator, on db: any Database) async throws -> [UUID]? {
        guard let ids else { return nil }
        var result: [UUID] = []
        let known = Set(try await Branch.scoped(to: ctx, on: db).all().compactMap(\.id))
        for (index, id) in ids.enumerated() {
            guard let uuid = UUID(uuidString: id), known.contains(uuid) else {
                v.add("branch_ids[\(index)]", "is not a branch of this organization")
                continue
            }
            guard ctx.allowedBranchIDs?.contains(uuid) ?? true else {
                v.add("branch_ids[\(index)]", "is a branch you do not work in, so you cannot grant it")
                continue
            }
            result.append(uuid)
        }
        if ctx.allowedBranchIDs != nil, ids.isEmpty {
            v.add("branch_ids", "must name at least one of your branches: you work in some branches only, so you cannot grant every branch")
        }
        return result
    }

    /// What `user` may do: the role's permissions, plus `organizations.manage` for a platform administrator.
    public static func effectivePermissions(of user: User, role: Role) -> Set<Permission> {
        var permissions = role.permissions
        if user.platformAdmin { permissions.insert(.organizationsManage) }
        return permissions
    }

    /// The user `id` of the organization, when the actor may manage them (`requireManageable`).
    static func manageable(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> User {
        try ctx.require(.usersManage)
        let user = try await User.find(id, in: ctx, on: db)
        try await requireManageable(ctx, user, on: db)
        return user
    }

    /// Staff may change, disable, sign out, re-invite or revoke the tokens of only those who are
    /// not more powerful than themselves: every permission of the other person's role must be
    /// theirs too, and staff limited to branches may act only on people limited to their branches.
    static func requireManageable(_ ctx: TenantContext, _ user: User, on db: any Database) async throws {
        try ctx.require(.usersManage)
        guard let role = try await Role.find(user.roleID, on: db) else { throw DomainError.notFound("Role") }
        let missing = effectivePermissions(of: user, role: role).subtracting(ctx.permissions)
        if !missing.isEmpty {
            throw DomainError.forbidden("\(user.email) holds permissions you do not have (\(missing.sorted().prefix(3).map(\.rawValue).joined(separator: ", "))), so you cannot change their account.")
        }
        if let allowed = ctx.allowedBranchIDs {
            let theirs = Set(try await UserBranch.query(on: db).filter(\.$userID == user.id!).all().map(\.branchID))
            if theirs.isEmpty || !theirs.isSubset(of: allowed) {
                throw DomainError.forbidden("\(user.email) works in branches outside yours, so you cannot change their account.")
            }
        }
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
        let branches = try await resolveBranches(ctx, input.branchIDs ?? [], into: &v, on: db)
        let reseller = try await resolveReseller(ctx, input.resellerID, into: &v, services: services, on: db)
        if role?.key == SystemRole.reseller.rawValue, reseller == nil, input.resellerID?.isEmpty ?? true {
            v.add("reseller_id", "is required for the reseller role")
        }
        try v.check()
        if try await User.query(on: db).filter(\.$email == email!).first() != nil {
            throw DomainError.invalid("email", "already belongs to a user")
        }
        return try await db.writeTransaction { tx in
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
        let user = try await manageable(ctx, id, on: db)
        guard user.status == .invited else { throw DomainError.conflict("\(user.email) has already accepted the invitation.") }
        guard let role = try await Role.find(user.roleID, on: db) else { throw DomainError.notFound("Role") }
        return try await db.writeTransaction { tx in
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
            """, purpose: "invitation", secrets: [link]), db)
    }

    /// Whether `ctx` may make or remove platform administrators on this account: a platform
    /// administrator, on anyone's account but their own.
    public static func mayGrantPlatformAdmin(_ ctx: TenantContext, userID: UUID?) -> Bool {
        ctx.can(.organizationsManage) && userID != ctx.actor.userID
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: UpdateInput, services: PlatformServices,
                              on db: any Database) async throws -> User {
        let user = try await manageable(ctx, id, on: db)
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
        if let platformAdmin = input.platformAdmin, platformAdmin != user.platformAdmin {
            if !ctx.can(.organizationsManage) {
                v.add("platform_admin", "only a platform administrator can make or remove one")
            } else if user.id == ctx.actor.userID {
                v.add("platform_admin", "you cannot remove your own platform administrator rights")
            } else if user.status == .invited {
                v.add("platform_admin", "the person must accept the invitation first")
            }
        }
        try v.check()
        let newStatus = status
        return try await db.writeTransaction { tx in
            var changes: [String: String] = [:]
            if let name, name != user.name { changes["name"] = "\(user.name) → \(name)"; user.name = name }
            if let role, role.id != user.roleID { changes["role"] = role.key; user.roleID = role.id! }
            if let platformAdmin = input.platformAdmin, platformAdmin != user.platformAdmin {
                changes["platform_admin"] = String(platformAdmin)
                user.platformAdmin = platformAdmin
                user.sessionEpoch += 1
            }
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
            let action = changes["platform_admin"] != nil ? "user.platform_admin_changed" : changes["role"] != nil ? "user.role_changed" : "user.updated"
            try await Audit.record(action, "Changed user \(user.email)", ctx: ctx, target: .init("user", user.id), metadata: changes,
                                   at: services.clock.now(), on: tx)
            return user
        }
    }

    /// Signs a person out of every browser (after a lost phone, or before a role change takes hold).
    /// Returns how many sessions ended.
    @discardableResult
    public static func endSessions(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> Int {
        let user = try await manageable(ctx, id, on: db)
        return try await db.writeTransaction { tx in
            let count = try await StaffSession.query(on: tx).filter(\.$userID == user.id!).count()
            try await StaffSession.query(on: tx).filter(\.$userID == user.id!).delete()
            try await Audit.record("user.sessions_ended", "Signed \(user.email) out of \(count) session(s)", ctx: ctx, target: .init("user", user.id),
                                   at: services.clock.now(), on: tx)
            return count
        }
    }

    /// Emails the person a password reset link (an admin helps someone locked out without ever
    /// seeing the link). The same per-account limit as a request from the sign-in page applies.
    public static func sendPasswordReset(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> User {
        let user = try await manageable(ctx, id, on: db)
        guard user.status == .active else { throw DomainError.conflict("\(user.email) is \(user.status.rawValue); only active accounts get a reset link.") }
        return try await db.writeTransaction { tx in
            try await Credentials.queuePasswordReset(email: user.email, origin: .init(ip: ctx.ipAddress ?? "admin", userAgent: ctx.userAgent),
                                                     services: services, on: tx)
            try await Audit.record("user.password_reset_sent", "Sent \(user.email) a password reset link", ctx: ctx, target: .init("user", user.id),
                                   at: services.clock.now(), on: tx)
            return user
        }
    }
}
