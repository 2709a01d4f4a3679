import Foundation

/// Who is acting.
public enum Actor: Sendable, Equatable, CustomStringConvertible {
    case user(id: UUID, email: String)
    case apiToken(id: UUID, userID: UUID, email: String)
    case system(String)

    public var userID: UUID? {
        switch self {
        case .user(let id, _): id
        case .apiToken(_, let userID, _): userID
        case .system: nil
        }
    }

    public var label: String {
        switch self {
        case .user(_, let email), .apiToken(_, _, let email): email
        case .system(let name): "system:\(name)"
        }
    }

    public var description: String { label }
}

/// Resolved once per request, job or command and passed down explicitly. Every tenant-owned
/// query goes through it, so an organization can never see another's rows.
public struct TenantContext: Sendable {
    public let organizationID: UUID
    public let actor: Actor
    public let permissions: Set<Permission>
    /// nil means every branch of the organization; otherwise only these.
    public let branchIDs: Set<UUID>?
    /// The branches the actor may see at all, before any branch switch (nil: every branch). What
    /// staff may grant to others is bounded by this, not by the branch they narrowed the view to.
    public let allowedBranchIDs: Set<UUID>?
    /// nil for organization staff; for a person linked to a reseller, that reseller and every
    /// reseller below it. Customers and leads outside this set are simply not found.
    public let resellerIDs: Set<UUID>?
    public let timeZone: TimeZone
    public let currency: String
    /// True when a platform administrator acts inside an organization that is not its home.
    public let isCrossingTenant: Bool
    public let ipAddress: String?
    public let userAgent: String?
    /// The organization's context version as the request context read it (bumped by the database
    /// on every write to its settings, branches, branch assignments, areas and resellers); nil when
    /// unknown (jobs, commands, acting across organizations). In-memory copies of those lists
    /// (the customer list's filter choices) are kept under it.
    public var contextVersion: Int64?

    public init(organizationID: UUID, actor: Actor, permissions: Set<Permission>, branchIDs: Set<UUID>? = nil,
                allowedBranchIDs: Set<UUID>?? = .none, resellerIDs: Set<UUID>? = nil, timeZone: TimeZone = TimeZone(identifier: "Asia/Dhaka")!, currency: String = "BDT",
                isCrossingTenant: Bool = false, ipAddress: String? = nil, userAgent: String? = nil) {
        self.organizationID = organizationID
        self.actor = actor
        self.permissions = permissions
        self.branchIDs = branchIDs
        self.allowedBranchIDs = allowedBranchIDs ?? branchIDs
        self.resellerIDs = resellerIDs
        self.timeZone = timeZone
        self.currency = currency
        self.isCrossingTenant = isCrossingTenant
        self.ipAddress = ipAddress
        self.userAgent = userAgent
    }

    /// True for reseller staff, who act only inside their reseller subtree.
    public var isResellerScoped: Bool { resellerIDs != nil }

    public func can(_ permission: Permission) -> Bool { permissions.contains(permission) }

    /// Organization staff who work in every branch: the only ones who may see or change what
    /// spans all branches (the books, invoice runs, the shared catalog).
    public var isWholeOrganization: Bool { allowedBranchIDs == nil && !isResellerScoped }

    public func requireWholeOrganization(_ what: String) throws(DomainError) {
        guard isWholeOrganization else {
            throw DomainError.forbidden("\(what) covers every branch; only staff who work in every branch (not reseller staff) can do this.")
        }
    }

    public func require(_ permission: Permission) throws(DomainError) {
        guard can(permission) else { throw DomainError.forbidden("You need the \(permission.rawValue) permission for this.") }
    }

    /// A context for scheduled work and commands inside one organization.
    public static func system(_ name: String, organizationID: UUID, timeZone: TimeZone = TimeZone(identifier: "Asia/Dhaka")!) -> TenantContext {
        TenantContext(organizationID: organizationID, actor: .system(name), permissions: Set(Permission.allCases), timeZone: timeZone)
    }
}
