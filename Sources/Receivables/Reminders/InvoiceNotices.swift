import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// "Invoice issued", once per invoice (its id is the invoice's). The daily dunning pass adds
/// the open invoices issued in the last `window` days, so the message goes out at the pass hour
/// in the organization's daytime, not at the billing run's hour of the night; invoices from
/// before the messages were turned on are not texted all at once.
public final class InvoiceNotice: TenantOwned, @unchecked Sendable {
    public static let schema = "invoice_notices"
    public static var organizationKey: KeyPath<InvoiceNotice, FieldProperty<InvoiceNotice, UUID>> { \InvoiceNotice.$organizationID }
    public static let displayName = "Invoice notice"

    /// The invoice's id.
    @ID(custom: "id", generatedBy: .user) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "customer_id") public var customerID: UUID
    @Field(key: "on") public var on: String
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}
}

enum InvoiceNotices {
    static let window = 3

    /// Adds the notices of invoices issued from `window` days before `day` through `day` that
    /// are still open and have none yet; answers how many.
    static func add(_ org: UUID, day: LocalDate, at now: Date, on tx: any Database) async throws -> Int {
        try await tx.rows("""
            INSERT INTO invoice_notices (id, organization_id, customer_id, "on", created_at) \
            SELECT i.id, i.organization_id, i.customer_id, \(bind: day.description), \(bind: now) FROM invoices i \
            WHERE \(TenantSQL.organization(org, alias: "i")) AND i.kind = 'invoice' AND i.status IN ('issued', 'partially_paid') \
            AND i.total > i.paid_total AND i.issue_on >= \(bind: day.adding(days: -window).description) AND i.issue_on <= \(bind: day.description) \
            AND NOT EXISTS (SELECT 1 FROM invoice_notices n WHERE n.id = i.id) RETURNING id
            """).count
    }
}
