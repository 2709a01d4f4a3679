import AsyncHTTPClient
import CRM
import Fluent
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Jobs
import MeghnaCore
import MeghnaNetwork
import Notifications
import Platform
import Prometheus
import RouterOS
import SQLKit
import Vapor

/// What differs between production, demo and tests. Production and tests call the same `configure`.
public struct ConfigureOptions: Sendable {
    public var configuration: AppConfiguration
    public var clock: Clock
    public var hasher: PasswordHashing?
    public var secrets: SecretBox?
    public var transports: NotificationTransports?
    /// How the app reaches routers (tests give their own pool); nil: a pool on the app's event loops.
    public var routers: RouterLink?
    /// The package root, holding Public/ (stylesheet, script). Nil: the working directory.
    public var rootDirectory: String?

    public init(configuration: AppConfiguration, clock: Clock = .system, hasher: PasswordHashing? = nil, secrets: SecretBox? = nil,
                transports: NotificationTransports? = nil, routers: RouterLink? = nil, rootDirectory: String? = nil) {
        self.configuration = configuration
        self.clock = clock
        self.hasher = hasher
        self.secrets = secrets
        self.transports = transports
        self.routers = routers
        self.rootDirectory = rootDirectory
    }
}

/// Shared state of a running Meghna application.
public struct Meghna: Sendable {
    public var configuration: AppConfiguration
    public var services: PlatformServices
    public var registry: JobRegistry
    public var schedules: [ScheduledJob]
    public var metrics: Metrics
    public var transports: NotificationTransports
    /// One long-lived RouterOS session per router, shared by pages, the API and jobs.
    public var routers: RouterLink
    /// The names of every migration `configure` gave Fluent, in order.
    public var migrationNames: [String]
}

extension Application {
    struct MeghnaKey: StorageKey { typealias Value = Meghna }

    public var meghna: Meghna {
        get {
            guard let value = storage[MeghnaKey.self] else { fatalError("configure(_:) has not run") }
            return value
        }
        set { storage[MeghnaKey.self] = newValue }
    }
}

extension Request {
    public var meghna: Meghna { application.meghna }
    public var services: PlatformServices { application.meghna.services }
}

/// The one composition root.
public func configure(_ app: Application, _ options: ConfigureOptions) async throws {
    let config = options.configuration
    if let root = options.rootDirectory {
        app.directory = DirectoryConfiguration(workingDirectory: root)
    }

    // Every database counts its statements per request (`StatementCounter`).
    switch config.database {
    case .sqliteMemory:
        app.databases.use(CountingDatabaseConfiguration.wrapping(.sqlite(.memory, maxConnectionsPerEventLoop: 1)), as: .sqlite)
    case .sqliteFile(let path):
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        app.databases.use(CountingDatabaseConfiguration.wrapping(.sqlite(.file(path), maxConnectionsPerEventLoop: 1), sqliteFile: path), as: .sqlite)
    case .postgres(let url):
        // A request waits up to 30 s for a free connection (Vapor's 10 s failed a burst of
        // collectors on a loaded two-core machine while each waited its turn on one customer).
        app.databases.use(CountingDatabaseConfiguration.wrapping(try .postgres(url: url, maxConnectionsPerEventLoop: 4, connectionPoolTimeout: .seconds(30))),
                          as: .psql)
    }
    // One list: what Fluent runs is what /readyz checks.
    let migrations = AreaModules.all.flatMap(\.migrations)
    app.migrations.add(migrations)
    // Each migration's start and end at debug level; `prepareDatabase` logs one line with the count.
    app.fluent.migrationLogLevel = .debug

    app.routes.defaultMaxBodySize = "2mb"

    let secrets = try options.secrets ?? SecretBox.load(environment: config.environment,
                                                        keyFile: URL(fileURLWithPath: config.dataDirectory).appendingPathComponent("master.key"))
    let hasher = options.hasher ?? .bcrypt(threadPool: app.threadPool, cost: 12)
    let jobs = JobQueue(clock: options.clock)
    let outbox = OutboxClient { email, db in try await Outbox.queueEmail(email, jobs: jobs, secrets: secrets, on: db) }
    let baseURL = config.baseURL ?? "http://\(app.http.server.configuration.hostname):\(app.http.server.configuration.port)"
    var services = PlatformServices(clock: options.clock, hasher: hasher, secrets: secrets, outbox: outbox, baseURL: baseURL)
    services.resellerSubtree = { organizationID, resellerID, db in
        try await Resellers.subtree(organizationID: organizationID, resellerID: resellerID, on: db)
    }
    services.currencyInUse = { organizationID, db in
        for area in AreaModules.all {
            if let reason = try await area.currencyInUse(organizationID: organizationID, on: db) { return reason }
        }
        return nil
    }
    let transports = options.transports ?? .live(eventLoopGroup: app.eventLoopGroup, httpClient: app.http.client.shared)
    let routers = options.routers ?? RouterLink(pool: RouterOSPool(logger: Logger(label: "meghna.routeros")))
    app.lifecycle.use(RouterPoolLifecycle(pool: routers.pool))

    var registry = JobRegistry()
    let environment = AreaEnvironment(services: services, transports: transports, routers: routers, clock: options.clock)
    var schedules: [ScheduledJob] = []
    for area in AreaModules.all {
        area.registerJobs(into: &registry, environment)
        schedules += try area.schedules()
    }

    app.meghna = Meghna(configuration: config, services: services, registry: registry, schedules: schedules,
                        metrics: Metrics(), transports: transports, routers: routers, migrationNames: migrations.map(\.name))

    app.middleware = Middlewares()
    app.middleware.use(RequestContextMiddleware())
    app.middleware.use(SecurityHeadersMiddleware())
    app.middleware.use(ErrorRenderingMiddleware())
    app.middleware.use(FileMiddleware(publicDirectory: app.directory.publicDirectory))

    try routes(app)
    RequestContextMiddleware.describeRoutes(app.routes.all)
    Commands.register(on: app)
}

