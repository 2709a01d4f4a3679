/// The shared vocabulary of what an actor may do. Roles hold sets of these; API token abilities are
/// these names (or `*`). Later areas add cases here, never rename them (names are stored).
public enum Permission: String, Sendable, CaseIterable, Codable, Comparable {
    // platform
    case organizationsManage = "organizations.manage"
    case branchesRead = "branches.read"
    case branchesManage = "branches.manage"
    case usersRead = "users.read"
    case usersManage = "users.manage"
    case rolesRead = "roles.read"
    case rolesManage = "roles.manage"
    case settingsRead = "settings.read"
    case settingsManage = "settings.manage"
    /// The organization's security rules (required two-factor, idle timeout). Held by owners, not
    /// branch admins, so an owner always outranks a branch admin.
    case securityManage = "security.manage"
    case auditRead = "audit.read"
    case jobsRead = "jobs.read"
    case jobsManage = "jobs.manage"
    case outboxRead = "outbox.read"
    // crm
    case customersRead = "customers.read"
    case customersWrite = "customers.write"
    case leadsRead = "leads.read"
    case leadsWrite = "leads.write"
    case resellersRead = "resellers.read"
    case resellersManage = "resellers.manage"
    case areasManage = "areas.manage"
    // billing and payments
    case plansRead = "plans.read"
    case plansManage = "plans.manage"
    case subscriptionsRead = "subscriptions.read"
    case subscriptionsWrite = "subscriptions.write"
    case invoicesRead = "invoices.read"
    case invoicesWrite = "invoices.write"
    case paymentsRead = "payments.read"
    case paymentsWrite = "payments.write"
    /// The organization-wide books: trial balance, account balances, `ledger check`.
    case ledgerRead = "ledger.read"
    // network
    case routersRead = "routers.read"
    case routersManage = "routers.manage"
    // inventory and reports
    case inventoryRead = "inventory.read"
    case inventoryManage = "inventory.manage"
    case reportsRead = "reports.read"

    public static func < (lhs: Permission, rhs: Permission) -> Bool { lhs.rawValue < rhs.rawValue }

    /// A sentence for the roles page.
    public var summary: String {
        switch self {
        case .organizationsManage: "Create and manage every organization on the platform (platform administrators only)"
        case .branchesRead: "See branches"
        case .branchesManage: "Create and change branches"
        case .usersRead: "See staff accounts"
        case .usersManage: "Invite, change and disable staff"
        case .rolesRead: "See roles"
        case .rolesManage: "Create and change roles and their permissions"
        case .settingsRead: "See settings"
        case .settingsManage: "Change settings and credentials"
        case .securityManage: "Change security rules (required two-factor, idle timeout)"
        case .auditRead: "Read the audit trail"
        case .jobsRead: "See background jobs"
        case .jobsManage: "Retry and discard background jobs"
        case .outboxRead: "Read outgoing email and SMS"
        case .customersRead: "See customers"
        case .customersWrite: "Create and change customers"
        case .leadsRead: "See leads"
        case .leadsWrite: "Create, assign and convert leads"
        case .resellersRead: "See resellers"
        case .resellersManage: "Create and change resellers"
        case .areasManage: "Edit the area tree (zones, areas, buildings)"
        case .plansRead: "See plans"
        case .plansManage: "Create and change plans, add-ons, discounts and taxes"
        case .subscriptionsRead: "See subscriptions"
        case .subscriptionsWrite: "Change subscriptions"
        case .invoicesRead: "See invoices"
        case .invoicesWrite: "Issue and void invoices"
        case .paymentsRead: "See payments"
        case .paymentsWrite: "Record and refund payments"
        case .ledgerRead: "See the ledger and the trial balance (the whole organization's books)"
        case .routersRead: "See routers and sessions"
        case .routersManage: "Add routers, provision and suspend"
        case .inventoryRead: "See inventory"
        case .inventoryManage: "Receive, move and assign stock"
        case .reportsRead: "See reports and dashboards"
        }
    }
}

/// The roles every organization starts with. Their permission sets are documented in docs/DESIGN.md.
public enum SystemRole: String, Sendable, CaseIterable, Codable {
    case superAdmin = "super_admin"
    case branchAdmin = "branch_admin"
    case billingOps = "billing_ops"
    case networkEngineer = "network_engineer"
    case support = "support"
    /// Staff of a reseller (an area franchise, a building operator): customers and leads of
    /// their own reseller subtree only.
    case reseller = "reseller"

    public var displayName: String {
        switch self {
        case .superAdmin: "Super admin"
        case .branchAdmin: "Branch admin"
        case .billingOps: "Billing ops"
        case .networkEngineer: "Network engineer"
        case .support: "Support"
        case .reseller: "Reseller"
        }
    }

    public var permissions: Set<Permission> {
        switch self {
        case .superAdmin:
            // Every permission inside the organization. `organizations.manage` is never part of a
            // role: it belongs to platform administrators (`users.platform_admin`).
            return Set(Permission.allCases).subtracting([.organizationsManage])
        case .branchAdmin:
            // The books are the whole organization's, not a branch's.
            return Set(Permission.allCases).subtracting([.organizationsManage, .securityManage, .ledgerRead])
        case .billingOps:
            return [.branchesRead, .usersRead, .customersRead, .customersWrite, .leadsRead, .resellersRead,
                    .plansRead, .plansManage, .subscriptionsRead, .subscriptionsWrite, .invoicesRead, .invoicesWrite,
                    .paymentsRead, .paymentsWrite, .ledgerRead, .reportsRead, .outboxRead]
        case .networkEngineer:
            return [.branchesRead, .customersRead, .subscriptionsRead, .plansRead, .routersRead, .routersManage,
                    .inventoryRead, .inventoryManage, .jobsRead, .reportsRead]
        case .support:
            return [.branchesRead, .customersRead, .customersWrite, .leadsRead, .leadsWrite, .subscriptionsRead,
                    .plansRead, .invoicesRead, .paymentsRead, .routersRead, .outboxRead]
        case .reseller:
            // payments.write: through their wallet only (Wallets.collect).
            return [.customersRead, .customersWrite, .leadsRead, .leadsWrite, .resellersRead, .plansRead, .subscriptionsRead,
                    .invoicesRead, .paymentsRead, .paymentsWrite]
        }
    }
}
