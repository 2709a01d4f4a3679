import Billing
import CRM
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform

/// A subscription's account on a router: made when the subscription is provisioned (router,
/// PPPoE or Hotspot, a username unique on that router, a generated password shown once), then
/// kept in line with the subscription by `SubscriptionSync` and the reconcile.
public enum ServiceAccounts {
    public struct Input: Sendable {
        public var routerID: String?
        public var service: String?
        public var username: String?
        /// Blank: one is generated.
        public var password: String?
        public var staticIP: String?
        public var callerID: String?

        public init(routerID: String? = nil, service: String? = nil, username: String? = nil, password: String? = nil, staticIP: String? = nil,
                    callerID: String? = nil) {
            (self.routerID, self.service, self.username, self.password, self.staticIP, self.callerID) = (routerID, service, username, password, staticIP, callerID)
        }
    }

    /// A new account and its password in clear, for the one page (or API answer) that shows it.
    public struct Provisioned: Sendable {
        public var account: ServiceAccount
        public var password: String
    }

    public static func forSubscription(_ ctx: TenantContext, _ subscriptionID: UUID, on db: any Database) async throws -> ServiceAccount? {
        try ctx.require(.subscriptionsRead)
        return try await ServiceAccount.scoped(to: ctx, on: db).filter(\.$subscriptionID == subscriptionID).first()
    }

