import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import SQLKit
import Vapor

func routes(_ app: Application) throws {
    let api = APIRouter(app: app)
    for area in AreaModules.all { area.registerAPI(api) }
    let operations = api.operations
    api.open.get("openapi.json") { req -> Response in
        let document = OpenAPIDocument.build(operations, serverURL: req.services.baseURL)
        let data = try JSONSerialization.data(withJSONObject: document, options: [.sortedKeys, .prettyPrinted])
        var headers = HTTPHeaders()
        headers.contentType = .json
        return Response(status: .ok, headers: headers, body: .init(data: data))
    }
    app.storage[APIOperationsKey.self] = operations + [APIOperation(method: .GET, path: "/openapi.json", summary: "This document", tag: "meta",
                                                                    authenticated: false)]
    try Health.register(app)
    try Pages.register(app)
}

struct APIOperationsKey: StorageKey { typealias Value = [APIOperation] }

extension Application {
    /// Every documented `/api/v1` operation (tests walk it).
    var apiOperations: [APIOperation] { storage[APIOperationsKey.self] ?? [] }
}

/// `/healthz`, `/readyz` and `/metrics`.
enum Health {
    static func register(_ app: Application) throws {
        app.get("healthz") { _ in ["status": "ok"] }
        app.get("readyz") { req async -> Response in
            var checks: [String: String] = [:]
            var ok = true
            do {
                let sql = req.db as! any SQLDatabase
                _ = try await sql.raw("SELECT 1 AS one").all()
                checks["database"] = "ok"
                let pending = try await pendingMigrations(req.application)
                checks["migrations"] = pending.isEmpty ? "ok" : "pending: \(pending.joined(separator: ", "))"
                if !pending.isEmpty { ok = false }
                let now = req.services.clock.now()
                let workers = try await JobStats.workers(freshSince: now.addingTimeInterval(-90), on: req.db)
                checks["worker"] = workers.isEmpty ? "no worker heartbeat in the last 90 s" : "ok (\(workers.count))"
                if workers.isEmpty { ok = false }
            } catch {
                checks["database"] = "unreachable: \(error)"
                ok = false
            }
            let response = Response(status: ok ? .ok : .serviceUnavailable)
            try? response.content.encode(["status": ok ? "ready" : "not ready"].merging(checks) { a, _ in a }, as: .json)
            return response
        }
        app.get("metrics") { req async throws -> Response in
            if let expected = req.meghna.configuration.environment["MEGHNA_METRICS_TOKEN"], !expected.isEmpty {
                guard let given = req.headers.bearerAuthorization?.token, SecureToken.constantTimeEquals(given, expected) else {
                    throw DomainError.unauthorized("Send the MEGHNA_METRICS_TOKEN as a bearer token to read metrics.")
                }
            } else if !isLoopback(req.clientIP) {
                // Job counts and queue names are not for the internet: without a token, only a
                // scraper on this machine may read them.
                throw DomainError.forbidden("Metrics are open only to this machine. Set MEGHNA_METRICS_TOKEN to scrape them from elsewhere.")
            }
            let metrics = req.meghna.metrics
            let now = req.services.clock.now()
            for count in try await JobStats.counts(on: req.db) {
                metrics.setGauge("jobs", help: "Jobs by queue and state", Double(count.count), labels: [("queue", count.queue), ("state", count.state)])
            }
            for (queue, lag) in try await JobStats.lag(now: now, on: req.db) {
                metrics.setGauge("job_queue_lag", unit: "seconds", help: "Age of the oldest ready job per queue", lag, labels: [("queue", queue)])
            }
            metrics.setGauge("job_workers", help: "Workers with a heartbeat in the last 90 seconds", Double(try await JobStats.workers(freshSince: now.addingTimeInterval(-90), on: req.db).count))
            metrics.setGauge("db_pool_connections", help: "Database connections allowed per event loop", Double(req.meghna.configuration.database.poolSize))
            var headers = HTTPHeaders()
            headers.contentType = HTTPMediaType(type: "text", subType: "plain", parameters: ["version": "0.0.4", "charset": "utf-8"])
            return Response(status: .ok, headers: headers, body: .init(string: metrics.render()))
        }
    }

    static func isLoopback(_ address: String) -> Bool {
        address == "::1" || address.hasPrefix("127.") || address.hasPrefix("::ffff:127.")
    }

    static func pendingMigrations(_ app: Application) async throws -> [String] {
        let sql = app.db as! any SQLDatabase
        let rows = try await sql.raw("SELECT name FROM _fluent_migrations").all()
        let applied = Set(try rows.map { try $0.decode(column: "name", as: String.self) })
        return app.meghna.migrationNames.filter { !applied.contains($0) }
    }
}

extension AppConfiguration.DatabaseLocation {
    var poolSize: Int {
        switch self {
        case .postgres: 4
        default: 1
        }
    }
}
