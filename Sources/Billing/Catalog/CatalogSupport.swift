import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform

extension Validator {
    /// A money amount typed as a decimal ("1500", "1500.50", "1,500.50") in `currency`: never a
    /// float, never more decimals than the currency has, not negative unless allowed.
    public mutating func money(_ field: String, _ value: String?, currency: String, required: Bool = true, allowNegative: Bool = false) -> Int64? {
        guard let text = text(field, value, required: required, max: 24) else { return nil }
        let scale = Money.scale(of: currency)
        guard let money = Money(decimal: text, currency: currency) else {
            let example = scale == 0 ? "1500" : "1500." + String(repeating: "0", count: scale)
            add(field, "must be an amount in \(currency) with at most \(scale) decimals, such as \(example)")
            return nil
        }
        guard allowNegative || money.minorUnits >= 0 else {
            add(field, "must not be negative")
            return nil
        }
        guard money.minorUnits.magnitude <= 1_000_000_000_000 else {
            add(field, "is too large")
            return nil
        }
        return money.minorUnits
    }

    /// A speed: "20" or "20M" (Mbit/s), "512k", "1.5M"; returns kbit/s.
    mutating func speed(_ field: String, _ value: String?, required: Bool = true) -> Int? {
        guard let raw = text(field, value, required: required, max: 16) else { return nil }
        var text = raw.lowercased().replacingOccurrences(of: " ", with: "")
        var factor: Int64 = 1000
        for (suffix, f) in [("mbps", Int64(1000)), ("kbps", 1), ("m", 1000), ("k", 1)] where text.hasSuffix(suffix) {
            text = String(text.dropLast(suffix.count))
            factor = f
            break
        }
        // Thousandths of the unit, exactly (no floating point).
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count), let whole = parts.first, (1...8).contains(whole.count), whole.allSatisfy(\.isASCIIDigit),
              parts.count == 1 || ((1...3).contains(parts[1].count) && parts[1].allSatisfy(\.isASCIIDigit)),
              let w = Int64(whole), let f = Int64(parts.count == 2 ? parts[1] + String(repeating: "0", count: 3 - parts[1].count) : "0")
        else {
            add(field, "must be a speed such as 20M, 1.5M or 512k")
            return nil
        }
        let thousandths = (w * 1000 + f) * factor
        let kbps = thousandths / 1000
        guard thousandths % 1000 == 0, (64...10_000_000).contains(kbps) else {
            add(field, "must be between 64k and 10000M in whole kbit/s")
            return nil
        }
        return Int(kbps)
    }

    /// A whole number in a range.
    public mutating func integer(_ field: String, _ value: String?, in range: ClosedRange<Int>, required: Bool = true) -> Int? {
        guard let text = text(field, value, required: required, max: 12) else { return nil }
        guard let n = Int(text), range.contains(n) else {
            add(field, "must be a whole number from \(range.lowerBound) to \(range.upperBound)")
            return nil
        }
        return n
    }

    /// "true"/"false" (also the checkbox "on" and "1"/"0").
    public mutating func flag(_ field: String, _ value: String?) -> Bool? {
        guard let text = value?.trimmingCharacters(in: .whitespaces).lowercased(), !text.isEmpty else { return nil }
        switch text {
        case "true", "on", "1", "yes": return true
        case "false", "off", "0", "no": return false
        default:
            add(field, "must be true or false")
            return nil
        }
    }

    /// One of an enum's raw values.
    public mutating func choice<T: RawRepresentable & CaseIterable>(_ field: String, _ value: String?, as: T.Type, required: Bool = false) -> T?
    where T.RawValue == String {
        guard let text = text(field, value, required: required, max: 40) else { return nil }
        guard let chosen = T(rawValue: text) else {
            add(field, "must be one of \(T.allCases.map(\.rawValue).joined(separator: ", "))")
            return nil
        }
        return chosen
    }

    /// A calendar date YYYY-MM-DD.
    public mutating func localDate(_ field: String, _ value: String?, required: Bool = false) -> LocalDate? {
        guard let text = text(field, value, required: required, max: 10) else { return nil }
        guard let day = LocalDate(text) else {
            add(field, "must be a date written YYYY-MM-DD")
            return nil
        }
        return day
    }

    /// A catalog code: letters, digits, "-", "_" and "." (it names router profiles), stored upper case.
    mutating func code(_ field: String, _ value: String?, required: Bool = true) -> String? {
        guard let text = text(field, value, required: required, max: 32) else { return nil }
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) }) else {
            add(field, "may hold only letters, digits, '-', '_' and '.'")
            return nil
        }
        return text.uppercased()
    }

    /// A percentage with up to two decimals ("5", "7.5", "12.25") as basis points.
    mutating func percent(_ field: String, _ value: String?, required: Bool = true) -> Int? {
        guard let text = text(field, value, required: required, max: 10) else { return nil }
        guard let micro = Decimal6.parse(text.hasSuffix("%") ? String(text.dropLast()).trimmingCharacters(in: .whitespaces) : text),
              micro % 10_000 == 0 else {
            add(field, "must be a percentage with at most two decimals, such as 5 or 7.5")
            return nil
        }
        guard (0...100_000_000).contains(micro) else {
            add(field, micro < 0 ? "must not be negative" : "must be at most 100 %")
            return nil
        }
        return Int(micro / 10_000)
    }
}

/// Shared rules of the catalog: who may change it.
public enum CatalogAccess {
    /// Organization staff with `plans.manage`; never reseller staff. Add-ons, discounts and taxes
    /// apply to every branch, so they also need staff who work in every branch
    /// (`wholeOrganization`); plans sold only in one's own branches do not.
    public static func canManage(_ ctx: TenantContext, wholeOrganization: Bool) -> Bool {
        ctx.can(.plansManage) && !ctx.isResellerScoped && (!wholeOrganization || ctx.isWholeOrganization)
    }

    static func requireManage(_ ctx: TenantContext) throws {
        try ctx.require(.plansManage)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot change the catalog.") }
    }

    static func requireWholeOrganization(_ ctx: TenantContext, _ what: String) throws {
        try ctx.requireWholeOrganization("The catalog's \(what)")
    }
}

/// Basis points as a percentage: 750 → "7.5", 500 → "5", 1225 → "12.25".
public func percentText(_ basisPoints: Int) -> String {
    let whole = basisPoints / 100, fraction = abs(basisPoints % 100)
    if fraction == 0 { return String(whole) }
    return fraction % 10 == 0 ? "\(whole).\(fraction / 10)" : "\(whole).\(String(format: "%02d", fraction))"
}
