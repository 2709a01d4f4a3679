import Foundation
import Vapor

/// Builds the OpenAPI 3.1 document from the registered operations.
enum OpenAPIDocument {
    static func build(_ operations: [APIOperation], serverURL: String) -> [String: Any] {
        var paths: [String: [String: Any]] = [:]
        for op in operations {
            var operation: [String: Any] = [
                "summary": op.summary,
                "tags": [op.tag],
                "operationId": operationID(op),
            ]
            var parameters: [[String: Any]] = []
            for part in op.path.split(separator: "/") where part.hasPrefix("{") {
                parameters.append(["name": String(part.dropFirst().dropLast()), "in": "path", "required": true,
                                   "schema": Schema.string(format: part == "{id}" ? "uuid" : nil).json])
            }
            for (name, schema, description) in op.query {
                parameters.append(["name": name, "in": "query", "required": false, "schema": schema.json, "description": description])
            }
            if op.authenticated {
                parameters.append(["name": "X-Organization", "in": "header", "required": false, "schema": Schema.string().json,
                                   "description": "Slug or id of another organization (platform super admins only)"])
            }
            if op.idempotent {
                parameters.append(["name": "Idempotency-Key", "in": "header", "required": false, "schema": Schema.string(maxLength: 255).json])
            }
            if !parameters.isEmpty { operation["parameters"] = parameters }
            if let body = op.body {
                operation["requestBody"] = ["required": true, "content": ["application/json": ["schema": body.json]]]
            }
            var responses: [String: Any] = [:]
            if let response = op.response {
                responses[String(op.success)] = ["description": "Success", "content": ["application/json": ["schema": response.json]]]
            } else {
                responses[String(op.success)] = ["description": "Success"]
            }
            var errors = ["400", "422", "429"]
            if op.authenticated { errors += ["401", "403"] }
            if op.path.contains("{") { errors.append("404") }
            if op.method == .PATCH || op.method == .DELETE { errors.append("409") }
            if op.body != nil { errors.append("415") }
            for code in errors { responses[code] = ["$ref": "#/components/responses/Problem"] }
            operation["responses"] = responses
            if op.authenticated {
                operation["security"] = [["bearer": [String]()]]
                if let permission = op.permission { operation["x-permission"] = permission.rawValue }
            } else {
                operation["security"] = [[String: [String]]]()
            }
            paths["/api/v1" + op.path, default: [:]][op.method.rawValue.lowercased()] = operation
        }
        let problem = Schema.object([("type", .string()), ("title", .string()), ("status", .integer()), ("detail", .string()),
                                     ("errors", .array(.object([("field", .string()), ("message", .string())], required: ["field", "message"]))),
                                     ("request_id", .string())], required: ["type", "title", "status", "detail"])
        return [
            "openapi": "3.1.0",
            "info": ["title": "Meghna API", "version": "1.0.0",
                     "description": "ISP management: organizations, staff, settings and audit (more areas follow). Money is a decimal string with a currency; lists use limit and cursor."],
            "servers": [["url": serverURL]],
            "paths": paths,
            "components": [
                "securitySchemes": ["bearer": ["type": "http", "scheme": "bearer"]],
                "schemas": ["Problem": problem.json],
                "responses": ["Problem": ["description": "An RFC 9457 problem",
                                          "content": ["application/problem+json": ["schema": Schema.ref("Problem").json]]]],
            ],
        ]
    }

    static func operationID(_ op: APIOperation) -> String {
        let words = op.path.split(separator: "/").map { part -> String in
            if part.hasPrefix("{") { return "By" + part.dropFirst().dropLast().capitalized }
            return part.split(separator: "-").map { $0.capitalized }.joined()
        }
        return op.method.rawValue.lowercased() + words.joined()
    }
}
