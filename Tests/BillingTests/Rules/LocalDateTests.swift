import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("LocalDate")
struct LocalDateTests {
    @Test("Parses real dates written exactly YYYY-MM-DD", arguments: [
        ("2024-02-29", 2024, 2, 29),
        ("2000-02-29", 2000, 2, 29),
        ("1900-01-01", 1900, 1, 1),
        ("2200-12-31", 2200, 12, 31),
        ("2025-04-30", 2025, 4, 30),
        ("2025-12-01", 2025, 12, 1),
    ])
    func parses(text: String, year: Int, month: Int, day: Int) throws {
        let parsed = try #require(LocalDate(text))
        #expect(parsed.year == year && parsed.month == month && parsed.day == day)
        #expect(parsed.description == text)
        #expect(LocalDate(year: year, month: month, day: day) == parsed)
    }

    @Test("Rejects anything else", arguments: [
        "2023-02-29", "1900-02-29", "2100-02-29", "2024-04-31", "2024-13-01", "2024-00-10", "2024-01-00", "2024-01-32",
        "1899-12-31", "2201-01-01", "2024-4-01", "2024-04-1", " 2024-04-01", "2024-04-01 ", "2024/04/01",
        "2024-04-01T00:00", "20240401", "", "abcd-ef-gh", "+024-01-01", "2024-0a-01", "২০২৪-০৪-০১", "２０２４-04-01",
    ])
    func rejects(text: String) {
        #expect(LocalDate(text) == nil)
    }

    @Test("The memberwise initializer accepts real dates in 1900...2200 only", arguments: [
        (2023, 2, 29), (2024, 2, 30), (2024, 6, 31), (2024, 0, 1), (2024, 13, 1), (2024, 1, 0), (1899, 12, 31), (2201, 1, 1), (2024, -1, 5),
    ])
    func memberwiseRejects(year: Int, month: Int, day: Int) {
        #expect(LocalDate(year: year, month: month, day: day) == nil)
    }

    @Test("Adding days", arguments: [
        ("2024-02-28", 1, "2024-02-29"),
        ("2024-02-28", 2, "2024-03-01"),
        ("2023-02-28", 1, "2023-03-01"),
        ("1900-02-28", 1, "1900-03-01"),
        ("2000-02-28", 1, "2000-02-29"),
        ("2024-12-31", 1, "2025-01-01"),
        ("2025-01-01", -1, "2024-12-31"),
        ("2024-03-01", -1, "2024-02-29"),
        ("2024-01-01", 366, "2025-01-01"),
        ("2023-01-01", 365, "2024-01-01"),
        ("2025-03-15", 0, "2025-03-15"),
        ("2000-01-01", 8766, "2024-01-01"),
        ("1900-01-01", 109_573, "2200-01-01"),
        ("2200-01-01", -109_573, "1900-01-01"),
    ])
    func addingDays(start: String, days: Int, expected: String) throws {
        let from = try date(start), to = try date(expected)
        #expect(from.adding(days: days) == to)
        #expect(from.days(to: to) == days)
        #expect(to.days(to: from) == -days)
    }

    @Test("Adding months clamps to the month's end", arguments: [
        ("2024-01-31", 1, "2024-02-29"),
        ("2023-01-31", 1, "2023-02-28"),
        ("2024-03-31", 1, "2024-04-30"),
        ("2024-03-31", -1, "2024-02-29"),
        ("2024-12-15", 1, "2025-01-15"),
        ("2025-01-15", -1, "2024-12-15"),
        ("2024-02-29", 12, "2025-02-28"),
        ("2024-02-29", 48, "2028-02-29"),
        ("2024-05-31", -3, "2024-02-29"),
        ("2024-05-31", -15, "2023-02-28"),
        ("2024-10-31", 14, "2025-12-31"),
        ("2024-01-01", -12, "2023-01-01"),
        ("2024-06-30", 0, "2024-06-30"),
    ])
    func addingMonths(start: String, months: Int, expected: String) throws {
        #expect(try date(start).adding(months: months) == date(expected))
    }

