import Billing
import Foundation

/// The RouterOS menus provisioning manages, and what it reads of each.
public enum ProvisioningMenu: String, Sendable, CaseIterable, Codable {
    case pppProfile = "/ppp/profile"
    case pppSecret = "/ppp/secret"
    case hotspotProfile = "/ip/hotspot/user/profile"
    case hotspotUser = "/ip/hotspot/user"
    case addressList = "/ip/firewall/address-list"

    /// Entries are matched by this field: the name, or the address in the unpaid list.
    public var keyField: String { self == .addressList ? "address" : "name" }

    public var title: String {
        switch self {
        case .pppProfile: "PPP profile"
        case .pppSecret: "PPPoE secret"
        case .hotspotProfile: "Hotspot user profile"
        case .hotspotUser: "Hotspot user"
        case .addressList: "Address list entry"
        }
    }

    /// The fields Meghna sets (and so reads back with `.proplist`, with `.id`).
    public var managedFields: [String] {
        switch self {
        case .pppProfile, .hotspotProfile: ["name", "rate-limit", "address-list", "comment"]
        case .pppSecret: ["name", "service", "password", "profile", "remote-address", "caller-id", "disabled", "comment"]
        case .hotspotUser: ["name", "password", "profile", "address", "mac-address", "disabled", "comment"]
        case .addressList: ["list", "address", "comment"]
        }
    }

    /// Where this menu's customers are online, and the field naming the account there.
    public var sessions: (menu: String, nameField: String)? {
        switch self {
        case .pppSecret: ("/ppp/active", "name")
        case .hotspotUser: ("/ip/hotspot/active", "user")
        default: nil
        }
    }

    /// Fields cleared with `unset` (RouterOS refuses an empty address).
    static let unsetWhenEmpty: Set<String> = ["remote-address", "address", "mac-address"]

    /// Fields an engineer may adopt from the router into Meghna (the account's own facts).
    public var adoptableFields: Set<String> {
        switch self {
        case .pppSecret: ["password", "remote-address", "caller-id", "profile"]
        case .hotspotUser: ["password", "address", "mac-address", "profile"]
        default: []
        }
    }

    public static func forService(_ service: AccessService) -> (profile: ProvisioningMenu, account: ProvisioningMenu) {
        service == .pppoe ? (.pppProfile, .pppSecret) : (.hotspotProfile, .hotspotUser)
    }
}

/// How an organization cuts a suspended customer off (Settings → Network).
public struct ProvisioningPolicy: Sendable, Equatable {
    public enum SuspendMode: String, Sendable, CaseIterable { case disable, profile }

    public var suspendMode: SuspendMode
    /// The rate of the suspended profile (profile mode): enough to reach the payment page.
    public var suspendedRateLimit: String

    public init(suspendMode: SuspendMode = .disable, suspendedRateLimit: String = "64k/64k") {
        self.suspendMode = suspendMode
        self.suspendedRateLimit = suspendedRateLimit
    }

    /// The address list suspended customers' addresses go in (the ISP's firewall redirects it).
    public static let unpaidList = "meghna-unpaid"
    /// The profile suspended customers are switched to in profile mode.
    public static let suspendedProfile = "meghna-suspended"
    /// Every comment Meghna writes starts with this; entries without it are not Meghna's.
    public static let marker = "meghna:"
}

/// One account as provisioning sees it: the facts the router entries are derived from.
public struct AccountSpec: Sendable, Equatable {
    public var accountID: UUID
    public var customerID: UUID
    public var service: AccessService
    public var username: String
    public var password: String
    public var staticIP: String?
    public var callerID: String?
    /// The plan's code, or a profile adopted from the router.
    public var profile: String
    public var status: SubscriptionStatus
    public var label: String

    public init(accountID: UUID, customerID: UUID, service: AccessService, username: String, password: String, staticIP: String?,
                callerID: String?, profile: String, status: SubscriptionStatus, label: String) {
        (self.accountID, self.customerID, self.service, self.username, self.password) = (accountID, customerID, service, username, password)
        (self.staticIP, self.callerID, self.profile, self.status, self.label) = (staticIP, callerID, profile, status, label)
    }
}

/// A plan as a router profile: its code and RouterOS rate-limit.
public struct ProfileSpec: Sendable, Equatable {
    public var service: AccessService
    public var name: String
    public var rateLimit: String

