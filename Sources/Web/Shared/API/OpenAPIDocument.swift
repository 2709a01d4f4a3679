import Foundation
import Vapor

/// Builds the OpenAPI 3.1 document from the registered operations. Statuses, problem bodies,
/// the rules behind a 422 and the links between operations all follow from each operation's
/// declaration; nothing here is written per route.
enum OpenAPIDocument {
    static let problem = Schema.named("Problem", .object([
        ("type", .string(description: "A URN naming the kind of problem")), ("title", .string()), ("status", .integer(minimum: 400, maximum: 599)),
        ("detail", .string()),
        ("errors", .array(.object([("field", .string(description: "The input's path: name, address.line1, phones[0]")), ("message", .string())],
                                  required: ["field", "message"]))),
        ("request_id", .string(description: "Quote it when you ask for help")),
    ], required: ["type", "title", "status", "detail"]))

    static let statusDescriptions: [Int: String] = [
        400: "Malformed request: the body is not JSON, or the query string cannot be read",
        401: "No valid API token (or, when creating a token, wrong credentials)",
        403: "The token's abilities or the role do not allow this",
        404: "No such record in your organization (another organization's ids are not found either), or an X-Organization you may not enter",
        409: "The request conflicts with the record's current state",
        413: "The body is larger than 1 MB",
        415: "The body is not application/json",
        422: "Validation failed: `errors` names each field",
        429: "Too many attempts; retry after Retry-After seconds",
        502: "The router did not answer as asked: `detail` says exactly what failed (refused, no answer, login refused, the router's own error)",
    ]

    static func build(_ operations: [APIOperation], serverURL: String) -> [String: Any] {
        let components = ComponentCollector()
        var paths: [String: [String: Any]] = [:]
        for op in operations {
            var operation: [String: Any] = [
                "summary": op.summary,
                "tags": [op.tag],
                "operationId": operationID(op),
            ]
            var parameters: [[String: Any]] = []
            for name in op.pathParameters {
                parameters.append(["name": name, "in": "path", "required": true, "schema": Schema.uuid.json])
            }
            for (name, schema, description) in op.query {
                parameters.append(["name": name, "in": "query", "required": false, "schema": schema.render(components: components),
                                   "description": description])
            }
            if op.authenticated {
                parameters.append(["name": "X-Organization", "in": "header", "required": false, "schema": Schema.string().json,
                                   "description": "Slug or id of another organization (platform administrators only)"])
            }
            if op.idempotent {
                parameters.append(["name": "Idempotency-Key", "in": "header", "required": false, "schema": Schema.string(maxLength: 255).json])
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = op.body {
                operation["requestBody"] = ["required": op.bodyRequired,
                                            "content": ["application/json": ["schema": body.render(components: components)]]]
            }
            var responses: [String: Any] = [:]
            var success: [String: Any] = ["description": "Success"]
            if let response = op.response {
                success["content"] = [op.responseType: ["schema": response.render(components: components)]]
            }
            let links = links(from: op, among: operations)
            if !links.isEmpty { success["links"] = links }
            responses[String(op.success)] = success
            let rules = op.allRules
            for code in op.statuses where code != op.success {
                if code == 422, !rules.isEmpty {
                    let description = (statusDescriptions[code] ?? "Problem") + ". Besides the schema: "
                        + rules.map { "`\($0.field)` \($0.rule)" }.joined(separator: "; ")
                    responses[String(code)] = ["description": description,
                                               "content": ["application/problem+json": ["schema": problem.render(components: components)]]]
                } else {
                    responses[String(code)] = ["$ref": "#/components/responses/Problem\(code)"]
                }
            }
            operation["responses"] = responses
            if !rules.isEmpty { operation["x-rules"] = rules.map { ["field": $0.field, "rule": $0.rule] } }
            if op.authenticated {
                operation["security"] = [["bearer": [String]()]]
                if let permission = op.permission { operation["x-permission"] = permission.rawValue }
            } else {
                operation["security"] = [[String: [String]]]()
            }
            paths["/api/v1" + op.path, default: [:]][op.method.rawValue.lowercased()] = operation
        }
        // Rendered before the schemas are read, so Problem is among them.
        let problemResponses = Dictionary(uniqueKeysWithValues: statusDescriptions.map { code, description in
            ("Problem\(code)", ["description": description,
                                 "content": ["application/problem+json": ["schema": problem.render(components: components)]]] as [String: Any])
        })
        return [
            "openapi": "3.1.0",
            "info": ["title": "Meghna API", "version": "1.0.0",
                     "description": """
                     ISP management: organizations, staff, settings, audit, customers, leads, resellers and areas. JSON in snake_case; \
                     lists use limit and cursor. Every request is checked against this document before anything happens: what it \
                     forbids is refused with 400 or 422 and an RFC 9457 problem naming each field. In request bodies a property that \
                     is not required may be null, which means the same as leaving it out; an empty string clears optional text and links. \
                     A 422 can also come from the rules an operation lists under x-rules (ids that must exist, fields that go together).
                     """],
            "servers": [["url": serverURL]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": components.schemas,
                "responses": problemResponses,
            ],
        ]
    }

    /// Links from an operation that creates or lists records to the operations on one record
    /// (and below it), so a client or a fuzzer can follow the ids it gets back.
    static func links(from op: APIOperation, among operations: [APIOperation]) -> [String: Any] {
        let source: String
        switch (op.method, op.success) {
        case (.POST, 201): source = "$response.body#/id"
        case (.GET, 200) where op.query.contains(where: { $0.0 == "cursor" }): source = "$response.body#/data/0/id"
        default: return [:]
        }
        let parameters = op.pathParameters
        var out: [String: Any] = [:]
        for target in operations where target.path.hasPrefix(op.path + "/{") {
            let rest = target.path.dropFirst(op.path.count + 2)
            guard let close = rest.firstIndex(of: "}") else { continue }
            let name = String(rest[..<close])
            var values: [String: String] = [:]
            for parameter in target.pathParameters {
                if parameter == name { values[parameter] = source } else if parameters.contains(parameter) { values[parameter] = "$request.path.\(parameter)" }
            }
            guard values.count == target.pathParameters.count else { continue }
            out[operationID(target)] = ["operationId": operationID(target), "parameters": values]
        }
        return out
    }

    static func operationID(_ op: APIOperation) -> String {
        let words = op.path.split(separator: "/").map { part -> String in
            if part.hasPrefix("{") { return "By" + part.dropFirst().dropLast().split(separator: "_").map { $0.capitalized }.joined() }
            return part.split(separator: "-").map { $0.capitalized }.joined()
        }
        return op.method.rawValue.lowercased() + words.joined()
    }
}
