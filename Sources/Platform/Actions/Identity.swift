import FluentKit
import Foundation
import MeghnaCore
import SQLKit

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
    /// The home organization's settings, loaded with the identity.
    public let settings: ResolvedSettings
    /// Branches the person may switch between (their assigned ones, or all of the organization), by name.
    public let branchChoices: [(id: UUID, name: String)]
    /// Organizations a platform administrator can switch to (loaded when asked for), else the home one.
    public let organizationChoices: [(id: UUID, name: String)]

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
        guard let row = try await User.query(on: db).filter(\.$id == user.id!)
                .join(Role.self, on: \User.$roleID == \Role.$id)
                .join(Organization.self, on: \User.$organizationID == \Organization.$id).first()
        else { throw DomainError.unauthorized("This account is not set up completely.") }
        return try await build(user: user, role: try row.joined(Role.self), home: try row.joined(Organization.self), acting: acting, token: token,
                               branch: branch, origin: origin, withOrganizations: false, services: services, on: db)
    }

    /// The page session for a cookie token with everything a signed-in page needs, in two
    /// statements: the session, person, role and home organization joined; then the home
    /// organization's settings, the branches (marking the person's own) and, for a platform
    /// administrator, the organizations to switch to. Acting in another organization and a
    /// reseller's subtree cost one more each. Nil when the token is unknown, the session expired
    /// (idle limit: the organization's `security.idle_timeout_minutes`; absolute limit), or the
    /// password changed since. The last-seen time is written at most once a minute.
    public static func resumeSession(_ token: String?, origin: Credentials.Origin, services: PlatformServices,
                                     on db: any Database) async throws -> (StaffSession, Identity)? {
        guard let token, !token.isEmpty, token.count <= 128 else { return nil }
        let query: SQLQueryString = """
            \(unsafeRaw: IdentityRows.joined("staff_sessions", alias: "s", columns: IdentityRows.sessionColumns)) \
            WHERE s.token_hash = \(bind: SecureToken.sha256Hex(token)) LIMIT 1
            """
        guard let row = try await db.shortRows(query).first else { return nil }
        let session = try IdentityRows.session(row, at: 0)
        let (user, role, home, version) = try IdentityRows.people(row, after: IdentityRows.sessionCount)
        let acting = session.organizationID == user.organizationID ? nil : session.organizationID.uuidString
        let identity = try await build(user: user, role: role, home: home, acting: acting,
                                       token: nil, branch: session.branchID, origin: origin, withOrganizations: true, contextVersion: version,
                                       services: services, on: db)
        let now = services.clock.now()
        let idle = TimeInterval(identity.settings.int("security", "idle_timeout_minutes") * 60)
        guard user.status == .active,
              session.epoch == user.sessionEpoch,
              now.timeIntervalSince(session.createdAt) < services.policy.absoluteSessionSeconds,
              now.timeIntervalSince(session.lastSeenAt) < idle
        else {
            try await StaffSession.query(on: db).filter(\.$id == session.id!).delete()
            return nil
        }
        // Writing on every request would cost a write per page; a minute's precision is enough.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            try await StaffSession.query(on: db).filter(\.$id == session.id!).set(\.$lastSeenAt, to: now).update()
            session.lastSeenAt = now
        }
        return (session, identity)
    }

    /// The identity behind an API bearer token: token, person, role and home organization joined
    /// in one statement, settings and branches in a second. Nil when the token is unknown,
    /// revoked or expired, or its person is not active. `last_used_at` is written at most once a minute.
    public static func resolveToken(_ bearer: String, acting: String?, origin: Credentials.Origin, services: PlatformServices,
                                    on db: any Database) async throws -> Identity? {
        guard bearer.count <= 200 else { return nil }
        let query: SQLQueryString = """
            \(unsafeRaw: IdentityRows.joined("api_tokens", alias: "t", columns: IdentityRows.tokenColumns)) \
            WHERE t.token_hash = \(bind: SecureToken.sha256Hex(bearer)) LIMIT 1
            """
        guard let row = try await db.shortRows(query).first else { return nil }
        let token = try IdentityRows.token(row, at: 0)
        guard token.revokedAt == nil else { return nil }
        let (user, role, home, version) = try IdentityRows.people(row, after: IdentityRows.tokenCount)
        let now = services.clock.now()
        guard user.status == .active else { return nil }
        if let expires = token.expiresAt, expires < now { return nil }
        let identity = try await build(user: user, role: role, home: home, acting: acting,
                                       token: token, branch: nil, origin: origin, withOrganizations: false, contextVersion: version,
                                       services: services, on: db)
        if token.lastUsedAt.map({ now.timeIntervalSince($0) > 60 }) ?? true {
            try await APIToken.query(on: db).filter(\.$id == token.id!).set(\.$lastUsedAt, to: now).update()
        }
        return identity
    }

    static func build(user: User, role: Role, home: Organization, acting: String?, token: APIToken?, branch: UUID?, origin: Credentials.Origin,
                      withOrganizations: Bool, contextVersion: Int64? = nil, services: PlatformServices,
                      on db: any Database) async throws -> Identity {
        var organization = home
        if let acting, !acting.isEmpty, acting != home.slug, acting != home.id?.uuidString {
            guard user.platformAdmin else { throw DomainError.notFound("Organization") }
            let other: Organization?
            if let uuid = UUID(uuidString: acting) {
                other = try await Organization.find(uuid, on: db)
            } else {
                other = try await Organization.query(on: db).filter(\.$slug == acting.lowercased()).first()
            }
            guard let other else { throw DomainError.notFound("Organization") }
            organization = other
        }
        let crossing = organization.id != home.id
        var permissions = role.permissions
        if user.platformAdmin { permissions.insert(.organizationsManage) }
        if let token { permissions = token.grants(permissions) }

        // Settings of the home organization, the acting organization's branches (with the
        // person's own marked) and, for a platform administrator's pages, every organization.
        // Kept in memory while the organization's context version is unchanged, unless another
        // organization is acted in or the organizations are wanted too.
        var settingRows: [(section: String, values: String, secrets: String)] = []
        var branches: [(id: UUID, name: String, assigned: Bool)] = []
        var organizations: [(id: UUID, name: String)] = []
        let wantsOrganizations = withOrganizations && user.platformAdmin
        let cacheKey = OrganizationContexts.Key(organizationID: home.id!, userID: user.id!)
        let keptUnder = crossing || wantsOrganizations ? nil : contextVersion
        if let keptUnder, let entry = services.contexts.entry(cacheKey, version: keptUnder) {
            settingRows = entry.settings
            branches = entry.branches
        } else {
            var query: SQLQueryString = """
                SELECT 's' AS kind, organization_id AS id, section AS name, \(ident: "values") AS a, secrets AS b
                  FROM organization_settings WHERE \(TenantSQL.organization(home.id!))
                UNION ALL SELECT 'b' AS kind, br.id, br.name, CASE WHEN ub.user_id IS NULL THEN '0' ELSE '1' END, ''
                  FROM branches br LEFT JOIN user_branches ub ON ub.branch_id = br.id AND ub.user_id = \(bind: user.id!)
                 WHERE \(TenantSQL.organization(organization.id!, alias: "br"))
                """
            if wantsOrganizations { query += " UNION ALL SELECT 'o' AS kind, id, name, '', '' FROM organizations" }
            for row in try await db.rows(query) {
                let id = try row.uuid(1), name = try row.string(2), a = try row.string(3)
                switch try row.string(0) {
                case "s": settingRows.append((name, a, try row.string(4)))
                case "b": branches.append((id, name, a == "1"))
                default: organizations.append((id, name))
                }
            }
            if let keptUnder { services.contexts.store(cacheKey, version: keptUnder, settings: settingRows, branches: branches) }
        }
        let settings = Settings.resolve(settingRows, services: services)
        let assigned = branches.filter(\.assigned).map(\.id)
        let allowed: Set<UUID>? = crossing || assigned.isEmpty ? nil : Set(assigned)
        var branchIDs = allowed
        if let branch, allowed?.contains(branch) ?? true, branches.contains(where: { $0.id == branch }) {
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
        var context = TenantContext(
            organizationID: organization.id!, actor: actor, permissions: permissions,
            branchIDs: branchIDs, allowedBranchIDs: .some(allowed), resellerIDs: resellerIDs, timeZone: organization.timeZone, currency: organization.currency,
            isCrossingTenant: crossing, ipAddress: origin.ip, userAgent: origin.userAgent)
        if !crossing { context.contextVersion = contextVersion }
        let mustEnrol = settings.list("security", "require_2fa_roles").contains(role.key) && !user.twoFactorEnabled
        let switchable = branches.filter { allowed?.contains($0.id) ?? true }.sorted { $0.name < $1.name }.map { (id: $0.id, name: $0.name) }
        return Identity(user: user, role: role, homeOrganization: home, organization: organization, context: context,
                        mustEnrolTwoFactor: mustEnrol, allowedBranchIDs: allowed, settings: settings, branchChoices: switchable,
                        organizationChoices: user.platformAdmin && withOrganizations ? organizations.sorted { $0.name < $1.name }
                            : [(home.id!, home.name)])
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
            guard let role = try await Role.inOrganization(org.id!, on: tx)
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
