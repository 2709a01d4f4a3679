import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("Daily proration")
struct ProrationTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var start: String, end: String, on: String
        var old: String, new: String
        var remaining: Int, days: Int
        var credit: String, charge: String, net: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "upgrade on the first day of a 30-day month: whole prices",
             start: "2024-04-01", end: "2024-04-30", on: "2024-04-01", old: "500.00", new: "800.00",
             remaining: 30, days: 30, credit: "500.00", charge: "800.00", net: "300.00"),
        Case(label: "upgrade on the last day: 1/30",
             start: "2024-04-01", end: "2024-04-30", on: "2024-04-30", old: "500.00", new: "800.00",
             remaining: 1, days: 30, credit: "16.67", charge: "26.67", net: "10.00"),
        Case(label: "downgrade with 10 of 30 days left: net credit",
             start: "2024-04-01", end: "2024-04-30", on: "2024-04-21", old: "1200.00", new: "600.00",
             remaining: 10, days: 30, credit: "400.00", charge: "200.00", net: "-200.00"),
        Case(label: "31-day month, 21 days left",
             start: "2024-01-01", end: "2024-01-31", on: "2024-01-11", old: "1000.00", new: "1500.00",
             remaining: 21, days: 31, credit: "677.42", charge: "1016.13", net: "338.71"),
        Case(label: "leap February (29 days), 15 days left",
             start: "2024-02-01", end: "2024-02-29", on: "2024-02-15", old: "600.00", new: "900.00",
             remaining: 15, days: 29, credit: "310.34", charge: "465.52", net: "155.18"),
        Case(label: "leap February, change on Feb 29",
             start: "2024-02-01", end: "2024-02-29", on: "2024-02-29", old: "1000.00", new: "0.00",
             remaining: 1, days: 29, credit: "34.48", charge: "0.00", net: "-34.48"),
        Case(label: "28-day February, exactly half left",
             start: "2023-02-01", end: "2023-02-28", on: "2023-02-15", old: "1000.00", new: "700.00",
             remaining: 14, days: 28, credit: "500.00", charge: "350.00", net: "-150.00"),
        Case(label: "billing day 31: the period Jan 31–Feb 28 has 29 days, first day",
             start: "2024-01-31", end: "2024-02-28", on: "2024-01-31", old: "1000.00", new: "2900.00",
             remaining: 29, days: 29, credit: "1000.00", charge: "2900.00", net: "1900.00"),
        Case(label: "billing day 31: 28 of 29 days left",
             start: "2024-01-31", end: "2024-02-28", on: "2024-02-01", old: "0.00", new: "2900.00",
             remaining: 28, days: 29, credit: "0.00", charge: "2800.00", net: "2800.00"),
        Case(label: "billing day 31: last day Feb 28",
             start: "2024-01-31", end: "2024-02-28", on: "2024-02-28", old: "0.00", new: "2900.00",
             remaining: 1, days: 29, credit: "0.00", charge: "100.00", net: "100.00"),
        Case(label: "billing day 31: the period Feb 29–Mar 30 has 31 days",
             start: "2024-02-29", end: "2024-03-30", on: "2024-03-30", old: "3100.00", new: "0.00",
             remaining: 1, days: 31, credit: "100.00", charge: "0.00", net: "-100.00"),
        Case(label: "1 poisha, half a period: 0.5 rounds away from zero",
             start: "2023-02-01", end: "2023-02-28", on: "2023-02-15", old: "0.01", new: "0.02",
             remaining: 14, days: 28, credit: "0.01", charge: "0.01", net: "0.00"),
        Case(label: "1 poisha, one day of 30 rounds to nothing",
             start: "2024-04-01", end: "2024-04-30", on: "2024-04-30", old: "0.01", new: "0.02",
             remaining: 1, days: 30, credit: "0.00", charge: "0.00", net: "0.00"),
        Case(label: "1 poisha and 2 poisha, 15 of 30 days",
             start: "2024-04-01", end: "2024-04-30", on: "2024-04-16", old: "0.01", new: "0.02",
             remaining: 15, days: 30, credit: "0.01", charge: "0.01", net: "0.00"),
        Case(label: "999,999.99 for one day of 31",
             start: "2024-01-01", end: "2024-01-31", on: "2024-01-31", old: "0.00", new: "999999.99",
             remaining: 1, days: 31, credit: "0.00", charge: "32258.06", net: "32258.06"),
        Case(label: "999,999.99 for 30 days of 31",
             start: "2024-01-01", end: "2024-01-31", on: "2024-01-02", old: "999999.99", new: "0.00",
             remaining: 30, days: 31, credit: "967741.93", charge: "0.00", net: "-967741.93"),
    ]

    @Test("A price change quotes credit and charge for the remaining days", arguments: cases)
    func quote(_ c: Case) throws {
        let quote = try Proration.quote(period: period(c.start, c.end), changeOn: date(c.on), oldPrice: bdt(c.old), newPrice: bdt(c.new))
        #expect(quote.remainingDays == c.remaining)
        #expect(quote.periodDays == c.days)
        #expect(quote.credit == (try bdt(c.credit)))
        #expect(quote.charge == (try bdt(c.charge)))
        #expect(quote.net == (try bdt(c.net)))
    }

    @Test("Two changes on one day net exactly the single change", arguments: [
        // (A, B, C, net of A→C): January 2024, change on Jan 11, 21 of 31 days left.
        ("1000.00", "1234.56", "1500.00", "338.71"),  // 1016.13 − 677.42; B→ 836.31 both ways
        ("1500.00", "333.33", "1000.00", "-338.71"),
        ("0.01", "0.02", "0.03", "0.01"),              // 0.02 − 0.01
        ("999999.99", "0.01", "0.00", "-677419.35"),
    ])
    func sameDayTwice(a: String, b: String, c: String, net: String) throws {
        let january = try period("2024-01-01", "2024-01-31"), on = try date("2024-01-11")
        let first = try Proration.quote(period: january, changeOn: on, oldPrice: bdt(a), newPrice: bdt(b))
        let second = try Proration.quote(period: january, changeOn: on, oldPrice: bdt(b), newPrice: bdt(c))
        #expect(first.charge == second.credit)
        #expect(first.net + second.net == (try bdt(net)))
        let direct = try Proration.quote(period: january, changeOn: on, oldPrice: bdt(a), newPrice: bdt(c))
        #expect(direct.net == (try bdt(net)))
    }

    @Test func addOns() throws {
        let april = try period("2024-04-01", "2024-04-30"), on = try date("2024-04-21")
        let added = try Proration.addOnAdded(price: bdt("300.00"), period: april, on: on)
        #expect([added.credit, added.charge, added.net] == (try ["0.00", "100.00", "100.00"].map { try bdt($0) }))
        let removed = try Proration.addOnRemoved(price: bdt("300.00"), period: april, on: on)
        #expect([removed.credit, removed.charge, removed.net] == (try ["100.00", "0.00", "-100.00"].map { try bdt($0) }))
    }

    @Test("A change outside the period is refused on field \"on\"", arguments: ["2024-03-31", "2024-05-01", "2023-04-15"])
    func outside(on: String) throws {
        let april = try period("2024-04-01", "2024-04-30")
        #expect(throws: DomainError.invalid("on", "must be within the current period 2024-04-01–2024-04-30")) {
            try Proration.quote(period: april, changeOn: date(on), oldPrice: bdt("500.00"), newPrice: bdt("800.00"))
        }
    }

    @Test func currenciesMustMatch() throws {
        let april = try period("2024-04-01", "2024-04-30")
        let dollars = Money(minorUnits: 1000, currency: "USD")
        #expect(throws: DomainError.invalid("currency", "must be BDT, the currency of the current price (got USD)")) {
            try Proration.quote(period: april, changeOn: date("2024-04-10"), oldPrice: bdt("500.00"), newPrice: dollars)
        }
    }

    @Test("A stub first period is charged against the full period containing the activation", arguments: [
        // (billing day, activated, price, stub days, full days, charge)
        (1, "2024-03-15", "1000.00", 17, 31, "548.39"),
        (31, "2024-02-10", "2900.00", 19, 29, "1900.00"),
        (15, "2024-03-20", "620.00", 26, 31, "520.00"),
        (1, "2023-02-15", "0.01", 14, 28, "0.01"),
        (10, "2024-12-31", "999999.99", 10, 31, "322580.64"),
    ])
    func stub(anchor: Int, activated: String, price: String, stubDays: Int, fullDays: Int, charge: String) throws {
        let billing = try cycle(anchor), on = try date(activated)
        let stub = try #require(billing.stubPeriod(activatedOn: on))
        let full = billing.period(containing: on)
        #expect(stub.days == stubDays && full.days == fullDays)
        #expect(Proration.stub(price: try bdt(price), stub: stub, fullPeriod: full) == (try bdt(charge)))
    }

    @Test func quotesCode() throws {
        let quote = try Proration.quote(period: period("2024-04-01", "2024-04-30"), changeOn: date("2024-04-21"),
                                        oldPrice: bdt("1200.00"), newPrice: bdt("600.00"))
        #expect(try JSONDecoder().decode(ProrationQuote.self, from: JSONEncoder().encode(quote)) == quote)
    }
}
