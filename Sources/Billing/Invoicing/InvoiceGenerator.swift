import Foundation
import MeghnaCore

/// What the invoice generator knows of one monthly subscription.
public struct SubscriptionFacts: Sendable {
    /// A plan price in force from a day (rows in the order they were written).
    public struct PlanPrice: Sendable {
        public var fromOn: LocalDate
        /// A change "now": its first period keeps the old price (a prorated charge covers it).
        public var prorated: Bool
        public var name: String
        public var price: Money
        public var taxable: Bool
        public var planID: UUID?

        public init(fromOn: LocalDate, prorated: Bool, name: String, price: Money, taxable: Bool, planID: UUID? = nil) {
            self.planID = planID
            self.fromOn = fromOn
            self.prorated = prorated
            self.name = name
            self.price = price
            self.taxable = taxable
        }
    }

    /// A recurring add-on: billed every period whose first day it is on the subscription.
    public struct AddonPrice: Sendable {
        public var fromOn: LocalDate
        /// Added "now" (a prorated charge covers the rest of its first period), so its first
        /// billed period is the next one.
        public var prorated: Bool
        /// Removed on this day (a prorated credit covers the rest of that period).
        public var toOn: LocalDate?
        public var name: String
        public var price: Money
        public var category: String
        public var taxable: Bool
        public var addonID: UUID?

        public init(fromOn: LocalDate, prorated: Bool, toOn: LocalDate?, name: String, price: Money, category: String, taxable: Bool, addonID: UUID? = nil) {
            self.fromOn = fromOn
            self.prorated = prorated
            self.toOn = toOn
            self.name = name
            self.price = price
            self.category = category
            self.taxable = taxable
            self.addonID = addonID
        }

        /// On the subscription when a period starts on `day`, by the same rule as a plan.
        func billed(at day: LocalDate) -> Bool {
            (fromOn < day || (fromOn == day && !prorated)) && (toOn.map { day <= $0 } ?? true)
        }
    }

    /// A discount given to the subscription, from the period starting `term.firstPeriodStart`.
    public struct DiscountGrant: Sendable {
        public var name: String
        public var term: DiscountTerm
        /// plan, addon or invoice.
        public var target: String
        /// The plan or add-on it is limited to.
        public var targetID: UUID?
        /// Ended on this day: periods starting after it get nothing.
        public var endedOn: LocalDate?

        public init(name: String, term: DiscountTerm, target: String, targetID: UUID?, endedOn: LocalDate? = nil) {
            self.name = name
            self.term = term
            self.target = target
            self.targetID = targetID
            self.endedOn = endedOn
        }
    }

    /// A charge not yet on an invoice.
    public struct OpenCharge: Sendable {
        public var id: UUID
        public var on: LocalDate
        public var amount: Money
        public var text: String
        public var detail: String?
        public var category: String
        public var scope: String
        public var taxable: Bool

        public init(id: UUID, on: LocalDate, amount: Money, text: String, detail: String?, category: String, scope: String, taxable: Bool) {
            self.id = id
            self.on = on
            self.amount = amount
            self.text = text
            self.detail = detail
            self.category = category
            self.scope = scope
            self.taxable = taxable
        }
    }

    public var subscriptionID: UUID
    public var customerID: UUID
    public var activatedOn: LocalDate
    public var anchorDay: Int
    public var terminatedOn: LocalDate?
    public var plans: [PlanPrice]
    public var addons: [AddonPrice]
    public var discounts: [DiscountGrant]
    /// Days billing was paused: from (inclusive) to the resumption day (exclusive), or open.
    public var pauses: [(from: LocalDate, to: LocalDate?)]
    public var openCharges: [OpenCharge]

    public init(subscriptionID: UUID, customerID: UUID, activatedOn: LocalDate, anchorDay: Int, terminatedOn: LocalDate?, plans: [PlanPrice],
                pauses: [(from: LocalDate, to: LocalDate?)], openCharges: [OpenCharge], addons: [AddonPrice] = [], discounts: [DiscountGrant] = []) {
        self.addons = addons
        self.discounts = discounts
        self.subscriptionID = subscriptionID
        self.customerID = customerID
        self.activatedOn = activatedOn
        self.anchorDay = anchorDay
        self.terminatedOn = terminatedOn
        self.plans = plans
        self.pauses = pauses
        self.openCharges = openCharges
    }
}

/// A tax rule as the generator reads it.
public struct TaxRuleFact: Sendable {
    public var code: String
    public var rate: TaxRate
    public var scopes: Set<String>
    public var from: LocalDate
    public var to: LocalDate?

    public init(code: String, rate: TaxRate, scopes: Set<String>, from: LocalDate, to: LocalDate?) {
        self.code = code
        self.rate = rate
        self.scopes = scopes
        self.from = from
        self.to = to
    }

