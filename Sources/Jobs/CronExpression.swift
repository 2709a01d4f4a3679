import Foundation

/// A standard five-field cron schedule (Vixie cron semantics), evaluated in a given time zone.
///
/// Fields: `minute hour day-of-month month day-of-week`.
/// Each field accepts `*`, numbers, lists (`1,15`), ranges (`1-5`), steps (`*/5`, `1-10/2`, `5/15`,
/// the last meaning 5 through the field's maximum), month names `JAN`–`DEC` and weekday names
/// `SUN`–`SAT` (case-insensitive). In day-of-week both 0 and 7 mean Sunday.
/// Macros: `@yearly`, `@annually`, `@monthly`, `@weekly`, `@daily`, `@midnight`, `@hourly`.
///
/// Day matching follows Vixie cron: when both day-of-month and day-of-week are restricted
/// (neither field starts with `*`), a day matches if **either** matches; otherwise both must match.
///
/// Daylight-saving time follows cronie/Vixie:
/// - A wall-clock time skipped by a spring-forward jump fires once, at the moment of the jump,
///   for jobs with a fixed minute and hour (neither field starts with `*`), so a daily 02:30 job
///   still runs that day. Jobs whose minute or hour field starts with `*` simply skip the missing times.
/// - A wall-clock time repeated by a fall-back jump fires only at its first occurrence for fixed-time
///   jobs, and at both occurrences for jobs whose minute or hour field starts with `*`.
///
/// Equality and hashing compare the schedule, not its spelling (`@daily` == `0 0 * * *`).
public struct CronExpression: Sendable, Hashable, CustomStringConvertible {
    /// What is wrong with a cron expression, and in which field.
    public struct ParseError: Error, Sendable, Hashable, CustomStringConvertible {
        /// `"minute"`, `"hour"`, `"day-of-month"`, `"month"`, `"day-of-week"`, or `"expression"` for the whole text.
        public let field: String
        /// For example `"61 is outside 0–23"`.
        public let message: String

        public init(field: String, message: String) {
            self.field = field
            self.message = message
        }

        public var description: String { "Invalid cron \(field): \(message)" }
    }

    private let minutes: UInt64      // bits 0...59
    private let hours: UInt64        // bits 0...23
    private let daysOfMonth: UInt64  // bits 1...31
    private let months: UInt64       // bits 1...12
    private let daysOfWeek: UInt64   // bits 0...6, Sunday = 0
    private let dayOfMonthStar: Bool
    private let dayOfWeekStar: Bool
    /// Vixie's "wildcard job": the minute or hour field starts with `*`. Drives DST handling.
    private let wildcardTime: Bool
    private let source: String

    public init(_ text: String) throws(ParseError) {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        var body = trimmed
        var spelled = trimmed
        if trimmed.hasPrefix("@") {
            let macro = trimmed.lowercased()
            switch macro {
            case "@yearly", "@annually": body = "0 0 1 1 *"
            case "@monthly": body = "0 0 1 * *"
            case "@weekly": body = "0 0 * * 0"
            case "@daily", "@midnight": body = "0 0 * * *"
            case "@hourly": body = "0 * * * *"
            case "@reboot":
                throw ParseError(field: "expression", message: "@reboot is not a time schedule and is not supported")
            default:
                throw ParseError(
                    field: "expression",
                    message: "unknown macro \(trimmed); use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly"
                )
            }
            spelled = macro
        }

        let parts = body.split(whereSeparator: { $0.isWhitespace })
        guard parts.count == 5 else {
            throw ParseError(
                field: "expression",
                message: "expected 5 fields (minute hour day-of-month month day-of-week) but found \(parts.count)"
            )
        }
        if !trimmed.hasPrefix("@") {
            spelled = parts.joined(separator: " ")
        }

        minutes = try CronField.minute.parse(parts[0])
        hours = try CronField.hour.parse(parts[1])
        daysOfMonth = try CronField.dayOfMonth.parse(parts[2])
        months = try CronField.month.parse(parts[3])
        daysOfWeek = try CronField.dayOfWeek.parse(parts[4])
        dayOfMonthStar = parts[2].hasPrefix("*")
        dayOfWeekStar = parts[4].hasPrefix("*")
        wildcardTime = parts[0].hasPrefix("*") || parts[1].hasPrefix("*")
        source = spelled
    }

    /// The expression as written (whitespace normalised, macros lower-cased).
    public var description: String { source }

