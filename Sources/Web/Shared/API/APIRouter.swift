import Foundation
import MeghnaCore
import Vapor

/// One documented API operation. Registering through `APIRouter` adds the Vapor route, the
/// OpenAPI entry and the request checks from the same value, so the three cannot drift apart.
struct APIOperation: Sendable {
    var method: HTTPMethod
    /// Path below /api/v1, with `{id}` parameters, e.g. "/branches/{id}".
    var path: String
    var summary: String
    var tag: String
    var permission: Permission?
    var authenticated: Bool = true
    /// Checks credentials sent in the body (creating a token): answers 401 without a token.
    var checksCredentials = false
    var query: [(String, Schema, String)] = []
    var body: Schema?
    /// False when the body may be left out altogether.
    var bodyRequired = true
    var success: Int = 200
    var response: Schema?
    /// The media type of the success body.
    var responseType = "application/json"
    /// Checks no schema can state (cross-field, state, uniqueness); ids named in the body and
    /// cursors are added by `allRules`.
    var rules: [APIRule] = []
    /// Whether the route takes an `Idempotency-Key` (money-moving POSTs; `IdempotentRequests`).
    var idempotent: Bool = false
    /// Whether it talks to a router while answering: a router that fails gives 502 with its reason.
    var reachesRouter: Bool = false
}

/// A check beyond the schema: a 422 may name `field` for this reason.
struct APIRule: Sendable, Equatable {
    var field: String
    var rule: String

    init(_ field: String, _ rule: String) {
        self.field = field
        self.rule = rule
    }
}

extension APIOperation {
    var pathParameters: [String] {
        path.split(separator: "/").filter { $0.hasPrefix("{") }.map { String($0.dropFirst().dropLast()) }
    }

    /// Every rule: the declared ones, the ids the body names, and the cursor of a list.
    var allRules: [APIRule] {
        var out = rules
        for (field, what) in body?.references() ?? [] where !out.contains(where: { $0.field == field }) {
            out.append(APIRule(field, "must be the id of a \(what) you can see"))
        }
        if query.contains(where: { $0.0 == "cursor" }) { out.append(APIRule("cursor", "must be the next_cursor an earlier page of this list returned")) }
        if idempotent {
            out.append(APIRule("Idempotency-Key", "must be 1 to 255 visible ASCII characters, and not used before for a different request"))
        }
        return out
    }

    /// Every status this operation can answer, from what it does.
    var statuses: [Int] {
        var codes: Set<Int> = [success, 400, 422, 429]
        if authenticated {
            // 404: an X-Organization that names no organization the caller may enter.
            codes.formUnion([401, 403, 404])
        }
        if checksCredentials { codes.insert(401) }
        if path.contains("{") { codes.insert(404) }
        if method != .GET { codes.insert(409) }
        if body != nil { codes.formUnion([413, 415]) }
        if reachesRouter { codes.insert(502) }
        return codes.sorted()
    }

    /// Checks the query and the body against the document; throws 400 or 422 naming each field.
    func validate(_ req: Request) throws {
        var errors: [FieldError] = []
        if !query.isEmpty {
            guard let pairs = APIRouter.queryPairs(req.url.query) else {
                throw Abort(.badRequest, reason: "The query string is not valid percent-encoded UTF-8.")
            }
            for (name, schema, _) in query {
                let values = pairs.filter { $0.0 == name }.map(\.1)
                if values.count > 1 { errors.append(FieldError(name, "may be given only once")) }
                if let value = values.first { schema.validateParameter(value, name: name, into: &errors) }
            }
        }
        if let body {
            if (req.body.data?.readableBytes ?? 0) == 0, !bodyRequired { return try check(errors) }
            let data = Data(try req.jsonBody().readableBytesView)
            guard let value = JSONValue.parse(data) else { throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "not JSON")) }
            body.validate(value, into: &errors)
        }
        try check(errors)
    }

    private func check(_ errors: [FieldError]) throws {
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }
}

