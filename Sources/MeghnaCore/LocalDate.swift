import Foundation

/// A calendar date (year, month, day) with no time of day and no time zone, in the proleptic
/// Gregorian calendar. Billing periods, due dates and prepaid expiry are `LocalDate`s in the
/// organization's time zone; turn an instant into one with `today(_:in:)` and back with `start(in:)`.
///
/// Day arithmetic runs on integers (Howard Hinnant's days-from-civil algorithm), never through
/// `Calendar`, so it is exact and fast. The text form is exactly `YYYY-MM-DD`; parsing accepts years
/// 1900...2200 and real dates only. Arithmetic itself is not limited to that range, but a date
/// outside it does not parse (or decode) back.
public struct LocalDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible, LosslessStringConvertible {
    /// The year, e.g. 2025.
    public let year: Int
    /// The month, 1...12.
    public let month: Int
    /// The day of the month, 1...`daysInMonth`.
    public let day: Int

    /// The years the failable initializers accept.
    public static let acceptedYears: ClosedRange<Int> = 1900...2200

    /// A real date in `acceptedYears`, or nil (e.g. February 30, month 13, year 1899).
    public init?(year: Int, month: Int, day: Int) {
        guard LocalDate.acceptedYears.contains(year), (1...12).contains(month),
              day >= 1, day <= LocalDate.daysIn(year: year, month: month)
        else { return nil }
        self.init(unchecked: year, month, day)
    }

    /// Parses exactly `YYYY-MM-DD` (ASCII digits, two hyphens, nothing else); nil for anything else.
    public init?(_ text: String) {
        let bytes = Array(text.utf8)
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return nil }
        func number(_ range: Range<Int>) -> Int? {
            var value = 0
            for byte in bytes[range] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0..<4), let month = number(5..<7), let day = number(8..<10) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    private init(unchecked year: Int, _ month: Int, _ day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// The date `days` days after 1970-01-01 (negative: before).
    private init(daysSince1970 z: Int) {
        // Howard Hinnant, "civil_from_days".
        let shifted = z + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let doe = shifted - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(unchecked: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// Days from 1970-01-01 to this date (negative before it).
    private var daysSince1970: Int {
        // Howard Hinnant, "days_from_civil".
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month > 2 ? month - 3 : month + 9) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    // MARK: Text and coding

    /// `YYYY-MM-DD`.
    public var description: String {
        // The usual years, written digit by digit: bulk writers (a dunning pass over ten
        // thousand subscriptions) format dates tens of thousands of times.
        if (0...9999).contains(year) {
            return String(unsafeUninitializedCapacity: 10) { buffer in
                let digits: [(Int, Int)] = [(year / 1000, 0), (year / 100 % 10, 1), (year / 10 % 10, 2), (year % 10, 3),
                                            (month / 10, 5), (month % 10, 6), (day / 10, 8), (day % 10, 9)]
                for (digit, at) in digits { buffer[at] = UInt8(48 + digit) }
                buffer[4] = 45
                buffer[7] = 45
                return 10
            }
        }
        func padded(_ value: Int, _ width: Int) -> String {
            let digits = String(value.magnitude)
            return (value < 0 ? "-" : "") + String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(year, 4))-\(padded(month, 2))-\(padded(day, 2))"
    }

    /// Decodes from a `YYYY-MM-DD` string; anything else throws `DecodingError.dataCorrupted`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "Expected a date as YYYY-MM-DD, got \"\(text)\".")
        }
        self = date
    }

    /// Encodes as a `YYYY-MM-DD` string.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    /// Chronological order.
    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    // MARK: Instants

    private static func gregorian(in zone: TimeZone) -> Calendar {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = zone
        return calendar
    }

    /// The calendar date it is in `zone` at the instant `now`.
    public static func today(_ now: Date, in zone: TimeZone) -> LocalDate {
        let parts = gregorian(in: zone).dateComponents([.year, .month, .day], from: now)
        guard let year = parts.year, let month = parts.month, let day = parts.day else {
            // Not reachable for the Gregorian calendar; fall back to the UTC-offset arithmetic.
            let seconds = Int(now.timeIntervalSince1970.rounded(.down)) + zone.secondsFromGMT(for: now)
            return LocalDate(daysSince1970: seconds >= 0 ? seconds / 86_400 : (seconds + 1) / 86_400 - 1)
        }
        return LocalDate(unchecked: year, month, day)
    }

    /// The first instant of this date in `zone`: midnight, or the end of a daylight-saving gap
    /// when midnight does not exist there that day.
    public func start(in zone: TimeZone) -> Date {
        let calendar = LocalDate.gregorian(in: zone)
        // Noon of the day always exists; startOfDay then finds the day's first instant.
        let noonUTC = Date(timeIntervalSince1970: TimeInterval(daysSince1970 * 86_400 + 43_200))
        let noonThere = noonUTC.addingTimeInterval(TimeInterval(-zone.secondsFromGMT(for: noonUTC)))
        return calendar.startOfDay(for: noonThere)
    }

    // MARK: Arithmetic

    /// The date `days` days later (earlier when negative).
    public func adding(days: Int) -> LocalDate {
        days == 0 ? self : LocalDate(daysSince1970: daysSince1970 + days)
    }

    /// The same day `months` months later (earlier when negative), clamped to the last day of the
    /// target month: Jan 31 + 1 month = Feb 28 (Feb 29 in a leap year).
    public func adding(months: Int) -> LocalDate {
        let total = year * 12 + (month - 1) + months
        let newYear = total >= 0 ? total / 12 : (total + 1) / 12 - 1
        let newMonth = total - newYear * 12 + 1
        return LocalDate(unchecked: newYear, newMonth, min(day, LocalDate.daysIn(year: newYear, month: newMonth)))
    }

    /// The number of days from this date to `other` (`other - self`; negative when `other` is earlier).
    public func days(to other: LocalDate) -> Int {
        other.daysSince1970 - daysSince1970
    }

    // MARK: Calendar facts

    /// Whether `year` is a Gregorian leap year.
    public static func isLeap(year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    /// Days in the given month (28...31); 0 for a month outside 1...12.
    public static func daysIn(year: Int, month: Int) -> Int {
        switch month {
        case 1, 3, 5, 7, 8, 10, 12: 31
        case 4, 6, 9, 11: 30
        case 2: isLeap(year: year) ? 29 : 28
        default: 0
        }
    }

    /// Whether this date's year is a leap year.
    public var isLeapYear: Bool { LocalDate.isLeap(year: year) }

    /// Days in this date's month.
    public var daysInMonth: Int { LocalDate.daysIn(year: year, month: month) }

    /// The first day of this date's month.
    public var firstOfMonth: LocalDate { LocalDate(unchecked: year, month, 1) }

    /// The last day of this date's month.
    public var lastOfMonth: LocalDate { LocalDate(unchecked: year, month, daysInMonth) }
}