    @Test("Days in a month", arguments: [
        (2024, 2, 29), (2023, 2, 28), (1900, 2, 28), (2000, 2, 29), (2100, 2, 28), (2200, 2, 28),
        (2024, 1, 31), (2024, 3, 31), (2024, 4, 30), (2024, 6, 30), (2024, 9, 30), (2024, 11, 30), (2024, 12, 31),
        (2024, 0, 0), (2024, 13, 0),
    ])
    func daysInMonth(year: Int, month: Int, days: Int) {
        #expect(LocalDate.daysIn(year: year, month: month) == days)
    }

    @Test("Month ends and leap years", arguments: [
        ("2024-02-10", "2024-02-01", "2024-02-29", 29, true),
        ("2023-02-28", "2023-02-01", "2023-02-28", 28, false),
        ("2000-07-04", "2000-07-01", "2000-07-31", 31, true),
        ("2100-09-30", "2100-09-01", "2100-09-30", 30, false),
    ])
    func monthFacts(text: String, first: String, last: String, days: Int, leap: Bool) throws {
        let value = try date(text)
        #expect(value.firstOfMonth == (try date(first)))
        #expect(value.lastOfMonth == (try date(last)))
        #expect(value.daysInMonth == days)
        #expect(value.isLeapYear == leap)
    }

    @Test func ordersChronologically() throws {
        let shuffled = try ["2024-03-01", "2023-12-31", "2024-02-29", "2024-01-31", "2024-02-01"].map { try date($0) }
        let sorted = try ["2023-12-31", "2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01"].map { try date($0) }
        #expect(shuffled.sorted() == sorted)
        #expect(try date("2024-02-29") < date("2024-03-01"))
        #expect(!(try date("2024-03-01") < date("2024-03-01")))
    }

    @Test func codesAsItsString() throws {
        let value = try date("2024-02-29")
        let json = try JSONEncoder().encode([value])
        #expect(String(decoding: json, as: UTF8.self) == #"["2024-02-29"]"#)
        #expect(try JSONDecoder().decode([LocalDate].self, from: json) == [value])
        for bad in [#"["2023-02-29"]"#, #"["29/02/2024"]"#, "[20240229]"] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode([LocalDate].self, from: Data(bad.utf8)) }
        }
    }

    @Test("Today in a time zone", arguments: [
        // 2024-12-31T18:00:00Z is midnight in Dhaka (UTC+6).
        (1_735_668_000, "Asia/Dhaka", "2025-01-01"),
        (1_735_667_999, "Asia/Dhaka", "2024-12-31"),
        (1_735_668_000, "UTC", "2024-12-31"),
        (1_735_689_600, "UTC", "2025-01-01"),
        (1_735_689_600, "America/New_York", "2024-12-31"),
    ])
    func today(seconds: Int, zone: String, expected: String) throws {
        let tz = try #require(TimeZone(identifier: zone))
        #expect(LocalDate.today(Date(timeIntervalSince1970: TimeInterval(seconds)), in: tz) == (try date(expected)))
    }

    @Test("The first instant of a date in a time zone", arguments: [
        ("2025-01-01", "Asia/Dhaka", 1_735_668_000),
        ("2025-01-01", "UTC", 1_735_689_600),
        // Bangladesh kept daylight saving time (UTC+7) from 2009-06-19 23:00.
        ("2009-06-20", "Asia/Dhaka", 1_245_430_800),
        // São Paulo skipped 2018-11-04 00:00–01:00: the day began at 01:00 (UTC-2) = 03:00Z.
        ("2018-11-04", "America/Sao_Paulo", 1_541_300_400),
    ])
    func start(text: String, zone: String, seconds: Int) throws {
        let tz = try #require(TimeZone(identifier: zone))
        let instant = try date(text).start(in: tz)
        #expect(instant == Date(timeIntervalSince1970: TimeInterval(seconds)))
        #expect(LocalDate.today(instant, in: tz) == (try date(text)))
        #expect(LocalDate.today(instant.addingTimeInterval(-1), in: tz) == (try date(text)).adding(days: -1))
    }
}
