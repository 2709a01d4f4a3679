import Foundation
import MeghnaCore
import Testing
@testable import Billing

/// Add-ons and discounts in the invoice generator, against amounts worked out by hand (no tax,
/// so each line is what the customer sees; rounding half away from zero, as `Money.scaled`).
@Suite("Invoice generator: add-ons and discounts")
struct AddonDiscountGeneratorTests {
    static func day(_ s: String) -> LocalDate { LocalDate(s)! }
    static func bdt(_ minor: Int64) -> Money { Money(minorUnits: minor) }
    static let sub = UUID(), customer = UUID(), planID = UUID(), ipID = UUID()
    static let home = SubscriptionFacts.PlanPrice(fromOn: day("2026-03-01"), prorated: false, name: "Home 20", price: bdt(100_000), taxable: true, planID: planID)

    static func ip(from: String, prorated: Bool, to: String? = nil) -> SubscriptionFacts.AddonPrice {
        .init(fromOn: day(from), prorated: prorated, toOn: to.map(day), name: "Static IP", price: bdt(30_000), category: "static_ip", taxable: true, addonID: ipID)
    }

    static func grant(_ value: DiscountValue, cycles: Int?, from: String, target: String, targetID: UUID? = nil, ended: String? = nil) throws
        -> SubscriptionFacts.DiscountGrant {
        .init(name: "Discount", term: try DiscountTerm(value: value, cycles: cycles, firstPeriodStart: day(from)), target: target, targetID: targetID,
              endedOn: ended.map(day))
    }

    /// Runs on each day in turn, as the monthly runs would, and answers each invoice's lines.
    static func bill(activated: String = "2026-03-01", addons: [SubscriptionFacts.AddonPrice] = [], discounts: [SubscriptionFacts.DiscountGrant] = [],
                     charges: [SubscriptionFacts.OpenCharge] = [], runs: [String]) throws -> [String: [Int64]] {
        var invoiced = Set<String>(), attached = Set<UUID>()
        var out: [String: [Int64]] = [:]
        for run in runs {
            let facts = SubscriptionFacts(subscriptionID: sub, customerID: customer, activatedOn: day(activated), anchorDay: 1, terminatedOn: nil,
                                          plans: [home], pauses: [], openCharges: charges.filter { $0.on <= day(run) && !attached.contains($0.id) },
                                          addons: addons, discounts: discounts)
            for d in try InvoiceGenerator.generate(facts, invoiced: invoiced, through: day(run), taxes: [], currency: "BDT", dueDays: 7).drafts {
                invoiced.insert(d.key)
                attached.formUnion(d.chargeIDs)
                #expect(d.total.minorUnits == d.lines.map(\.amount.minorUnits).reduce(0, +))
                out[d.period!.start.description] = d.lines.map(\.amount.minorUnits)
            }
        }
        return out
    }

    static let monthly = ["2026-03-01", "2026-04-01", "2026-05-01", "2026-06-01"]

