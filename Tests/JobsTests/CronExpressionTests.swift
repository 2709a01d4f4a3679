import Foundation
import Testing
import Jobs

/// Parses an ISO 8601 instant with an explicit offset, e.g. "2024-03-10T01:30:00-05:00".
private func instant(_ text: String) -> Date {
    let formatter = ISO8601DateFormatter()
    formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
    if let date = formatter.date(from: text) { return date }
    formatter.formatOptions = [.withInternetDateTime]
    guard let date = formatter.date(from: text) else { fatalError("bad test instant \(text)") }
    return date
}

private func zone(_ identifier: String) -> TimeZone {
    guard let zone = TimeZone(identifier: identifier) else { fatalError("unknown zone \(identifier)") }
    return zone
}

private let dhaka = zone("Asia/Dhaka")
private let newYork = zone("America/New_York")
private let utc = zone("UTC")

/// Follows `next(after:)` `count` times.
private func firings(_ expression: String, after start: String, in timeZone: TimeZone, count: Int) throws -> [Date] {
    let cron = try CronExpression(expression)
    var result: [Date] = []
    var cursor = instant(start)
    for _ in 0..<count {
        guard let next = cron.next(after: cursor, in: timeZone) else { break }
        result.append(next)
        cursor = next
    }
    return result
}

@Suite("CronExpression parsing")
struct CronExpressionParsingTests {
    @Test("Every field form parses", arguments: [
        "* * * * *",
        "0 0 1 1 0",
        "59 23 31 12 7",
        "0,15,30,45 * * * *",
        "0-10 * * * *",
        "*/5 * * * *",
        "1-10/2 * * * *",
        "5/15 * * * *",
        "0 9-17 * * MON-FRI",
        "0 0 * JAN,jul,Dec *",
        "0 0 * jan-MAR/2 sun,sat",
        "0 0 1-7,15 * *",
        "  0   2\t* * *  ",
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly", "@DAILY",
    ])
    func parses(text: String) throws {
        _ = try CronExpression(text)
    }

