import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// What CRM actions need from outside: the clock, the outbox, the job queue.
public typealias CRMServices = PlatformServices

extension Validator {
    /// Parses phone numbers (Bangladesh first, other countries in E.164); errors name `field[i]`.
    mutating func phones(_ field: String, _ values: [String]?, required: Bool) -> [String]? {
        guard let values else {
            if required { add(field, "needs at least one phone number") }
            return nil
        }
        var out: [String] = []
        for (index, raw) in values.enumerated() {
            let trimmed = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if trimmed.isEmpty { continue }
            do {
                let phone = try PhoneNumber(parsing: trimmed)
                if !out.contains(phone.e164) { out.append(phone.e164) }
            } catch {
                add("\(field)[\(index)]", error.description)
            }
        }
        if out.count > 10 { add(field, "may hold at most 10 numbers") }
        if required, out.isEmpty, !errors.contains(where: { $0.field.hasPrefix(field) }) { add(field, "needs at least one phone number") }
        return out
    }

    /// Lowercase tags, trimmed, without duplicates.
    mutating func tags(_ field: String, _ values: [String]?) -> [String]? {
        guard let values else { return nil }
        var out: [String] = []
        for (index, raw) in values.enumerated() {
            let tag = raw.trimmingCharacters(in: .whitespacesAndNewlines).lowercased()
            if tag.isEmpty { continue }
            if tag.count > 40 { add("\(field)[\(index)]", "must be at most 40 characters"); continue }
            if !out.contains(tag) { out.append(tag) }
        }
        if out.count > 20 { add(field, "may hold at most 20 tags") }
        return out
    }

    /// A calendar date written YYYY-MM-DD.
    mutating func date(_ field: String, _ value: String?) -> String? {
        guard let text = text(field, value, required: false, max: 10) else { return nil }
        guard CalendarDate.isValid(text) else {
            add(field, "must be a date written YYYY-MM-DD")
            return nil
        }
        return text
    }

    /// A decimal coordinate in range, as millionths of a degree.
    mutating func coordinate(_ field: String, _ value: String?, limit: Int64) -> Int64? {
        guard let text = text(field, value, required: false, max: 20) else { return nil }
        guard let micro = Decimal6.parse(text) else {
            add(field, "must be a decimal number of degrees such as 23.810332")
            return nil
        }
        guard abs(micro) <= limit * 1_000_000 else {
            add(field, "must be between -\(limit) and \(limit) degrees")
            return nil
        }
        return micro
    }

    /// "" clears (returns .some(nil)); nil leaves (returns nil).
    mutating func optionalText(_ field: String, _ value: String?, max: Int) -> String?? {
        guard let value else { return nil }
        let trimmed = value.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty { return .some(nil) }
        guard let clean = text(field, trimmed, required: false, max: max) else { return .some(nil) }
        return .some(clean)
    }
}

/// Calendar dates as CRM stores them (text, YYYY-MM-DD), through MeghnaCore's `LocalDate`.
public enum CalendarDate {
    public static func isValid(_ text: String) -> Bool { LocalDate(text) != nil }

    /// Today in a time zone, YYYY-MM-DD.
    public static func today(_ now: Date, in zone: TimeZone) -> String { LocalDate.today(now, in: zone).description }
}

/// Decimal text with up to six fraction digits as an exact integer of millionths.
public enum Decimal6 {
    public static func parse(_ text: String) -> Int64? {
        var s = Substring(text.trimmingCharacters(in: .whitespaces))
        var negative = false
        if s.hasPrefix("-") { negative = true; s = s.dropFirst() } else if s.hasPrefix("+") { s = s.dropFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, !whole.isEmpty, whole.count <= 4, whole.allSatisfy(\.isASCII),
              whole.allSatisfy(\.isNumber)
        else { return nil }
        var fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= 6, fraction.allSatisfy({ $0.isASCII && $0.isNumber }), parts.count == 1 || !fraction.isEmpty else { return nil }
        fraction += String(repeating: "0", count: 6 - fraction.count)
        guard let w = Int64(whole), let f = Int64(fraction) else { return nil }
        let value = w * 1_000_000 + f
        return negative ? -value : value
    }

    public static func format(_ micro: Int64) -> String {
        let sign = micro < 0 ? "-" : ""
        let m = abs(micro)
        return sign + String(m / 1_000_000) + "." + String(format: "%06d", m % 1_000_000)
    }
}

/// Words for the search index and for queries: lowercase, accents folded, split on anything
/// that is not a letter or digit.
public enum SearchText {
    public static func fold(_ text: String) -> String {
        text.folding(options: [.diacriticInsensitive, .caseInsensitive, .widthInsensitive], locale: nil).lowercased()
    }

    public static func words(_ text: String?) -> [String] {
        guard let text, !text.isEmpty else { return [] }
        return fold(text).split { !($0.isLetter || $0.isNumber) }.map { String($0.prefix(64)) }
    }
}


/// SQL fragments shared by CRM queries.
enum SQLFragments {
    /// `column IN (…)`, or a false condition for an empty set.
    static func isIn(_ column: String, _ ids: Set<UUID>) -> SQLQueryString {
        if ids.isEmpty { return "1 = 0" }
        return "\(unsafeRaw: column) IN (\(binds: ids.sorted { $0.uuidString < $1.uuidString }.map { $0 as any Encodable & Sendable }))"
    }
}

