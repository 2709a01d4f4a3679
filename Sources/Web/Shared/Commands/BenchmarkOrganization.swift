import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import SQLKit
import Vapor

/// The organization the benchmarks share (`crm-benchmark`): seeded once with areas, resellers
/// and customers, reused by later runs, grown when a run asks for more customers.
struct BenchmarkOrganization {
    var organization: Organization
    var context: TenantContext
    var resellers: [Reseller]
    /// "SQLite" or "PostgreSQL".
    var databaseName: String

    static func prepare(_ app: Application, customers target: Int, console: any Console) async throws -> BenchmarkOrganization {
        let services = app.meghna.services
        let db = app.db
        let org: Organization
        if let existing = try await Organization.query(on: db).filter(\.$slug == "crm-benchmark").first() {
            org = existing
        } else {
            org = try await Organizations.create(.init(name: "CRM Benchmark", slug: "crm-benchmark"), services: services, on: db)
        }
        let ctx = TenantContext.system("benchmark", organizationID: org.id!)
        var areas = try await Area.scoped(to: ctx, on: db).all()
        if areas.isEmpty {
            areas = try await CRMSeeder.areas(ctx, zones: ["Dhaka North", "Dhaka South", "Gazipur", "Narayanganj", "Savar"],
                                              perZone: ["Mirpur", "Uttara", "Badda", "Mohammadpur", "Dhanmondi", "Banani", "Rampura", "Khilgaon"],
                                              perArea: 5, services: services, on: db)
        }
        var resellers = try await Reseller.scoped(to: ctx, on: db).all()
        if resellers.isEmpty {
            for i in 1...12 {
                let top = try await Resellers.create(ctx, .init(name: "Franchise \(i)", commissionRate: "10"), services: services, on: db)
                resellers.append(top)
                resellers.append(try await Resellers.create(ctx, .init(name: "Building Operator \(i)", parentID: top.id!.uuidString),
                                                            services: services, on: db))
            }
        }
        let branches = try await Branch.scoped(to: ctx, on: db).all()
        let have = try await Customer.scoped(to: ctx, on: db).count()
        let database = if case .postgres = app.meghna.configuration.database { "PostgreSQL" } else { "SQLite" }
        if have < target {
            console.print("\(database): seeding \(target - have) customers (\(have) already there)…")
            let started = ContinuousClock.now
            try await CRMSeeder.customers(ctx, count: target - have, from: have, branches: branches, areas: areas, resellers: resellers,
                                          now: services.clock.now(), on: db) { done in
                if done % 20_000 == 0 { console.print("  \(done) written") }
            }
            let elapsed = ContinuousClock.now - started
            console.print("  seeded in \(elapsed.components.seconds) s")
            try await Self.refreshStatistics(on: db)
        }
        return BenchmarkOrganization(organization: org, context: ctx, resellers: resellers, databaseName: database)
    }

    /// A super admin of the benchmark organization with a new random password (set at every
    /// run, so nothing secret is kept between runs).
    func staff(_ app: Application) async throws -> (email: String, password: String) {
        let email = "benchmark@crm-benchmark.test"
        let password = SecureToken.generate()
        let services = app.meghna.services
        if let user = try await User.query(on: app.db).filter(\.$email == email).first() {
            user.passwordHash = try await services.hasher.hash(password)
            user.status = .active
            try await user.save(on: app.db)
        } else {
            _ = try await Setup.createAdmin(.init(organizationName: organization.name, adminName: "Benchmark Staff", email: email, password: password),
                                            onlyOnFirstRun: false, services: services, on: app.db)
        }
        return (email, password)
    }
}

extension BenchmarkOrganization {
    /// Fresh planner statistics after seeding, as a maintained database has them (SQLite:
    /// `PRAGMA optimize` at every start and in the nightly maintenance job; PostgreSQL:
    /// autovacuum, which also sets the visibility map that index-only scans rely on). The CRM,
    /// web and billing benchmarks' seeds end with it.
    static func refreshStatistics(on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw(sql.dialect.name == "postgresql" ? "VACUUM (ANALYZE)" : "ANALYZE").run()
    }
}