    @Test("Each error names its field", arguments: [
        ("61 * * * *", "minute", "61 is outside 0\u{2013}59"),
        ("* 61 * * *", "hour", "61 is outside 0\u{2013}23"),
        ("* 24 * * *", "hour", "24 is outside 0\u{2013}23"),
        ("* * 0 * *", "day-of-month", "0 is outside 1\u{2013}31"),
        ("* * 32 * *", "day-of-month", "32 is outside 1\u{2013}31"),
        ("* * * 13 *", "month", "13 is outside 1\u{2013}12"),
        ("* * * 0 *", "month", "0 is outside 1\u{2013}12"),
        ("* * * JAN-13 *", "month", "13 is outside 1\u{2013}12"),
        ("* * * * 8", "day-of-week", "8 is outside 0\u{2013}7"),
        ("99999 * * * *", "minute", "99999 is outside 0\u{2013}59"),
    ])
    func outOfRange(text: String, field: String, message: String) {
        #expect(throws: CronExpression.ParseError(field: field, message: message)) {
            try CronExpression(text)
        }
    }

    @Test("Malformed fields report the field", arguments: [
        ("a * * * *", "minute"),
        ("*/0 * * * *", "minute"),
        ("*/x * * * *", "minute"),
        ("1/2/3 * * * *", "minute"),
        ("5-1 * * * *", "minute"),
        ("1,,2 * * * *", "minute"),
        ("-5 * * * *", "minute"),
        ("* 1- * * *", "hour"),
        ("* /2 * * *", "hour"),
        ("* * L * *", "day-of-month"),
        ("* * ? * *", "day-of-month"),
        ("* * * FOO *", "month"),
        ("* * * JANUARY *", "month"),
        ("* * * * MOX", "day-of-week"),
        ("* * * * FRI-MON", "day-of-week"),
        ("* * * * MON-", "day-of-week"),
        ("* * * * JAN", "day-of-week"),
    ])
    func malformed(text: String, field: String) {
        do {
            _ = try CronExpression(text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect(error.field == field, "\(text): \(error)")
            #expect(!error.message.isEmpty)
            #expect(error.description == "Invalid cron \(field): \(error.message)")
        }
    }

    @Test("Wrong field count and bad macros are expression errors", arguments: [
        "", "   ", "* * * *", "* * * * * *", "0 0 * * * 2024", "@reboot", "@fortnightly", "@",
    ])
    func expressionErrors(text: String) {
        do {
            _ = try CronExpression(text)
            Issue.record("\(text) should not parse")
        } catch {
            #expect(error.field == "expression", "\(text): \(error)")
        }
    }

    @Test func fieldCountMessage() {
        #expect(throws: CronExpression.ParseError(
            field: "expression",
            message: "expected 5 fields (minute hour day-of-month month day-of-week) but found 6"
        )) {
            try CronExpression("* * * * * *")
        }
    }

    @Test func macrosEqualTheirExpansions() throws {
        #expect(try CronExpression("@yearly") == CronExpression("0 0 1 1 *"))
        #expect(try CronExpression("@annually") == CronExpression("@yearly"))
        #expect(try CronExpression("@monthly") == CronExpression("0 0 1 * *"))
        #expect(try CronExpression("@weekly") == CronExpression("0 0 * * 0"))
        #expect(try CronExpression("@daily") == CronExpression("0 0 * * *"))
        #expect(try CronExpression("@midnight") == CronExpression("@daily"))
        #expect(try CronExpression("@hourly") == CronExpression("0 * * * *"))
        #expect(try CronExpression("@daily") != CronExpression("@hourly"))
    }

    @Test func namesNumbersAndSevenForSunday() throws {
        #expect(try CronExpression("0 0 * * 7") == CronExpression("0 0 * * 0"))
        #expect(try CronExpression("0 0 * * SUN") == CronExpression("0 0 * * 0"))
        #expect(try CronExpression("0 0 * * 5-7") == CronExpression("0 0 * * 0,5,6"))
        #expect(try CronExpression("0 0 * * mon-fri") == CronExpression("0 0 * * 1-5"))
        #expect(try CronExpression("0 0 * jan-mar *") == CronExpression("0 0 * 1,2,3 *"))
        #expect(try CronExpression("*/20 * * * *") == CronExpression("0,20,40 * * * *"))
        #expect(try CronExpression("1-10/3 * * * *") == CronExpression("1,4,7,10 * * * *"))
        #expect(try CronExpression("50/4 * * * *") == CronExpression("50,54,58 * * * *"))
        // "*/2" lists the same days as "0,2,4,6" but, starting with "*", counts as unrestricted for the
        // day-of-month/day-of-week OR rule, so the schedules differ (Vixie).
        #expect(try CronExpression("0 0 1 * */2") != CronExpression("0 0 1 * 0,2,4,6"))
        #expect(try CronExpression("0 0 * * */2") == CronExpression("0 0 * * 0,2,4,6"))
    }

    @Test func descriptionIsNormalisedSource() throws {
        #expect(try CronExpression("  */5   *\t* * * ").description == "*/5 * * * *")
        #expect(try CronExpression("@Daily").description == "@daily")
    }
}

@Suite("CronExpression matching")
struct CronExpressionMatchingTests {
    @Test func matchesWallClockInZone() throws {
        let cron = try CronExpression("*/5 9-17 * * MON-FRI")
        #expect(cron.matches(instant("2024-07-01T09:05:00+06:00"), in: dhaka))      // Monday
        #expect(cron.matches(instant("2024-07-01T09:05:42+06:00"), in: dhaka))      // seconds ignored
        #expect(!cron.matches(instant("2024-07-01T09:07:00+06:00"), in: dhaka))
        #expect(!cron.matches(instant("2024-07-01T18:00:00+06:00"), in: dhaka))
        #expect(!cron.matches(instant("2024-06-29T10:00:00+06:00"), in: dhaka))     // Saturday
        // Same instant, different zone: 03:05 UTC is 09:05 in Dhaka.
        #expect(!cron.matches(instant("2024-07-01T09:05:00+06:00"), in: utc))
    }

    @Test func stepsAndRangesMatch() throws {
        let cron = try CronExpression("1-10/2 * * * *")
        let matching = (0..<60).filter { minute in
            cron.matches(instant(String(format: "2024-01-01T00:%02d:00Z", minute)), in: utc)
        }
        #expect(matching == [1, 3, 5, 7, 9])
    }

