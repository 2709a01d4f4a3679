import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform

/// The CRM part of the demo ISP.
enum CRMDemo {
    /// Areas, resellers with sub-resellers, ~200 customers, leads in every pipeline status and a
    /// reseller's staff account (reseller@demo.test). Only on the first run.
    static func seed(_ org: Organization, roles: [Role], hash: String, services: PlatformServices, on db: any Database) async throws {
        let ctx = TenantContext.system("demo", organizationID: org.id!, timeZone: org.timeZone)
        guard try await Area.scoped(to: ctx, on: db).count() == 0 else { return }
        let now = services.clock.now()
        let areas = try await CRMSeeder.areas(ctx, zones: ["Dhaka North", "Dhaka South"], perZone: ["Mirpur", "Uttara", "Dhanmondi"], perArea: 2,
                                              services: services, on: db)
        let branches = try await Branch.scoped(to: ctx, on: db).sort(\.$createdAt).all()
        var resellers: [Reseller] = []
        for (name, contact, phone) in [("Mirpur Net Franchise", "Shakil Ahmed", "01711000001"), ("Uttara Link", "Rubel Hossain", "01811000002")] {
            let top = try await Resellers.create(ctx, .init(name: name, branchID: branches.first?.id?.uuidString, contactName: contact, phone: phone,
                                                            commissionRate: "12.5"), services: services, on: db)
            resellers.append(top)
            for building in ["Tower A Operator", "Tower B Operator"] {
                resellers.append(try await Resellers.create(ctx, .init(name: "\(name.split(separator: " ").first!) \(building)", parentID: top.id!.uuidString,
                                                                       commissionRate: "5"), services: services, on: db))
            }
        }
        try await CRMSeeder.customers(ctx, count: 200, branches: branches, areas: areas, resellers: resellers, chunk: 200, now: now, on: db)
        // The reseller's own staff: sees only Mirpur Net Franchise and its buildings.
        if let role = roles.first(where: { $0.key == SystemRole.reseller.rawValue }),
           try await User.query(on: db).filter(\.$email == "reseller@demo.test").first() == nil {
            let user = User(organizationID: org.id!, roleID: role.id!, email: "reseller@demo.test", name: "Shakil Ahmed", status: .active)
            user.passwordHash = hash
            user.emailVerifiedAt = now
            user.resellerID = resellers.first?.id
            try await user.save(on: db)
        }
        let support = try await User.query(on: db).filter(\.$email == "support@demo.test").first()
        let statuses: [(LeadStatus, String?)] = [(.new, nil), (.contacted, nil), (.qualified, nil), (.lost, "Chose another provider"), (.new, nil)]
        var rng = CRMSeeder.Generator(seed: 7)
        for i in 0..<30 {
            let (status, reason) = statuses[i % statuses.count]
            let followUp = Calendar(identifier: .gregorian).date(byAdding: .day, value: (i % 7) - 2, to: now).map { CalendarDate.today($0, in: org.timeZone) }
            let lead = try await Leads.create(ctx, .init(
                name: CRMSeeder.name(i, using: &rng), phones: [CRMSeeder.phone(900_000 + i)], address: "House \(i + 3), Road \(i % 12 + 1)",
                areaID: areas[i % areas.count].id!.uuidString, interest: ["Home 10 Mbps", "Home 20 Mbps", "Business 50 Mbps"][i % 3],
                source: Leads.sources[i % Leads.sources.count], tags: i % 4 == 0 ? ["fiber"] : [],
                assignedUserID: i % 2 == 0 ? support?.id?.uuidString : nil, nextFollowUpOn: followUp, status: status.rawValue, lostReason: reason,
                resellerID: i % 6 == 0 ? resellers.first?.id?.uuidString : nil), services: services, on: db)
            if i % 10 == 9 { _ = try await Leads.convert(ctx, lead.id!.uuidString, .init(), services: services, on: db) }
        }
    }
}
