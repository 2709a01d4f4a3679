import Testing
@testable import MeghnaCore

@Suite("Local date text")
struct LocalDateTextTests {
    @Test func writesYearMonthDayWithZeros() throws {
        for text in ["2026-03-08", "1970-01-01", "2099-12-31", "2024-02-29", "2000-10-10"] {
            #expect(try #require(LocalDate(text)).description == text)
        }
        var day = try #require(LocalDate("2025-12-25"))
        for _ in 0..<400 {
            let text = day.description
            #expect(LocalDate(text) == day && text.count == 10, "\(text)")
            day = day.adding(days: 1)
        }
    }
}