    func applies(on day: LocalDate, scope: String) -> Bool {
        scopes.contains(scope) && from <= day && (to.map { day <= $0 } ?? true)
    }
}

/// An invoice the generator says is due.
public struct InvoiceDraft: Sendable, Equatable {
    public struct Line: Sendable, Equatable {
        public var kind: String
        public var description: String
        public var detail: String?
        /// As sold: with any inclusive tax inside, without exclusive tax.
        public var amount: Money
        public var category: String
        /// After inclusive taxes are taken out.
        public var net: Money
    }

    public struct TaxSum: Sendable, Equatable {
        public var code: String
        public var name: String
        public var basisPoints: Int
        public var inclusive: Bool
        public var base: Money
        public var amount: Money
    }

    /// Unique per organization: "<subscription>:<period start>" or "<subscription>:final".
    public var key: String
    public var subscriptionID: UUID
    public var customerID: UUID
    public var period: BillingPeriod?
    public var issueOn: LocalDate
    public var dueOn: LocalDate
    public var lines: [Line]
    public var taxes: [TaxSum]
    public var chargeIDs: [UUID]
    /// Sum of the lines as sold.
    public var subtotal: Money
    public var taxTotal: Money
    /// Lines plus exclusive taxes: what the customer owes (negative: a credit note).
    public var total: Money
}

/// The invoice generator: a pure function of a subscription's facts, the keys of invoices that
/// exist, and the day to bill through. Each period starting on or before `through` (from the
/// activation, whose first period may be a prorated stub, to the termination day) gets one
/// invoice: the plan in force on its first day unless billing was paused before that day, plus
/// every open charge dated in or before the period. What changed inside a period is in those
/// charges (prorated when the change happened), never re-priced here. A terminated
/// subscription's charges left over go on one final invoice.
public enum InvoiceGenerator {
    /// The unique key of a subscription's period (`<subscription id in lowercase>:<first day>`):
    /// the guard against invoicing a period twice, for runs and prepaid recharges alike.
    static func billingKey(_ subscription: String, _ start: LocalDate) -> String { "\(subscription):\(start)" }

    public static func generate(_ facts: SubscriptionFacts, invoiced: Set<String>, through: LocalDate, taxes: [TaxRuleFact], currency: String,
                                dueDays: Int) throws -> (drafts: [InvoiceDraft], nextBillOn: LocalDate?) {
        let cycle = try MonthlyCycle(anchorDay: facts.anchorDay)
        var open = facts.openCharges.sorted { $0.on < $1.on }
        var drafts: [InvoiceDraft] = []
        var start = facts.activatedOn
        let sub = facts.subscriptionID.lowercasedText
        while start <= through {
            if let end = facts.terminatedOn, start > end { break }
            let full = cycle.period(containing: start)
            guard let billed = BillingPeriod(start: start, end: full.end) else { break }
            let key = billingKey(sub, start)
            if !invoiced.contains(key) {
                var lines: [(kind: String, text: String, detail: String?, amount: Money, category: String, scope: String, taxable: Bool)] = []
                if !paused(facts, at: start) {
                    let stub = start != full.start
                    let detail = stub ? "Prorated: \(billed.days) of \(full.days) days" : nil
                    func priced(_ price: Money) -> Money { stub ? Proration.stub(price: price, stub: billed, fullPeriod: full) : price }
                    var recurring: [(line: Int, target: String, id: UUID?)] = []
                    let plan = basePlan(facts, at: start)
                    if let plan {
                        recurring.append((lines.count, "plan", plan.planID))
                        lines.append(("plan", "\(plan.name), \(billed.start) – \(billed.end)", detail, priced(plan.price), "internet", "plans", plan.taxable))
                    }
                    for addon in facts.addons where addon.billed(at: start) {
                        recurring.append((lines.count, "addon", addon.addonID))
                        lines.append(("addon", "\(addon.name), \(billed.start) – \(billed.end)", detail, priced(addon.price), addon.category, "addons",
                                      addon.taxable))
                    }
                    // Discounts take off what they target in this period; together never more than a line.
                    var left = Dictionary(uniqueKeysWithValues: recurring.map { ($0.line, lines[$0.line].amount.minorUnits) })
                    for grant in facts.discounts where grant.term.applies(to: billed, in: cycle) && (grant.endedOn.map { start <= $0 } ?? true) {
                        let targets = recurring.filter { grant.target == "invoice" || ($0.target == grant.target && (grant.targetID == nil || grant.targetID == $0.id)) }
                        // A fixed amount is per period: a stub gets its prorated part.
                        var value = grant.term.value
                        if case .fixed(let amount) = value { value = .fixed(priced(amount)) }
                        var cuts: [(line: Int, off: Int64)] = []
                        if grant.target == "invoice" {
                            // One amount off the recurring lines, shared in proportion so each category and tax scope loses its part.
                            let base = targets.map { left[$0.line] ?? 0 }.reduce(0, +)
                            let off = value.amount(off: Money(minorUnits: base, currency: currency))
                            var rest = off.minorUnits
                            for (n, t) in targets.enumerated() where base > 0 {
                                let mine = left[t.line] ?? 0
                                let share = min(mine, rest, n == targets.count - 1 ? rest : off.scaled(by: mine, over: base).minorUnits)
                                cuts.append((t.line, share))
                                rest -= share
                            }
                        } else {
                            for t in targets { cuts.append((t.line, min(value.amount(off: lines[t.line].amount).minorUnits, left[t.line] ?? 0))) }
                        }
                        for cut in cuts where cut.off > 0 {
                            left[cut.line, default: 0] -= cut.off
                            let line = lines[cut.line]
                            lines.append(("discount", grant.name, "Off \(line.text)", Money(minorUnits: -cut.off, currency: currency), line.category, line.scope,
                                          line.taxable))
                        }
                    }
                }
                let taken = open.filter { $0.on <= billed.end }
                open.removeAll { $0.on <= billed.end }
                for c in taken { lines.append((c.scope == "fees" ? "fee" : "adjustment", c.text, c.detail, c.amount, c.category, c.scope, c.taxable)) }
                if !lines.isEmpty {
                    drafts.append(draft(key: key, facts, period: billed, issueOn: start, dueDays: dueDays, lines: lines, chargeIDs: taken.map(\.id),
                                        taxes: taxes, currency: currency))
                }
            }
            start = billed.end.adding(days: 1)
        }
        var next: LocalDate? = start
        if let end = facts.terminatedOn, start > end {
            next = nil
            let key = "\(sub):final"
            if !open.isEmpty, end <= through, !invoiced.contains(key) {
                let lines = open.map { c in (kind: "adjustment", text: c.text, detail: c.detail, amount: c.amount, category: c.category, scope: c.scope, taxable: c.taxable) }
                drafts.append(draft(key: key, facts, period: nil, issueOn: end, dueDays: dueDays, lines: lines, chargeIDs: open.map(\.id),
                                    taxes: taxes, currency: currency))
            }
        }
        return (drafts, next)
    }

