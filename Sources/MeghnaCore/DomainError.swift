import Foundation

/// A problem with one named input field, shown beside the field on a page and in the
/// `errors` array of an API problem document.
public struct FieldError: Sendable, Equatable, Codable, CustomStringConvertible {
    public var field: String
    public var message: String

    public init(_ field: String, _ message: String) {
        self.field = field
        self.message = message
    }

    public var description: String { "\(field): \(message)" }
}

/// Errors every area raises; the web layer maps each case to one HTTP status.
public enum DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Input was understood but not acceptable (422).
    case validation([FieldError])
    /// The named thing does not exist in the caller's tenant (404). Other tenants' ids land here too.
    case notFound(String)
    /// The request conflicts with the current state (409).
    case conflict(String)
    /// The actor lacks a permission or ability (403).
    case forbidden(String)
    /// No valid credentials (401).
    case unauthorized(String)
    /// Too many attempts; retry after the given number of seconds (429).
    case throttled(retryAfter: Int, String)

    public static func invalid(_ field: String, _ message: String) -> DomainError {
        .validation([FieldError(field, message)])
    }

    public var description: String {
        switch self {
        case .validation(let errors): errors.map(\.description).joined(separator: "; ")
        case .notFound(let what): "\(what) was not found."
        case .conflict(let message), .forbidden(let message), .unauthorized(let message): message
        case .throttled(_, let message): message
        }
    }
}

/// Collects field errors while validating an input, then throws them all at once.
public struct Validator: Sendable {
    public private(set) var errors: [FieldError] = []

    public init() {}

    public mutating func add(_ field: String, _ message: String) {
        errors.append(FieldError(field, message))
    }

    /// Trims, checks presence and length; returns the cleaned value (nil when absent and optional).
    @discardableResult
    public mutating func text(_ field: String, _ value: String?, required: Bool = true, max: Int = 200) -> String? {
        let trimmed = value?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if trimmed.isEmpty {
            if required { add(field, "is required") }
            return nil
        }
        if trimmed.count > max {
            add(field, "must be at most \(max) characters")
            return nil
        }
        return trimmed
    }

    /// Validates and lowercases an email address.
    @discardableResult
    public mutating func email(_ field: String, _ value: String?, required: Bool = true) -> String? {
        guard let text = text(field, value, required: required, max: 254) else { return nil }
        guard EmailAddressSyntax.isValid(text) else {
            add(field, "is not a valid email address")
            return nil
        }
        return text.lowercased()
    }

    public func check() throws(DomainError) {
        if !errors.isEmpty { throw DomainError.validation(errors) }
    }
}

/// A deliberately conservative email check: one @, a dotted domain, no spaces or control characters.
public enum EmailAddressSyntax {
    public static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, let local = parts.first, let domain = parts.last else { return false }
        guard !local.isEmpty, local.count <= 64, domain.count >= 3, domain.contains("."),
              !domain.hasPrefix("."), !domain.hasSuffix("."), !domain.contains("..")
        else { return false }
        let forbidden = CharacterSet.whitespacesAndNewlines.union(.controlCharacters).union(CharacterSet(charactersIn: "<>()[],;:\\\""))
        if text.unicodeScalars.contains(where: { forbidden.contains($0) }) { return false }
        return domain.allSatisfy { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" }
    }
}
