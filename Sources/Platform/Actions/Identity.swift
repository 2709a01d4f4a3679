import FluentKit
import Foundation
import MeghnaCore

/// A signed-in person (by session or token), resolved once per request into a TenantContext.
public struct Identity: Sendable {
    public let user: User
    public let role: Role
    public let homeOrganization: Organization
    /// The organization acted in: the home one unless a platform administrator named another.
    public let organization: Organization
    public let context: TenantContext
    /// The organization requires 2FA for this user's role and it is not on yet.
    public let mustEnrolTwoFactor: Bool
    /// The branches this person may see before any branch switch; nil means every branch.
    public let allowedBranchIDs: Set<UUID>?

    /// The operator of the installation (not merely an organization's super admin).
    public var isPlatformAdmin: Bool { user.platformAdmin }
}

public enum Identities {
    /// Builds the context for `user`. `acting` names another organization by slug or id; only a
    /// platform administrator may do that, and every such request is marked as crossing tenants.
    /// Permissions are the role's; `organizations.manage` comes only with `users.platform_admin`.
    /// `branch` narrows the view to one branch the user may see (the branch switcher); a branch
    /// outside the user's set, or of another organization, is ignored.
    public static func resolve(user: User, acting: String?, token: APIToken?, branch: UUID? = nil, origin: Credentials.Origin,
                               services: PlatformServices, on db: any Database) async throws -> Identity {
        guard let role = try await Role.find(user.roleID, on: db),
              let home = try await Organization.find(user.organizationID, on: db)
        else { throw DomainError.unauthorized("This account is not set up completely.") }
        var organization = home
        if let acting, !acting.isEmpty, acting != home.slug, acting != home.id?.uuidString {
            let other: Organization?
            if let uuid = UUID(uuidString: acting) {
                other = try await Organization.find(uuid, on: db)
            } else {
                other = try await Organization.query(on: db).filter(\.$slug == acting.lowercased()).first()
            }
            guard user.platformAdmin, let other else { throw DomainError.notFound("Organization") }
            organization = other
        }
        let crossing = organization.id != home.id
        var permissions = role.permissions
        if user.platformAdmin { permissions.insert(.organizationsManage) }
        if let token { permissions = token.grants(permissions) }
        let assigned = try await UserBranch.query(on: db).filter(\.$userID == user.id!).all().map(\.branchID)
        let allowed: Set<UUID>? = crossing || assigned.isEmpty ? nil : Set(assigned)
        var branchIDs = allowed
        if let branch, allowed?.contains(branch) ?? true,
           try await Branch.query(on: db).filter(\.$id == branch).filter(\.$organizationID == organization.id!).first() != nil {
            branchIDs = [branch]
        }
        // A person linked to a reseller, or holding the reseller role, sees only that reseller's
        // subtree; with the role but no reseller linked, nothing (fail closed).
        var resellerIDs: Set<UUID>?
        if !crossing, user.resellerID != nil || role.key == SystemRole.reseller.rawValue {
            if let linked = user.resellerID {
                resellerIDs = try await services.resellerSubtree(organization.id!, linked, db)
            } else {
                resellerIDs = []
            }
        }
        let actor: Actor = token.map { .apiToken(id: $0.id!, userID: user.id!, email: user.email) } ?? .user(id: user.id!, email: user.email)
        let context = TenantContext(
            organizationID: organization.id!, actor: actor, permissions: permissions,
            branchIDs: branchIDs, allowedBranchIDs: .some(allowed), resellerIDs: resellerIDs, timeZone: organization.timeZone, currency: organization.currency,
            isCrossingTenant: crossing, ipAddress: origin.ip, userAgent: origin.userAgent)
        let settings = try await Settings.load(organizationID: home.id!, services: services, on: db)
        let mustEnrol = settings.list("security", "require_2fa_roles").contains(role.key) && !user.twoFactorEnabled
        return Identity(user: user, role: role, homeOrganization: home, organization: organization, context: context,
                        mustEnrolTwoFactor: mustEnrol, allowedBranchIDs: allowed)
    }

