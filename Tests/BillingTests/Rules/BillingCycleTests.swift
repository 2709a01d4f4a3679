import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("Monthly billing cycle")
struct BillingCycleTests {
    @Test("A billing day must be 1...31", arguments: [0, 32, -1, 100, Int.min, Int.max])
    func rejectsBillingDay(day: Int) {
        #expect(throws: DomainError.invalid("billing_day", "must be between 1 and 31")) { try MonthlyCycle(anchorDay: day) }
    }

    @Test(arguments: [1, 15, 28, 29, 30, 31])
    func acceptsBillingDay(day: Int) throws {
        #expect(try MonthlyCycle(anchorDay: day).anchorDay == day)
    }

    @Test("The period containing a date", arguments: [
        (1, "2024-03-15", "2024-03-01", "2024-03-31", 31),
        (1, "2024-03-01", "2024-03-01", "2024-03-31", 31),
        (1, "2024-02-29", "2024-02-01", "2024-02-29", 29),
        (1, "2023-02-14", "2023-02-01", "2023-02-28", 28),
        (1, "2024-04-30", "2024-04-01", "2024-04-30", 30),
        (15, "2024-03-14", "2024-02-15", "2024-03-14", 29),
        (15, "2024-03-15", "2024-03-15", "2024-04-14", 31),
        (15, "2025-01-10", "2024-12-15", "2025-01-14", 31),
        (15, "2024-12-20", "2024-12-15", "2025-01-14", 31),
        (31, "2024-01-31", "2024-01-31", "2024-02-28", 29),
        (31, "2024-02-28", "2024-01-31", "2024-02-28", 29),
        (31, "2024-02-29", "2024-02-29", "2024-03-30", 31),
        (31, "2024-03-30", "2024-02-29", "2024-03-30", 31),
        (31, "2024-03-31", "2024-03-31", "2024-04-29", 30),
        (31, "2023-02-27", "2023-01-31", "2023-02-27", 28),
        (31, "2023-02-28", "2023-02-28", "2023-03-30", 31),
        (31, "2024-04-29", "2024-03-31", "2024-04-29", 30),
        (31, "2024-04-30", "2024-04-30", "2024-05-30", 31),
        (31, "2024-12-31", "2024-12-31", "2025-01-30", 31),
        (30, "2024-02-29", "2024-02-29", "2024-03-29", 30),
        (30, "2023-03-01", "2023-02-28", "2023-03-29", 30),
        (30, "2023-02-27", "2023-01-30", "2023-02-27", 29),
        (29, "2023-02-28", "2023-02-28", "2023-03-28", 29),
        (29, "2024-02-28", "2024-01-29", "2024-02-28", 31),
        (28, "2024-02-28", "2024-02-28", "2024-03-27", 29),
    ])
    func periodContaining(anchor: Int, on: String, start: String, end: String, days: Int) throws {
        let found = try cycle(anchor).period(containing: date(on))
        #expect(found == (try period(start, end)))
        #expect(found.days == days)
    }

