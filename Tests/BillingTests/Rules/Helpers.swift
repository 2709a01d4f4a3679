import Foundation
import Testing
import MeghnaCore
@testable import Billing

/// Test shorthands: each fails the test (instead of trapping) when a literal is mistyped.

func date(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> LocalDate {
    try #require(LocalDate(text), "not a date: \(text)", sourceLocation: sourceLocation)
}

func period(_ start: String, _ end: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> BillingPeriod {
    try #require(BillingPeriod(start: date(start, sourceLocation: sourceLocation), end: date(end, sourceLocation: sourceLocation)),
                 "not a period: \(start)–\(end)", sourceLocation: sourceLocation)
}

/// "1234.56" in BDT.
func bdt(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) throws -> Money {
    try #require(Money(decimal: text), "not an amount: \(text)", sourceLocation: sourceLocation)
}

func cycle(_ anchorDay: Int) throws -> MonthlyCycle {
    try MonthlyCycle(anchorDay: anchorDay)
}
