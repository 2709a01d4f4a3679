import Fluent
import Jobs
import Foundation
import MeghnaCore
import NIOCore
import Platform
import Vapor
import VaporTesting
import Web

public let testPassword = "correct horse battery staple 42"

/// An organization with its super admin and a token that has every ability.
public struct Tenant: Sendable {
    public let organization: Organization
    public let admin: User
    public let token: String

    public var id: UUID { organization.id! }
}

public struct APIResult: Sendable {
    public let status: HTTPStatus
    public let headers: HTTPHeaders
    public let text: String

    public init(status: HTTPStatus, headers: HTTPHeaders, text: String) {
        self.status = status
        self.headers = headers
        self.text = text
    }

    public var json: [String: Any] {
        (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any] ?? [:]
    }

    public var data: [[String: Any]] { json["data"] as? [[String: Any]] ?? [] }

    /// The `field` names of a problem document's errors.
    public var errorFields: [String] {
        (json["errors"] as? [[String: Any]] ?? []).compactMap { $0["field"] as? String }
    }
}

extension TestApp {
    /// Creates an organization with a super admin (directly, like `meghna user create-admin`) and a token.
    /// With `platformAdmin`, the admin is also the installation's platform administrator.
    public func makeTenant(_ name: String, platformAdmin: Bool = false) async throws -> Tenant {
        let email = "admin@\(slugify(name)).test"
        let (org, admin) = try await Setup.createAdmin(.init(organizationName: name, adminName: "Admin of \(name)", email: email, password: testPassword),
                                                       onlyOnFirstRun: false, platformAdmin: platformAdmin, services: services, on: db)
        let token = try await makeToken(email: email, abilities: ["*"])
        return Tenant(organization: org, admin: admin, token: token)
    }

    /// A verified, active user with a system role.
    @discardableResult
    public func makeUser(in tenant: Tenant, role: SystemRole, email: String, name: String = "Test User") async throws -> User {
        let roleRow = try await Role.query(on: db).filter(\.$organizationID == tenant.id).filter(\.$key == role.rawValue).first()!
        let user = User(organizationID: tenant.id, roleID: roleRow.id!, email: email, name: name, status: .active)
        user.passwordHash = try await services.hasher.hash(testPassword)
        user.emailVerifiedAt = clock.date
        try await user.create(on: db)
        return user
    }

    public func makeToken(email: String, password: String = testPassword, abilities: [String], otp: String? = nil) async throws -> String {
        var body: [String: Any] = ["email": email, "password": password, "name": "test", "abilities": abilities]
        if let otp { body["otp"] = otp }
        let result = try await api(.POST, "/api/v1/auth/tokens", json: body)
        guard result.status == .created, let token = result.json["token"] as? String else {
            throw Abort(.internalServerError, reason: "token creation failed: \(result.status) \(result.text)")
        }
        return token
    }

    /// Sends an API request with an optional bearer token and JSON body.
    public func api(_ method: HTTPMethod, _ path: String, token: String? = nil, json: Any? = nil, rawBody: String? = nil,
                    contentType: String = "application/json", headers extra: [String: String] = [:]) async throws -> APIResult {
        var headers = HTTPHeaders()
        if let token { headers.bearerAuthorization = BearerAuthorization(token: token) }
        for (k, v) in extra { headers.add(name: k, value: v) }
        var body: ByteBuffer?
        if let json {
            body = ByteBuffer(data: try JSONSerialization.data(withJSONObject: json))
            headers.replaceOrAdd(name: .contentType, value: contentType)
        } else if let rawBody {
            body = ByteBuffer(string: rawBody)
            headers.replaceOrAdd(name: .contentType, value: contentType)
        }
        let response = try await app.testing().sendRequest(method, path, headers: headers, body: body)
        return APIResult(status: response.status, headers: response.headers, text: String(buffer: response.body))
    }
}

/// A tiny browser for page tests: keeps cookies, reads the CSRF token from forms.
public final class Browser: @unchecked Sendable {
    public let app: Application
    public private(set) var cookies: [String: String] = [:]
    public private(set) var lastBody = ""

    /// Requests go over real TCP to a listening server (bodies then arrive in chunks, as from a
    /// browser) instead of in memory. The test client follows redirects itself.
    public var live: Bool

    public init(_ app: Application, live: Bool = false) {
        self.app = app
        self.live = live
    }

    /// Plants a cookie, as another site or an injected header could.
    public func setCookie(_ name: String, _ value: String?) { cookies[name] = value }

