import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS

/// Moving an ISP onto Meghna without retyping it: the PPPoE secrets and Hotspot users already on
/// a router become customers, subscriptions and router accounts (profiles mapped to plans;
/// passwords, caller IDs, static addresses and comments kept), a dry run first. Entries Meghna
/// already manages, and names already an account on the router, are left out.
public enum RouterImport {
    public struct Candidate: Sendable, Codable, Equatable {
        public var service: String
        public var name: String
        public var profile: String
        public var planCode: String?
        public var comment: String?
        public var phone: String?
        public var callerID: String?
        public var staticIP: String?
        public var disabled: Bool
        /// create (dry run: would create), created, skip
        public var outcome: String
        public var reason: String?
        public var customerNumber: String?
        public var subscriptionID: UUID?

        enum CodingKeys: String, CodingKey {
            case service, name, profile, comment, phone, disabled, outcome, reason
            case planCode = "plan_code", callerID = "caller_id", staticIP = "static_ip", customerNumber = "customer_number", subscriptionID = "subscription_id"
        }
    }

    /// A Bangladeshi mobile written in a comment ("Rahim 01711-000001").
    static func phone(in text: String) -> String? {
        let digits = text.map { $0.isNumber ? $0 : " " }
        for word in String(digits).split(separator: " ") where word.count >= 11 {
            let w = String(word)
            if w.count == 11, w.hasPrefix("01"), let third = w.dropFirst(2).first, "3456789".contains(third) { return w }
            if w.count == 13, w.hasPrefix("8801") { return "0" + w.dropFirst(3) }
        }
        // Written with a dash or spaces: join runs of digits and look again.
        let joined = text.filter(\.isNumber)
        if joined.count == 11, joined.hasPrefix("01") { return joined }
        return nil
    }

    /// `planMap`: router profile → plan id, for profiles not named like a plan's code.
    public static func run(_ ctx: TenantContext, routerID: String?, dryRun: Bool, planMap: [String: String] = [:], link: RouterLink,
                           services: PlatformServices, on db: any Database) async throws -> [Candidate] {
        try ctx.require(.routersManage)
        try ctx.require(.customersWrite)
        try ctx.require(.subscriptionsWrite)
        let router = try await Routers.find(ctx, routerID, on: db)
        guard router.status == .active else { throw DomainError.conflict("\(router.name) is disabled in Meghna; enable it first.") }
        let plans = try await Plan.scoped(to: ctx, on: db).filter(\.$status == .active).all()
        var v = Validator()
        var mapped: [String: Plan] = [:]
        for (profile, raw) in planMap where raw.nonBlank != nil {
            if let plan = plans.first(where: { $0.id?.uuidString.lowercased() == raw.lowercased() }) { mapped[profile] = plan }
            else { v.add("plan_map", "\(profile) → \(raw) is not an active plan") }
        }
        try v.check()
        var menus: [(AccessService, ProvisioningMenu)] = []
        if router.servesPPPoE { menus.append((.pppoe, .pppSecret)) }
        if router.servesHotspot { menus.append((.hotspot, .hotspotUser)) }
        let actor = RouterActor(ctx)
        let results = try await RouterCommands.runBatch(menus.map { .init(.print($0.1.rawValue, proplist: [".id"] + $0.1.managedFields)) },
                                                        on: router, by: actor, link: link, services: services, on: db)
        let existing = Set(try await ServiceAccount.inOrganization(ctx.organizationID, on: db).filter(\.$routerID == router.id!).all(\.$username))
        var out: [Candidate] = []
        var seen = Set<String>()
        for ((service, _), result) in zip(menus, results) {
            for row in try result.get().rows {
                guard let name = row["name"], !name.isEmpty else { continue }
                let comment = row["comment"].nonBlank
                if comment?.hasPrefix(ProvisioningPolicy.marker) == true { continue }
                let profile = row["profile"] ?? "default"
                let plan = mapped[profile] ?? plans.first { $0.code.caseInsensitiveCompare(profile) == .orderedSame }
                var c = Candidate(service: service.rawValue, name: name, profile: profile, planCode: plan?.code, comment: comment,
                                  phone: comment.flatMap(phone(in:)), callerID: (service == .pppoe ? row["caller-id"] : row["mac-address"]).nonBlank,
                                  staticIP: (service == .pppoe ? row["remote-address"] : row["address"]).nonBlank,
                                  disabled: RouterDiff.normalized("disabled", row["disabled"]) == "true", outcome: "create")
                if existing.contains(name) || !seen.insert(name).inserted {
                    (c.outcome, c.reason) = ("skip", "already an account on \(router.name)")
                } else if plan == nil {
                    (c.outcome, c.reason) = ("skip", "no plan for profile \(profile): map it to a plan")
                } else if ServiceAccounts.usernameProblem(name) != nil || ServiceAccounts.passwordProblem(row["password"] ?? "") != nil {
                    (c.outcome, c.reason) = ("skip", "the name or password is one Meghna cannot keep (letters, digits and . _ - @; a password of 6–64 characters)")
                } else if let ip = c.staticIP, !ServiceAccounts.isIPv4(ip) {
                    (c.outcome, c.reason) = ("skip", "the address \(ip) is not one IPv4 address")
                }
                if !dryRun, c.outcome == "create", let plan {
                    c = try await create(ctx, c, password: row["password"] ?? "", plan: plan, router: router, services: services, on: db)
                }
                out.append(c)
            }
        }
        if !dryRun, out.contains(where: { $0.outcome == "created" }) {
            try await Audit.record("router.imported", "Imported \(out.filter { $0.outcome == "created" }.count) account(s) from \(router.name)", ctx: ctx,
                                   target: .init("router", router.id), at: services.clock.now(), on: db)
            try await SubscriptionSync.queueReconcile(router, trigger: "manual", actor: actor, services: services, on: db)
        }
        return out
    }

