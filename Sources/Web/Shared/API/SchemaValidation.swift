import Foundation
import MeghnaCore

/// A parsed JSON value, for checking bodies against their schema before anything decodes them.
enum JSONValue: Sendable, Equatable, Decodable {
    case null
    case bool(Bool)
    case number(Double, exact: Int?)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .null } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int.self) {
            self = .number(Double(i), exact: i)
        } else if let d = try? c.decode(Double.self) { self = .number(d, exact: nil) } else if let s = try? c.decode(String.self) {
            self = .string(s)
        } else if let a = try? c.decode([JSONValue].self) { self = .array(a) } else { self = .object(try c.decode([String: JSONValue].self)) }
    }

    /// Parses JSON text; nil when it is not JSON.
    static func parse(_ data: Data) -> JSONValue? {
        try? JSONDecoder().decode(JSONValue.self, from: data)
    }
}

extension Schema {
    /// Checks a value; every problem lands in `errors`, named by its path (`phones[0]`, `address.line1`).
    func validate(_ value: JSONValue, at path: String = "", into errors: inout [FieldError]) {
        let field = path.isEmpty ? "body" : path
        func fail(_ message: String) { errors.append(FieldError(field, message)) }
        func expected(_ what: String) { fail(value == .null ? "must be \(what), not null" : "must be \(what)") }
        switch self {
        case .any: return
        case .named(_, let inner), .described(let inner, _): inner.validate(value, at: path, into: &errors)
        case .nullable(let inner):
            if value != .null { inner.validate(value, at: path, into: &errors) }
        case .anyOf(let alternatives):
            var first: [FieldError]?
            for alternative in alternatives {
                var found: [FieldError] = []
                alternative.validate(value, at: path, into: &found)
                if found.isEmpty { return }
                if first == nil { first = found }
            }
            errors += first ?? []
        case .boolean:
            guard case .bool = value else { return expected("true or false") }
        case .integer(let minimum, let maximum):
            guard case .number(let number, let exact) = value else { return expected("a whole number") }
            guard number.rounded() == number, number.isFinite else { return fail("must be a whole number") }
            let whole = exact ?? (number > 0 ? Int.max : Int.min)
            if let minimum, let maximum, !(minimum...maximum).contains(whole) { return fail("must be between \(minimum) and \(maximum)") }
            if let minimum, whole < minimum { return fail("must be at least \(minimum)") }
            if let maximum, whole > maximum { return fail("must be at most \(maximum)") }
        case .string(let rules):
            guard case .string(let text) = value else { return expected("a string") }
            if let message = rules.problem(with: text) { fail(message) }
        case .array(let items, let minItems, let maxItems):
            guard case .array(let elements) = value else { return expected("an array") }
            if let minItems, elements.count < minItems {
                return fail(minItems == 1 ? "needs at least one item" : "needs at least \(minItems) items")
            }
            if let maxItems, elements.count > maxItems { return fail("may hold at most \(maxItems) items") }
            for (index, element) in elements.enumerated() { items.validate(element, at: "\(field == "body" ? "" : field)[\(index)]", into: &errors) }
        case .object(let properties, let required, let additional):
            guard case .object(let members) = value else { return expected("an object") }
            func child(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }
            for key in required where members[key] == nil { errors.append(FieldError(child(key), "is required")) }
            for (key, schema) in properties { if let member = members[key] { schema.validate(member, at: child(key), into: &errors) } }
            let known = Set(properties.map(\.0))
            for key in members.keys.sorted() where !known.contains(key) {
                switch additional {
                case .allowed: break
                case .forbidden: errors.append(FieldError(child(key), "is not a known field (expected one of \(properties.map(\.0).joined(separator: ", ")))"))
                case .values(let schema): schema.validate(members[key]!, at: child(key), into: &errors)
                }
            }
        }
    }

    /// Checks one query parameter's text: a whole number for integer schemas, else the text itself.
    func validateParameter(_ text: String, name: String, into errors: inout [FieldError]) {
        switch unnamed {
        case .integer:
            guard let number = Int(text) else { return errors.append(FieldError(name, "must be a whole number")) }
            validate(.number(Double(number), exact: number), at: name, into: &errors)
        case .boolean:
            guard text == "true" || text == "false" else { return errors.append(FieldError(name, "must be true or false")) }
        case .nullable(let inner):
            inner.validateParameter(text, name: name, into: &errors)
        default:
            validate(.string(text), at: name, into: &errors)
        }
    }
}

