import Fluent
import Foundation
import Logging
import MeghnaCore
import Notifications
import Platform
import PostgresNIO
import Vapor
import VaporTesting
import Web

/// The package root, for Resources/ and Public/.
public let packageRoot: String = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .deletingLastPathComponent().path

/// Messages the app tried to send, captured instead of talking SMTP/SMS.
public final class SentMessages: @unchecked Sendable {
    private let lock = NSLock()
    private var _emails: [(EmailMessage, SMTPConfiguration)] = []
    private var _smsRequests: [HTTPRequestSpec] = []
    private var _smsReply = HTTPResponseSpec(status: 503, body: Array("no SMS provider in tests".utf8))
    public init() {}
    public var emails: [(EmailMessage, SMTPConfiguration)] { lock.withLock { _emails } }
    public var smsRequests: [HTTPRequestSpec] { lock.withLock { _smsRequests } }
    /// What the fake SMS provider answers (set it to the provider's documented reply).
    public var smsReply: HTTPResponseSpec {
        get { lock.withLock { _smsReply } }
        set { lock.withLock { _smsReply = newValue } }
    }
    func add(_ message: EmailMessage, _ config: SMTPConfiguration) { lock.withLock { _emails.append((message, config)) } }
    func sms(_ request: HTTPRequestSpec) -> HTTPResponseSpec {
        lock.withLock {
            _smsRequests.append(request)
            return _smsReply
        }
    }
}

/// One test's application: a fresh database (in-memory SQLite, or a new PostgreSQL database when
/// DATABASE_URL points at one), a manual clock and captured outgoing messages.
public struct TestApp: Sendable {
    public let app: Application
    public let clock: ManualClock
    public let sent: SentMessages

    public var db: any Database { app.db }
    public var services: PlatformServices { app.meghna.services }
}

