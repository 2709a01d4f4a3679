import AsyncHTTPClient
import CRM
import Foundation
import MeghnaCore
import NIOCore
import NIOPosix
import Platform
import SQLKit
import Vapor

/// `meghna web benchmark`: seeds (or reuses) the benchmark organization, starts this binary's
/// `serve --no-worker` as a child process on a free port, signs in through the login form, takes
/// an API token, and drives four workloads over HTTP with C concurrent connections for T seconds
/// each. Per workload: requests per second, p50/p99 latency, the server's CPU time per request
/// (from /proc, the child process only, so the load generator's own work is not counted), on
/// PostgreSQL also the database server's CPU time per request when it runs here, SQL
/// statements per request (the `X-SQL-Statements` header) and the server's peak memory.
struct WebBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "customers", help: "Customers in the benchmark organization (default 10000)") var customers: Int?
        @Option(name: "concurrency", help: "Concurrent connections (default 8)") var concurrency: Int?
        @Option(name: "seconds", help: "Seconds per workload (default 10)") var seconds: Int?
        @Option(name: "only", help: "Comma-separated workloads: list, common, phone, api, health (default all but health, the HTTP floor)") var only: String?
    }

    var help: String { "Measures pages and the API over HTTP: req/s, p50/p99, CPU ms and SQL statements per request" }

    struct Workload {
        var key: String
        var name: String
        var path: @Sendable (Int) -> String
        var api: Bool
    }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        let target = signature.customers ?? 10_000
        let concurrency = signature.concurrency ?? 8
        let seconds = signature.seconds ?? 10
        guard (100...2_000_000).contains(target) else { throw CommandFailure("--customers must be between 100 and 2000000.") }
        guard (1...256).contains(concurrency) else { throw CommandFailure("--concurrency must be between 1 and 256.") }
        guard (1...600).contains(seconds) else { throw CommandFailure("--seconds must be between 1 and 600.") }
        let keys = ["list", "common", "phone", "api", "health"]
        let only = signature.only.map { Set($0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }) } ?? Set(keys.dropLast())
        if let unknown = only.subtracting(keys).sorted().first {
            throw CommandFailure("--only: \"\(unknown)\" is not a workload; choose from \(keys.joined(separator: ", ")).")
        }
        try await app.prepareDatabase()
        let bench = try await BenchmarkOrganization.prepare(app, customers: target, console: context.console)
        let total = try await Customer.scoped(to: bench.context, on: app.db).count()
        let (email, password) = try await bench.staff(app)
        try await Self.renderBenchmark(bench, app: app, console: context.console)

        let port = try await Self.freePort()
        let server = try ChildServer.start(port: port)
        defer { server.stop() }
        let base = "http://127.0.0.1:\(port)"
        var configuration = HTTPClient.Configuration(redirectConfiguration: .disallow, timeout: .init(connect: .seconds(5), read: .seconds(60)))
        configuration.connectionPool = .init(idleTimeout: .seconds(60), concurrentHTTP1ConnectionsPerHostSoftLimit: concurrency)
        let client = HTTPClient(eventLoopGroup: MultiThreadedEventLoopGroup.singleton, configuration: configuration)
        do {
            try await Self.waitUntilUp(client, base: base, server: server)
            let cookie = try await Self.signIn(client, base: base, email: email, password: password)
            let token = try await Self.apiToken(client, base: base, email: email, password: password)
            // A word many customers share (a common first name) and real phone numbers.
            let common = CRMSeeder.firstNames[3]
            let workloads = [
                Workload(key: "list", name: "customer list", path: { _ in "/customers" }, api: false),
                Workload(key: "common", name: "search, common word", path: { _ in "/customers?q=\(common)" }, api: false),
                Workload(key: "phone", name: "search, phone", path: { i in "/customers?q=\(CRMSeeder.phone((i &* 7919) % total))" }, api: false),
                Workload(key: "api", name: "API list", path: { _ in "/api/v1/customers" }, api: true),
                // Not in the default set: the HTTP floor (no session, no SQL) for reading the others.
                Workload(key: "health", name: "health (floor)", path: { _ in "/healthz" }, api: false),
            ].filter { only.contains($0.key) }
            context.console.print("\(bench.databaseName), \(total) customers, \(concurrency) connections, \(seconds) s per workload "
                                  + "(server: this binary, pid \(server.pid))")
            // "DB CPU": PostgreSQL's server processes for this database on this machine (SQLite
            // runs inside the server, so its work is already in "CPU").
            context.console.print("workload               req/s     p50 ms   p99 ms   CPU ms/req  DB CPU ms  SQL/req  errors")
            var failed = 0
            for workload in workloads {
                let headers: [(String, String)] = workload.api ? [("Authorization", "Bearer \(token)")] : [("Cookie", cookie)]
                // A short warm-up fills caches and connections before the timed run.
                _ = try await Self.drive(client, base: base, workload: workload, headers: headers, concurrency: concurrency, duration: .seconds(1))
                let backends = try await Self.databaseBackends(app)
                let cpuBefore = try server.cpuSeconds()
                let databaseBefore = backends.compactMap(ChildServer.cpuSeconds(pid:)).reduce(0, +)
                let result = try await Self.drive(client, base: base, workload: workload, headers: headers, concurrency: concurrency,
                                                  duration: .seconds(seconds))
                let cpu = try server.cpuSeconds() - cpuBefore
                let databaseCPU = backends.compactMap(ChildServer.cpuSeconds(pid:)).reduce(0, +) - databaseBefore
                let n = max(result.latencies.count, 1)
                let database = backends.isEmpty ? "         -" : String(format: "%10.2f", databaseCPU * 1000 / Double(n))
                let line = workload.name.padding(toLength: 20, withPad: " ", startingAt: 0)
                    + String(format: " %8.1f  %8.2f %8.2f  %10.2f  ", Double(result.latencies.count) / result.seconds,
                             percentile(result.latencies, 50), percentile(result.latencies, 99), cpu * 1000 / Double(n))
                    + database + String(format: "  %7.1f  %6d", Double(result.statements) / Double(n), result.errors)
                context.console.print(line)
                failed += result.errors
            }
            context.console.print("server peak memory: \(server.peakMemoryKB() / 1024) MB")
            if failed > 0 { throw CommandFailure("\(failed) requests did not answer 200 OK; the figures above are not to be trusted.") }
        } catch {
            try? await client.shutdown()
            throw error
        }
        try await client.shutdown()
    }

    /// The PostgreSQL backends serving this database when they run on this machine (their
    /// /proc entries are readable), so their CPU time counts with the server's; none for SQLite.
    static func databaseBackends(_ app: Application) async throws -> [Int32] {
        guard case .postgres = app.meghna.configuration.database else { return [] }
        let rows = try await (app.db as! any SQLDatabase).raw("SELECT pid FROM pg_stat_activity WHERE datname = current_database()").all()
        return try rows.map { try $0.decode(column: "pid", as: Int32.self) }.filter { ChildServer.cpuSeconds(pid: $0) != nil }
    }

    /// Rendering alone, in this process: the 50-row customer list page (layout, filters, rows)
    /// written repeatedly from rows read once.
    static func renderBenchmark(_ bench: BenchmarkOrganization, app: Application, console: any Console) async throws {
        let ctx = bench.context
        let page = try await CustomerDirectory.search(ctx, .init(), page: try CursorRequest(limit: 50), on: app.db)
        let known = try await CustomerDirectory.choices(ctx, on: app.db)
        let model = CustomerListPage.Model(rows: page.items, nextCursor: page.nextCursor, filter: .init(),
                                           branches: Choice.list(known.branches, selected: nil, blank: "Any branch"),
                                           areas: Choice.list(known.areas, selected: nil, blank: "Any area"),
                                           resellers: Choice.list(known.resellers, selected: nil, blank: "Any reseller"),
                                           canWrite: true, showBranch: known.branches.count > 1, error: nil)
        let nav = AreaModules.all.flatMap(\.navigation).map { PageContext.NavItem(group: $0.group.title, label: $0.label, href: $0.link, active: false) }
        let chrome = PageContext(title: "Customers", csrf: SecureToken.generate(), flash: nil, flashKind: nil, userName: "Benchmark Staff",
                                 userEmail: "benchmark@crm-benchmark.test", roleName: "Super admin", organizationName: "CRM Benchmark",
                                 crossing: false, nav: nav, organizations: [], canSwitch: false, branches: [], allBranches: true, canSwitchBranch: false)
        // As many renders as fit in half a second (at least 20, at most 5,000): enough for a
        // steady figure on a release build without making a debug build's run long.
        var bytes = 0
        var rounds = 0
        let started = ContinuousClock.now
        while rounds < 5000, rounds < 20 || ContinuousClock.now - started < .milliseconds(500) {
            var html = HTML()
            CustomerListPage.render(model, page: chrome, into: &html)
            bytes = html.buffer.readableBytes
            rounds += 1
        }
        let perPage = milliseconds(ContinuousClock.now - started) / Double(rounds)
        console.print(String(format: "render: customer list, %d rows, %.1f KB: %.3f ms per page (%d renders, one thread)",
                             page.items.count, Double(bytes) / 1024, perPage, rounds))
    }

    struct RunResult {
        var latencies: [Double] = []
        var statements = 0
        var errors = 0
        var seconds = 0.0
    }

    static func drive(_ client: HTTPClient, base: String, workload: Workload, headers: [(String, String)], concurrency: Int,
                      duration: Duration) async throws -> RunResult {
        let started = ContinuousClock.now
        let deadline = started + duration
        var result = RunResult()
        try await withThrowingTaskGroup(of: RunResult.self) { group in
            for worker in 0..<concurrency {
                group.addTask {
                    var mine = RunResult()
                    var i = worker
                    while ContinuousClock.now < deadline {
                        var request = HTTPClientRequest(url: base + workload.path(i))
                        for (name, value) in headers { request.headers.add(name: name, value: value) }
                        let start = ContinuousClock.now
                        let response = try await client.execute(request, timeout: .seconds(60))
                        _ = try await response.body.collect(upTo: 16 << 20)
                        mine.latencies.append(milliseconds(ContinuousClock.now - start))
                        if response.status != .ok { mine.errors += 1 }
                        mine.statements += Int(response.headers.first(name: "X-SQL-Statements") ?? "") ?? 0
                        i += concurrency
                    }
                    return mine
                }
            }
            for try await part in group {
                result.latencies += part.latencies
                result.statements += part.statements
                result.errors += part.errors
            }
        }
        result.seconds = milliseconds(ContinuousClock.now - started) / 1000
        return result
    }

    static func waitUntilUp(_ client: HTTPClient, base: String, server: ChildServer) async throws {
        for _ in 0..<600 {
            if !server.isRunning { throw CommandFailure("The server process ended before answering; run `meghna serve` to see why.") }
            if let response = try? await client.execute(HTTPClientRequest(url: base + "/healthz"), timeout: .seconds(2)), response.status == .ok {
                return
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        throw CommandFailure("The server did not answer /healthz within 60 s.")
    }

    /// Signs in through the login form, as a browser does, and returns the session cookie.
    static func signIn(_ client: HTTPClient, base: String, email: String, password: String) async throws -> String {
        let form = try await client.execute(HTTPClientRequest(url: base + "/login"), timeout: .seconds(10))
        let html = String(buffer: try await form.body.collect(upTo: 1 << 20))
        guard let csrfCookie = form.headers["Set-Cookie"].compactMap({ cookieValue($0, named: "meghna_csrf") }).first,
              let field = html.range(of: "name=\"_csrf\" value=\""),
              let end = html[field.upperBound...].firstIndex(of: "\"")
        else { throw CommandFailure("The login page did not carry a form token.") }
        let token = String(html[field.upperBound..<end])
        var request = HTTPClientRequest(url: base + "/login")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
        request.headers.add(name: "Cookie", value: "meghna_csrf=\(csrfCookie)")
        let body = [("_csrf", token), ("email", email), ("password", password)]
            .map { "\($0.0)=\($0.1.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "")" }.joined(separator: "&")
        request.body = .bytes(ByteBuffer(string: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        guard let session = response.headers["Set-Cookie"].compactMap({ cookieValue($0, named: "meghna_session") }).first, !session.isEmpty else {
            throw CommandFailure("Signing in as \(email) failed (HTTP \(response.status.code)).")
        }
        return "meghna_session=\(session); meghna_csrf=\(csrfCookie)"
    }

    static func apiToken(_ client: HTTPClient, base: String, email: String, password: String) async throws -> String {
        var request = HTTPClientRequest(url: base + "/api/v1/auth/tokens")
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        let body = try JSONSerialization.data(withJSONObject: ["email": email, "password": password, "name": "web benchmark",
                                                               "abilities": ["customers.read"]])
        request.body = .bytes(ByteBuffer(bytes: body))
        let response = try await client.execute(request, timeout: .seconds(30))
        let data = Data(buffer: try await response.body.collect(upTo: 1 << 20))
        guard response.status == .created, let object = try JSONSerialization.jsonObject(with: data) as? [String: Any],
              let token = object["token"] as? String
        else { throw CommandFailure("Creating an API token failed (HTTP \(response.status.code)).") }
        return token
    }

    static func cookieValue(_ header: String, named name: String) -> String? {
        guard header.hasPrefix(name + "=") else { return nil }
        return String(header.dropFirst(name.count + 1).prefix { $0 != ";" })
    }

    /// A port the kernel has just handed out and released.
    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        guard port > 0 else { throw CommandFailure("No free port to run the server on.") }
        return port
    }
}

/// This binary's `serve --no-worker`, run as a child process on the same database.
final class ChildServer: @unchecked Sendable {
    let process: Process
    var pid: Int32 { process.processIdentifier }
    var isRunning: Bool { process.isRunning }

    private init(process: Process) { self.process = process }

    static func start(port: Int) throws -> ChildServer {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0])
        process.arguments = ["serve", "--no-worker", "--hostname", "127.0.0.1", "--port", String(port)]
        var environment = ProcessInfo.processInfo.environment
        environment["LOG_LEVEL"] = environment["LOG_LEVEL"] ?? "info"
        process.environment = environment
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        return ChildServer(process: process)
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }

    /// User plus system CPU time of the child so far (Linux /proc).
    func cpuSeconds() throws -> Double {
        guard let seconds = Self.cpuSeconds(pid: pid) else { throw CommandFailure("Cannot read the server's CPU time from /proc/\(pid)/stat.") }
        return seconds
    }

    /// User plus system CPU time of a process so far; nil when /proc does not show it.
    static func cpuSeconds(pid: Int32) -> Double? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")")
        else { return nil }
        // Fields after the command name: state is field 3, utime 14, stime 15.
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    func peakMemoryKB() -> Int { ProcessMemory.peakKB(pid: pid) }
}

private func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

private func percentile(_ values: [Double], _ p: Double) -> Double {
    guard !values.isEmpty else { return 0 }
    let sorted = values.sorted()
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
    return sorted[max(0, min(sorted.count - 1, rank))]
}
