import CRM
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
        let roles = try await Role.query(on: db).filter(\.$organizationID == org.id!).all()
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

    /// Areas, resellers with sub-resellers, ~200 customers, leads in every pipeline status and a
    /// reseller's staff account (reseller@demo.test). Only on the first run.
    static func seedCRM(_ org: Organization, roles: [Role], hash: String, services: PlatformServices, on db: any Database) async throws {
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

/// `meghna jobs benchmark`: how many jobs per second a worker claims and completes here.
struct JobsBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "jobs", help: "Number of jobs (default 5000)") var jobs: Int?
        @Option(name: "concurrency", help: "Jobs claimed per batch (default 8)") var concurrency: Int?
    }

    var help: String { "Measures job throughput (enqueue, claim, run, complete) on the configured database" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareDatabase()
        let count = signature.jobs ?? 5000
        guard (1...1_000_000).contains(count) else { throw CommandFailure("--jobs must be between 1 and 1000000.") }
        var registry = JobRegistry()
        registry.register("benchmark.noop") { _ in }
        let queue = JobQueue()
        let started = ContinuousClock.now
        for index in 0..<count {
            try await queue.enqueue("benchmark.noop", payload: ["i": index], queue: "benchmark", on: app.db)
        }
        let enqueued = ContinuousClock.now
        let worker = JobWorker(db: app.db, registry: registry,
                               configuration: .init(queues: ["benchmark"], concurrency: signature.concurrency ?? 8), logger: app.logger)
        let ran = try await worker.drain()
        let finished = ContinuousClock.now
        func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }
        let database = switch app.meghna.configuration.database {
        case .postgres: "PostgreSQL"
        default: "SQLite"
        }
        context.console.print(String(format: "%@: enqueued %d jobs in %.2f s (%.0f/s); claimed and completed %d in %.2f s (%.0f jobs/s)",
                                     database, count, seconds(enqueued - started), Double(count) / seconds(enqueued - started), ran,
                                     seconds(finished - enqueued), Double(ran) / seconds(finished - enqueued)))
        try await JobRecord.query(on: app.db).filter(\.$queue == "benchmark").delete()
    }
}
