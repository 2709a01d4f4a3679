import Foundation

/// A small JSON Schema (OpenAPI 3.1 dialect) builder for the API document.
indirect enum Schema: Sendable {
    case string(format: String? = nil, maxLength: Int? = nil, enumValues: [String]? = nil, description: String? = nil)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case boolean
    case array(Schema)
    case object([(String, Schema)], required: [String] = [], additional: Schema? = nil)
    case nullable(Schema)
    case ref(String)
    case any

    static let uuid = Schema.string(format: "uuid")
    static let dateTime = Schema.string(format: "date-time")
    static let email = Schema.string(format: "email", maxLength: 254)

    var json: Any {
        switch self {
        case .string(let format, let maxLength, let enumValues, let description):
            var out: [String: Any] = ["type": "string"]
            if let format { out["format"] = format }
            if let maxLength { out["maxLength"] = maxLength }
            if let enumValues { out["enum"] = enumValues }
            if let description { out["description"] = description }
            return out
        case .integer(let minimum, let maximum):
            var out: [String: Any] = ["type": "integer"]
            if let minimum { out["minimum"] = minimum }
            if let maximum { out["maximum"] = maximum }
            return out
        case .boolean: return ["type": "boolean"]
        case .array(let items): return ["type": "array", "items": items.json]
        case .object(let properties, let required, let additional):
            var props: [String: Any] = [:]
            for (name, schema) in properties { props[name] = schema.json }
            var out: [String: Any] = ["type": "object", "properties": props]
            if !required.isEmpty { out["required"] = required }
            if let additional { out["additionalProperties"] = additional.json }
            return out
        case .nullable(let inner):
            return ["oneOf": [inner.json, ["type": "null"]]]
        case .ref(let name): return ["$ref": "#/components/schemas/\(name)"]
        case .any: return [String: Any]()
        }
    }
}