/// Closes the routers' sessions when the app stops.
struct RouterPoolLifecycle: LifecycleHandler {
    let pool: RouterOSPool

    func shutdownAsync(_ application: Application) async {
        await pool.shutdown()
    }
}

extension PasswordHashing {
    /// Tests pass a low cost; production uses 12.
    /// Bcrypt on the thread pool, off the event loops.
    public static func bcrypt(threadPool: NIOThreadPool, cost: Int) -> PasswordHashing {
        PasswordHashing(
            hash: { password in
                try await threadPool.runIfActive { try Bcrypt.hash(password, cost: cost) }
            },
            verify: { password, hash in
                try await threadPool.runIfActive { (try? Bcrypt.verify(password, created: hash)) ?? false }
            })
    }
}

extension NotificationTransports {
    static func live(eventLoopGroup: any EventLoopGroup, httpClient: HTTPClient) -> NotificationTransports {
        let smtp = SMTPClient(eventLoopGroup: eventLoopGroup)
        return NotificationTransports(
            sendEmail: { message, configuration in try await smtp.send(message, using: configuration) },
            sms: { spec in
                var request = HTTPClientRequest(url: spec.url)
                request.method = .RAW(value: spec.method)
                for (name, value) in spec.headers { request.headers.add(name: name, value: value) }
                if let body = spec.body { request.body = .bytes(ByteBuffer(bytes: body)) }
                let response = try await httpClient.execute(request, timeout: .seconds(20))
                let bytes = try await response.body.collect(upTo: 1 << 20)
                return HTTPResponseSpec(status: Int(response.status.code), body: Array(bytes.readableBytesView))
            })
    }
}

extension Application {
    /// Before serving: SQLite files switch to write-ahead logging (readers no longer block the
    /// writer, and commits are cheaper), then every migration runs.
    public func prepareDatabase() async throws {
        if case .sqliteFile = meghna.configuration.database {
            try await (db as! any SQLDatabase).raw("PRAGMA journal_mode=WAL").run()
            // One connection per event loop: wait up to 5 s for another connection's write
            // instead of failing at once with "database is locked". Each keeps 64 MB of pages
            // (SQLite's default is 2 MB, which made an invoice run over 100,000 subscriptions
            // read the same index pages from disk again and again), reads the first 64 MB of the
            // file through a memory map (each connection maps the file apart and its mapped
            // pages count in the process's memory: with 256 MB and an invoice run reading on a
            // second connection the run peaked at 545 MB, above its 512 MB target, and ran no
            // faster), keeps statement journals in memory instead of temporary files, and lets the log
            // grow to 40 MB before copying it back (each page a chunk rewrites is copied once,
            // not once per chunk). Commits still sync the log (synchronous stays FULL: money).
            for loop in eventLoopGroup.makeIterator() {
                if let connection = databases.database(logger: logger, on: loop) as? any SQLDatabase {
                    for pragma in ["busy_timeout = 5000", "cache_size = -65536", "mmap_size = 67108864", "temp_store = MEMORY",
                                   "wal_autocheckpoint = 10000"] {
                        try await connection.raw("PRAGMA \(unsafeRaw: pragma)").run()
                    }
                }
            }
        }
        let pending = (try? await Health.pendingMigrations(self)) ?? meghna.migrationNames
        try await autoMigrate()
        logger.info("Database ready: \(pending.count) of \(meghna.migrationNames.count) migrations applied now")
        if case .sqliteFile = meghna.configuration.database {
            // Planner statistics for every table that lacks them or has grown or shrunk tenfold
            // since (the 0x10000 bit looks at all tables, not only those this connection has
            // used, as SQLite advises when a connection opens). Without statistics the planner
            // took a tenant's index over a list of primary keys (`organization_id = ? AND id IN
            // (…)`) and read every row of the tenant: an invoice run read all 100,000
            // subscriptions for each chunk of 500. The statistics are whole, not sampled with
            // `analysis_limit`: a sample of the first rows of an index sees one organization
            // and cannot tell that most installations have only one, which misleads the same way.
            try await (db as! any SQLDatabase).raw("PRAGMA optimize = 0x10002").run()
            // The other event loops' connections were opened above and keep the statistics they
            // read then; `ANALYZE sqlite_schema` analyzes nothing and has each reload them.
            for loop in eventLoopGroup.makeIterator() {
                try await (databases.database(logger: logger, on: loop) as? any SQLDatabase)?.raw("ANALYZE sqlite_schema").run()
            }
        }
    }
}
