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
            user.emailVerifiedAt = user.emailVerifiedAt ?? services.clock.now()
            user.sessionEpoch += 1
            try await user.save(on: db)
        }
        return password
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