    public var csrf: String? {
        guard let range = lastBody.range(of: "name=\"_csrf\" value=\"") else { return cookies["meghna_csrf"] }
        let rest = lastBody[range.upperBound...]
        return String(rest.prefix { $0 != "\"" })
    }

    /// Opens the sign-in page and signs in (one password step), then opens the dashboard so the
    /// next form carries the signed-in session's CSRF token.
    @discardableResult
    public func signIn(_ email: String, password: String = testPassword) async throws -> APIResult {
        _ = try await get("/login")
        let result = try await post("/login", [("email", email), ("password", password)])
        if result.status == .seeOther, result.headers.first(name: .location) == "/" { _ = try await get("/") }
        return result
    }

    @discardableResult
    public func get(_ path: String) async throws -> APIResult {
        try await send(.GET, path, form: nil)
    }

    /// Posts a form; adds the CSRF token unless `csrf: false`.
    @discardableResult
    public func post(_ path: String, _ fields: [(String, String)], csrf includeCSRF: Bool = true) async throws -> APIResult {
        var fields = fields
        if includeCSRF, let token = csrf { fields.append(("_csrf", token)) }
        return try await send(.POST, path, form: fields)
    }

    /// Posts a multipart form (a file upload) with the CSRF token.
    @discardableResult
    public func upload(_ path: String, file name: String, fileName: String, contents: String, fields: [(String, String)] = []) async throws -> APIResult {
        let boundary = "meghna-test-\(UUID().uuidString)"
        var body = ""
        for (key, value) in fields + (csrf.map { [("_csrf", $0)] } ?? []) {
            body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(key)\"\r\n\r\n\(value)\r\n"
        }
        body += "--\(boundary)\r\nContent-Disposition: form-data; name=\"\(name)\"; filename=\"\(fileName)\"\r\nContent-Type: text/csv\r\n\r\n"
        body += contents + "\r\n--\(boundary)--\r\n"
        return try await send(.POST, path, body: ByteBuffer(string: body), contentType: "multipart/form-data; boundary=\(boundary)")
    }

    func send(_ method: HTTPMethod, _ path: String, form: [(String, String)]?) async throws -> APIResult {
        var body: ByteBuffer?
        if let form {
            let allowed = CharacterSet.alphanumerics.union(CharacterSet(charactersIn: "-._~"))
            let encoded = form.map { "\($0.0.addingPercentEncoding(withAllowedCharacters: allowed)!)=\($0.1.addingPercentEncoding(withAllowedCharacters: allowed)!)" }
                .joined(separator: "&")
            body = ByteBuffer(string: encoded)
        }
        return try await send(method, path, body: body, contentType: form == nil ? nil : "application/x-www-form-urlencoded")
    }

    func send(_ method: HTTPMethod, _ path: String, body: ByteBuffer?, contentType: String?) async throws -> APIResult {
        var headers = HTTPHeaders()
        if !cookies.isEmpty { headers.add(name: .cookie, value: cookies.map { "\($0.key)=\($0.value)" }.joined(separator: "; ")) }
        if let contentType { headers.add(name: .contentType, value: contentType) }
        let tester = live ? try app.testing(method: .running(hostname: "127.0.0.1", port: 0)) : try app.testing()
        let response = try await tester.sendRequest(method, path, headers: headers, body: body)
        for header in response.headers[.setCookie] {
            let pair = header.split(separator: ";").first ?? ""
            let parts = pair.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            if parts[1].isEmpty || header.contains("Max-Age=0") { cookies[parts[0]] = nil } else { cookies[parts[0]] = parts[1] }
        }
        let text = String(buffer: response.body)
        if method == .GET || response.status != .seeOther { lastBody = text }
        return APIResult(status: response.status, headers: response.headers, text: text)
    }
}

extension TestApp {
    /// The tenant context a signed-in user gets (role permissions, branches, reseller subtree).
    public func context(of user: User) async throws -> TenantContext {
        try await Identities.resolve(user: user, acting: nil, token: nil, origin: .init(ip: "127.0.0.1", userAgent: "test"),
                                     services: services, on: db).context
    }
}

extension TestApp {
    /// Runs every queued job (all queues) until none is left; returns how many ran.
    @discardableResult
    public func drainJobs() async throws -> Int {
        try await JobWorker(db: db, registry: app.meghna.registry, clock: clock.clock).drain()
    }

    /// Runs the jobs of some queues only (the router jobs every subscription change queues
    /// stay for the tests that look at them).
    public func drainJobs(queues: [String]) async throws -> Int {
        try await JobWorker(db: db, registry: app.meghna.registry, configuration: .init(queues: queues), clock: clock.clock).drain()
    }
}
