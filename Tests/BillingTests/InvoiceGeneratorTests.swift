import Foundation
import MeghnaCore
import Testing
@testable import Billing

/// A year in the life of one subscription, billed by a run on the morning of each month's 1st
/// (and on the activation day), against invoices written out by hand.
@Suite("Invoice generator")
struct InvoiceGeneratorTests {
    struct Expected: Equatable, CustomStringConvertible {
        var key: String
        var issue: String
        var lines: [Int64]
        var taxes: Int64
        var total: Int64
        var description: String { "\(key) \(issue) \(lines) tax \(taxes) total \(total)" }
    }

    @Test func aYearOfOneSubscription() throws {
        let sub = UUID(), customer = UUID()
        func day(_ s: String) throws -> LocalDate { try #require(LocalDate(s)) }
        func bdt(_ minor: Int64) -> Money { Money(minorUnits: minor) }
        // What happened, each fact known from its day on.
        let home = SubscriptionFacts.PlanPrice(fromOn: try day("2026-01-20"), prorated: false, name: "Home 20", price: bdt(100_000), taxable: true)
        let fast = SubscriptionFacts.PlanPrice(fromOn: try day("2026-03-10"), prorated: true, name: "Fast 50", price: bdt(150_000), taxable: true)
        // Upgrade on 10 March: 22 of 31 days, 1064.52 − 709.68.
        let upgrade = SubscriptionFacts.OpenCharge(id: UUID(), on: try day("2026-03-10"), amount: bdt(35_484), text: "Plan change to Fast 50",
                                                   detail: "Prorated: 22 of 31 days", category: "internet", scope: "plans", taxable: true)
        // Paused from 15 May at the customer's request: 17 of 31 days of 1500 back.
        let pause = SubscriptionFacts.OpenCharge(id: UUID(), on: try day("2026-05-15"), amount: bdt(-82_258), text: "Service paused",
                                                 detail: nil, category: "internet", scope: "plans", taxable: true)
        // Resumed on 1 July, before that morning's run: all of July charged.
        let resume = SubscriptionFacts.OpenCharge(id: UUID(), on: try day("2026-07-01"), amount: bdt(150_000), text: "Service resumed",
                                                  detail: nil, category: "internet", scope: "plans", taxable: true)
        // Ended on 20 October: 12 of 31 days back.
        let end = SubscriptionFacts.OpenCharge(id: UUID(), on: try day("2026-10-20"), amount: bdt(-58_065), text: "Service ended",
                                               detail: nil, category: "internet", scope: "plans", taxable: true)
        let vat = TaxRuleFact(code: "vat", rate: try TaxRate(name: "VAT 5 %", basisPoints: 500, inclusive: false), scopes: ["plans", "addons", "fees"],
                              from: try day("2026-01-01"), to: nil)

        var invoiced = Set<String>()
        var attached = Set<UUID>()
        var made: [Expected] = []
        var runs = ["2026-01-20"] + (2...12).map { String(format: "2026-%02d-01", $0) }
        runs.append("2026-12-31")
        var next: LocalDate? = try day("2026-01-20")
        for run in runs {
            let today = try day(run)
            let known = { (d: LocalDate) in d <= today }
            let facts = SubscriptionFacts(
                subscriptionID: sub, customerID: customer, activatedOn: try day("2026-01-20"), anchorDay: 1,
                terminatedOn: known(try day("2026-10-20")) ? try day("2026-10-20") : nil,
                plans: [home, fast].filter { known($0.fromOn) },
                pauses: known(try day("2026-05-15")) ? [(try day("2026-05-15"), known(try day("2026-07-01")) ? try day("2026-07-01") : nil)] : [],
                openCharges: [upgrade, pause, resume, end].filter { known($0.on) && !attached.contains($0.id) })
            let (drafts, following) = try InvoiceGenerator.generate(facts, invoiced: invoiced, through: today, taxes: [vat], currency: "BDT", dueDays: 7)
            for d in drafts {
                invoiced.insert(d.key)
                attached.formUnion(d.chargeIDs)
                #expect(d.dueOn == d.issueOn.adding(days: 7))
                #expect(d.total == d.subtotal + d.taxTotal, "VAT is exclusive: total = lines + tax")
                made.append(Expected(key: String(d.key.split(separator: ":").last!), issue: d.issueOn.description, lines: d.lines.map(\.amount.minorUnits),
                                     taxes: d.taxTotal.minorUnits, total: d.total.minorUnits))
            }
            next = following
        }
        let expected: [Expected] = [
            .init(key: "2026-01-20", issue: "2026-01-20", lines: [38_710], taxes: 1_936, total: 40_646),      // stub: 12 of 31 days
            .init(key: "2026-02-01", issue: "2026-02-01", lines: [100_000], taxes: 5_000, total: 105_000),
            .init(key: "2026-03-01", issue: "2026-03-01", lines: [100_000], taxes: 5_000, total: 105_000),
            .init(key: "2026-04-01", issue: "2026-04-01", lines: [150_000, 35_484], taxes: 7_500 + 1_774, total: 194_758),
            .init(key: "2026-05-01", issue: "2026-05-01", lines: [150_000], taxes: 7_500, total: 157_500),
            .init(key: "2026-06-01", issue: "2026-06-01", lines: [-82_258], taxes: -4_113, total: -86_371),   // paused all June: a credit note
            .init(key: "2026-07-01", issue: "2026-07-01", lines: [150_000], taxes: 7_500, total: 157_500),     // the resumption's charge
            .init(key: "2026-08-01", issue: "2026-08-01", lines: [150_000], taxes: 7_500, total: 157_500),
            .init(key: "2026-09-01", issue: "2026-09-01", lines: [150_000], taxes: 7_500, total: 157_500),
            .init(key: "2026-10-01", issue: "2026-10-01", lines: [150_000], taxes: 7_500, total: 157_500),
            .init(key: "final", issue: "2026-10-20", lines: [-58_065], taxes: -2_903, total: -60_968),
        ]
        #expect(made == expected)
        #expect(next == nil, "a terminated subscription is never billed again")
        // Billed once more with nothing new: nothing.
        let again = try InvoiceGenerator.generate(
            SubscriptionFacts(subscriptionID: sub, customerID: customer, activatedOn: try day("2026-01-20"), anchorDay: 1, terminatedOn: try day("2026-10-20"),
                              plans: [home, fast], pauses: [(try day("2026-05-15"), try day("2026-07-01"))], openCharges: []),
            invoiced: invoiced, through: try day("2027-06-01"), taxes: [vat], currency: "BDT", dueDays: 7)
        #expect(again.drafts.isEmpty)
    }

    @Test func billingDay31AndAChangeOnThePeriodsFirstDay() throws {
        func day(_ s: String) throws -> LocalDate { try #require(LocalDate(s)) }
        let facts = SubscriptionFacts(
            subscriptionID: UUID(), customerID: UUID(), activatedOn: try day("2028-01-31"), anchorDay: 31, terminatedOn: nil,
            plans: [.init(fromOn: try day("2028-01-31"), prorated: false, name: "Home", price: Money(minorUnits: 100_000), taxable: false),
                    // Changed "now" on 29 Feb 2028 (a period's first day): the period keeps the old price, the charge carries the difference.
                    .init(fromOn: try day("2028-02-29"), prorated: true, name: "Fast", price: Money(minorUnits: 150_000), taxable: false)],
            pauses: [],
            openCharges: [.init(id: UUID(), on: try day("2028-02-29"), amount: Money(minorUnits: 50_000), text: "Plan change", detail: nil,
                                category: "internet", scope: "plans", taxable: false)])
        let (drafts, next) = try InvoiceGenerator.generate(facts, invoiced: [], through: try day("2028-04-30"), taxes: [], currency: "BDT", dueDays: 7)
        // Leap year: 31 Jan, 29 Feb, 31 Mar, 30 Apr.
        #expect(drafts.map(\.issueOn.description) == ["2028-01-31", "2028-02-29", "2028-03-31", "2028-04-30"])
        #expect(drafts.map(\.total.minorUnits) == [100_000, 150_000, 150_000, 150_000])
        #expect(next?.description == "2028-05-31")
    }
}
