import Foundation
import MeghnaCore
import Vapor

/// One documented API operation. Registering through `APIRouter` both adds the Vapor route and
/// the OpenAPI entry, so the two cannot drift apart.
struct APIOperation: Sendable {
    var method: HTTPMethod
    /// Path below /api/v1, with `{id}` parameters, e.g. "/branches/{id}".
    var path: String
    var summary: String
    var tag: String
    var permission: Permission?
    var authenticated: Bool = true
    var query: [(String, Schema, String)] = []
    var body: Schema?
    var success: Int = 200
    var response: Schema?
    /// Whether the route takes an `Idempotency-Key` (money-moving POSTs, later).
    var idempotent: Bool = false
}

final class APIRouter: @unchecked Sendable {
    private(set) var operations: [APIOperation] = []
    let open: any RoutesBuilder
    let protected: any RoutesBuilder

    init(app: Application) {
        let base = app.grouped("api", "v1")
        open = base
        protected = base.grouped(APIAuthenticationMiddleware())
    }

    func add(_ operation: APIOperation, _ handler: @escaping @Sendable (Request) async throws -> Response) {
        operations.append(operation)
        let components: [PathComponent] = operation.path.split(separator: "/").map { part in
            part.hasPrefix("{") ? .parameter(String(part.dropFirst().dropLast())) : .constant(String(part))
        }
        let builder = operation.authenticated ? protected : open
        let permission = operation.permission
        builder.on(operation.method, components, body: .collect(maxSize: "1mb")) { req in
            if let permission { try req.ctx.require(permission) }
            return try await handler(req)
        }
    }
}

extension Request {
    /// Decodes a JSON body, refusing anything that is not JSON.
    func json<T: Decodable>(_ type: T.Type) throws -> T {
        guard let contentType = headers.contentType, contentType.type == "application",
              contentType.subType == "json" || contentType.subType.hasSuffix("+json")
        else { throw Abort(.unsupportedMediaType, reason: "Send the body as application/json.") }
        guard let body = body.data, body.readableBytes > 0 else {
            throw Abort(.badRequest, reason: "The request needs a JSON body.")
        }
        return try JSONDecoder().decode(T.self, from: body)
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
    let encoder = JSONEncoder()
    encoder.dateEncodingStrategy = .iso8601
    encoder.outputFormatting = [.sortedKeys]
    let response = Response(status: status, body: .init(data: try encoder.encode(value)))
    response.headers.contentType = .json
    return response
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
        .object([("data", .array(item)), ("next_cursor", .nullable(.string()))], required: ["data", "next_cursor"])
    }
}