    /// Vixie's OR rule applies only when neither day field starts with `*`.
    private var eitherDayMatches: Bool { !dayOfMonthStar && !dayOfWeekStar }

    // MARK: Hashable (semantic)

    public static func == (lhs: CronExpression, rhs: CronExpression) -> Bool {
        lhs.minutes == rhs.minutes && lhs.hours == rhs.hours && lhs.daysOfMonth == rhs.daysOfMonth
            && lhs.months == rhs.months && lhs.daysOfWeek == rhs.daysOfWeek
            && lhs.eitherDayMatches == rhs.eitherDayMatches && lhs.wildcardTime == rhs.wildcardTime
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(minutes)
        hasher.combine(hours)
        hasher.combine(daysOfMonth)
        hasher.combine(months)
        hasher.combine(daysOfWeek)
        hasher.combine(eitherDayMatches)
        hasher.combine(wildcardTime)
    }

    // MARK: Matching

    /// Whether the wall-clock minute containing `date` (seconds ignored) matches every field in `timeZone`.
    ///
    /// This is plain field matching: it does not apply the DST catch-up/repeat rules that `next(after:in:)` uses.
    public func matches(_ date: Date, in timeZone: TimeZone) -> Bool {
        let instant = Int64(date.timeIntervalSince1970.rounded(.down))
        let wall = instant + Int64(timeZone.secondsFromGMT(for: date))
        let day = CronCivil.floorDiv(wall, 86_400)
        let secondOfDay = wall - day * 86_400
        let hour = Int(secondOfDay / 3_600)
        let minute = Int(secondOfDay % 3_600 / 60)
        return bit(minutes, minute) && bit(hours, hour) && dayMatches(Int(day))
    }

    /// The first firing time strictly after `date` (always at second 0 of a wall-clock minute),
    /// or `nil` if there is none within about five years (e.g. `0 0 30 2 *`).
    public func next(after date: Date, in timeZone: TimeZone) -> Date? {
        let after = date.timeIntervalSince1970
        let zone = CronZone(timeZone)
        let startWall = Int64(after.rounded(.down)) + Int64(zone.offset(Int64(after.rounded(.down))))
        let startDay = Int(CronCivil.floorDiv(startWall, 86_400))
        let lastDay = startDay + 5 * 366

        var day = startDay - 1
        while day <= lastDay {
            let (year, month, _) = CronCivil.civil(fromDays: day)
            guard bit(months, month) else {
                day = month == 12
                    ? CronCivil.days(year: year + 1, month: 1, day: 1)
                    : CronCivil.days(year: year, month: month + 1, day: 1)
                continue
            }
            if dayMatches(day), let found = firstFiring(onDay: day, after: after, zone: zone) {
                var best = found
                // Only around offset changes can the next day hold an earlier instant.
                if zone.hasTransition(aroundDay: day) || zone.hasTransition(aroundDay: day + 1),
                   dayMatches(day + 1),
                   let other = firstFiring(onDay: day + 1, after: after, zone: zone) {
                    best = min(best, other)
                }
                return Date(timeIntervalSince1970: TimeInterval(best))
            }
            day += 1
        }
        return nil
    }

    // MARK: Internals

    private func bit(_ mask: UInt64, _ index: Int) -> Bool {
        mask & (1 << UInt64(index)) != 0
    }

    /// Vixie: if either day field starts with `*`, both must match; otherwise either may match.
    private func dayMatches(_ day: Int) -> Bool {
        let (_, month, dayOfMonth) = CronCivil.civil(fromDays: day)
        guard bit(months, month) else { return false }
        let weekday = CronCivil.weekday(fromDays: day)
        let domOK = bit(daysOfMonth, dayOfMonth)
        let dowOK = bit(daysOfWeek, weekday)
        return eitherDayMatches ? (domOK || dowOK) : (domOK && dowOK)
    }