    @Test func aRecurringAddOnAddedAndRemovedInsidePeriodsIsBilledFromTheNextPeriodWithItsProration() throws {
        // Added 10 March: 22 of 31 days of 300.00 = 212.90 on April's invoice. Removed 20 May:
        // 12 of 31 days back, −116.13 on June's, which has no add-on line.
        let added = SubscriptionFacts.OpenCharge(id: UUID(), on: Self.day("2026-03-10"), amount: Self.bdt(21_290), text: "Add-on Static IP",
                                                 detail: nil, category: "static_ip", scope: "addons", taxable: true)
        let removed = SubscriptionFacts.OpenCharge(id: UUID(), on: Self.day("2026-05-20"), amount: Self.bdt(-11_613), text: "Add-on Static IP removed",
                                                   detail: nil, category: "static_ip", scope: "addons", taxable: true)
        let made = try Self.bill(addons: [Self.ip(from: "2026-03-10", prorated: true, to: "2026-05-20")], charges: [added, removed], runs: Self.monthly)
        #expect(made == ["2026-03-01": [100_000], "2026-04-01": [100_000, 30_000, 21_290], "2026-05-01": [100_000, 30_000],
                         "2026-06-01": [100_000, -11_613]])
    }

    @Test func anAddOnFromActivationIsProratedInTheStubLikeThePlan() throws {
        // Activated 20 March: 12 of 31 days of 1000.00 and of 300.00.
        let made = try Self.bill(activated: "2026-03-20", addons: [Self.ip(from: "2026-03-20", prorated: false)], runs: ["2026-03-20", "2026-04-01"])
        #expect(made == ["2026-03-20": [38_710, 11_613], "2026-04-01": [100_000, 30_000]])
    }

    @Test func aPercentDiscountOnThePlanLastsItsCycles() throws {
        let ten = try Self.grant(.percent(basisPoints: 1_000), cycles: 2, from: "2026-04-01", target: "plan")
        let made = try Self.bill(addons: [Self.ip(from: "2026-03-01", prorated: false)], discounts: [ten], runs: Self.monthly)
        #expect(made == ["2026-03-01": [100_000, 30_000], "2026-04-01": [100_000, 30_000, -10_000], "2026-05-01": [100_000, 30_000, -10_000],
                         "2026-06-01": [100_000, 30_000]])
    }

    @Test func aDiscountLimitedToAnotherPlanOrAddOnTakesNothing() throws {
        let otherPlan = try Self.grant(.percent(basisPoints: 5_000), cycles: nil, from: "2026-03-01", target: "plan", targetID: UUID())
        let theIP = try Self.grant(.percent(basisPoints: 5_000), cycles: nil, from: "2026-03-01", target: "addon", targetID: Self.ipID)
        let made = try Self.bill(addons: [Self.ip(from: "2026-03-01", prorated: false)], discounts: [otherPlan, theIP], runs: ["2026-03-01"])
        #expect(made == ["2026-03-01": [100_000, 30_000, -15_000]])
    }

    @Test func aFixedInvoiceDiscountIsSharedInProportionAndProratedInAStub() throws {
        let off = try Self.grant(.fixed(Self.bdt(50_000)), cycles: nil, from: "2026-03-01", target: "invoice")
        // A full period: 500.00 over 1300.00, the plan's share 500 × 1000 / 1300 = 384.62, the add-on the rest.
        let full = try Self.bill(addons: [Self.ip(from: "2026-03-01", prorated: false)], discounts: [off], runs: ["2026-03-01"])
        #expect(full == ["2026-03-01": [100_000, 30_000, -38_462, -11_538]])
        // A stub of 12 of 31 days: the lines 387.10 and 116.13, the discount 193.55, the plan's
        // share 193.55 × 387.10 / 503.23 = 148.88, the add-on's 44.67.
        let offStub = try Self.grant(.fixed(Self.bdt(50_000)), cycles: nil, from: "2026-03-20", target: "invoice")
        let stub = try Self.bill(activated: "2026-03-20", addons: [Self.ip(from: "2026-03-20", prorated: false)], discounts: [offStub], runs: ["2026-03-20"])
        #expect(stub == ["2026-03-20": [38_710, 11_613, -14_888, -4_467]])
    }

    @Test func discountsTogetherNeverTakeALineBelowZero() throws {
        let big = try Self.grant(.percent(basisPoints: 8_000), cycles: nil, from: "2026-03-01", target: "plan")
        let more = try Self.grant(.percent(basisPoints: 5_000), cycles: nil, from: "2026-03-01", target: "plan")
        let fixed = try Self.grant(.fixed(Self.bdt(500_000)), cycles: nil, from: "2026-03-01", target: "invoice")
        let made = try Self.bill(discounts: [big, more, fixed], runs: ["2026-03-01"])
        #expect(made == ["2026-03-01": [100_000, -80_000, -20_000]])
    }

    @Test func anEndedDiscountStopsAfterItsLastDay() throws {
        let ended = try Self.grant(.percent(basisPoints: 1_000), cycles: nil, from: "2026-03-01", target: "plan", ended: "2026-04-15")
        let made = try Self.bill(discounts: [ended], runs: Self.monthly)
        #expect(made == ["2026-03-01": [100_000, -10_000], "2026-04-01": [100_000, -10_000], "2026-05-01": [100_000], "2026-06-01": [100_000]])
    }
}
