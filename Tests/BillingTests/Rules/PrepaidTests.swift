import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("Prepaid validity")
struct PrepaidTests {
    struct Case: Sendable, CustomTestStringConvertible {
        var expires: String?
        var today: String
        var days: Int
        var firstDay: String
        var newExpiry: String
        var testDescription: String { "expires \(expires ?? "never set"), today \(today), +\(days) days" }
    }

    static let cases: [Case] = [
        // No service yet: today is the first day.
        Case(expires: nil, today: "2024-03-10", days: 30, firstDay: "2024-03-10", newExpiry: "2024-04-08"),
        Case(expires: nil, today: "2024-02-28", days: 1, firstDay: "2024-02-28", newExpiry: "2024-02-28"),
        Case(expires: nil, today: "2024-01-01", days: 366, firstDay: "2024-01-01", newExpiry: "2024-12-31"),
        Case(expires: nil, today: "2023-01-01", days: 365, firstDay: "2023-01-01", newExpiry: "2023-12-31"),
        // Still valid: the new days follow the expiry.
        Case(expires: "2024-03-20", today: "2024-03-10", days: 30, firstDay: "2024-03-21", newExpiry: "2024-04-19"),
        Case(expires: "2024-02-28", today: "2024-02-20", days: 1, firstDay: "2024-02-29", newExpiry: "2024-02-29"),
        Case(expires: "2023-12-31", today: "2023-12-01", days: 366, firstDay: "2024-01-01", newExpiry: "2024-12-31"),
        // Expires today: still valid today, so no day is lost.
        Case(expires: "2024-03-10", today: "2024-03-10", days: 30, firstDay: "2024-03-11", newExpiry: "2024-04-09"),
        // Lapsed (yesterday or long ago): start again today.
        Case(expires: "2024-03-09", today: "2024-03-10", days: 30, firstDay: "2024-03-10", newExpiry: "2024-04-08"),
        Case(expires: "2024-01-01", today: "2024-03-10", days: 7, firstDay: "2024-03-10", newExpiry: "2024-03-16"),
        Case(expires: "2024-12-25", today: "2024-12-26", days: 7, firstDay: "2024-12-26", newExpiry: "2025-01-01"),
    ]

    @Test("A recharge extends from the later of today and the expiry", arguments: cases)
    func extend(_ c: Case) throws {
        let expires = try c.expires.map { try date($0) }
        #expect(Prepaid.extend(expiresOn: expires, today: try date(c.today), days: c.days) == (try date(c.newExpiry)))
        let bought = try Prepaid.period(expiresOn: expires, today: date(c.today), days: c.days)
        #expect(bought == (try period(c.firstDay, c.newExpiry)))
        #expect(bought.days == c.days)
    }

    @Test("Packages are 1...366 days", arguments: [0, -5, 367, 1000])
    func rejectsLength(days: Int) {
        let message = "must be between 1 and 366 days"
        #expect(throws: DomainError.invalid("validity_days", message)) { try Prepaid.validate(days: days) }
        #expect(throws: DomainError.invalid("validity_days", message)) {
            try Prepaid.period(expiresOn: nil, today: date("2024-01-01"), days: days)
        }
    }

    @Test(arguments: [1, 7, 30, 365, 366])
    func acceptsLength(days: Int) throws {
        try Prepaid.validate(days: days)
    }

    @Test("Service is valid through the expiry day", arguments: [
        (String?.none, "2024-03-10", false),
        ("2024-03-10", "2024-03-10", true),
        ("2024-03-11", "2024-03-10", true),
        ("2024-03-09", "2024-03-10", false),
    ])
    func active(expires: String?, on: String, expected: Bool) throws {
        #expect(Prepaid.isActive(expiresOn: try expires.map { try date($0) }, on: try date(on)) == expected)
    }
}
