import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Vapor

/// The demo ISP of `meghna serve --demo`.
enum DemoData {
    static let staff: [(String, String, SystemRole)] = [
        ("admin@demo.test", "Arif Rahman", .superAdmin),
        ("branch@demo.test", "Nusrat Jahan", .branchAdmin),
        ("billing@demo.test", "Kamal Hossain", .billingOps),
        ("network@demo.test", "Tanvir Ahmed", .networkEngineer),
        ("support@demo.test", "Sadia Islam", .support),
    ]

    /// Seeds (or refreshes) the demo organization; returns the staff password.
    static func seed(_ app: Application) async throws -> String {
        let services = app.meghna.services
        let env = app.meghna.configuration.environment
        let password = env["MEGHNA_DEMO_PASSWORD"].flatMap { $0.isEmpty ? nil : $0 } ?? "demo-" + SecureToken.generate(bytes: 9)
        let problems = PasswordPolicy.problems(password: password, email: "admin@demo.test", name: nil)
        guard problems.isEmpty else { throw CommandFailure("MEGHNA_DEMO_PASSWORD is not acceptable: \(problems.joined(separator: " "))") }
        let hash = try await services.hasher.hash(password)
        let db = app.db
        let org: Organization
        if let existing = try await Organization.query(on: db).filter(\.$slug == "demo").first() {
            org = existing
        } else {
            org = try await Organizations.create(.init(name: "Demo ISP", slug: "demo"), services: services, on: db)
            for (name, code) in [("Dhaka North", "DHN"), ("Chattogram", "CTG")] {
                try await Branch(organizationID: org.id!, name: name, code: code).create(on: db)
            }
            _ = try await Organizations.create(.init(name: "Padma Net", slug: "padma-net"), services: services, on: db)
        }
        let roles = try await Role.inOrganization(org.id!, on: db).all()
        for (email, name, systemRole) in staff {
            let user = try await User.query(on: db).filter(\.$email == email).first()
                ?? User(organizationID: org.id!, roleID: roles.first { $0.key == systemRole.rawValue }!.id!, email: email, name: name)
            user.roleID = roles.first { $0.key == systemRole.rawValue }!.id!
            user.passwordHash = hash
            user.status = .active
            // The demo's admin runs the installation: the platform administrator (the other
            // organization, Padma Net, is there to switch to).
            user.platformAdmin = email == "admin@demo.test"
            user.emailVerifiedAt = user.emailVerifiedAt ?? services.clock.now()
            user.sessionEpoch += 1
            try await user.save(on: db)
        }
        let demo = DemoSeed(organization: org, roles: roles, passwordHash: hash, services: services)
        for area in AreaModules.all { try await area.seedDemo(demo, on: db) }
        return password
    }
}