    public init(service: AccessService, name: String, rateLimit: String) {
        (self.service, self.name, self.rateLimit) = (service, name, rateLimit)
    }
}

/// One entry as Meghna wants it on the router.
public struct DesiredEntry: Sendable, Equatable {
    public var menu: ProvisioningMenu
    public var key: String
    /// Every managed field; "" means unset.
    public var fields: [String: String]
    /// Fields billing decides: a hand edit is corrected, never held as drift.
    public var enforced: Set<String>
    public var accountID: UUID?
    public var customerID: UUID?
    /// Suspended: any session online under this name is removed so the cut takes effect now.
    public var disconnect: Bool
}

public enum DesiredState {
    /// What one router should hold for these accounts and profiles. Pending and terminated
    /// subscriptions hold nothing; active ones an enabled entry on their plan's profile; suspended
    /// ones a disabled entry (or the suspended profile, per policy), their sessions cut and their
    /// static address in the unpaid list.
    public static func entries(accounts: [AccountSpec], profiles: [ProfileSpec], policy: ProvisioningPolicy,
                               services: Set<AccessService> = Set(AccessService.allCases)) -> [DesiredEntry] {
        var out: [DesiredEntry] = []
        var profileNames = Set<String>()
        for profile in profiles where services.contains(profile.service) {
            let menu = ProvisioningMenu.forService(profile.service).profile
            guard profileNames.insert("\(menu.rawValue)|\(profile.name)").inserted else { continue }
            out.append(DesiredEntry(menu: menu, key: profile.name,
                                    fields: ["name": profile.name, "rate-limit": profile.rateLimit, "address-list": "",
                                             "comment": "\(ProvisioningPolicy.marker)plan \(profile.name)"],
                                    enforced: [], accountID: nil, customerID: nil, disconnect: false))
        }
        if policy.suspendMode == .profile {
            for service in AccessService.allCases where services.contains(service) {
                let menu = ProvisioningMenu.forService(service).profile
                out.append(DesiredEntry(menu: menu, key: ProvisioningPolicy.suspendedProfile,
                                        fields: ["name": ProvisioningPolicy.suspendedProfile, "rate-limit": policy.suspendedRateLimit,
                                                 "address-list": ProvisioningPolicy.unpaidList,
                                                 "comment": "\(ProvisioningPolicy.marker)suspended customers"],
                                        enforced: ["rate-limit", "address-list"], accountID: nil, customerID: nil, disconnect: false))
            }
        }
        for account in accounts where services.contains(account.service) {
            guard account.status == .active || account.status == .suspended else { continue }
            let suspended = account.status == .suspended
            let comment = ProvisioningPolicy.marker + account.label
            let profile = suspended && policy.suspendMode == .profile ? ProvisioningPolicy.suspendedProfile : account.profile
            let disabled = suspended && policy.suspendMode == .disable
            var enforced: Set<String> = ["disabled", "comment"]
            if suspended { enforced.insert("profile") }
            switch account.service {
            case .pppoe:
                out.append(DesiredEntry(menu: .pppSecret, key: account.username,
                                        fields: ["name": account.username, "service": "pppoe", "password": account.password,
                                                 "profile": profile, "remote-address": account.staticIP ?? "",
                                                 "caller-id": account.callerID ?? "", "disabled": disabled ? "true" : "false",
                                                 "comment": comment],
                                        enforced: enforced.union(["service"]), accountID: account.accountID,
                                        customerID: account.customerID, disconnect: suspended))
            case .hotspot:
                out.append(DesiredEntry(menu: .hotspotUser, key: account.username,
                                        fields: ["name": account.username, "password": account.password, "profile": profile,
                                                 "address": account.staticIP ?? "", "mac-address": account.callerID ?? "",
                                                 "disabled": disabled ? "true" : "false", "comment": comment],
                                        enforced: enforced, accountID: account.accountID, customerID: account.customerID,
                                        disconnect: suspended))
            }
            if suspended, let address = account.staticIP {
                out.append(DesiredEntry(menu: .addressList, key: address,
                                        fields: ["list": ProvisioningPolicy.unpaidList, "address": address, "comment": comment],
                                        enforced: ["list", "address", "comment"], accountID: account.accountID,
                                        customerID: account.customerID, disconnect: false))
            }
        }
        return out
    }
}
