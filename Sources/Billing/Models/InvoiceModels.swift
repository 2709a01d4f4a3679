import FluentKit
import Foundation
import MeghnaCore
import Platform

public enum InvoiceStatus: String, Codable, Sendable, CaseIterable {
    case draft, issued
    case partiallyPaid = "partially_paid"
    case paid, void
}

/// An invoice or a credit note (a negative total). Issued ones are never edited or deleted;
/// a mistake is undone by a credit note.
public final class Invoice: TenantOwned, @unchecked Sendable {
    public static let schema = "invoices"
    public static var organizationKey: KeyPath<Invoice, FieldProperty<Invoice, UUID>> { \Invoice.$organizationID }
    public static let displayName = "Invoice"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    @Field(key: "customer_id") public var customerID: UUID
    @OptionalField(key: "subscription_id") public var subscriptionID: UUID?
    /// "invoice" or "credit_note".
    @Field(key: "kind") public var kind: String
    /// "INV-2026-000123": gapless per organization and series.
    @Field(key: "number") public var number: String
    /// One invoice per subscription and period: "<subscription>:<period start>" (or ":final").
    @OptionalField(key: "billing_key") public var billingKey: String?
    @Field(key: "status") public var status: InvoiceStatus
    @Field(key: "issue_on") public var issueOn: String
    @Field(key: "due_on") public var dueOn: String
    @OptionalField(key: "period_start") public var periodStart: String?
    @OptionalField(key: "period_end") public var periodEnd: String?
    @Field(key: "currency") public var currency: String
    @Field(key: "subtotal") public var subtotal: Int64
    @Field(key: "tax_total") public var taxTotal: Int64
    @Field(key: "total") public var total: Int64
    @Field(key: "paid_total") public var paidTotal: Int64
    @OptionalField(key: "run_id") public var runID: UUID?
    /// A credit note that voids an invoice names it; the voided invoice keeps the reason.
    @OptionalField(key: "voids_invoice_id") public var voidsInvoiceID: UUID?
    @OptionalField(key: "void_reason") public var voidReason: String?
    /// A credit note that reduces (part of) an invoice without voiding it names it.
    @OptionalField(key: "credits_invoice_id") public var creditsInvoiceID: UUID?
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public static func narrow(_ query: QueryBuilder<Invoice>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if let resellers = ctx.resellerIDs { query.filter(\.$resellerID ~~ resellers.map(Optional.some)) }
    }

    public var totalMoney: Money { Money(minorUnits: total, currency: currency) }
}

public final class InvoiceLine: TenantOwned, @unchecked Sendable {
    public static let schema = "invoice_lines"
    public static var organizationKey: KeyPath<InvoiceLine, FieldProperty<InvoiceLine, UUID>> { \InvoiceLine.$organizationID }
    public static let displayName = "Invoice line"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "invoice_id") public var invoiceID: UUID
    @Field(key: "position") public var position: Int
    @Field(key: "kind") public var kind: String
    @Field(key: "description") public var text: String
    @OptionalField(key: "detail") public var detail: String?
    @Field(key: "amount") public var amount: Int64
    @Field(key: "net") public var net: Int64
    @Field(key: "category") public var category: String

    public init() {}
}

public final class InvoiceTax: TenantOwned, @unchecked Sendable {
    public static let schema = "invoice_taxes"
    public static var organizationKey: KeyPath<InvoiceTax, FieldProperty<InvoiceTax, UUID>> { \InvoiceTax.$organizationID }
    public static let displayName = "Invoice tax"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "invoice_id") public var invoiceID: UUID
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "rate_bp") public var rateBasisPoints: Int
    @Field(key: "inclusive") public var inclusive: Bool
    @Field(key: "base") public var base: Int64
    @Field(key: "amount") public var amount: Int64

    public init() {}
}

/// One invoice run: when, for what day, what it made, and what went wrong.
public final class BillingRun: TenantOwned, @unchecked Sendable {
    public static let schema = "billing_runs"
    public static var organizationKey: KeyPath<BillingRun, FieldProperty<BillingRun, UUID>> { \BillingRun.$organizationID }
    public static let displayName = "Billing run"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "run_on") public var runOn: String
    /// queued (started from the page, waiting for the worker), running, finished, failed (a run
    /// that stopped without finishing stays running; the next run picks up where it stopped).
    @Field(key: "status") public var status: String
    @Field(key: "invoices") public var invoices: Int
    @Field(key: "total") public var total: Int64
    /// Subscriptions looked at so far (each chunk adds its count in its own transaction).
    @Field(key: "subscriptions") public var subscriptions: Int
    /// Subscriptions due when the run started: with `subscriptions`, its progress.
    @OptionalField(key: "due") public var due: Int?
    @OptionalField(key: "errors") public var errors: String?
    @Field(key: "started_at") public var startedAt: Date
    @OptionalField(key: "finished_at") public var finishedAt: Date?
    @Field(key: "actor") public var actor: String

    public init() {}

    /// A run that has billed nothing yet.
    convenience init(organizationID: UUID, runOn: LocalDate, status: String, actor: String, startedAt: Date) {
        self.init()
        (self.organizationID, self.runOn, self.status, self.actor, self.startedAt) = (organizationID, runOn.description, status, actor, startedAt)
        (invoices, total, subscriptions) = (0, 0, 0)
    }

    /// Queued or running: the page shows its progress and refreshes.
    public var inProgress: Bool { status == "queued" || status == "running" }

    /// Per cent of the subscriptions due looked at so far.
    public var percent: Int {
        guard let due, due > 0 else { return status == "finished" ? 100 : 0 }
        return min(100, subscriptions * 100 / due)
    }
}
