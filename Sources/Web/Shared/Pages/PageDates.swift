import Foundation
import Vapor

extension Request {
    /// "2026-11-25 18:46" in the organization's time zone.
    func shortDate(_ date: Date) -> String { format(date, "yyyy-MM-dd HH:mm") }

    /// "18:46" in the organization's time zone.
    func clockTime(_ date: Date) -> String { format(date, "HH:mm") }

    private func format(_ date: Date, _ pattern: String) -> String { formatter(pattern).string(from: date) }

    /// A fixed-pattern formatter in the organization's time zone, for showing and for reading dates.
    func formatter(_ pattern: String) -> DateFormatter {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.dateFormat = pattern
        f.timeZone = (try? identity.context.timeZone) ?? TimeZone(identifier: "Asia/Dhaka")
        return f
    }
}