    /// One entry: a customer (its phone from the comment when there is one), an active
    /// subscription (suspended when the entry was disabled), and the account with the router's
    /// password; the entry is taken over by the reconcile queued after the import.
    static func create(_ ctx: TenantContext, _ c: Candidate, password: String, plan: Plan, router: Router, services: PlatformServices,
                       on db: any Database) async throws -> Candidate {
        var out = c
        let display = c.comment.map { comment in
            comment.filter { !$0.isNumber }.trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
        }.nonBlank ?? c.name
        do {
            var input = Customers.Input(displayName: String(display.prefix(160)), phones: c.phone.map { [$0] } ?? [], branchID: router.branchID.uuidString,
                                        tags: ["imported"], notes: "Imported from \(router.name) (\(c.service) \(c.name))" + (c.comment.map { "; comment: \($0)" } ?? ""),
                                        externalRef: String("router:\(router.name):\(c.name)".prefix(100)), allowDuplicate: true)
            input.phoneOptional = true
            let customer = try await Customers.create(ctx, input, services: services, on: db)
            let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, activate: "true"),
                                                   services: services, on: db)
            if c.disabled {
                _ = try await Subscriptions.suspend(ctx, s.id!.uuidString, reason: "disabled on the router when imported", on: nil, pauseBilling: false,
                                                    services: services, on: db)
            }
            let account = try ServiceAccounts.newAccount(s, customerNumber: customer.numberText, router: router, service: AccessService(rawValue: c.service) ?? .pppoe,
                                                         username: c.name, password: password, staticIP: c.staticIP, callerID: c.callerID, services: services)
            let takeOver = RouterDrift()
            takeOver.organizationID = ctx.organizationID
            takeOver.routerID = router.id!
            takeOver.menu = ProvisioningMenu.forService(account.service).account.rawValue
            takeOver.key = c.name
            takeOver.field = "*"
            takeOver.accountID = account.id
            takeOver.detectedAt = services.clock.now()
            takeOver.decision = "adopt"
            takeOver.decidedBy = String("import by \(ctx.actor.label)".prefix(254))
            takeOver.decidedAt = takeOver.detectedAt
            try await db.writeTransaction { tx in
                try await account.create(on: tx)
                try await RouterDrift.query(on: tx).filter(\.$routerID == router.id!).filter(\.$menu == takeOver.menu).filter(\.$key == c.name).delete()
                try await takeOver.create(on: tx)
            }
            (out.outcome, out.customerNumber, out.subscriptionID) = ("created", customer.numberText, s.id)
        } catch let error as DomainError {
            (out.outcome, out.reason) = ("skip", error.description)
        }
        return out
    }
}
