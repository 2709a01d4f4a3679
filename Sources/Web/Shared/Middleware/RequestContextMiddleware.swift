import Foundation
import MeghnaCore
import Vapor

/// Gives every request an id (honouring a sane incoming `X-Request-ID`), puts it and later the
/// organization and user ids into the log metadata, logs one line per request and records metrics.
struct RequestContextMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let incoming = request.headers.first(name: "X-Request-ID") ?? ""
        let valid = !incoming.isEmpty && incoming.count <= 100 && incoming.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "-_.:".contains($0)) }
        let requestID = valid ? incoming : UUID.random().lowercasedText
        request.logger[metadataKey: "request-id"] = nil
        request.logger[metadataKey: "request_id"] = .string(requestID)
        let started = ContinuousClock.now
        let statements = StatementCounter()
        let response = try await StatementCounter.$current.withValue(statements) { try await next.respond(to: request) }
        response.headers.replaceOrAdd(name: "X-Request-ID", value: requestID)
        if request.application.environment != .production {
            response.headers.replaceOrAdd(name: "X-SQL-Statements", value: String(statements.count))
        }
        let elapsed = ContinuousClock.now - started
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        let route = request.route.map(Self.description) ?? "unmatched"
        request.application.meghna.metrics.recordRequest(method: request.method.rawValue, route: route, status: Int(response.status.code),
                                                         seconds: seconds)
        if request.url.path != "/healthz" {
            request.logger.info("request", metadata: [
                "method": .string(request.method.rawValue), "path": .string(Self.loggedPath(request)), "route": .string(route),
                "status": .stringConvertible(response.status.code), "duration_ms": .stringConvertible(Int(seconds * 1000)),
                "sql_statements": .stringConvertible(statements.count),
            ])
        }
        return response
    }

    private static let descriptionKey = "meghna.route"

    /// Each route's pattern ("/customers/:id") for metrics and the log line, written once at
    /// boot (before any request reads it) instead of joined again for every request.
    static func describeRoutes(_ routes: [Route]) {
        for route in routes { route.userInfo[descriptionKey] = "/" + route.path.map(\.description).joined(separator: "/") }
    }

    static func description(of route: Route) -> String {
        route.userInfo[descriptionKey] as? String ?? "/" + route.path.map(\.description).joined(separator: "/")
    }

    /// The path for the log line. One-time link tokens (`:token` in invitation, reset and
    /// verification routes) never reach a log: whoever reads logs could otherwise use them.
    static func loggedPath(_ request: Request) -> String {
        guard let route = request.route, route.path.contains(where: { $0 == .parameter("token") }) else { return request.url.path }
        return "/" + route.path.map { $0 == .parameter("token") ? "[token]" : $0.description }.joined(separator: "/")
    }
}

/// Conservative browser security headers on every answer: pages, problem documents, error
/// pages and redirects (this runs outside the error renderer). Answers of our own routes (pages
/// with customer data, the API, the token-issuing answer) are never stored by a browser or
/// proxy; static files may be. HSTS once Meghna is served over HTTPS.
struct SecurityHeadersMiddleware: AsyncMiddleware {
    func respond(to request: Request, chainingTo next: any AsyncResponder) async throws -> Response {
        let response = try await next.respond(to: request)
        response.headers.replaceOrAdd(name: "X-Content-Type-Options", value: "nosniff")
        response.headers.replaceOrAdd(name: "X-Frame-Options", value: "DENY")
        response.headers.replaceOrAdd(name: "Referrer-Policy", value: "same-origin")
        response.headers.replaceOrAdd(name: "Content-Security-Policy",
                                      value: "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; form-action 'self'")
        if request.route != nil || response.status.code >= 300 {
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
        }
        if request.isSecure {
            response.headers.replaceOrAdd(name: "Strict-Transport-Security", value: "max-age=31536000; includeSubDomains")
        }
        return response
    }
}
