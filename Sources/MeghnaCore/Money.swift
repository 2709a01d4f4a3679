import Foundation

/// An amount of money in integer minor units (paisa for BDT) with its ISO 4217 currency.
/// Never a floating-point number: arithmetic is exact, and rounding happens only in `Money.divide`.
public struct Money: Sendable, Hashable, Codable, Comparable, CustomStringConvertible {
    public var minorUnits: Int64
    public var currency: String

    public init(minorUnits: Int64, currency: String = "BDT") {
        self.minorUnits = minorUnits
        self.currency = currency
    }

    /// Decimal places of a currency's minor unit.
    public static func scale(of currency: String) -> Int {
        switch currency.uppercased() {
        case "JPY", "KRW", "VND": 0
        case "KWD", "BHD", "OMR", "JOD": 3
        default: 2
        }
    }

    /// Parses "1500", "1500.5", "1,500.50" (no exponent, no float). Fails on more decimals than the currency has.
    public init?(decimal text: String, currency: String = "BDT") {
        let scale = Money.scale(of: currency)
        var s = text.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: ",", with: "")
        var negative = false
        if s.hasPrefix("-") { negative = true; s.removeFirst() }
        let parts = s.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count <= 2, let whole = parts.first, !whole.isEmpty, whole.allSatisfy(\.isASCIIDigit) else { return nil }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= scale, fraction.allSatisfy(\.isASCIIDigit), !(parts.count == 2 && fraction.isEmpty) else { return nil }
        let padded = fraction + String(repeating: "0", count: scale - fraction.count)
        guard let w = Int64(whole), let f = Int64(padded.isEmpty ? "0" : padded) else { return nil }
        let factor = Int64(pow(10, Double(scale)).rounded())
        let (product, overflow) = w.multipliedReportingOverflow(by: factor)
        guard !overflow else { return nil }
        self.init(minorUnits: (product + f) * (negative ? -1 : 1), currency: currency.uppercased())
    }

    /// "1500.00"
    public var decimalString: String {
        let scale = Money.scale(of: currency)
        guard scale > 0 else { return String(minorUnits) }
        let factor = Int64(pow(10, Double(scale)).rounded())
        let sign = minorUnits < 0 ? "-" : ""
        let magnitude = minorUnits.magnitude
        let whole = magnitude / UInt64(factor)
        let fraction = String(magnitude % UInt64(factor))
        return "\(sign)\(whole).\(String(repeating: "0", count: scale - fraction.count))\(fraction)"
    }

    public var description: String { "\(currency) \(decimalString)" }

    public static func < (lhs: Money, rhs: Money) -> Bool {
        precondition(lhs.currency == rhs.currency, "comparing \(lhs.currency) with \(rhs.currency)")
        return lhs.minorUnits < rhs.minorUnits
    }

    public static func + (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "adding \(lhs.currency) to \(rhs.currency)")
        return Money(minorUnits: lhs.minorUnits + rhs.minorUnits, currency: lhs.currency)
    }

    public static func - (lhs: Money, rhs: Money) -> Money {
        precondition(lhs.currency == rhs.currency, "subtracting \(rhs.currency) from \(lhs.currency)")
        return Money(minorUnits: lhs.minorUnits - rhs.minorUnits, currency: lhs.currency)
    }

    /// The one rounding rule: multiply by numerator/denominator, round half away from zero.
    public func scaled(by numerator: Int64, over denominator: Int64) -> Money {
        precondition(denominator != 0)
        let product = minorUnits.multipliedFullWidth(by: numerator)
        let (q, r) = denominator.dividingFullWidth(product)
        var result = q
        if r != 0, r.magnitude * 2 >= denominator.magnitude {
            result += ((minorUnits < 0) != (numerator < 0)) != (denominator < 0) ? -1 : 1
        }
        return Money(minorUnits: result, currency: currency)
    }
}

extension Character {
    public var isASCIIDigit: Bool { isASCII && isNumber }
}
