import Foundation

/// A small JSON Schema (OpenAPI 3.1 dialect). One value serves three purposes: the OpenAPI
/// document renders it, `APIRouter` checks every request against it before a handler runs
/// (`SchemaValidation.swift`), and the DTO tests check encoded responses against it. What the
/// document forbids is therefore refused, by construction.
indirect enum Schema: Sendable {
    case string(StringRules)
    case integer(minimum: Int? = nil, maximum: Int? = nil)
    case boolean
    case array(Schema, minItems: Int? = nil, maxItems: Int? = nil)
    case object([(String, Schema)], required: [String] = [], additional: Additional = .allowed)
    /// The value or JSON null.
    case nullable(Schema)
    /// Any one of the alternatives (the first one's error is reported when none fits).
    case anyOf([Schema])
    /// A named component (`#/components/schemas/<name>`): client generators turn it into a type.
    case named(String, Schema)
    case described(Schema, String)
    case any

    enum Additional: Sendable {
        /// Unknown keys are ignored (request bodies: clients may send more than we read).
        case allowed
        /// Unknown keys are refused (a closed key space, such as settings).
        case forbidden
        /// A map: every value follows the schema.
        case values(Schema)
    }

    struct StringRules: Sendable {
        var format: String?
        var minLength: Int?
        var maxLength: Int?
        /// A regular expression in the common subset of ECMA-262, Rust and ICU. The whole value
        /// must match it unless `search` is set.
        var pattern: String?
        /// `pattern` only has to occur somewhere (e.g. `\S`: not blank).
        var search = false
        var enumValues: [String]?
        var description: String?
        /// What the validator says when the pattern does not match.
        var message: String?
        /// The kind of record an id names ("branch"): it must exist and be visible, which no
        /// schema can say, so the operation lists it among its rules.
        var reference: String?
    }

    static func string(format: String? = nil, minLength: Int? = nil, maxLength: Int? = nil, pattern: String? = nil, enumValues: [String]? = nil,
                       description: String? = nil, message: String? = nil) -> Schema {
        .string(StringRules(format: format, minLength: minLength, maxLength: maxLength, pattern: pattern, enumValues: enumValues,
                            description: description, message: message))
    }

    /// The pattern as the document shows it (anchored unless it is a search).
    var renderedPattern: String? {
        guard case .string(let rules) = self, let pattern = rules.pattern else { return nil }
        return rules.search ? pattern : "^(?:\(pattern))$"
    }

    var json: Any { render(components: nil) }

    /// Renders the schema; named schemas become `$ref`s and their bodies land in `components`.
    func render(components: ComponentCollector?) -> Any {
        switch self {
        case .string(let rules):
            var out: [String: Any] = ["type": "string"]
            if let format = rules.format { out["format"] = format }
            if let minLength = rules.minLength { out["minLength"] = minLength }
            if let maxLength = rules.maxLength { out["maxLength"] = maxLength }
            if let pattern = renderedPattern { out["pattern"] = pattern }
            if let enumValues = rules.enumValues { out["enum"] = enumValues }
            var description = rules.description
            if let what = rules.reference { description = description ?? "The id of a \(what)" }
            if let description { out["description"] = description }
            return out
        case .integer(let minimum, let maximum):
            var out: [String: Any] = ["type": "integer"]
            if let minimum { out["minimum"] = minimum }
            if let maximum { out["maximum"] = maximum }
            return out
        case .boolean: return ["type": "boolean"]
        case .array(let items, let minItems, let maxItems):
            var out: [String: Any] = ["type": "array", "items": items.render(components: components)]
            if let minItems { out["minItems"] = minItems }
            if let maxItems { out["maxItems"] = maxItems }
            return out
        case .object(let properties, let required, let additional):
            var props: [String: Any] = [:]
            for (name, schema) in properties { props[name] = schema.render(components: components) }
            var out: [String: Any] = ["type": "object", "properties": props]
            if !required.isEmpty { out["required"] = required }
            switch additional {
            case .allowed: break
            case .forbidden: out["additionalProperties"] = false
            case .values(let schema): out["additionalProperties"] = schema.render(components: components)
            }
            return out
        case .nullable(let inner):
            if case .anyOf(let alternatives) = inner.unnamed, !inner.isNamed {
                return ["anyOf": alternatives.map { $0.render(components: components) } + [["type": "null"]]]
            }
            return ["anyOf": [inner.render(components: components), ["type": "null"]]]
        case .anyOf(let alternatives):
            return ["anyOf": alternatives.map { $0.render(components: components) }]
        case .named(let name, let inner):
            guard let components else { return inner.render(components: nil) }
            components.add(name, inner)
            return ["$ref": "#/components/schemas/\(name)"]
        case .described(let inner, let description):
            guard var out = inner.render(components: components) as? [String: Any] else { return inner.render(components: components) }
            if out["$ref"] != nil { return ["allOf": [out], "description": description] }
            out["description"] = description
            return out
        case .any: return [String: Any]()
        }
    }

    /// The schema without names and descriptions around it.
    var unnamed: Schema {
        switch self {
        case .named(_, let inner), .described(let inner, _): inner.unnamed
        default: self
        }
    }

    var isNamed: Bool { if case .named = self { true } else { false } }

    /// Whether JSON null is allowed.
    var allowsNull: Bool {
        switch unnamed {
        case .nullable, .any: true
        case .anyOf(let alternatives): alternatives.contains(where: \.allowsNull)
        default: false
        }
    }
}