    /// Branches the person may switch between: their assigned ones, or all of the organization.
    public static func switchableBranches(_ identity: Identity, on db: any Database) async throws -> [Branch] {
        let query = Branch.query(on: db).filter(\.$organizationID == identity.organization.id!).sort(\.$name)
        if let allowed = identity.allowedBranchIDs { query.filter(\.$id ~~ allowed) }
        return try await query.limit(200).all()
    }

    /// Organizations a platform administrator can switch to (all), or just the home one.
    public static func switchable(_ identity: Identity, on db: any Database) async throws -> [Organization] {
        guard identity.isPlatformAdmin else { return [identity.homeOrganization] }
        return try await Organization.query(on: db).sort(\.$name).limit(200).all()
    }
}

/// First run and the CLI: creating the first organization and its super admin.
public enum Setup {
    public static func isFirstRun(on db: any Database) async throws -> Bool {
        try await Organization.query(on: db).count() == 0
    }

    public struct AdminInput: Sendable {
        public var organizationName: String?
        public var adminName: String?
        public var email: String?
        public var password: String?

        public init(organizationName: String?, adminName: String?, email: String?, password: String?) {
            self.organizationName = organizationName
            self.adminName = adminName
            self.email = email
            self.password = password
        }
    }

    /// Creates a super admin (active, email taken as verified because the operator of the
    /// machine types it) in the named organization, creating the organization when it does not
    /// exist. With `onlyOnFirstRun`, refuses once any organization exists (the first-run page).
    /// `platformAdmin` also makes them the installation's operator (first run, `--platform-admin`
    /// on the command line); otherwise they hold every right inside that organization only.
    public static func createAdmin(_ input: AdminInput, onlyOnFirstRun: Bool, platformAdmin: Bool = false, services: PlatformServices,
                                   on db: any Database) async throws -> (Organization, User) {
        var v = Validator()
        let orgName = v.text("organization_name", input.organizationName, max: 120)
        let name = v.text("name", input.adminName, max: 120)
        let email = v.email("email", input.email)
        if let email, try await User.query(on: db).filter(\.$email == email).first() != nil {
            v.add("email", "already belongs to a user")
        }
        let problems = PasswordPolicy.problems(password: input.password ?? "", email: email, name: name)
        for problem in problems { v.add("password", problem) }
        try v.check()
        let hash = try await services.hasher.hash(input.password!)
        return try await db.writeTransaction { tx in
            if onlyOnFirstRun, try await !isFirstRun(on: tx) {
                throw DomainError.conflict("Meghna is already set up. Sign in instead.")
            }
            let slug = slugify(orgName!)
            let org: Organization
            if let existing = try await Organization.query(on: tx).filter(\.$slug == slug).first() {
                org = existing
            } else {
                org = try await Organizations.create(.init(name: orgName, slug: slug), services: services, on: tx)
            }
            guard let role = try await Role.query(on: tx).filter(\.$organizationID == org.id!)
                .filter(\.$key == SystemRole.superAdmin.rawValue).first()
            else { throw DomainError.notFound("Super admin role") }
            let user = User(organizationID: org.id!, roleID: role.id!, email: email!, name: name!, status: .active)
            user.platformAdmin = platformAdmin
            user.passwordHash = hash
            user.emailVerifiedAt = services.clock.now()
            try await user.create(on: tx)
            try await Audit.record("user.admin_created", "Created \(platformAdmin ? "platform administrator" : "super admin") \(user.email)", organizationID: org.id, actorUserID: user.id,
                                   actorLabel: "setup", target: .init("user", user.id), ip: nil, userAgent: nil,
                                   at: services.clock.now(), on: tx)
            return (org, user)
        }
    }
}
