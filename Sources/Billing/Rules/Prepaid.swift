import Foundation
import MeghnaCore

/// Prepaid validity packages: a recharge buys N days of service (N in 1...366).
///
/// Service is valid through the expiry date inclusive. A recharge extends from the later of today
/// and the current expiry: while service is still valid (expiry today or later) the new days follow
/// the current expiry without a gap; when there is no expiry yet or it has lapsed, today is the
/// first day of the new service.
public enum Prepaid {
    /// The package lengths a recharge may have, in days.
    public static let validityDays: ClosedRange<Int> = 1...366

    /// The new expiry after a recharge of `days` days (expected in `validityDays`; validate with
    /// `period(expiresOn:today:days:)` or `validate(days:)`).
    ///
    /// - `expiresOn >= today`: `expiresOn + days`.
    /// - no expiry, or `expiresOn < today`: `today + days - 1`.
    public static func extend(expiresOn: LocalDate?, today: LocalDate, days: Int) -> LocalDate {
        firstDay(expiresOn: expiresOn, today: today).adding(days: days - 1)
    }

    /// The days a recharge of `days` days buys: from the day after the current expiry (or today, when
    /// there is none or it has lapsed) through the new expiry. Throws a validation error on field
    /// `validity_days` unless `days` is in `validityDays`.
    public static func period(expiresOn: LocalDate?, today: LocalDate, days: Int) throws(DomainError) -> BillingPeriod {
        try validate(days: days)
        let first = firstDay(expiresOn: expiresOn, today: today)
        return BillingPeriod(unchecked: first, first.adding(days: days - 1))
    }

    /// Throws a validation error on field `validity_days` unless `days` is in `validityDays`.
    public static func validate(days: Int) throws(DomainError) {
        guard validityDays.contains(days) else {
            throw DomainError.invalid("validity_days", "must be between \(validityDays.lowerBound) and \(validityDays.upperBound) days")
        }
    }

    /// Whether service is valid on `date` for an account expiring on `expiresOn`.
    public static func isActive(expiresOn: LocalDate?, on date: LocalDate) -> Bool {
        guard let expiresOn else { return false }
        return date <= expiresOn
    }

    private static func firstDay(expiresOn: LocalDate?, today: LocalDate) -> LocalDate {
        if let expiresOn, expiresOn >= today { return expiresOn.adding(days: 1) }
        return today
    }
}