    public static func provision(_ ctx: TenantContext, subscriptionID: String?, _ input: Input, services: PlatformServices,
                                 on db: any Database) async throws -> Provisioned {
        try ctx.require(.subscriptionsWrite)
        try ctx.require(.routersRead)
        let subscription = try await Subscription.find(subscriptionID, in: ctx, on: db)
        guard subscription.status != .terminated else { throw DomainError.conflict("The subscription is terminated; it cannot get a router account.") }
        if try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$subscriptionID == subscription.id!).first() != nil {
            throw DomainError.conflict("The subscription already has a router account.")
        }
        let plan = try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id == subscription.planID).first()
        var v = Validator()
        var router: Router?
        if let raw = input.routerID.nonBlank {
            router = try await Router.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: raw) ?? UUID())).first()
            if router == nil { v.add("router_id", "is not a router you can see") }
        } else {
            v.add("router_id", "is required")
        }
        let fallback: AccessService = plan?.serviceType == .hotspot ? .hotspot : .pppoe
        var service = fallback
        if let raw = input.service.nonBlank {
            if let parsed = AccessService(rawValue: raw) { service = parsed } else { v.add("service_type", "must be pppoe or hotspot") }
        }
        if let router, !router.serviceTypes.contains(service.rawValue) { v.add("service_type", "\(router.name) does not serve \(service.title)") }
        let customer = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id == subscription.customerID).first()
        var username = input.username.nonBlank ?? ""
        if username.isEmpty, let router, let customer {
            username = try await suggestUsername(for: customer, on: router, on: db)
        }
        if let problem = usernameProblem(username) { v.add("username", problem) }
        let password = input.password.nonBlank ?? generatePassword()
        if let problem = passwordProblem(password) { v.add("password", problem) }
        let staticIP = input.staticIP.nonBlank
        if let staticIP, !isIPv4(staticIP) { v.add("static_ip", "must be an IPv4 address such as 10.20.0.15") }
        let callerID = input.callerID.nonBlank?.uppercased()
        if let callerID, !isMAC(callerID) { v.add("caller_id", "must be a MAC address such as AA:BB:CC:00:11:22") }
        try v.check()
        guard let router else { throw DomainError.invalid("router_id", "is required") }
        if try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$routerID == router.id!).filter(\.$username == username).first() != nil {
            throw DomainError.invalid("username", "is already used on \(router.name)")
        }
        if let staticIP, try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$routerID == router.id!)
            .filter(\.$staticIP == staticIP).first() != nil {
            throw DomainError.invalid("static_ip", "is already given to another account on \(router.name)")
        }
        let now = services.clock.now()
        let account = try newAccount(subscription, customerNumber: customer?.numberText, router: router, service: service, username: username,
                                     password: password, staticIP: staticIP, callerID: callerID, services: services)
        let summary = "\(service.title) account \(username) on \(router.name)"
        try await db.writeTransaction { tx in
            try await account.create(on: tx)
            try await SubscriptionSync.queue(account.subscriptionID, organizationID: ctx.organizationID, reason: "provisioned", services: services, on: tx)
            try await Audit.record("service_account.created", summary, ctx: ctx,
                                   target: .init("subscription", subscription.id), at: now, on: tx)
        }
        return Provisioned(account: account, password: password)
    }

    /// A subscription's account as every path makes it (the form, the import, the demo): the
    /// password sealed, the label Meghna writes in the router's comment, waiting to be sent.
    public static func newAccount(_ subscription: Subscription, customerNumber: String?, router: Router, service: AccessService, username: String,
                                  password: String, staticIP: String?, callerID: String?, services: PlatformServices) throws -> ServiceAccount {
        let account = ServiceAccount()
        account.id = UUID.timeOrdered()
        account.organizationID = subscription.organizationID
        account.subscriptionID = subscription.id!
        account.customerID = subscription.customerID
        account.branchID = subscription.branchID
        account.resellerID = subscription.resellerID
        account.routerID = router.id!
        account.service = service
        account.username = username
        account.passwordSealed = try services.secrets.seal(password)
        account.staticIP = staticIP
        account.callerID = callerID
        account.label = label(customerNumber: customerNumber ?? "customer", subscriptionID: subscription.id!)
        account.syncState = .pending
        account.createdAt = services.clock.now()
        return account
    }

    /// What follows "meghna:" in the router's comment: the customer number and the
    /// subscription's short id (never a name: the router is not where personal data lives).
    public static func label(customerNumber: String, subscriptionID: UUID) -> String {
        "\(customerNumber):\(subscriptionID.uuidString.prefix(8).lowercased())"
    }

    /// A new password, sealed and sent to the router; returned in clear once.
    public static func resetPassword(_ ctx: TenantContext, subscriptionID: String?, services: PlatformServices, on db: any Database) async throws -> Provisioned {
        try ctx.require(.subscriptionsWrite)
        let subscription = try await Subscription.find(subscriptionID, in: ctx, on: db)
        guard let account = try await ServiceAccount.scoped(to: ctx, on: db).filter(\.$subscriptionID == subscription.id!).first() else {
            throw DomainError.notFound("Router account")
        }
        let password = generatePassword()
        account.passwordSealed = try services.secrets.seal(password)
        account.syncState = .pending
        account.syncMessage = nil
        try await db.writeTransaction { tx in
            try await account.save(on: tx)
            try await SubscriptionSync.queue(account.subscriptionID, organizationID: ctx.organizationID, reason: "password_reset", services: services, on: tx)
            try await Audit.record("service_account.password_reset", "New password for \(account.username)", ctx: ctx,
                                   target: .init("subscription", subscription.id), at: services.clock.now(), on: tx)
        }
        return Provisioned(account: account, password: password)
    }

    /// The customer number in lower case ("c-000042" → "c000042"), made free on the router.
    public static func suggestUsername(for customer: Customer, on router: Router, on db: any Database) async throws -> String {
        try await freeUsername(customer.numberText, on: router, on: db)
    }

    /// `text`'s ASCII letters and digits in lower case (or "user"), with -2, -3 … when taken on the router.
    public static func freeUsername(_ text: String, on router: Router, on db: any Database) async throws -> String {
        let base = String(text.lowercased().filter { $0.isASCII && ($0.isLetter || $0.isNumber) }.prefix(40))
        let stem = base.isEmpty ? "user" : base
        let taken = Set(try await ServiceAccount.inOrganization(router.organizationID, on: db).filter(\.$routerID == router.id!)
            .filter(\.$username, .custom("LIKE"), "\(stem)%").all(\.$username))
        if !taken.contains(stem) { return stem }
        var n = 2
        while taken.contains("\(stem)-\(n)") { n += 1 }
        return "\(stem)-\(n)"
    }

    public static func isUsernameFree(_ username: String, on router: Router, on db: any Database) async throws -> Bool {
        try await ServiceAccount.inOrganization(router.organizationID, on: db).filter(\.$routerID == router.id!).filter(\.$username == username).first() == nil
    }

    static let passwordAlphabet = Array("abcdefghjkmnpqrstuvwxyz23456789")

    /// Ten characters without look-alikes (no l, 1, o, 0, i), easy to read over the phone.
    public static func generatePassword() -> String {
        var generator = SystemRandomNumberGenerator()
        return String((0..<10).map { _ in passwordAlphabet[Int(generator.next(upperBound: UInt64(passwordAlphabet.count)))] })
    }

    public static func usernameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is required" }
        if name.count > 64 { return "must be at most 64 characters" }
        if !name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "._-@".contains($0)) }) {
            return "may hold only letters, digits and . _ - @"
        }
        return nil
    }

    public static func passwordProblem(_ password: String) -> String? {
        if password.count < 6 { return "must be at least 6 characters" }
        if password.count > 64 { return "must be at most 64 characters" }
        if !password.unicodeScalars.allSatisfy({ $0.value > 0x20 && $0.value < 0x7F }) { return "may hold only printable ASCII without spaces" }
        return nil
    }

    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            !part.isEmpty && part.count <= 3 && part.allSatisfy(\.isNumber) && Int(part).map { $0 <= 255 } == true
        }
    }

    public static func isMAC(_ text: String) -> Bool {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        return parts.count == 6 && parts.allSatisfy { $0.count == 2 && $0.allSatisfy(\.isHexDigit) }
    }
}