    /// Billing was paused before this day and not resumed before it (a pause or resumption on
    /// the day itself is a charge of its own).
    static func paused(_ facts: SubscriptionFacts, at day: LocalDate) -> Bool {
        facts.pauses.contains { $0.from < day && ($0.to.map { $0 >= day } ?? true) }
    }

    /// The plan in force on a period's first day, not counting a prorated change made that day.
    static func basePlan(_ facts: SubscriptionFacts, at day: LocalDate) -> SubscriptionFacts.PlanPrice? {
        facts.plans.last { $0.fromOn < day || ($0.fromOn == day && !$0.prorated) }
    }

    static func draft(key: String, _ facts: SubscriptionFacts, period: BillingPeriod?, issueOn: LocalDate, dueDays: Int,
                      lines: [(kind: String, text: String, detail: String?, amount: Money, category: String, scope: String, taxable: Bool)],
                      chargeIDs: [UUID], taxes: [TaxRuleFact], currency: String) -> InvoiceDraft {
        let zero = Money(minorUnits: 0, currency: currency)
        var out: [InvoiceDraft.Line] = []
        var sums: [String: InvoiceDraft.TaxSum] = [:]
        var order: [String] = []
        var subtotal = zero, taxTotal = zero, total = zero
        for line in lines {
            let rules = line.taxable ? taxes.filter { $0.applies(on: issueOn, scope: line.scope) } : []
            let result = Tax.apply(rules.map(\.rate), to: line.amount)
            out.append(.init(kind: line.kind, description: line.text, detail: line.detail, amount: line.amount, category: line.category, net: result.net))
            subtotal = subtotal + line.amount
            total = total + result.gross
            for (rule, tax) in zip(rules, result.taxes) {
                if sums[rule.code] == nil {
                    order.append(rule.code)
                    sums[rule.code] = .init(code: rule.code, name: rule.rate.name, basisPoints: rule.rate.basisPoints, inclusive: rule.rate.inclusive,
                                            base: zero, amount: zero)
                }
                sums[rule.code]!.base = sums[rule.code]!.base + tax.base
                sums[rule.code]!.amount = sums[rule.code]!.amount + tax.amount
                taxTotal = taxTotal + tax.amount
            }
        }
        return InvoiceDraft(key: key, subscriptionID: facts.subscriptionID, customerID: facts.customerID, period: period, issueOn: issueOn,
                            dueOn: issueOn.adding(days: dueDays), lines: out, taxes: order.compactMap { sums[$0] }, chargeIDs: chargeIDs,
                            subtotal: subtotal, taxTotal: taxTotal, total: total)
    }
}