    @Test("Billing day 31 is anchored back after short months")
    func anchoredBack() throws {
        let leap = try cycle(31).periods(startingWith: period("2024-01-31", "2024-02-28"), count: 6)
        #expect(leap == [
            try period("2024-01-31", "2024-02-28"),
            try period("2024-02-29", "2024-03-30"),
            try period("2024-03-31", "2024-04-29"),
            try period("2024-04-30", "2024-05-30"),
            try period("2024-05-31", "2024-06-29"),
            try period("2024-06-30", "2024-07-30"),
        ])
        #expect(leap.map(\.days) == [29, 31, 30, 31, 30, 31])

        let common = try cycle(31).periods(startingWith: period("2023-01-31", "2023-02-27"), count: 3)
        #expect(common == [
            try period("2023-01-31", "2023-02-27"),
            try period("2023-02-28", "2023-03-30"),
            try period("2023-03-31", "2023-04-29"),
        ])
        #expect(common.map(\.days) == [28, 31, 30])
    }

    @Test("Periods cross the year end", arguments: [
        (15, "2024-11-15", "2024-12-14", ["2024-12-15", "2025-01-15", "2025-02-15"]),
        (1, "2024-12-01", "2024-12-31", ["2025-01-01", "2025-02-01", "2025-03-01"]),
    ])
    func yearEnd(anchor: Int, start: String, end: String, nextStarts: [String]) throws {
        let list = try cycle(anchor).periods(startingWith: period(start, end), count: 4)
        #expect(list.dropFirst().map(\.start.description) == nextStarts)
    }

    @Test(arguments: [0, -1])
    func noPeriods(count: Int) throws {
        #expect(try cycle(5).periods(startingWith: period("2024-01-05", "2024-02-04"), count: count).isEmpty)
    }

    @Test("Periods tile the calendar: contiguous, 28...31 days, one start per month", arguments: [1, 15, 28, 29, 30, 31])
    func tiling(anchor: Int) throws {
        let billing = try cycle(anchor)
        let first = billing.period(containing: try date("2023-01-20"))
        let list = billing.periods(startingWith: first, count: 60)
        for (earlier, later) in zip(list, list.dropFirst()) {
            #expect(earlier.end.adding(days: 1) == later.start)
            #expect(later.start.month != earlier.start.month)
            #expect(later.start.day == min(anchor, later.start.daysInMonth))
        }
        #expect(list.allSatisfy { (28...31).contains($0.days) })
        for day in list.flatMap({ [$0.start, $0.end] }) {
            #expect(billing.period(containing: day) == list.first { $0.contains(day) })
        }
    }

    @Test("The next period start on or after a date", arguments: [
        (31, "2024-02-10", "2024-02-29"),
        (31, "2024-02-29", "2024-02-29"),
        (31, "2024-03-01", "2024-03-31"),
        (31, "2023-02-10", "2023-02-28"),
        (15, "2024-12-16", "2025-01-15"),
        (15, "2024-12-15", "2024-12-15"),
        (1, "2024-12-02", "2025-01-01"),
        (1, "2024-12-01", "2024-12-01"),
    ])
    func nextStart(anchor: Int, on: String, expected: String) throws {
        #expect(try cycle(anchor).periodStart(onOrAfter: date(on)) == date(expected))
    }

    @Test("A mid-cycle activation starts with a stub", arguments: [
        (1, "2024-03-15", "2024-03-15", "2024-03-31", "2024-04-01", "2024-04-30"),
        (15, "2024-03-20", "2024-03-20", "2024-04-14", "2024-04-15", "2024-05-14"),
        (31, "2024-02-10", "2024-02-10", "2024-02-28", "2024-02-29", "2024-03-30"),
        (10, "2024-12-31", "2024-12-31", "2025-01-09", "2025-01-10", "2025-02-09"),
        (5, "2024-03-04", "2024-03-04", "2024-03-04", "2024-03-05", "2024-04-04"),
    ])
    func stub(anchor: Int, activated: String, stubStart: String, stubEnd: String, nextStart: String, nextEnd: String) throws {
        let billing = try cycle(anchor)
        let stub = try #require(billing.stubPeriod(activatedOn: date(activated)))
        #expect(stub == (try period(stubStart, stubEnd)))
        #expect(billing.next(after: stub) == (try period(nextStart, nextEnd)))
    }

    @Test("Activation on a period start has no stub", arguments: [
        (1, "2024-03-01"), (31, "2023-02-28"), (31, "2024-02-29"), (31, "2024-01-31"), (30, "2024-02-29"), (15, "2025-01-15"),
    ])
    func noStub(anchor: Int, activated: String) throws {
        #expect(try cycle(anchor).stubPeriod(activatedOn: date(activated)) == nil)
    }

    @Test("The billing day rule picks the anchor", arguments: [
        (BillingDayRule.anniversary, "2024-01-31", 31),
        (.anniversary, "2024-02-29", 29),
        (.anniversary, "2024-03-01", 1),
        (.fixed(10), "2024-01-31", 10),
        (.fixed(31), "2024-02-05", 31),
    ])
    func anchorDay(rule: BillingDayRule, activated: String, expected: Int) throws {
        #expect(rule.anchorDay(activatedOn: try date(activated)) == expected)
        #expect(try rule.cycle(activatedOn: date(activated)).anchorDay == expected)
    }

    @Test("Anniversary billing never starts with a stub", arguments: ["2024-01-31", "2024-02-29", "2023-02-28", "2024-04-30", "2024-07-01", "2024-12-31"])
    func anniversaryHasNoStub(activated: String) throws {
        let on = try date(activated)
        #expect(try BillingDayRule.anniversary.cycle(activatedOn: on).stubPeriod(activatedOn: on) == nil)
    }

    @Test func fixedRuleOutOfRangeThrows() throws {
        #expect(throws: DomainError.invalid("billing_day", "must be between 1 and 31")) {
            try BillingDayRule.fixed(0).cycle(activatedOn: date("2024-01-01"))
        }
    }

    @Test("A billing day rule codes as \"anniversary\" or the day", arguments: [
        (BillingDayRule.anniversary, #"["anniversary"]"#),
        (.fixed(15), "[15]"),
        (.fixed(31), "[31]"),
    ])
    func ruleCoding(rule: BillingDayRule, json: String) throws {
        #expect(String(decoding: try JSONEncoder().encode([rule]), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode([BillingDayRule].self, from: Data(json.utf8)) == [rule])
    }

    @Test(arguments: ["[0]", "[32]", #"["monthly"]"#, "[true]", "[null]", #"[{"fixed":{"_0":15}}]"#])
    func ruleDecodingRejects(json: String) {
        #expect(throws: DecodingError.self) { try JSONDecoder().decode([BillingDayRule].self, from: Data(json.utf8)) }
    }

    @Test func periodBasics() throws {
        let start = try date("2024-01-31"), end = try date("2024-02-28")
        #expect(BillingPeriod(start: end, end: start) == nil)
        let single = try #require(BillingPeriod(start: start, end: start))
        #expect(single.days == 1)
        let month = try period("2024-01-31", "2024-02-28")
        #expect(month.days == 29)
        let inside = try date("2024-02-10"), before = try date("2024-01-30"), after = try date("2024-02-29")
        #expect(month.contains(start) && month.contains(end) && month.contains(inside))
        #expect(!month.contains(before) && !month.contains(after))
        #expect(month.description == "2024-01-31–2024-02-28")
    }

    @Test func periodCoding() throws {
        let json = #"{"end":"2024-02-28","start":"2024-01-31"}"#
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(try period("2024-01-31", "2024-02-28")), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(BillingPeriod.self, from: Data(json.utf8)) == (try period("2024-01-31", "2024-02-28")))
        let backwards = #"{"end":"2024-01-30","start":"2024-01-31"}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(BillingPeriod.self, from: Data(backwards.utf8)) }
    }
}
