import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

/// The onboarding wizard: details → service address → plan and add-ons → service (router,
/// PPPoE or Hotspot, a username checked on that router, an optional static IP) → review with the
/// first invoice's figures → create. Each step is validated and saved on its own (a draft per
/// person, resumed any time); "create" makes the customer (or converts the lead), the active
/// subscription with its add-ons, and the router account, which the router gets within seconds.
public enum Onboarding {
    public static let steps = ["details", "address", "plan", "service", "review"]

    public struct Review: Sendable {
        public var planName: String
        public var lines: [(String, Money)]
        public var net: Money
        public var tax: Money
        public var total: Money
    }

    public static func start(_ ctx: TenantContext, leadID: String?, services: PlatformServices, on db: any Database) async throws -> OnboardingDraft {
        try requireAll(ctx)
        guard let userID = ctx.actor.userID else { throw DomainError.forbidden("Only staff signed in as themselves can onboard customers.") }
        let now = services.clock.now()
        let draft = OnboardingDraft()
        draft.id = UUID.timeOrdered()
        draft.organizationID = ctx.organizationID
        draft.userID = userID
        draft.step = "details"
        var data: [String: String] = [:]
        if let raw = leadID.nonBlank {
            let lead = try await Lead.find(raw, in: ctx, on: db)
            guard lead.status != .converted else { throw DomainError.conflict("\(lead.numberText) is already a customer.") }
            draft.leadID = lead.id
            data["display_name"] = lead.name
            data["phone"] = lead.primaryPhone.map { $0.hasPrefix("+880") ? "0" + $0.dropFirst(4) : $0 } ?? ""
            data["email"] = lead.email ?? ""
            data["line1"] = lead.address ?? ""
            data["area_id"] = lead.areaID?.uuidString.lowercased() ?? ""
            data["branch_id"] = lead.branchID?.uuidString.lowercased() ?? ""
        }
        draft.data = data
        draft.createdAt = now
        draft.updatedAt = now
        try await draft.create(on: db)
        return draft
    }

    static func requireAll(_ ctx: TenantContext) throws {
        try ctx.require(.customersWrite)
        try ctx.require(.subscriptionsWrite)
        try ctx.require(.routersRead)
    }

