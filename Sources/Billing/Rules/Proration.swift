import Foundation
import MeghnaCore

/// What a change of price part-way through a billing period credits and charges.
///
/// For a change on day C of period P, the remaining days are `P.end - C + 1` (the change day counts
/// as remaining, at the new price). The credit for the unused old price and the charge for the new
/// one are each `price × remainingDays / periodDays`, rounded separately with `Money.scaled`
/// (half away from zero). Because every quote rounds the same way, two changes on one day
/// (A→B, then B→C) net exactly what the single change A→C would: B's charge equals B's credit.
public struct ProrationQuote: Sendable, Hashable, Codable {
    /// The period the change falls in.
    public let period: BillingPeriod
    /// The day the change takes effect.
    public let changeOn: LocalDate
    /// Days from `changeOn` through the period's end, both included (1...`periodDays`).
    public let remainingDays: Int
    /// Days in the whole period.
    public let periodDays: Int
    /// The unused part of the old price, given back (zero or positive for a non-negative old price).
    public let credit: Money
    /// The new price for the remaining days.
    public let charge: Money

    /// `charge - credit`: positive means the customer owes more (upgrade), negative means a credit
    /// is due (downgrade, add-on removed).
    public var net: Money { charge - credit }
}

/// Daily proration of price changes and first-period stubs.
public enum Proration {
    /// Quotes a change from `oldPrice` to `newPrice` (both for the whole period) on `changeOn`.
    ///
    /// Throws a validation error on field `on` when `changeOn` is outside `period`, and on field
    /// `currency` when the two prices are in different currencies.
    public static func quote(period: BillingPeriod, changeOn: LocalDate, oldPrice: Money, newPrice: Money) throws(DomainError) -> ProrationQuote {
        guard period.contains(changeOn) else {
            throw DomainError.invalid("on", "must be within the current period \(period.start)–\(period.end)")
        }
        guard oldPrice.currency == newPrice.currency else {
            throw DomainError.invalid("currency", "must be \(oldPrice.currency), the currency of the current price (got \(newPrice.currency))")
        }
        let remaining = changeOn.days(to: period.end) + 1
        let days = period.days
        return ProrationQuote(
            period: period,
            changeOn: changeOn,
            remainingDays: remaining,
            periodDays: days,
            credit: oldPrice.scaled(by: Int64(remaining), over: Int64(days)),
            charge: newPrice.scaled(by: Int64(remaining), over: Int64(days))
        )
    }

    /// Quotes adding an add-on priced `price` per period on `on` (old price zero).
    public static func addOnAdded(price: Money, period: BillingPeriod, on: LocalDate) throws(DomainError) -> ProrationQuote {
        try quote(period: period, changeOn: on, oldPrice: Money(minorUnits: 0, currency: price.currency), newPrice: price)
    }

    /// Quotes removing an add-on priced `price` per period on `on` (new price zero): a credit for the
    /// remaining days, the removal day included.
    public static func addOnRemoved(price: Money, period: BillingPeriod, on: LocalDate) throws(DomainError) -> ProrationQuote {
        try quote(period: period, changeOn: on, oldPrice: price, newPrice: Money(minorUnits: 0, currency: price.currency))
    }

    /// The charge for a short first period: `price × stub.days / fullPeriod.days`, rounded with
    /// `Money.scaled`. `fullPeriod` is the cycle's period containing the activation date
    /// (`MonthlyCycle.period(containing:)`), so `stub` lies within it and ends with it.
    public static func stub(price: Money, stub: BillingPeriod, fullPeriod: BillingPeriod) -> Money {
        price.scaled(by: Int64(stub.days), over: Int64(fullPeriod.days))
    }
}