public enum TestDatabase {
    /// The PostgreSQL server to use, when the suite runs against one.
    public static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["DATABASE_URL"], url.hasPrefix("postgres") else { return nil }
        return url
    }

    public static var isPostgres: Bool { postgresURL != nil }

    struct Parts {
        var host: String
        var port: Int
        var user: String
        var password: String?
        var database: String
    }

    static func parts(_ url: String) -> Parts {
        let u = URL(string: url)!
        return Parts(host: u.host ?? "127.0.0.1", port: u.port ?? 5432, user: u.user ?? "postgres", password: u.password,
                     database: String(u.path.dropFirst()))
    }

    static func admin(_ sql: String) async throws {
        let p = parts(postgresURL!)
        let config = PostgresConnection.Configuration(host: p.host, port: p.port, username: p.user, password: p.password, database: p.database,
                                                      tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: config, id: 1, logger: Logger(label: "test-admin"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "test-admin"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// Creates a throwaway database (a copy of `template` when given) and returns its URL.
    static func create(from template: String? = nil) async throws -> (url: String, name: String) {
        let name = "meghna_t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(20)
        try await admin("CREATE DATABASE \(name)" + (template.map { " TEMPLATE \($0)" } ?? ""))
        return (url(of: String(name)), String(name))
    }

    static func url(of database: String) -> String {
        var components = URLComponents(string: postgresURL!)!
        components.path = "/\(database)"
        return components.string!
    }

    static func exists(_ database: String) async throws -> Bool {
        let p = parts(postgresURL!)
        let config = PostgresConnection.Configuration(host: p.host, port: p.port, username: p.user, password: p.password, database: p.database,
                                                      tls: .disable)
        let connection = try await PostgresConnection.connect(configuration: config, id: 2, logger: Logger(label: "test-admin"))
        defer { Task { try? await connection.close() } }
        let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT 1 FROM pg_database WHERE datname = '\(database)'"),
                                              logger: Logger(label: "test-admin"))
        for try await _ in rows { return true }
        return false
    }

    static func drop(_ name: String) async {
        try? await admin("DROP DATABASE IF EXISTS \(name) WITH (FORCE)")
    }
}

/// Runs `body` with a configured, migrated application and shuts it down afterwards.
/// With `liveTransports`, email really goes out over SMTP (for tests against a real SMTP server).
public func withApp(environment: [String: String] = [:], liveTransports: Bool = false, _ body: (TestApp) async throws -> Void) async throws {
    let app = try await Application.make(.testing)
    app.logger.logLevel = ProcessInfo.processInfo.environment["LOG_LEVEL"].flatMap(Logger.Level.init(rawValue:)) ?? .warning
    let clock = ManualClock(Date(timeIntervalSince1970: (Date().timeIntervalSince1970 / 60).rounded(.down) * 60))
    let sent = SentMessages()
    var created: String?
    var file: String?
    do {
        // Every test starts from a copy of a database migrated once per run: PostgreSQL clones
        // a template database, SQLite copies a migrated file (in memory-backed /dev/shm when
        // there is one). Migrating for each test cost about 0.3 s of CPU per test.
        let location: AppConfiguration.DatabaseLocation
        if TestDatabase.isPostgres {
            let (url, name) = try await TestDatabase.create(from: try await TestTemplates.shared.postgres())
            created = name
            location = .postgres(url)
        } else {
            let path = TestTemplates.scratchDirectory + "/meghna-test-" + UUID().uuidString + ".sqlite"
            try FileManager.default.copyItem(atPath: try await TestTemplates.shared.sqlite(), toPath: path)
            file = path
            location = .sqliteFile(path)
        }
        var env = environment
        env["MEGHNA_MASTER_KEY"] = env["MEGHNA_MASTER_KEY"] ?? "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="
        let config = AppConfiguration(database: location, dataDirectory: NSTemporaryDirectory(), baseURL: "http://meghna.test",
                                      logFormat: .text, secureCookies: false, environment: env)
        let transports = NotificationTransports(
            sendEmail: { message, configuration in
                sent.add(message, configuration)
                return "250 OK (test)"
            },
            sms: { request in sent.sms(request) })
        try await configure(app, ConfigureOptions(configuration: config, clock: clock.clock,
                                                  hasher: .bcrypt(threadPool: app.threadPool, cost: 4), transports: liveTransports ? nil : transports,
                                                  rootDirectory: packageRoot + "/"))
        try await app.prepareDatabase()
        try await body(TestApp(app: app, clock: clock, sent: sent))
    } catch {
        try? await app.asyncShutdown()
        if let created { await TestDatabase.drop(created) }
        if let file { TestTemplates.remove(file) }
        throw error
    }
    try await app.asyncShutdown()
    if let created { await TestDatabase.drop(created) }
    if let file { TestTemplates.remove(file) }
}

/// The Python that runs the real peers (aiosmtpd, pyotp): `MEGHNA_PEER_PYTHON`, else the
/// `.venv-peers` that `scripts/peers.sh` creates in the package root.
public var peerPython: String {
    if let configured = ProcessInfo.processInfo.environment["MEGHNA_PEER_PYTHON"], !configured.isEmpty { return configured }
    return packageRoot + "/.venv-peers/bin/python"
}

extension TestApp {
    /// The text a message goes out with, one-time links included: what only its recipient reads
    /// (staff see `body`, with those links hidden).
    public func sentText(of message: OutboxMessage) throws -> String {
        try message.sealedBody.map { try services.secrets.open($0) } ?? message.body
    }

    /// The path of the first link in a message's sent text that contains `marker`.
    public func linkPath(in message: OutboxMessage, containing marker: String) throws -> String? {
        guard let line = try sentText(of: message).split(separator: "\n").first(where: { $0.contains(marker) }) else { return nil }
        return String(line.trimmingCharacters(in: .whitespaces).dropFirst("http://meghna.test".count))
    }
}

/// Databases migrated once per test run (per set of migrations), which each test copies.
public actor TestTemplates {
    public static let shared = TestTemplates()

    private var sqliteTask: Task<String, any Error>?
    private var postgresTask: Task<String, any Error>?

    /// Where per-test SQLite files go: memory-backed /dev/shm when the machine has it.
    static let scratchDirectory: String = {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory), isDirectory.boolValue { return "/dev/shm" }
        return NSTemporaryDirectory()
    }()

    /// Files an earlier run left behind (a crashed or killed run does not clean up).
    static func removeStale() {
        let hourAgo = Date().addingTimeInterval(-3600)
        for name in (try? FileManager.default.contentsOfDirectory(atPath: scratchDirectory)) ?? []
        where name.hasPrefix("meghna-template-") || name.hasPrefix("meghna-test-") {
            let path = scratchDirectory + "/" + name
            if let modified = (try? FileManager.default.attributesOfItem(atPath: path))?[.modificationDate] as? Date, modified < hourAgo {
                try? FileManager.default.removeItem(atPath: path)
            }
        }
    }

    static func remove(_ file: String) {
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: file + suffix) }
    }

    /// A migrated SQLite file for this run (built by the first test that asks).
    public func sqlite() async throws -> String {
        if let sqliteTask { return try await sqliteTask.value }
        let task = Task<String, any Error> {
            Self.removeStale()
            let path = Self.scratchDirectory + "/meghna-template-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString).sqlite"
            try await Self.migrate(.sqliteFile(path))
            // One file holds everything: fold the write-ahead log back in before copying.
            Self.remove(path + "-wal")
            Self.remove(path + "-shm")
            return path
        }
        sqliteTask = task
        return try await task.value
    }

    /// A migrated PostgreSQL template database named after its migrations, so a database left
    /// by an earlier run with the same migrations is reused and a changed list builds a new one.
    public func postgres() async throws -> String {
        if let postgresTask { return try await postgresTask.value }
        let task = Task<String, any Error> {
            let names = try await Self.migrationNames()
            let hash = SecureToken.sha256Hex(names.joined(separator: "\n")).prefix(16)
            let name = "meghna_tpl_" + hash
            if try await TestDatabase.exists(name) { return name }
            let building = "meghna_tplb_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(16)
            try await TestDatabase.admin("CREATE DATABASE \(building)")
            do {
                try await Self.migrate(.postgres(TestDatabase.url(of: String(building))))
                // Renamed only once complete: a template that exists is a whole one.
                try await TestDatabase.admin("ALTER DATABASE \(building) RENAME TO \(name)")
            } catch {
                await TestDatabase.drop(String(building))
                if try await TestDatabase.exists(name) { return name }  // another test process built it first
                throw error
            }
            return name
        }
        postgresTask = task
        return try await task.value
    }

    private static func configured(_ location: AppConfiguration.DatabaseLocation) async throws -> Application {
        let app = try await Application.make(.testing)
        app.logger.logLevel = .warning
        let config = AppConfiguration(database: location, dataDirectory: NSTemporaryDirectory(), baseURL: "http://meghna.test", logFormat: .text,
                                      secureCookies: false, environment: ["MEGHNA_MASTER_KEY": "MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY="])
        try await configure(app, ConfigureOptions(configuration: config, hasher: .bcrypt(threadPool: app.threadPool, cost: 4),
                                                  rootDirectory: packageRoot + "/"))
        return app
    }

    private static func migrate(_ location: AppConfiguration.DatabaseLocation) async throws {
        let app = try await configured(location)
        do { try await app.autoMigrate() } catch {
            try? await app.asyncShutdown()
            throw error
        }
        try await app.asyncShutdown()
    }

    private static func migrationNames() async throws -> [String] {
        let app = try await configured(.sqliteMemory)
        let names = app.meghna.migrationNames
        try await app.asyncShutdown()
        return names
    }
}

/// Runs a Debian tool the test relies on (qpdf, pdftotext), failing clearly when it is missing.
public func tool(_ path: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw MissingTool(message: "\(path) is missing: apt-get install qpdf poppler-utils (scripts/peers.sh does)")
    }
    let process = Process()
    process.executableURL = URL(fileURLWithPath: path)
    process.arguments = arguments
    let pipe = Pipe()
    process.standardOutput = pipe
    process.standardError = Pipe()
    try process.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: data, as: UTF8.self))
}

public struct MissingTool: Error, CustomStringConvertible {
    public var message: String
    public var description: String { message }
}