    @Test func dayOfMonthOrDayOfWeekWhenBothRestricted() throws {
        let cron = try CronExpression("0 9 13 * FRI")
        #expect(cron.matches(instant("2024-09-06T09:00:00Z"), in: utc))   // Friday the 6th
        #expect(cron.matches(instant("2024-10-13T09:00:00Z"), in: utc))   // Sunday the 13th
        #expect(!cron.matches(instant("2024-10-14T09:00:00Z"), in: utc))  // Monday the 14th
    }
}

@Suite("CronExpression next firing")
struct CronExpressionNextTests {
    @Test func everyFiveMinutes() throws {
        let dates = try firings("*/5 * * * *", after: "2024-01-01T10:02:30+06:00", in: dhaka, count: 3)
        #expect(dates == [
            instant("2024-01-01T10:05:00+06:00"),
            instant("2024-01-01T10:10:00+06:00"),
            instant("2024-01-01T10:15:00+06:00"),
        ])
        let cron = try CronExpression("*/5 * * * *")
        #expect(cron.next(after: instant("2024-01-01T10:55:00+06:00"), in: dhaka) == instant("2024-01-01T11:00:00+06:00"))
        #expect(cron.next(after: instant("2024-12-31T23:59:00+06:00"), in: dhaka) == instant("2025-01-01T00:00:00+06:00"))
    }

    @Test func strictlyAfterAtSecondZero() throws {
        let cron = try CronExpression("* * * * *")
        #expect(cron.next(after: instant("2024-01-01T10:00:00Z"), in: utc) == instant("2024-01-01T10:01:00Z"))
        #expect(cron.next(after: instant("2024-01-01T10:00:59.900Z"), in: utc) == instant("2024-01-01T10:01:00Z"))
        #expect(cron.next(after: instant("2024-01-01T09:59:59.999Z"), in: utc) == instant("2024-01-01T10:00:00Z"))
    }

    @Test func dailyAtTwoInDhaka() throws {
        let cron = try CronExpression("0 2 * * *")
        #expect(cron.next(after: instant("2024-05-01T01:59:00+06:00"), in: dhaka) == instant("2024-05-01T02:00:00+06:00"))
        #expect(cron.next(after: instant("2024-05-01T02:00:00+06:00"), in: dhaka) == instant("2024-05-02T02:00:00+06:00"))
        #expect(cron.next(after: instant("2024-05-01T03:00:00+06:00"), in: dhaka) == instant("2024-05-01T20:00:00Z"))
    }

    @Test func monthlyOnTheFirst() throws {
        let dates = try firings("0 0 1 * *", after: "2024-01-15T12:00:00+06:00", in: dhaka, count: 3)
        #expect(dates == [
            instant("2024-02-01T00:00:00+06:00"),
            instant("2024-03-01T00:00:00+06:00"),
            instant("2024-04-01T00:00:00+06:00"),
        ])
        let monthly = try CronExpression("@monthly")
        #expect(monthly.next(after: instant("2024-12-31T23:59:00+06:00"), in: dhaka) == instant("2025-01-01T00:00:00+06:00"))
    }

    @Test func yearlyAndWeekly() throws {
        #expect(try CronExpression("@yearly").next(after: instant("2024-06-01T00:00:00Z"), in: utc) == instant("2025-01-01T00:00:00Z"))
        // 2024-06-01 is a Saturday; @weekly fires Sunday at midnight.
        #expect(try CronExpression("@weekly").next(after: instant("2024-06-01T00:00:00Z"), in: utc) == instant("2024-06-02T00:00:00Z"))
        #expect(try CronExpression("0 0 * * 7").next(after: instant("2024-06-01T00:00:00Z"), in: utc) == instant("2024-06-02T00:00:00Z"))
        #expect(try CronExpression("0 8 * * MON-FRI").next(after: instant("2024-06-01T00:00:00Z"), in: utc) == instant("2024-06-03T08:00:00Z"))
    }

    @Test func dayOfMonthOrDayOfWeekRule() throws {
        // 13th of the month OR any Friday (both restricted → either matches).
        let september = try firings("0 9 13 * 5", after: "2024-09-01T00:00:00Z", in: utc, count: 4)
        #expect(september == [
            instant("2024-09-06T09:00:00Z"),
            instant("2024-09-13T09:00:00Z"),
            instant("2024-09-20T09:00:00Z"),
            instant("2024-09-27T09:00:00Z"),
        ])
        let october = try firings("0 9 13 * 5", after: "2024-10-05T00:00:00Z", in: utc, count: 3)
        #expect(october == [
            instant("2024-10-11T09:00:00Z"),  // Friday
            instant("2024-10-13T09:00:00Z"),  // Sunday the 13th
            instant("2024-10-18T09:00:00Z"),  // Friday
        ])
        // A field starting with "*" is unrestricted for this rule, so both must match (Vixie):
        // odd days of the month that are also Mondays.
        let cron = try CronExpression("0 9 */2 * MON")
        #expect(cron.next(after: instant("2024-07-01T10:00:00Z"), in: utc) == instant("2024-07-15T09:00:00Z"))
        // Only day-of-week restricted.
        #expect(try CronExpression("0 9 * * 1").next(after: instant("2024-07-01T10:00:00Z"), in: utc) == instant("2024-07-08T09:00:00Z"))
    }

    @Test func leapDay() throws {
        let cron = try CronExpression("0 0 29 2 *")
        #expect(cron.next(after: instant("2025-01-01T00:00:00+06:00"), in: dhaka) == instant("2028-02-29T00:00:00+06:00"))
        #expect(cron.next(after: instant("2024-02-29T00:00:00+06:00"), in: dhaka) == instant("2028-02-29T00:00:00+06:00"))
        #expect(cron.next(after: instant("2024-01-31T00:00:00+06:00"), in: dhaka) == instant("2024-02-29T00:00:00+06:00"))
    }

    @Test("Impossible dates give nil", arguments: ["0 0 30 2 *", "0 0 31 4 *", "0 0 31 2,4,6,9,11 *"])
    func impossible(text: String) throws {
        let cron = try CronExpression(text)
        #expect(cron.next(after: instant("2024-01-01T00:00:00Z"), in: utc) == nil)
    }

    @Test func dhakaHasNoDSTAndEveryMinuteIsContinuous() throws {
        let dates = try firings("* * * * *", after: "2024-01-01T23:58:00+06:00", in: dhaka, count: 3)
        #expect(dates == [
            instant("2024-01-01T23:59:00+06:00"),
            instant("2024-01-02T00:00:00+06:00"),
            instant("2024-01-02T00:01:00+06:00"),
        ])
    }

    // New York, 2024-03-10: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
    @Test func springForwardFixedTimeCatchesUpAtTheJump() throws {
        let dates = try firings("30 2 * * *", after: "2024-03-09T12:00:00-05:00", in: newYork, count: 3)
        #expect(dates == [
            instant("2024-03-10T03:00:00-04:00"),  // 02:30 does not exist; runs once at the jump
            instant("2024-03-11T02:30:00-04:00"),
            instant("2024-03-12T02:30:00-04:00"),
        ])
        #expect(try CronExpression("0 3 * * *").next(after: instant("2024-03-10T00:00:00-05:00"), in: newYork)
                == instant("2024-03-10T03:00:00-04:00"))
        #expect(try CronExpression("0 1 * * *").next(after: instant("2024-03-09T12:00:00-05:00"), in: newYork)
                == instant("2024-03-10T01:00:00-05:00"))
    }

    @Test func springForwardWildcardSkipsMissingTimes() throws {
        let halfHourly = try firings("*/30 * * * *", after: "2024-03-10T01:00:00-05:00", in: newYork, count: 3)
        #expect(halfHourly == [
            instant("2024-03-10T01:30:00-05:00"),
            instant("2024-03-10T03:00:00-04:00"),
            instant("2024-03-10T03:30:00-04:00"),
        ])
        let hourly = try firings("30 * * * *", after: "2024-03-10T01:30:00-05:00", in: newYork, count: 2)
        #expect(hourly == [
            instant("2024-03-10T03:30:00-04:00"),
            instant("2024-03-10T04:30:00-04:00"),
        ])
        // The gap is one real hour: 01:59 EST is followed by 03:00 EDT one minute later.
        let cron = try CronExpression("* * * * *")
        #expect(cron.next(after: instant("2024-03-10T01:59:00-05:00"), in: newYork) == instant("2024-03-10T03:00:00-04:00"))
    }

    // New York, 2024-11-03: 02:00 EDT falls back to 01:00 EST (06:00 UTC); 01:xx happens twice.
    @Test func fallBackFixedTimeRunsOnce() throws {
        let dates = try firings("30 1 * * *", after: "2024-11-03T00:00:00-04:00", in: newYork, count: 2)
        #expect(dates == [
            instant("2024-11-03T01:30:00-04:00"),  // first 01:30 (EDT) only
            instant("2024-11-04T01:30:00-05:00"),
        ])
        #expect(try CronExpression("0 2 * * *").next(after: instant("2024-11-03T01:30:00-04:00"), in: newYork)
                == instant("2024-11-03T02:00:00-05:00"))
    }

    @Test func fallBackWildcardRunsInBothHours() throws {
        let hourly = try firings("30 * * * *", after: "2024-11-03T00:00:00-04:00", in: newYork, count: 4)
        #expect(hourly == [
            instant("2024-11-03T00:30:00-04:00"),
            instant("2024-11-03T01:30:00-04:00"),
            instant("2024-11-03T01:30:00-05:00"),
            instant("2024-11-03T02:30:00-05:00"),
        ])
        let quarter = try firings("*/15 * * * *", after: "2024-11-03T01:40:00-04:00", in: newYork, count: 3)
        #expect(quarter == [
            instant("2024-11-03T01:45:00-04:00"),
            instant("2024-11-03T01:00:00-05:00"),
            instant("2024-11-03T01:15:00-05:00"),
        ])
    }

    @Test("Every-minute firings stay one real minute apart across each 2024 offset change", arguments: [
        "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Australia/Sydney",
    ])
    func everyMinuteAcrossTransitions(identifier: String) throws {
        let timeZone = zone(identifier)
        let cron = try CronExpression("* * * * *")
        var cursor = instant("2024-01-01T00:00:00Z")
        var checked = 0
        while let transition = timeZone.nextDaylightSavingTimeTransition(after: cursor),
              transition < instant("2025-01-01T00:00:00Z") {
            var previous = try #require(cron.next(after: transition.addingTimeInterval(-1_800), in: timeZone))
            for _ in 0..<90 {
                let next = try #require(cron.next(after: previous, in: timeZone))
                #expect(next.timeIntervalSince(previous) == 60, "\(identifier) after \(previous)")
                previous = next
            }
            checked += 1
            cursor = transition.addingTimeInterval(3_600)
        }
        #expect(checked == 2)
    }

    @Test("Daily fixed-time jobs run exactly once per local day", arguments: [
        "America/New_York", "Europe/London", "Australia/Lord_Howe", "America/Santiago", "Asia/Dhaka",
    ])
    func dailyExactlyOnce(identifier: String) throws {
        let timeZone = zone(identifier)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        var utcCalendar = Calendar(identifier: .gregorian)
        utcCalendar.timeZone = utc
        for text in ["0 0 * * *", "30 2 * * *", "0 1 * * *", "15 3 * * *"] {
            let dates = try firings(text, after: "2023-12-31T12:00:00Z", in: timeZone, count: 366)
            #expect(dates.count == 366)
            // Local calendar day of each firing, counted as whole days (midnight may not exist locally).
            let days = try dates.map { date -> Int in
                let local = calendar.dateComponents([.year, .month, .day], from: date)
                let midnightUTC = try #require(utcCalendar.date(from: local))
                return Int(midnightUTC.timeIntervalSince1970 / 86_400)
            }
            for (earlier, later) in zip(days, days.dropFirst()) where later - earlier != 1 {
                Issue.record("\(identifier) \(text): day \(earlier) followed by day \(later)")
            }
        }
    }

    @Test func firingsAreStrictlyIncreasingAcrossAYear() throws {
        for text in ["*/7 * * * *", "30 2 * * *", "0 */3 * * *", "15 1 * * *"] {
            let dates = try firings(text, after: "2024-01-01T00:00:00-05:00", in: newYork, count: 400)
            #expect(dates.count == 400)
            #expect(zip(dates, dates.dropFirst()).allSatisfy { $0 < $1 }, "\(text)")
            #expect(dates.allSatisfy { $0.timeIntervalSince1970.truncatingRemainder(dividingBy: 60) == 0 }, "\(text)")
        }
    }
}