/// Collects the named schemas met while rendering the document.
final class ComponentCollector: @unchecked Sendable {
    private(set) var schemas: [String: Any] = [:]
    private var seen: Set<String> = []

    func add(_ name: String, _ schema: Schema) {
        guard !seen.contains(name) else { return }
        seen.insert(name)
        schemas[name] = schema.render(components: self)
    }
}

// MARK: The vocabulary the API uses

extension Schema {
    static let uuidPattern = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
    static let uuid = Schema.string(format: "uuid")
    static let dateTime = Schema.string(format: "date-time")
    static let empty = Schema.string(maxLength: 0, description: "Empty: clears the value")

    /// An email address as the domain accepts it (a dot-atom local part, a dotted host name).
    static let email = Schema.string(
        format: "email", maxLength: 254,
        pattern: #"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*@[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+"#,
        message: "is not a valid email address")
    static let emailOrEmpty = Schema.anyOf([email, empty])

    /// A calendar date, YYYY-MM-DD, between 1900 and 2199 (earlier and later dates are typing mistakes).
    static let date = Schema.string(
        format: "date", pattern: "(19|20|21)[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])",
        description: "A calendar date YYYY-MM-DD, 1900 to 2199", message: "must be a date written YYYY-MM-DD, 1900 to 2199")
    static let dateOrEmpty = Schema.anyOf([date, empty])

    /// A Bangladeshi mobile (national or with 880) or another country's number in E.164.
    static let phone = Schema.string(
        pattern: #"(\+?880|0)?1[3-9][0-9]{8}|\+([1-79][0-9]{7,14}|8[0-79][0-9]{6,13}|88[1-9][0-9]{5,12})"#,
        description: "A Bangladeshi mobile (01712345678, 8801712345678 or +8801712345678) or another country's number in E.164; answers give E.164",
        message: "must be a Bangladeshi mobile such as 01712345678 or an E.164 number such as +442071234567")
    static let phoneOrEmpty = Schema.anyOf([phone, empty])

    /// Text that must not be blank (it is trimmed), at most `max` characters.
    static func text(max: Int, description: String? = nil) -> Schema {
        .string(StringRules(minLength: 1, maxLength: max, pattern: #"\S"#, search: true, description: description, message: "is required"))
    }

    /// Optional text: trimmed, and blank clears it.
    static func optionalText(max: Int, description: String? = nil) -> Schema {
        .string(maxLength: max, description: description)
    }

    /// The id of a record of the organization (it must exist and be visible to the caller).
    static func reference(_ what: String, description: String? = nil) -> Schema {
        .string(StringRules(format: "uuid", description: description, reference: what))
    }

    /// An id, or "" to clear the link.
    static func referenceOrEmpty(_ what: String, description: String? = nil) -> Schema {
        .anyOf([reference(what, description: description), empty])
    }

    static func choice(_ values: [String], description: String? = nil) -> Schema {
        .string(enumValues: values, description: description)
    }

    /// A request body: properties not listed as required may also be null, which means the same
    /// as leaving them out (generated clients often send null for unset fields).
    static func input(_ properties: [(String, Schema)], required: [String] = []) -> Schema {
        .object(properties.map { name, schema in
            (name, required.contains(name) || schema.allowsNull ? schema : .nullable(schema))
        }, required: required)
    }

    /// Every `reference` inside, with its field path (`address.area_id`, `branch_ids`).
    func references(at path: String = "") -> [(field: String, what: String)] {
        switch self {
        case .string(let rules): rules.reference.map { [(path, $0)] } ?? []
        case .array(let items, _, _): items.references(at: path)
        case .object(let properties, _, _):
            properties.flatMap { name, schema in schema.references(at: path.isEmpty ? name : "\(path).\(name)") }
        case .nullable(let inner), .named(_, let inner), .described(let inner, _): inner.references(at: path)
        case .anyOf(let alternatives): alternatives.flatMap { $0.references(at: path) }.reduce(into: []) { out, item in
            if !out.contains(where: { $0.field == item.field }) { out.append(item) }
        }
        case .integer, .boolean, .any: []
        }
    }
}
