import Foundation
import MeghnaCore

/// A tax (VAT, supplementary duty, ...) charged on an invoice line, as a rate in basis points
/// (1 % = 100: 5 % = 500, 7.5 % = 750).
public struct TaxRate: Sendable, Hashable, Codable {
    /// The name printed on the invoice, e.g. "VAT".
    public let name: String
    /// The rate in basis points, 0...10000.
    public let basisPoints: Int
    /// Whether prices already include this tax (true) or it is added on top (false).
    public let inclusive: Bool

    /// The accepted rates in basis points (0 % ... 100 %).
    public static let basisPointRange: ClosedRange<Int> = 0...10_000

    /// A validated rate. Throws a validation error on field `name` when the (trimmed) name is empty
    /// or longer than 100 characters and on field `rate` unless `basisPoints` is 0...10000.
    public init(name: String, basisPoints: Int, inclusive: Bool) throws(DomainError) {
        var validator = Validator()
        let cleaned = validator.text("name", name, max: 100)
        if !TaxRate.basisPointRange.contains(basisPoints) { validator.add("rate", "must be between 0 % and 100 %") }
        try validator.check()
        self.name = cleaned ?? name
        self.basisPoints = basisPoints
        self.inclusive = inclusive
    }

    private enum CodingKeys: String, CodingKey { case name, basisPoints, inclusive }

    /// Decodes and validates like `init(name:basisPoints:inclusive:)`; an invalid rate throws
    /// `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                name: container.decode(String.self, forKey: .name),
                basisPoints: container.decode(Int.self, forKey: .basisPoints),
                inclusive: container.decode(Bool.self, forKey: .inclusive)
            )
        } catch let error as DomainError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }
}

/// One tax on one invoice line.
public struct TaxLine: Sendable, Hashable, Codable {
    /// The tax's name.
    public let name: String
    /// The rate in basis points.
    public let basisPoints: Int
    /// Whether the line's amount already included this tax.
    public let inclusive: Bool
    /// The taxable value the tax is computed on (the line's net amount).
    public let base: Money
    /// The tax.
    public let amount: Money

    /// A line as stored or as computed by `Tax.apply(_:to:)`.
    public init(name: String, basisPoints: Int, inclusive: Bool, base: Money, amount: Money) {
        self.name = name
        self.basisPoints = basisPoints
        self.inclusive = inclusive
        self.base = base
        self.amount = amount
    }
}

/// Tax arithmetic for invoice lines.
public enum Tax {
    /// Applies `rates` to one invoice line of `amount`. Several rates may apply; none compounds
    /// (every tax is computed on the same net amount).
    ///
    /// Rounding rule: one rounding per tax per invoice line, half away from zero (`Money.scaled`),
    /// so a credit line (negative amount) gives exactly the negatives of the same positive line.
    /// An invoice's tax is the sum of its lines' taxes, never recomputed on the invoice total.
    ///
    /// - Inclusive rates: `amount` already contains them. `net = amount × 10000 / (10000 + Σ inclusive bp)`,
    ///   rounded; the inclusive tax total is `amount - net`, split among the inclusive rates in
    ///   proportion to their basis points, each share rounded, and the last inclusive rate with a
    ///   non-zero rate takes the remainder so the shares sum exactly (0 % rates get zero).
    /// - Exclusive rates: each is `net × bp / 10000`, rounded, added on top.
    /// - `gross = net + every tax`; with inclusive rates only, `gross == amount`.
    ///
    /// Lines are returned in the order of `rates`, in `amount`'s currency.
    public static func apply(_ rates: [TaxRate], to amount: Money) -> (net: Money, taxes: [TaxLine], gross: Money) {
        let zero = Money(minorUnits: 0, currency: amount.currency)
        // A rate made through the initializer is within 0...10000; clamp anyway so the divisor is never 0.
        func points(_ rate: TaxRate) -> Int64 { Int64(min(max(rate.basisPoints, 0), 10_000)) }

        let inclusivePoints = rates.filter(\.inclusive).reduce(Int64(0)) { $0 + points($1) }
        let net = inclusivePoints == 0 ? amount : amount.scaled(by: 10_000, over: 10_000 + inclusivePoints)
        let inclusiveTotal = amount - net
        let remainderTaker = rates.lastIndex { $0.inclusive && points($0) > 0 }

        var amounts = [Money](repeating: zero, count: rates.count)
        var inclusiveAssigned = zero
        for (index, rate) in rates.enumerated() where index != remainderTaker {
            if rate.inclusive {
                guard inclusivePoints > 0 else { continue }
                amounts[index] = inclusiveTotal.scaled(by: points(rate), over: inclusivePoints)
                inclusiveAssigned = inclusiveAssigned + amounts[index]
            } else {
                amounts[index] = net.scaled(by: points(rate), over: 10_000)
            }
        }
        if let remainderTaker { amounts[remainderTaker] = inclusiveTotal - inclusiveAssigned }

        let lines = zip(rates, amounts).map { rate, tax in
            TaxLine(name: rate.name, basisPoints: rate.basisPoints, inclusive: rate.inclusive, base: net, amount: tax)
        }
        let gross = amounts.reduce(net, +)
        return (net, lines, gross)
    }
}
