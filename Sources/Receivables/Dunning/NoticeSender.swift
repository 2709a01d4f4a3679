import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform

/// Turns the dunning pass's notices into SMS through the outbox (job `collections.send_notices`):
/// 500 at a time, each once (`sent_at`); a customer without a mobile number is skipped.
public enum NoticeSender {
    @discardableResult
    public static func send(organizationID org: UUID, services: PlatformServices, on db: any Database) async throws -> Int {
        guard let organization = try await Organization.find(org, on: db) else { return 0 }
        let settings = try await Settings.load(organizationID: org, services: services, on: db)
        let grace = settings.int("billing", "grace_days")
        var sent = 0
        while true {
            let notices = try await DunningNotice.inOrganization(org, on: db).filter(\.$sentAt == nil).sort(\.$createdAt).limit(500).all()
            if notices.isEmpty { return sent }
            let customers = try await Customer.inOrganization(org, on: db).filter(\.$id ~~ Array(Set(notices.map(\.customerID)))).all()
            let byID = Dictionary(customers.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
            let now = services.clock.now()
            let balances = try await Statements.balances(of: Array(byID.keys), org, on: db)
            sent += try await db.writeTransaction { tx in
                var queued = 0
                for notice in notices {
                    notice.sentAt = now
                    try await notice.save(on: tx)
                    guard let customer = byID[notice.customerID], let raw = customer.primaryPhone, let number = try? PhoneNumber(parsing: raw) else { continue }
                    let balance = balances[customer.id!] ?? 0
                    let text = message(notice, org: organization.name, customer: customer.displayName,
                                       due: Invoices.amountText(Money(minorUnits: max(balance, 0), currency: organization.currency)), currency: organization.currency,
                                       graceDays: grace)
                    _ = try await Outbox.queueSMS(organizationID: org, to: number, text: text, purpose: "dunning.\(notice.kind)", jobs: services.jobs, on: tx)
                    queued += 1
                }
                return queued
            }
        }
    }

    /// The SMS for a notice, short enough for one or two segments.
    static func message(_ n: DunningNotice, org: String, customer: String, due: String, currency: String, graceDays: Int) -> String {
        let dueOn = LocalDate(n.dueOn)
        let sentOn = LocalDate(n.on)
        switch n.kind {
        case "reminder":
            if let dueOn, let sentOn, sentOn < dueOn { return "\(org): Dear \(customer), your bill of \(currency) \(due) is due on \(dueOn). Please pay on time." }
            if dueOn == sentOn { return "\(org): Dear \(customer), your bill of \(currency) \(due) is due today." }
            let cut = dueOn.map { " Service is suspended after \($0.adding(days: graceDays))." } ?? ""
            return "\(org): Dear \(customer), your bill of \(currency) \(due) is overdue.\(cut)"
        case "suspended": return "\(org): Your internet service is suspended for an unpaid bill of \(currency) \(due). Pay to restore it at once."
        case "restored": return "\(org): Thank you. Your internet service is restored."
        case "terminated": return "\(org): Your internet service has been terminated for non-payment. Call us to reconnect."
        case "prepaid_expiring": return "\(org): Your package runs until \(n.dueOn). Recharge to stay connected."
        default: return "\(org): Please check your account."
        }
    }
}
