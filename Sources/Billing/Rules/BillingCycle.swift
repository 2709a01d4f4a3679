import Foundation
import MeghnaCore

/// A run of whole calendar days, `start` through `end` inclusive, in the organization's time zone.
/// A period is never empty: `end` is never before `start`.
public struct BillingPeriod: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The first day of the period.
    public let start: LocalDate
    /// The last day of the period (inclusive).
    public let end: LocalDate

    /// The period `start...end`, or nil when `end` is before `start`.
    public init?(start: LocalDate, end: LocalDate) {
        guard start <= end else { return nil }
        self.start = start
        self.end = end
    }

    init(unchecked start: LocalDate, _ end: LocalDate) {
        self.start = start
        self.end = end
    }

    /// The number of days in the period, counting both ends (at least 1).
    public var days: Int { start.days(to: end) + 1 }

    /// Whether `date` falls within the period (ends included).
    public func contains(_ date: LocalDate) -> Bool { start <= date && date <= end }

    /// `START–END`, e.g. `2025-01-15–2025-02-14`.
    public var description: String { "\(start)–\(end)" }

    private enum CodingKeys: String, CodingKey { case start, end }

    /// Decodes `{"start": "YYYY-MM-DD", "end": "YYYY-MM-DD"}`; an end before the start throws
    /// `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let start = try container.decode(LocalDate.self, forKey: .start)
        let end = try container.decode(LocalDate.self, forKey: .end)
        guard start <= end else {
            throw DecodingError.dataCorruptedError(forKey: .end, in: container, debugDescription: "The period ends before it starts.")
        }
        self.init(unchecked: start, end)
    }
}

/// Monthly billing periods anchored on a billing day.
///
/// A period starts on the anchor day of a month, clamped to that month's last day (anchor 31 →
/// February 28 or 29, April 30). The next period starts on the anchor day of the next month,
/// clamped again: the anchor is not lost after a short month (after a February period starting on
/// the 28th, March's starts on the 31st). Each period ends the day before the next one starts, so
/// every calendar month holds exactly one period start.
public struct MonthlyCycle: Sendable, Hashable {
    /// The billing day, 1...31.
    public let anchorDay: Int

    /// A cycle anchored on `anchorDay`; throws a validation error on field `billing_day` unless it is 1...31.
    public init(anchorDay: Int) throws(DomainError) {
        guard (1...31).contains(anchorDay) else { throw DomainError.invalid("billing_day", "must be between 1 and 31") }
        self.anchorDay = anchorDay
    }

    /// The period start in the same month as `date`.
    private func start(inMonthOf date: LocalDate) -> LocalDate {
        let first = date.firstOfMonth
        return first.adding(days: min(anchorDay, first.daysInMonth) - 1)
    }

    /// The period start in the month after `date`'s month.
    private func start(inMonthAfter date: LocalDate) -> LocalDate {
        start(inMonthOf: date.firstOfMonth.adding(months: 1))
    }

    /// The period start in the month before `date`'s month.
    private func start(inMonthBefore date: LocalDate) -> LocalDate {
        start(inMonthOf: date.firstOfMonth.adding(months: -1))
    }

    /// The period that contains `date`.
    public func period(containing date: LocalDate) -> BillingPeriod {
        let here = start(inMonthOf: date)
        if date >= here {
            return BillingPeriod(unchecked: here, start(inMonthAfter: date).adding(days: -1))
        }
        return BillingPeriod(unchecked: start(inMonthBefore: date), here.adding(days: -1))
    }

    /// The first period start on or after `date` (`date` itself when it is one).
    public func periodStart(onOrAfter date: LocalDate) -> LocalDate {
        let here = start(inMonthOf: date)
        return date <= here ? here : start(inMonthAfter: date)
    }

    /// The period that begins the day after `period` ends. For a period of this cycle (or a stub
    /// from `stubPeriod(activatedOn:)`) that is the following full period.
    public func next(after period: BillingPeriod) -> BillingPeriod {
        self.period(containing: period.end.adding(days: 1))
    }

    /// `count` consecutive periods: `first`, then each `next(after:)` the one before. Empty when `count <= 0`.
    public func periods(startingWith first: BillingPeriod, count: Int) -> [BillingPeriod] {
        guard count > 0 else { return [] }
        var result = [first]
        result.reserveCapacity(count)
        while result.count < count, let last = result.last {
            result.append(next(after: last))
        }
        return result
    }

    /// The short first period of a subscription activated between period starts:
    /// `activatedOn` through the day before the next period start. Nil when `activatedOn` is itself
    /// a period start (the first period is then a full one). Charge it with
    /// `Proration.stub(price:stub:fullPeriod:)` against `period(containing: activatedOn)`.
    public func stubPeriod(activatedOn: LocalDate) -> BillingPeriod? {
        let next = periodStart(onOrAfter: activatedOn)
        guard next != activatedOn else { return nil }
        return BillingPeriod(unchecked: activatedOn, next.adding(days: -1))
    }
}

/// How a subscription's billing day is chosen.
///
/// Codable as a single value: the string `"anniversary"` or the billing day as a number (1...31).
public enum BillingDayRule: Sendable, Hashable, Codable {
    /// Bill on the day of the month the subscription was activated.
    case anniversary
    /// Bill on this day of every month (1...31, clamped to short months' last day).
    case fixed(Int)

    /// The billing day for a subscription activated on `activatedOn`.
    public func anchorDay(activatedOn: LocalDate) -> Int {
        switch self {
        case .anniversary: activatedOn.day
        case .fixed(let day): day
        }
    }

    /// The billing cycle for a subscription activated on `activatedOn`; throws on field `billing_day`
    /// when a fixed day is outside 1...31.
    public func cycle(activatedOn: LocalDate) throws(DomainError) -> MonthlyCycle {
        try MonthlyCycle(anchorDay: anchorDay(activatedOn: activatedOn))
    }

    /// Decodes `"anniversary"` or a day 1...31; anything else throws `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let day = try? container.decode(Int.self) {
            guard (1...31).contains(day) else {
                throw DecodingError.dataCorruptedError(in: container, debugDescription: "A billing day must be between 1 and 31.")
            }
            self = .fixed(day)
        } else if let text = try? container.decode(String.self), text == "anniversary" {
            self = .anniversary
        } else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected \"anniversary\" or a billing day 1...31.")
        }
    }

    /// Encodes `"anniversary"` or the fixed day.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .anniversary: try container.encode("anniversary")
        case .fixed(let day): try container.encode(day)
        }
    }
}
