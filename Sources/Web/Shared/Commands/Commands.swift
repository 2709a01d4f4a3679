import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Vapor

enum Commands {
    static func register(on app: Application) {
        app.asyncCommands.use(ServeMeghnaCommand(), as: "serve", isDefault: true)
        app.asyncCommands.use(WorkerCommand(), as: "worker")
        app.asyncCommands.use(MigrateMeghnaCommand(), as: "migrate")
        var user = AsyncCommands()
        user.use(CreateAdminCommand(), as: "create-admin")
        app.asyncCommands.use(user.group(help: "Manage staff accounts"), as: "user")
        for area in AreaModules.all { area.registerCommands(&app.asyncCommands) }
    }
}

/// Runs web, worker and scheduler in one process (the default), seeding demo data with --demo.
struct ServeMeghnaCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "hostname", short: "H", help: "Address to listen on (default 127.0.0.1)") var hostname: String?
        @Option(name: "port", short: "p", help: "Port (default 8080, or PORT)") var port: Int?
        @Flag(name: "demo", help: "Seed a demo ISP and print how to sign in") var demo: Bool
        @Flag(name: "no-worker", help: "Serve web only; run `meghna worker` separately") var noWorker: Bool
    }

    var help: String { "Starts Meghna: web, background worker and scheduler" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let env = app.meghna.configuration.environment
        let port: Int
        if let p = signature.port {
            port = p
        } else if let raw = env["PORT"], !raw.isEmpty {
            guard let p = Int(raw), (1...65_535).contains(p) else { throw CommandFailure("PORT must be a number between 1 and 65535, not \(raw).") }
            port = p
        } else {
            port = 8080
        }
        guard (1...65_535).contains(port) else { throw CommandFailure("--port must be between 1 and 65535.") }
        app.http.server.configuration.hostname = signature.hostname ?? "127.0.0.1"
        app.http.server.configuration.port = port
        if app.meghna.configuration.baseURL == nil {
            app.meghna.services.baseURL = "http://\(app.http.server.configuration.hostname):\(port)"
        }
        try await app.prepareDatabase()
        let base = app.meghna.services.baseURL
        var banner: String?
        if signature.demo {
            let password = try await DemoData.seed(app)
            let router = try await NetworkDemo.start(app, password: password)
            banner = """

            Meghna demo is ready at \(base)
              Sign in as admin@demo.test (platform administrator) with password: \(password)
              Other demo staff, same password: branch@demo.test, billing@demo.test, network@demo.test, support@demo.test,
              and reseller@demo.test (sees only the Mirpur Net Franchise customers)
              A simulated MikroTik router answers the RouterOS API at \(router.host):\(router.port) (user \(NetworkDemo.apiUser), the same password)
            """
        } else if try await Setup.isFirstRun(on: app.db) {
            banner = "No organization exists yet: open \(base)/setup to create the first one and its super admin."
        }
        if !signature.noWorker { Background.start(app) }
        var serve = context
        serve.input = CommandInput(arguments: ["serve"])
        // Starts listening and returns; the process then waits for a stop signal. The banner
        // comes after the server's own start-up lines, so it is the last thing on the screen.
        try await app.servers.asyncCommand.run(using: &serve)
        if let banner { context.console.print(banner) }
    }
}

/// A separate worker process (and scheduler) for larger installations.
struct WorkerCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "queues", help: "Comma-separated queues (default: all)") var queues: String?
        @Option(name: "concurrency", help: "Jobs at once (default 4)") var concurrency: Int?
    }

    var help: String { "Runs background jobs and the scheduler without the web server" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var configuration = JobWorker.Configuration()
        if let q = signature.queues {
            configuration.queues = q.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            guard !configuration.queues.isEmpty else { throw CommandFailure("--queues must name at least one queue.") }
        }
        if let c = signature.concurrency {
            guard (1...64).contains(c) else { throw CommandFailure("--concurrency must be between 1 and 64.") }
            configuration.concurrency = c
        }
        try await app.prepareDatabase()
        context.console.print("Worker started on queues \(configuration.queues.joined(separator: ", ")). Stop with Ctrl-C.")
        Background.start(app, configuration: configuration)
        // Run until SIGTERM or SIGINT, like `serve`; then the lifecycle handler stops the worker.
        let promise = app.eventLoopGroup.next().makePromise(of: Void.self)
        app.running = .start(using: promise)
        signal(SIGTERM, SIG_IGN)
        signal(SIGINT, SIG_IGN)
        let queue = DispatchQueue(label: "meghna.worker.signals")
        let sources = [SIGTERM, SIGINT].map { code in
            let source = DispatchSource.makeSignalSource(signal: code, queue: queue)
            source.setEventHandler { promise.succeed(()) }
            source.resume()
            return source
        }
        app.storage[SignalSourcesKey.self] = SignalSources(sources)
    }
}

