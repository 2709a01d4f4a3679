import Billing
import Foundation
import MeghnaCore

struct SubscriptionDTO: Encodable {
    var id, customerID, planID: UUID
    var serviceAddressID: UUID?
    var status: String
    var billingDay, anchorDay: Int?
    var startsOn: String
    var activatedOn, terminatedOn, expiresOn, nextBillOn: String?
    var billingPaused: Bool
    var createdAt: Date
    /// One subscription's answer only: its router account and where it stands.
    var provisioning: ServiceAccountDTO?

    enum CodingKeys: String, CodingKey {
        case id, status, provisioning
        case customerID = "customer_id", planID = "plan_id", serviceAddressID = "service_address_id", billingDay = "billing_day"
        case anchorDay = "anchor_day", startsOn = "starts_on", activatedOn = "activated_on", terminatedOn = "terminated_on"
        case expiresOn = "expires_on", nextBillOn = "next_bill_on", billingPaused = "billing_paused", createdAt = "created_at"
    }

    init(_ s: Subscription) {
        id = s.id!
        customerID = s.customerID
        planID = s.planID
        serviceAddressID = s.serviceAddressID
        status = s.status.rawValue
        billingDay = s.billingDay
        anchorDay = s.anchorDay
        startsOn = s.startsOn
        activatedOn = s.activatedOn
        terminatedOn = s.terminatedOn
        expiresOn = s.expiresOn
        nextBillOn = s.nextBillOn
        billingPaused = s.billingPaused
        createdAt = s.createdAt
    }

    static let schema = Schema.named("Subscription", .object([
        ("id", .uuid), ("customer_id", .uuid), ("plan_id", .uuid), ("service_address_id", .nullable(.uuid)),
        ("status", .choice(SubscriptionStatus.allCases.map(\.rawValue))),
        ("billing_day", .nullable(.integer(minimum: 1, maximum: 31))), ("anchor_day", .nullable(.integer(minimum: 1, maximum: 31))),
        ("starts_on", .date), ("activated_on", .nullable(.date)), ("terminated_on", .nullable(.date)),
        ("expires_on", .nullable(.described(.date, "Prepaid: service runs through this day"))),
        ("next_bill_on", .nullable(.described(.date, "The next period the invoice run bills"))),
        ("billing_paused", .boolean), ("created_at", .dateTime),
        ("provisioning", .nullable(.described(ServiceAccountDTO.schema, "GET /subscriptions/{id} only: the router account and whether the router has taken the subscription's state (waiting, failed and drift say why)"))),
    ], required: ["id", "customer_id", "plan_id", "status", "starts_on", "billing_paused", "created_at"]))
}

struct PeriodDTO: Encodable {
    var start, end: String
    var days: Int

    init(_ p: BillingPeriod) {
        start = p.start.description
        end = p.end.description
        days = p.days
    }

    static let schema = Schema.named("Period", .object([("start", .date), ("end", .date), ("days", .integer(minimum: 1))],
                                                       required: ["start", "end", "days"]))
}

struct PlanChangeDTO: Encodable {
    var effective: String
    var startsOn: String
    var applied: Bool
    var period: PeriodDTO?
    var remainingDays: Int?
    var credit, charge, net: MoneyDTO?

    enum CodingKeys: String, CodingKey {
        case effective, applied, period, credit, charge, net
        case startsOn = "starts_on", remainingDays = "remaining_days"
    }

    init(_ q: PlanChangeQuote) {
        effective = q.effective
        startsOn = q.startsOn.description
        applied = q.applied
        period = q.quote.map { PeriodDTO($0.period) }
        remainingDays = q.quote?.remainingDays
        credit = q.quote.map { MoneyDTO($0.credit) }
        charge = q.quote.map { MoneyDTO($0.charge) }
        net = q.quote.map { MoneyDTO($0.net) }
    }

    static let schema = Schema.named("PlanChange", .object([
        ("effective", .choice(["now", "period_end"])), ("starts_on", .date), ("applied", .boolean),
        ("period", .nullable(PeriodDTO.schema)), ("remaining_days", .nullable(.integer(minimum: 1))),
        ("credit", .nullable(MoneyDTO.schema)), ("charge", .nullable(MoneyDTO.schema)),
        ("net", .nullable(.described(MoneyDTO.schema, "charge − credit: negative is money back"))),
    ], required: ["effective", "starts_on", "applied"]))
}

struct ScheduledPeriodDTO: Encodable {
    var period: PeriodDTO
    var plan: String
    var net, tax, total: MoneyDTO

    init(_ s: ScheduledPeriod) {
        period = PeriodDTO(s.period)
        plan = s.planName
        net = MoneyDTO(s.net)
        tax = MoneyDTO(s.tax)
        total = MoneyDTO(s.total)
    }

    static let schema = Schema.named("ScheduledPeriod", .object([
        ("period", PeriodDTO.schema), ("plan", .string()), ("net", MoneyDTO.schema), ("tax", MoneyDTO.schema), ("total", MoneyDTO.schema),
    ], required: ["period", "plan", "net", "tax", "total"]))
}