    /// The earliest firing instant (Unix seconds) on local day `day` that is strictly after `after`.
    private func firstFiring(onDay day: Int, after: TimeInterval, zone: CronZone) -> Int64? {
        let dayWall = Int64(day) * 86_400
        if !zone.hasTransition(aroundDay: day) {
            // One fixed offset all day: instants grow with wall time, so the first hit is the earliest.
            let offset = Int64(zone.offset(dayWall - 15 * 3_600))
            if TimeInterval(dayWall + 86_400 - offset) <= after { return nil }
            for hour in 0..<24 where bit(hours, hour) {
                for minute in 0..<60 where bit(minutes, minute) {
                    let instant = dayWall + Int64(hour * 3_600 + minute * 60) - offset
                    if TimeInterval(instant) > after { return instant }
                }
            }
            return nil
        }

        // An offset change touches this day: resolve each wall time explicitly. Every instant for wall
        // time w (including a catch-up at a jump) lies in [w - maxOffset, w - minOffset].
        let offsets = zone.offsets(aroundDay: day)
        let minOffset = Int64(offsets.min() ?? 0)
        let maxOffset = Int64(offsets.max() ?? 0)
        var best: Int64?
        hourLoop: for hour in 0..<24 where bit(hours, hour) {
            for minute in 0..<60 where bit(minutes, minute) {
                let wall = dayWall + Int64(hour * 3_600 + minute * 60)
                if let best, wall - maxOffset > best { break hourLoop }
                if TimeInterval(wall - minOffset) <= after { continue }
                for instant in instants(forWall: wall, offsets: offsets, zone: zone)
                where TimeInterval(instant) > after {
                    best = min(best ?? instant, instant)
                }
            }
        }
        return best
    }

    /// The instants at which the wall-clock time `wall` should fire, per the DST rules above.
    private func instants(forWall wall: Int64, offsets: [Int], zone: CronZone) -> [Int64] {
        let candidates = offsets.map { wall - Int64($0) }
        let valid = Set(zip(candidates, offsets).filter { zone.offset($0.0) == $0.1 }.map(\.0)).sorted()
        switch valid.count {
        case 0:
            // Skipped by a spring-forward jump: fixed-time jobs catch up at the jump.
            guard !wildcardTime, let low = candidates.min(), let high = candidates.max(), low < high else {
                return []
            }
            return [zone.firstChange(after: low, upTo: high)]
        case 1:
            return valid
        default:
            // Repeated by a fall-back jump: fixed-time jobs run once, wildcard jobs run each time.
            return wildcardTime ? valid : [valid[0]]
        }
    }
}

// MARK: - Field parsing

private struct CronField {
    let name: String
    let range: ClosedRange<Int>
    let names: [String: Int]

    static let minute = CronField(name: "minute", range: 0...59, names: [:])
    static let hour = CronField(name: "hour", range: 0...23, names: [:])
    static let dayOfMonth = CronField(name: "day-of-month", range: 1...31, names: [:])
    static let month = CronField(
        name: "month",
        range: 1...12,
        names: ["JAN": 1, "FEB": 2, "MAR": 3, "APR": 4, "MAY": 5, "JUN": 6,
                "JUL": 7, "AUG": 8, "SEP": 9, "OCT": 10, "NOV": 11, "DEC": 12]
    )
    static let dayOfWeek = CronField(
        name: "day-of-week",
        range: 0...7,
        names: ["SUN": 0, "MON": 1, "TUE": 2, "WED": 3, "THU": 4, "FRI": 5, "SAT": 6]
    )

    private var bounds: String { "\(range.lowerBound)\u{2013}\(range.upperBound)" }

    private func fail(_ message: String) -> CronExpression.ParseError {
        CronExpression.ParseError(field: name, message: message)
    }