/// The operations, shared with the routes that answer 405 (holds nothing else, so the routes
/// keep no application alive).
final class APIOperationTable: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [APIOperation] = []

    var operations: [APIOperation] {
        lock.lock()
        defer { lock.unlock() }
        return list
    }

    func append(_ operation: APIOperation) {
        lock.lock()
        list.append(operation)
        lock.unlock()
    }

    /// The path template routing would pick for these segments (constants before parameters,
    /// left to right) and the methods of its operations; nil when no operation lives there.
    func resource(_ segments: [String]) -> (path: String, methods: [HTTPMethod])? {
        var best: (score: [Bool], path: String)?
        for op in operations {
            let parts = op.path.split(separator: "/").map(String.init)
            guard parts.count == segments.count else { continue }
            var score: [Bool] = []
            var fits = true
            for (part, segment) in zip(parts, segments) {
                if part.hasPrefix("{") {
                    if segment.isEmpty { fits = false; break }
                    score.append(false)
                } else if part == segment {
                    score.append(true)
                } else {
                    fits = false
                    break
                }
            }
            guard fits else { continue }
            if best == nil || score.lexicographicallyPrecedes(best!.score, by: { $0 && !$1 }) { best = (score, op.path) }
        }
        guard let path = best?.path else { return nil }
        return (path, operations.filter { $0.path == path }.map(\.method))
    }
}

final class APIRouter: @unchecked Sendable {
    let table = APIOperationTable()
    var operations: [APIOperation] { table.operations }
    let open: any RoutesBuilder
    let protected: any RoutesBuilder

    /// Methods an undeclared request may use; each gets a catch-all below /api/v1 that answers
    /// 405 with `Allow` at a known path (204 for OPTIONS) and 404 elsewhere.
    static let probedMethods: [HTTPMethod] = [.GET, .POST, .PUT, .PATCH, .DELETE, .OPTIONS, .TRACE, .RAW(value: "QUERY")]

    init(app: Application) {
        let base = app.grouped("api", "v1")
        open = base
        protected = base.grouped(APIAuthenticationMiddleware())
        let table = self.table
        for method in Self.probedMethods {
            base.on(method, "**", body: .stream) { req -> Response in
                guard let (_, methods) = table.resource(Self.segments(req)) else { throw Abort(.notFound) }
                let allow = Self.allowHeader(methods)
                if req.method == .OPTIONS {
                    let response = Response(status: .noContent)
                    response.headers.replaceOrAdd(name: .allow, value: allow)
                    return response
                }
                throw Self.methodNotAllowed(req, methods)
            }
        }
    }

    /// The request's path below /api/v1, split into segments.
    static func segments(_ req: Request) -> [String] {
        Array(req.url.path.split(separator: "/", omittingEmptySubsequences: false).map(String.init).dropFirst(3))
    }

    /// 405 with the methods the resource answers in `Allow`.
    static func methodNotAllowed(_ req: Request, _ methods: [HTTPMethod]) -> Abort {
        let allow = allowHeader(methods)
        return Abort(.methodNotAllowed, headers: ["Allow": allow], reason: "\(req.method.rawValue) is not allowed here; use \(allow).")
    }

    static func allowHeader(_ methods: [HTTPMethod]) -> String {
        var names = Set(methods.map(\.rawValue))
        if names.contains("GET") { names.insert("HEAD") }
        names.insert("OPTIONS")
        return names.sorted().joined(separator: ", ")
    }