    /// One person's drafts (not yet created), newest first.
    public static func drafts(_ ctx: TenantContext, on db: any Database) async throws -> [OnboardingDraft] {
        try requireAll(ctx)
        return try await OnboardingDraft.scoped(to: ctx, on: db).filter(\.$userID == (ctx.actor.userID ?? UUID())).filter(\.$subscriptionID == nil)
            .sort(\.$updatedAt, .descending).limit(50).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> OnboardingDraft {
        try requireAll(ctx)
        let draft = try await OnboardingDraft.find(id, in: ctx, on: db)
        guard draft.userID == ctx.actor.userID else { throw DomainError.notFound("Onboarding draft") }
        return draft
    }

    /// Checks and keeps one step's values; on success the draft moves to the next step.
    public static func save(_ ctx: TenantContext, _ id: String?, step: String, values: [String: String], services: PlatformServices,
                            on db: any Database) async throws -> OnboardingDraft {
        let draft = try await find(ctx, id, on: db)
        guard draft.subscriptionID == nil else { throw DomainError.conflict("This onboarding is finished already.") }
        guard let index = steps.firstIndex(of: step), step != "review" else { throw DomainError.invalid("step", "is not a step of the wizard") }
        var data = draft.data
        var v = Validator()
        func text(_ field: String, required: Bool, max: Int) {
            data[field] = v.text(field, values[field], required: required, max: max) ?? ""
        }
        switch step {
        case "details":
            text("display_name", required: true, max: 160)
            let phone = values["phone"]?.trimmingCharacters(in: .whitespaces) ?? ""
            if phone.isEmpty { v.add("phone", "is required") }
            else if (try? PhoneNumber(parsing: phone)) == nil { v.add("phone", "must be a Bangladeshi mobile such as 01712345678") }
            data["phone"] = phone
            let email = values["email"]?.trimmingCharacters(in: .whitespaces) ?? ""
            if !email.isEmpty, !EmailAddressSyntax.isValid(email) { v.add("email", "is not a valid email address") }
            data["email"] = email
            let branch = values["branch_id"] ?? ""
            if !branch.isEmpty, try await Branch.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: branch) ?? UUID())).first() == nil {
                v.add("branch_id", "is not a branch you can use")
            }
            data["branch_id"] = branch
        case "address":
            text("line1", required: true, max: 200)
            text("line2", required: false, max: 200)
            let area = values["area_id"] ?? ""
            if !area.isEmpty, try await Area.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: area) ?? UUID())).first() == nil {
                v.add("area_id", "is not an area of the organization")
            }
            data["area_id"] = area
        case "plan":
            let plan = values["plan_id"] ?? ""
            if try await Plan.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: plan) ?? UUID())).filter(\.$status == .active).first() == nil {
                v.add("plan_id", plan.isEmpty ? "is required" : "is not an active plan")
            }
            data["plan_id"] = plan
            let addons = (values["addon_ids"] ?? "").split(separator: ",").map(String.init).filter { !$0.isEmpty }
            let known = Set(try await Addon.scoped(to: ctx, on: db).filter(\.$status == .active).all().map { $0.id!.uuidString.lowercased() })
            if addons.contains(where: { !known.contains($0.lowercased()) }) { v.add("addon_ids", "names an add-on that is not active") }
            data["addon_ids"] = addons.joined(separator: ",")
        case "service":
            let raw = values["router_id"] ?? ""
            let router = try await Router.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: raw) ?? UUID())).filter(\.$status == .active).first()
            if router == nil { v.add("router_id", raw.isEmpty ? "is required" : "is not an active router you can see") }
            data["router_id"] = raw
            let service = values["service_type"] ?? "pppoe"
            if AccessService(rawValue: service) == nil { v.add("service_type", "must be pppoe or hotspot") }
            else if let router, !router.serviceTypes.contains(service) { v.add("service_type", "\(router.name) does not serve it") }
            data["service_type"] = service
            let username = values["username"]?.trimmingCharacters(in: .whitespaces) ?? ""
            if let problem = ServiceAccounts.usernameProblem(username) { v.add("username", problem) }
            else if let router, try await !ServiceAccounts.isUsernameFree(username, on: router, on: db) {
                v.add("username", "is already used on \(router.name)")
            }
            data["username"] = username
            let ip = values["static_ip"]?.trimmingCharacters(in: .whitespaces) ?? ""
            if !ip.isEmpty, !ServiceAccounts.isIPv4(ip) { v.add("static_ip", "must be an IPv4 address such as 10.20.0.15") }
            data["static_ip"] = ip
        default: break
        }
        draft.data = data
        draft.updatedAt = services.clock.now()
        if v.errors.isEmpty { draft.step = steps[index + 1] }
        try await draft.save(on: db)
        try v.check()
        return draft
    }

    /// Goes back to an earlier step (what was typed stays).
    public static func back(_ ctx: TenantContext, _ id: String?, to step: String, on db: any Database) async throws -> OnboardingDraft {
        let draft = try await find(ctx, id, on: db)
        guard let target = steps.firstIndex(of: step), let current = steps.firstIndex(of: draft.step), target <= current else {
            throw DomainError.invalid("step", "is not an earlier step")
        }
        draft.step = step
        try await draft.save(on: db)
        return draft
    }

    /// A username for the service step: the name's letters, free on the router.
    public static func suggestUsername(_ draft: OnboardingDraft, router: Router, on db: any Database) async throws -> String {
        try await ServiceAccounts.freeUsername(draft.data["display_name"] ?? "", on: router, on: db)
    }

    /// The first invoice's figures: the plan's period, recurring add-ons, one-time add-ons and the
    /// setup fee, with the taxes in force today.
    public static func review(_ ctx: TenantContext, _ draft: OnboardingDraft, services: PlatformServices, on db: any Database) async throws -> Review {
        let data = draft.data
        guard let plan = try await Plan.scoped(to: ctx, on: db).filter(\.$id == (UUID(uuidString: data["plan_id"] ?? "") ?? UUID())).first() else {
            throw DomainError.invalid("plan_id", "is required")
        }
        let ids = (data["addon_ids"] ?? "").split(separator: ",").compactMap { UUID(uuidString: String($0)) }
        let addons = ids.isEmpty ? [] : try await Addon.scoped(to: ctx, on: db).filter(\.$id ~~ ids).all()
        var lines: [(String, Money, TaxRule.Scope, Bool)] = [(plan.name, plan.priceMoney, .plans, plan.taxable)]
        if plan.setupFee > 0 { lines.append(("Setup fee", plan.setupFeeMoney, .fees, plan.taxable)) }
        for addon in addons { lines.append((addon.name, Money(minorUnits: addon.price, currency: addon.currency), .addons, addon.taxable)) }
        let today = LocalDate.today(services.clock.now(), in: ctx.timeZone)
        let rules = try await TaxRules.active(organizationID: ctx.organizationID, on: db).filter { $0.applies(on: today) }
        var net = Money(minorUnits: 0, currency: plan.currency), tax = net, total = net
        for (_, amount, scope, taxable) in lines {
            let rates = taxable ? rules.filter { $0.appliesTo.contains(scope) }.compactMap(\.rate) : []
            let result = Tax.apply(rates, to: amount)
            net = net + result.net
            total = total + result.gross
        }
        tax = total - net
        return Review(planName: plan.name, lines: lines.map { ($0.0, $0.1) }, net: net, tax: tax, total: total)
    }

    /// Creates everything; returns the new subscription and the account's password (shown once).
    public static func create(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> ServiceAccounts.Provisioned {
        let draft = try await find(ctx, id, on: db)
        guard draft.subscriptionID == nil else { throw DomainError.conflict("This onboarding is finished already.") }
        guard draft.step == "review" else { throw DomainError.invalid("step", "finish every step first") }
        let data = draft.data
        let customer: Customer
        if let leadID = draft.leadID {
            _ = try await Leads.update(ctx, leadID.uuidString, .init(name: data["display_name"], phones: [data["phone"] ?? ""], email: data["email"] ?? "",
                                                                    address: [data["line1"], data["line2"]].compactMap { $0.nonBlank }.joined(separator: ", "),
                                                                    areaID: data["area_id"] ?? ""), services: services, on: db)
            customer = try await Leads.convert(ctx, leadID.uuidString, .init(branchID: data["branch_id"].nonBlank), services: services, on: db).1
        } else {
            customer = try await Customers.create(ctx, .init(displayName: data["display_name"], phones: [data["phone"] ?? ""], email: data["email"].nonBlank,
                                                             branchID: data["branch_id"].nonBlank,
                                                             address: .init(line1: data["line1"], line2: data["line2"].nonBlank, areaID: data["area_id"].nonBlank)),
                                                  services: services, on: db)
        }
        let address = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$customerID == customer.id!).first()
        let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: data["plan_id"], serviceAddressID: address?.id?.uuidString,
                                                          activate: "true"), services: services, on: db)
        for addon in (data["addon_ids"] ?? "").split(separator: ",") {
            _ = try await Subscriptions.addAddon(ctx, s.id!.uuidString, addonID: String(addon), on: nil, preview: false, services: services, on: db)
        }
        let made = try await ServiceAccounts.provision(ctx, subscriptionID: s.id!.uuidString,
                                                       .init(routerID: data["router_id"], service: data["service_type"], username: data["username"],
                                                             staticIP: data["static_ip"].nonBlank),
                                                       services: services, on: db)
        draft.subscriptionID = s.id
        draft.updatedAt = services.clock.now()
        try await draft.save(on: db)
        return made
    }
}