extension Schema.StringRules {
    /// Why the text does not fit, or nil.
    func problem(with text: String) -> String? {
        if let enumValues, !enumValues.contains(text) {
            return enumValues.count <= 12 ? "must be one of \(enumValues.joined(separator: ", "))" : "is not one of the allowed values"
        }
        let length = text.unicodeScalars.count
        if let minLength, length < minLength { return message ?? (minLength == 1 ? "must not be empty" : "must be at least \(minLength) characters") }
        if let maxLength, length > maxLength { return maxLength == 0 ? "must be empty" : "must be at most \(maxLength) characters" }
        if let format, let problem = FormatCheck.problem(format, text) { return message ?? problem }
        if let pattern, !PatternCache.shared.matches(pattern, search: search, text) { return message ?? "is not in the expected form" }
        return nil
    }
}

/// The formats the document uses.
enum FormatCheck {
    static func problem(_ format: String, _ text: String) -> String? {
        switch format {
        case "uuid": UUID(uuidString: text) == nil ? "must be a UUID such as 0b6f5e0c-9d6a-4f7e-8a53-6f1c2d3e4f50" : nil
        case "date": isDate(text) ? nil : "must be a date written YYYY-MM-DD"
        case "date-time": RFC3339.date(text) == nil ? "must be an RFC 3339 time such as 2026-11-25T00:00:00Z" : nil
        case "email": EmailAddressSyntax.isValid(text) ? nil : "is not a valid email address"
        default: nil
        }
    }

    /// YYYY-MM-DD naming a day that exists.
    static func isDate(_ text: String) -> Bool {
        let scalars = Array(text.unicodeScalars)
        guard scalars.count == 10, scalars[4] == "-", scalars[7] == "-" else { return false }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for scalar in scalars[range] {
                guard ("0"..."9").contains(scalar) else { return nil }
                value = value * 10 + Int(scalar.value - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), (1...12).contains(month), day >= 1 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        return day <= days
    }
}

/// RFC 3339 date-times: `2026-11-25T06:30:00Z`, `…T06:30:00.123+06:00`, `t` and `z` in either case.
enum RFC3339 {
    static func date(_ text: String) -> Date? {
        let s = Array(text.unicodeScalars)
        guard s.count >= 20, FormatCheck.isDate(String(String.UnicodeScalarView(s[0..<10]))), s[10] == "T" || s[10] == "t",
              s[13] == ":", s[16] == ":"
        else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for scalar in s[range] {
                guard ("0"..."9").contains(scalar) else { return nil }
                value = value * 10 + Int(scalar.value - 48)
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10), let hour = number(11..<13),
              let minute = number(14..<16), let second = number(17..<19), hour < 24, minute < 60, second <= 60
        else { return nil }
        var index = 19
        var fraction = 0.0
        if index < s.count, s[index] == "." {
            var digits = 0
            var scale = 0.1
            index += 1
            while index < s.count, ("0"..."9").contains(s[index]) {
                fraction += Double(s[index].value - 48) * scale
                scale /= 10
                digits += 1
                index += 1
            }
            guard digits > 0 else { return nil }
        }
        var offset = 0
        guard index < s.count else { return nil }
        if s[index] == "Z" || s[index] == "z" {
            index += 1
        } else if s[index] == "+" || s[index] == "-", index + 6 == s.count, s[index + 3] == ":",
                  let h = number(index + 1..<index + 3), let m = number(index + 4..<index + 6), h < 24, m < 60 {
            offset = (h * 60 + m) * 60 * (s[index] == "-" ? -1 : 1)
            index += 6
        } else {
            return nil
        }
        guard index == s.count else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        guard let base = calendar.date(from: DateComponents(year: year, month: month, day: day, hour: hour, minute: minute, second: min(second, 59)))
        else { return nil }
        return base.addingTimeInterval(fraction - Double(offset))
    }
}

/// Compiled patterns. The document's `\s` is Unicode White_Space (as in Rust and ECMA-262),
/// which ICU spells `\p{White_Space}`; `$` becomes `\z` so a trailing newline never matches.
final class PatternCache: @unchecked Sendable {
    static let shared = PatternCache()
    private let lock = NSLock()
    private var compiled: [String: NSRegularExpression] = [:]

    func matches(_ pattern: String, search: Bool, _ text: String) -> Bool {
        let key = (search ? "s:" : "f:") + pattern
        lock.lock()
        var regex = compiled[key]
        lock.unlock()
        if regex == nil {
            let icu = pattern.replacingOccurrences(of: #"\S"#, with: #"\P{White_Space}"#).replacingOccurrences(of: #"\s"#, with: #"\p{White_Space}"#)
            regex = try? NSRegularExpression(pattern: search ? icu : "^(?:\(icu))\\z")
            lock.lock()
            compiled[key] = regex
            lock.unlock()
        }
        guard let regex else { return false }
        return regex.firstMatch(in: text, range: NSRange(text.startIndex..., in: text)) != nil
    }
}