    func add(_ operation: APIOperation, _ handler: @escaping @Sendable (Request) async throws -> Response) {
        table.append(operation)
        let components: [PathComponent] = operation.path.split(separator: "/").map { part in
            part.hasPrefix("{") ? .parameter(String(part.dropFirst().dropLast())) : .constant(String(part))
        }
        let builder = operation.authenticated ? protected : open
        let permission = operation.permission
        let table = self.table
        builder.on(operation.method, components, body: .collect(maxSize: "1mb")) { req in
            // Ids are UUIDs: anything else names no record. Routing may have taken a constant
            // segment for an id (PATCH /customers/export): that resource lacks the method.
            if operation.pathParameters.contains(where: { UUID(uuidString: req.parameters.get($0) ?? "") == nil }) {
                if let (path, methods) = table.resource(Self.segments(req)), path != operation.path { throw Self.methodNotAllowed(req, methods) }
                throw Abort(.notFound)
            }
            if let permission { try req.ctx.require(permission) }
            try operation.validate(req)
            if operation.idempotent, let key = req.headers.first(name: "Idempotency-Key") {
                return try await IdempotentRequests.run(req, key: key, handler)
            }
            return try await handler(req)
        }
    }

    /// The query string's name-value pairs, decoded as forms are (`+` is a space); nil when
    /// the percent-encoding is broken.
    static func queryPairs(_ raw: String?) -> [(String, String)]? {
        guard let raw, !raw.isEmpty else { return [] }
        var out: [(String, String)] = []
        for part in raw.split(separator: "&") {
            let halves = part.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = halves[0].replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { return nil }
            let rawValue = halves.count > 1 ? String(halves[1]) : ""
            guard let value = rawValue.replacingOccurrences(of: "+", with: " ").removingPercentEncoding else { return nil }
            out.append((name, value))
        }
        return out
    }
}

extension Request {
    /// Decodes a JSON body (already checked against the operation's schema), refusing anything
    /// that is not JSON.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        try JSONDecoder().decode(T.self, from: jsonBody())
    }

    /// Decodes an optional JSON body: nil when none was sent.
    func optionalJSON<T: Decodable>(_ type: T.Type) throws -> T? {
        (body.data?.readableBytes ?? 0) > 0 ? try json(T.self) : nil
    }

    /// The body, when it is declared JSON (else 415) and not empty (else 400).
    func jsonBody() throws -> ByteBuffer {
        guard let contentType = headers.contentType, contentType.type == "application",
              contentType.subType == "json" || contentType.subType.hasSuffix("+json")
        else { throw Abort(.unsupportedMediaType, reason: "Send the body as application/json.") }
        guard let body = body.data, body.readableBytes > 0 else {
            throw Abort(.badRequest, reason: "The request needs a JSON body.")
        }
        return body
    }

    func pageRequest() throws -> CursorRequest {
        let raw = query[String.self, at: "limit"]
        var limit: Int?
        if let raw {
            guard let number = Int(raw) else { throw DomainError.invalid("limit", "must be a whole number between 1 and \(CursorRequest.maximumLimit)") }
            limit = number
        }
        return try CursorRequest(limit: limit, cursor: query[String.self, at: "cursor"])
    }
}

/// Encodes API answers with snake_case keys (DTOs name their keys) and RFC 3339 dates.
func apiResponse<T: Encodable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
    let response = Response(status: status, body: .init(data: try apiJSON(value)))
    response.headers.contentType = .json
    return response
}

/// The JSON the API answers with (also what the DTO tests check against the schemas).
func apiJSON<T: Encodable>(_ value: T) throws -> Data {
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    return try encoder.encode(value)
}

struct ListBody<T: Encodable>: Encodable {
    var data: [T]
    var nextCursor: String?

    enum CodingKeys: String, CodingKey {
        case data
        case nextCursor = "next_cursor"
    }

    func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(data, forKey: .data)
        try c.encode(nextCursor, forKey: .nextCursor)
    }
}

extension Schema {
    static func list(_ item: Schema) -> Schema {
        .object([("data", .array(item)), ("next_cursor", .nullable(.string(description: "Pass as cursor for the next page; null on the last")))],
                required: ["data", "next_cursor"])
    }
}
