import Billing
import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import RouterOSSim
import SQLKit
import Vapor

/// `meghna provisioning benchmark [--subscriptions N] [--latency-ms 20]`: N PPPoE subscriptions
/// on one simulated router with injected round-trip latency. Times the first full push, a
/// reconcile with nothing to change, and one after 1 % of the secrets were edited by hand
/// (corrected), and counts the commands each sent. Targets for 10,000 at 20 ms: 60 s, 5 s, 8 s.
struct ProvisioningBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "subscriptions", help: "Subscriptions on the router (default 10000)") var subscriptions: Int?
        @Option(name: "latency-ms", help: "Injected round trip per command in milliseconds (default 20)") var latency: Int?
    }

    var help: String { "Times a full push, a reconcile without drift and one with 1 % drift on a simulated router" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let target = signature.subscriptions ?? 10_000
        guard (10...200_000).contains(target) else { throw CommandFailure("--subscriptions must be between 10 and 200000.") }
        let latency = signature.latency ?? 20
        guard (0...1_000).contains(latency) else { throw CommandFailure("--latency-ms must be between 0 and 1000.") }
        let app = context.application
        let console = context.console
        try await app.prepareDatabase()
        let (db, services, link) = (app.db, app.meghna.services, app.meghna.routers)
        let database = if case .postgres = app.meghna.configuration.database { "PostgreSQL" } else { "SQLite" }
        let org: Organization
        if let existing = try await Organization.query(on: db).filter(\.$slug == "provisioning-benchmark").first() {
            org = existing
        } else {
            org = try await Organizations.create(.init(name: "Provisioning Benchmark", slug: "provisioning-benchmark"), services: services, on: db)
        }
        let ctx = TenantContext.system("benchmark", organizationID: org.id!, timeZone: org.timeZone)
        _ = try await BillingBenchmarkSeed.seed(ctx, subscriptions: target, services: services, console: console, on: db)
        let password = SecureToken.generate(bytes: 12)
        let sim = try await RouterOSSimulator.start(.init(username: "meghna", password: password, identity: "bench-router"))
        do {
            let router = try await prepareRouter(ctx, port: sim.port, password: password, services: services, on: db)
            try await reset(org.id!, router: router.id!, on: db)
            let accounts = try await seedAccounts(ctx, router: router, count: target, services: services, on: db)
            console.print("\(database): \(accounts) PPPoE subscriptions on one simulated router, \(latency) ms injected per command")
            sim.setLatency(.milliseconds(latency))
            var results: [(String, Double, Int, Double)] = []
            func timed(_ what: String, target: Double, drift: String? = nil) async throws -> Reconciler.Report {
                let before = sim.commandsReceived
                let started = ContinuousClock.now
                let report = try await Reconciler.run(router, options: .init(trigger: "manual", actor: .job("benchmark"), driftDecision: drift),
                                                      link: link, services: services, on: db)
                let seconds = (ContinuousClock.now - started).inSeconds
                let sent = sim.commandsReceived - before
                results.append((what, seconds, sent, target))
                console.print(String(format: "%@: %.2f s, %d commands (%d changes, %d refused or lost), target ≤ %.0f s", what, seconds, sent,
                                     report.commands, report.failures, target))
                return report
            }
            let push = try await timed("first full push", target: 60)
            guard push.failures == 0 else { throw CommandFailure("The first push left \(push.failures) commands undone: \(push.message ?? "").") }
            _ = try await timed("reconcile, no drift", target: 5)
            // 1 % edited by hand (not timed): a new password on every hundredth secret.
            let connection = try await RouterOSConnection.connect(to: try Routers.endpoint(router, services: services))
            sim.setLatency(.zero)
            let rows = try await connection.run(.print("/ppp/secret", proplist: [".id", "name"])).rows
            var edited = 0
            for (i, row) in rows.enumerated() where i % 100 == 0 {
                _ = try await connection.run(.set("/ppp/secret", id: row[".id"]!, [("password", "by-hand-\(i)")]))
                edited += 1
            }
            await connection.close()
            sim.setLatency(.milliseconds(latency))
            console.print("\(edited) secrets edited by hand")
            let drift = try await timed("reconcile, 1 % drift (corrected)", target: 8, drift: "correct")
            guard drift.plan.driftCount == edited, drift.failures == 0 else {
                throw CommandFailure("The drift run found \(drift.plan.driftCount) hand edits of \(edited) and left \(drift.failures) undone.")
            }
            let missed = results.filter { $0.1 > $0.3 }.map(\.0)
            console.print(missed.isEmpty ? "all three within target; peak memory \(ProcessMemory.peakKB() / 1024) MB"
                                         : "over target: \(missed.joined(separator: ", ")); peak memory \(ProcessMemory.peakKB() / 1024) MB")
            try await reset(org.id!, router: router.id!, on: db)
        } catch {
            await sim.stop()
            throw error
        }
        await sim.stop()
    }

    func prepareRouter(_ ctx: TenantContext, port: Int, password: String, services: PlatformServices, on db: any Database) async throws -> MeghnaNetwork.Router {
        var input = Routers.Input()
        (input.host, input.port, input.username, input.password, input.status) = ("127.0.0.1", String(port), "meghna", password, "disabled")
        if let router = try await MeghnaNetwork.Router.scoped(to: ctx, on: db).filter(\.$name == "Benchmark router").first() {
            return try await Routers.update(ctx, router.id!.uuidString, input, services: services, on: db)
        }
        input.name = "Benchmark router"
        input.branchID = try await Branch.scoped(to: ctx, on: db).first()?.id?.uuidString
        return try await Routers.create(ctx, input, services: services, on: db)
    }

    static let accountInsert = CellInsert("""
        INSERT INTO service_accounts (id, organization_id, subscription_id, customer_id, branch_id, reseller_id, router_id, service, username, password_sealed, \
        static_ip, caller_id, profile_override, label, sync_state, sync_message, synced_at, created_at, updated_at) 
        """, [.uuid, .uuid, .uuid, .uuid, .uuid, .uuid, .uuid, .text, .text, .text, .text, .text, .text, .text, .text, .text, .date, .date, .date])

    /// One PPPoE account per subscription, written in bulk (not timed).
    func seedAccounts(_ ctx: TenantContext, router: MeghnaNetwork.Router, count: Int, services: PlatformServices, on db: any Database) async throws -> Int {
        let subscriptions = try await Subscription.scoped(to: ctx, on: db).sort(\.$createdAt).limit(count).all()
        let now = services.clock.now()
        var rows: [[SQLCell]] = []
        for (i, s) in subscriptions.enumerated() {
            rows.append([.uuid(UUID.timeOrdered()), .uuid(ctx.organizationID), .uuid(s.id!), .uuid(s.customerID), .uuid(s.branchID), SQLCell(s.resellerID),
                         .uuid(router.id!), .text("pppoe"), .text(String(format: "b%06d", i + 1)),
                         .text(try services.secrets.seal(ServiceAccounts.generatePassword())), .null, .null, .null,
                         .text(ServiceAccounts.label(customerNumber: String(format: "B-%06d", i + 1), subscriptionID: s.id!)), .text("pending"), .null, .null,
                         .date(now), .date(now)])
        }
        let written = rows
        try await db.writeTransaction { tx in
            for statement in Self.accountInsert.batches(written, on: tx) { try await tx.run(statement) }
        }
        return written.count
    }

    /// Takes back what a run wrote (benchmark data only).
    func reset(_ org: UUID, router: UUID, on db: any Database) async throws {
        try await db.writeTransaction { tx in
            let sql = tx as! any SQLDatabase
            for table in ["service_accounts", "router_entries", "router_drift", "reconcile_runs", "router_commands"] {
                try await sql.raw("DELETE FROM \(ident: table) WHERE \(TenantSQL.organization(org))").run()
            }
            try await sql.raw("DELETE FROM activities WHERE \(TenantSQL.organization(org)) AND kind = 'router_command'").run()
        }
    }
}
