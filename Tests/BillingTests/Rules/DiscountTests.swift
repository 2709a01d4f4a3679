import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("Discounts")
struct DiscountTests {
    @Test("Percentage discounts round half away from zero", arguments: [
        (1000, "1000.00", "100.00"),
        (3333, "100.00", "33.33"),
        (3333, "0.50", "0.17"),       // 16.665 poisha
        (5000, "0.01", "0.01"),       // 0.5 poisha
        (1250, "999.99", "125.00"),   // 12499.875 poisha
        (10000, "1000.00", "1000.00"),
        (0, "1000.00", "0.00"),
        (1000, "0.00", "0.00"),
        (1000, "-100.00", "0.00"),    // nothing off a credit
        (12000, "100.00", "100.00"),  // invalid over 100 %: never more than the base
        (-500, "100.00", "0.00"),     // invalid negative: never negative
    ])
    func percent(basisPoints: Int, base: String, expected: String) throws {
        #expect(DiscountValue.percent(basisPoints: basisPoints).amount(off: try bdt(base)) == (try bdt(expected)))
    }

    @Test("Fixed discounts never exceed the base", arguments: [
        ("200.00", "1000.00", "200.00"),
        ("1500.00", "1000.00", "1000.00"),
        ("1000.00", "1000.00", "1000.00"),
        ("200.00", "0.00", "0.00"),
        ("200.00", "-100.00", "0.00"),
        ("-50.00", "100.00", "0.00"),
        ("0.01", "999999.99", "0.01"),
    ])
    func fixed(amount: String, base: String, expected: String) throws {
        #expect(DiscountValue.fixed(try bdt(amount)).amount(off: try bdt(base)) == (try bdt(expected)))
    }

    @Test func fixedInAnotherCurrencyTakesNothing() throws {
        #expect(DiscountValue.fixed(Money(minorUnits: 500, currency: "USD")).amount(off: try bdt("100.00")) == (try bdt("0.00")))
    }

    @Test("Terms are validated", arguments: [
        (DiscountValue.percent(basisPoints: 10_001), Int?.none, [FieldError("value", "must be at most 100 %")]),
        (.percent(basisPoints: -1), nil, [FieldError("value", "must not be negative")]),
        (.fixed(Money(minorUnits: -1)), nil, [FieldError("value", "must not be negative")]),
        (.percent(basisPoints: 1000), 0, [FieldError("cycles", "must be at least 1")]),
        (.percent(basisPoints: 20_000), -1, [FieldError("value", "must be at most 100 %"), FieldError("cycles", "must be at least 1")]),
    ])
    func validation(value: DiscountValue, cycles: Int?, errors: [FieldError]) throws {
        let start = try date("2024-01-01")
        #expect(throws: DomainError.validation(errors)) { try DiscountTerm(value: value, cycles: cycles, firstPeriodStart: start) }
    }

    @Test("Valid terms", arguments: [
        (DiscountValue.percent(basisPoints: 10_000), Int?.some(1)),
        (.percent(basisPoints: 0), nil),
        (.fixed(Money(minorUnits: 0)), 12),
    ])
    func valid(value: DiscountValue, cycles: Int?) throws {
        let term = try DiscountTerm(value: value, cycles: cycles, firstPeriodStart: date("2024-01-01"))
        #expect(term.value == value && term.cycles == cycles)
    }

    @Test("A term applies to its first N periods", arguments: [
        (Int?.some(1), 0, true), (1, 1, false), (1, -1, false),
        (3, 0, true), (3, 1, true), (3, 2, true), (3, 3, false), (3, 12, false),
        (nil, 0, true), (nil, 1, true), (nil, 120, true), (nil, -1, false),
    ])
    func applies(cycles: Int?, index: Int, expected: Bool) throws {
        let term = try DiscountTerm(value: .percent(basisPoints: 1000), cycles: cycles, firstPeriodStart: date("2024-01-15"))
        #expect(term.applies(toPeriodIndex: index) == expected)
    }

    @Test("Period indexes count the cycle's periods from the first one billed", arguments: [
        // (billing day, first period start, period start, period end, index)
        (15, "2024-11-15", "2024-11-15", "2024-12-14", 0),
        (15, "2024-11-15", "2025-01-15", "2025-02-14", 2),
        (15, "2024-11-15", "2024-10-15", "2024-11-14", -1),
        (31, "2024-01-31", "2024-02-29", "2024-03-30", 1),
        (31, "2024-01-31", "2025-01-31", "2025-02-27", 12),
        // A stub (activated 2024-03-15, billing day 1) is index 0, the first full period index 1.
        (1, "2024-03-15", "2024-03-15", "2024-03-31", 0),
        (1, "2024-03-15", "2024-04-01", "2024-04-30", 1),
    ])
    func periodIndex(anchor: Int, first: String, start: String, end: String, index: Int) throws {
        let term = try DiscountTerm(value: .percent(basisPoints: 1000), cycles: 1, firstPeriodStart: date(first))
        let billing = try cycle(anchor), billed = try period(start, end)
        #expect(term.periodIndex(of: billed, in: billing) == index)
        #expect(term.applies(to: billed, in: billing) == (index == 0))
    }

    @Test("Discounts code compactly", arguments: [
        (DiscountValue.percent(basisPoints: 1000), #"{"percent":1000}"#),
        (.fixed(Money(minorUnits: 20000)), #"{"fixed":{"currency":"BDT","minorUnits":20000}}"#),
    ])
    func coding(value: DiscountValue, json: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        #expect(String(decoding: try encoder.encode(value), as: UTF8.self) == json)
        #expect(try JSONDecoder().decode(DiscountValue.self, from: Data(json.utf8)) == value)
    }

    @Test func termsCode() throws {
        let term = try DiscountTerm(value: .percent(basisPoints: 1000), cycles: 3, firstPeriodStart: date("2024-01-15"))
        #expect(try JSONDecoder().decode(DiscountTerm.self, from: JSONEncoder().encode(term)) == term)
        for bad in [#"{"value":{"percent":10001},"firstPeriodStart":"2024-01-15"}"#,
                    #"{"value":{"percent":1000},"cycles":0,"firstPeriodStart":"2024-01-15"}"#,
                    #"{"value":{},"firstPeriodStart":"2024-01-15"}"#] {
            #expect(throws: DecodingError.self) { try JSONDecoder().decode(DiscountTerm.self, from: Data(bad.utf8)) }
        }
    }
}