    func parse(_ text: Substring) throws(CronExpression.ParseError) -> UInt64 {
        var mask: UInt64 = 0
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !item.isEmpty else { throw fail("empty item in list \"\(text)\"") }
            mask |= try parseItem(item)
        }
        return mask
    }

    private func parseItem(_ item: Substring) throws(CronExpression.ParseError) -> UInt64 {
        let pieces = item.split(separator: "/", omittingEmptySubsequences: false)
        guard pieces.count <= 2 else { throw fail("\"\(item)\" has more than one step (/)") }
        let base = pieces[0]

        var step = 1
        if pieces.count == 2 {
            let stepText = pieces[1]
            guard let value = Self.number(stepText), value >= 1 else {
                throw fail("step \"\(stepText)\" must be a whole number of at least 1")
            }
            guard value <= range.upperBound else {
                throw fail("step \(value) is larger than \(range.upperBound)")
            }
            step = value
        }

        let low: Int
        let high: Int
        if base == "*" {
            low = range.lowerBound
            high = name == "day-of-week" ? 6 : range.upperBound
        } else if base.contains("-") {
            let ends = base.split(separator: "-", omittingEmptySubsequences: false)
            guard ends.count == 2, !ends[0].isEmpty, !ends[1].isEmpty else {
                throw fail("\"\(base)\" is not a valid range; write it as start-end")
            }
            low = try value(ends[0])
            high = try value(ends[1])
            guard low <= high else {
                throw fail("range \(ends[0])-\(ends[1]) runs backwards; the start must not be after the end")
            }
        } else {
            guard !base.isEmpty else { throw fail("\"\(item)\" has no value before the step") }
            low = try value(base)
            // Vixie extension: "5/15" means 5 through the maximum, every 15.
            high = pieces.count == 2 ? (name == "day-of-week" ? 6 : range.upperBound) : low
        }

        var mask: UInt64 = 0
        for value in stride(from: low, through: high, by: step) {
            let normalised = name == "day-of-week" ? value % 7 : value
            mask |= 1 << UInt64(normalised)
        }
        return mask
    }

    private func value(_ token: Substring) throws(CronExpression.ParseError) -> Int {
        if let number = Self.number(token) {
            guard range.contains(number) else { throw fail("\(number) is outside \(bounds)") }
            return number
        }
        if !names.isEmpty, let named = names[token.uppercased()] {
            return named
        }
        if token.allSatisfy(\.isNumber) {
            throw fail("\(token) is outside \(bounds)")
        }
        if names.isEmpty {
            throw fail("\"\(token)\" is not a number in \(bounds)")
        }
        let examples = name == "month" ? "JAN\u{2013}DEC" : "SUN\u{2013}SAT"
        throw fail("\"\(token)\" is not a number in \(bounds) or a name \(examples)")
    }

    /// ASCII digits only, at most 4 of them (larger values are reported as out of range by the caller).
    private static func number(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.count <= 4, text.unicodeScalars.allSatisfy({ ("0"..."9").contains($0) }) else {
            return nil
        }
        return Int(text)
    }
}

// MARK: - Calendar arithmetic (proleptic Gregorian, days since 1970-01-01)

private enum CronCivil {
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let q = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? q - 1 : q
    }

    /// Days from 1970-01-01 to the given date (H. Hinnant's algorithm).
    static func days(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yearOfEra = y - era * 400
        let shiftedMonth = (month + 9) % 12
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    static func civil(fromDays days: Int) -> (year: Int, month: Int, day: Int) {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        return (year, month, day)
    }

    /// 0 = Sunday. 1970-01-01 was a Thursday.
    static func weekday(fromDays days: Int) -> Int {
        ((days % 7) + 7 + 4) % 7
    }
}

// MARK: - Time-zone offsets

private struct CronZone {
    let timeZone: TimeZone

    init(_ timeZone: TimeZone) { self.timeZone = timeZone }

    /// UTC offset in seconds at a Unix instant.
    func offset(_ instant: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(instant)))
    }

    /// The instants whose wall times fall on local day `day` lie in this window (offsets span −12h…+14h).
    private func window(aroundDay day: Int) -> (start: Int64, end: Int64) {
        let dayWall = Int64(day) * 86_400
        return (dayWall - 15 * 3_600, dayWall + 86_400 + 13 * 3_600)
    }

    func hasTransition(aroundDay day: Int) -> Bool {
        let (start, end) = window(aroundDay: day)
        if offset(start) != offset(end) { return true }
        let startDate = Date(timeIntervalSince1970: TimeInterval(start))
        if let next = timeZone.nextDaylightSavingTimeTransition(after: startDate),
           next.timeIntervalSince1970 < TimeInterval(end) {
            return true
        }
        return false
    }

    /// Every offset in force at some point of the window around `day`.
    func offsets(aroundDay day: Int) -> [Int] {
        let (start, end) = window(aroundDay: day)
        var found = [offset(start)]
        var cursor = Date(timeIntervalSince1970: TimeInterval(start))
        while let next = timeZone.nextDaylightSavingTimeTransition(after: cursor),
              next.timeIntervalSince1970 < TimeInterval(end), found.count < 8 {
            found.append(timeZone.secondsFromGMT(for: next))
            cursor = next
        }
        found.append(offset(end))
        var unique: [Int] = []
        for value in found where !unique.contains(value) { unique.append(value) }
        return unique
    }

    /// The first instant in (low, high] whose offset differs from the offset at `low`.
    func firstChange(after low: Int64, upTo high: Int64) -> Int64 {
        let initial = offset(low)
        var lo = low
        var hi = high
        guard offset(hi) != initial else { return hi }
        while hi - lo > 1 {
            let mid = lo + (hi - lo) / 2
            if offset(mid) == initial { lo = mid } else { hi = mid }
        }
        return hi
    }
}