struct MigrateMeghnaCommand: AsyncCommand {
    struct Signature: CommandSignature {}
    var help: String { "Applies database migrations" }

    func run(using context: CommandContext, signature: Signature) async throws {
        try await context.application.prepareDatabase()
        context.console.print("Database is up to date.")
    }
}

struct CreateAdminCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "email", help: "Email address") var email: String?
        @Option(name: "name", help: "Full name") var name: String?
        @Option(name: "organization", help: "Organization name (created when it does not exist)") var organization: String?
        @Option(name: "password", help: "Password (or MEGHNA_ADMIN_PASSWORD; asked when neither is given)") var password: String?
        @Flag(name: "platform-admin", help: "Also make them a platform administrator (may create and enter every organization)")
        var platformAdmin: Bool
    }

    var help: String { "Creates an organization's super admin (and the organization if needed); --platform-admin for the installation's operator" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        guard let email = signature.email, !email.isEmpty else { throw CommandFailure("--email is required.") }
        guard let organization = signature.organization, !organization.isEmpty else { throw CommandFailure("--organization is required.") }
        try await app.prepareDatabase()
        var password = signature.password ?? app.meghna.configuration.environment["MEGHNA_ADMIN_PASSWORD"]
        if password == nil || password!.isEmpty { password = context.console.ask("Password for \(email):", isSecure: true) }
        do {
            let (org, user) = try await Setup.createAdmin(.init(organizationName: organization, adminName: signature.name ?? email, email: email,
                                                                password: password), onlyOnFirstRun: false, platformAdmin: signature.platformAdmin,
                                                          services: app.meghna.services, on: app.db)
            let what = signature.platformAdmin ? "platform administrator and super admin" : "super admin"
            context.console.print("Created \(what) \(user.email) in \(org.name) (\(org.slug)).")
        } catch let error as DomainError {
            throw CommandFailure("Could not create the admin: \(error.description)")
        }
    }
}

/// Keeps the signal sources alive for the life of the process; Dispatch serialises their use.
final class SignalSources: @unchecked Sendable {
    let sources: [any DispatchSourceSignal]
    init(_ sources: [any DispatchSourceSignal]) { self.sources = sources }
}

struct SignalSourcesKey: StorageKey { typealias Value = SignalSources }

/// A sentence for the operator and a non-zero exit.
struct CommandFailure: Error, CustomStringConvertible, LocalizedError {
    var description: String
    init(_ description: String) { self.description = description }
    var errorDescription: String? { description }
}

/// The worker and scheduler tasks of a process, cancelled at shutdown.
enum Background {
    struct TasksKey: StorageKey { typealias Value = [Task<Void, Never>] }

    static func start(_ app: Application, configuration: JobWorker.Configuration = .init()) {
        let meghna = app.meghna
        let worker = JobWorker(db: app.db, registry: meghna.registry, configuration: configuration, clock: meghna.services.clock,
                               logger: app.logger)
        let scheduler = JobScheduler(db: app.db, schedules: meghna.schedules, clock: meghna.services.clock, logger: app.logger)
        let tasks = [Task { await worker.run() }, Task { await scheduler.run() }]
        app.storage[TasksKey.self] = tasks
        app.lifecycle.use(BackgroundShutdown())
    }

    struct BackgroundShutdown: LifecycleHandler {
        /// Stops claiming and waits for the loops to finish their current jobs.
        func shutdownAsync(_ application: Application) async {
            let tasks = application.storage[TasksKey.self] ?? []
            for task in tasks { task.cancel() }
            for task in tasks { await task.value }
        }
    }
}
