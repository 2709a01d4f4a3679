import Foundation
import MeghnaCore

/// How much a discount takes off.
///
/// Codable as `{"percent": basisPoints}` or `{"fixed": {"minorUnits": …, "currency": …}}`.
public enum DiscountValue: Sendable, Hashable, Codable {
    /// A share of the base in basis points, 0...10000 (10 % = 1000, 33.33 % = 3333).
    case percent(basisPoints: Int)
    /// A fixed amount per period.
    case fixed(Money)

    /// The discount on `base`: never negative and never more than `base` (zero for a zero or
    /// negative base). A percentage is rounded with `Money.scaled` (half away from zero); a fixed
    /// amount in another currency than `base` takes nothing off (validation should prevent that).
    public func amount(off base: Money) -> Money {
        let zero = Money(minorUnits: 0, currency: base.currency)
        guard base.minorUnits > 0 else { return zero }
        switch self {
        case .percent(let basisPoints):
            let points = Int64(min(max(basisPoints, 0), 10_000))
            return base.scaled(by: points, over: 10_000)
        case .fixed(let money):
            guard money.currency == base.currency else { return zero }
            return Money(minorUnits: min(max(money.minorUnits, 0), base.minorUnits), currency: base.currency)
        }
    }

    /// The problems with this value, on field `value`: a negative amount or percentage, or a
    /// percentage over 100 %.
    public var problems: [FieldError] {
        switch self {
        case .percent(let basisPoints) where basisPoints < 0: [FieldError("value", "must not be negative")]
        case .percent(let basisPoints) where basisPoints > 10_000: [FieldError("value", "must be at most 100 %")]
        case .fixed(let money) where money.minorUnits < 0: [FieldError("value", "must not be negative")]
        default: []
        }
    }

    private enum CodingKeys: String, CodingKey { case percent, fixed }

    /// Decodes `{"percent": …}` or `{"fixed": …}` (not validated: see `problems` and `DiscountTerm`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        if let points = try container.decodeIfPresent(Int.self, forKey: .percent) {
            self = .percent(basisPoints: points)
        } else if let money = try container.decodeIfPresent(Money.self, forKey: .fixed) {
            self = .fixed(money)
        } else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "Expected \"percent\" or \"fixed\"."))
        }
    }

    /// Encodes `{"percent": basisPoints}` or `{"fixed": money}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        switch self {
        case .percent(let basisPoints): try container.encode(basisPoints, forKey: .percent)
        case .fixed(let money): try container.encode(money, forKey: .fixed)
        }
    }
}

/// A discount on a subscription: its value and for how many billing periods it applies, counted
/// from the first period billed with it.
public struct DiscountTerm: Sendable, Hashable, Codable {
    /// How much it takes off each period.
    public let value: DiscountValue
    /// How many periods it applies to; nil means every period (forever).
    public let cycles: Int?
    /// The start of the first period billed with the discount (period index 0).
    public let firstPeriodStart: LocalDate

    /// A validated term. Throws every problem at once: on field `value` a negative value or a
    /// percentage over 100 %, on field `cycles` a count below 1.
    public init(value: DiscountValue, cycles: Int?, firstPeriodStart: LocalDate) throws(DomainError) {
        var validator = Validator()
        for problem in value.problems { validator.add(problem.field, problem.message) }
        if let cycles, cycles < 1 { validator.add("cycles", "must be at least 1") }
        try validator.check()
        self.value = value
        self.cycles = cycles
        self.firstPeriodStart = firstPeriodStart
    }

    /// Whether the discount applies to the period with this index (0 = the first period billed with it).
    public func applies(toPeriodIndex index: Int) -> Bool {
        guard index >= 0 else { return false }
        guard let cycles else { return true }
        return index < cycles
    }

    /// The index of `period` counted from the period holding `firstPeriodStart` (0), in `cycle`.
    /// A stub and the full period that contains it share an index; negative for earlier periods.
    public func periodIndex(of period: BillingPeriod, in cycle: MonthlyCycle) -> Int {
        func monthNumber(_ date: LocalDate) -> Int {
            let start = cycle.period(containing: date).start
            return start.year * 12 + start.month
        }
        return monthNumber(period.start) - monthNumber(firstPeriodStart)
    }

    /// Whether the discount applies to `period` of `cycle`.
    public func applies(to period: BillingPeriod, in cycle: MonthlyCycle) -> Bool {
        applies(toPeriodIndex: periodIndex(of: period, in: cycle))
    }

    private enum CodingKeys: String, CodingKey { case value, cycles, firstPeriodStart }

    /// Decodes and validates like `init(value:cycles:firstPeriodStart:)`; an invalid term throws
    /// `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        do {
            try self.init(
                value: container.decode(DiscountValue.self, forKey: .value),
                cycles: container.decodeIfPresent(Int.self, forKey: .cycles),
                firstPeriodStart: container.decode(LocalDate.self, forKey: .firstPeriodStart)
            )
        } catch let error as DomainError {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: error.description))
        }
    }
}
