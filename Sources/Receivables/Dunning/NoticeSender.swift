import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform

/// Turns the dunning pass's notices (and its "invoice issued" notices) into messages through
/// the outbox (job `collections.send_notices`), in the organization's templates: 500 at a time,
/// each once (`sent_at`). A customer the message cannot reach (no mobile number, no email or
/// SMTP), or a message turned off, is skipped.
public enum NoticeSender {
    @discardableResult
    public static func send(organizationID org: UUID, services: PlatformServices, on db: any Database) async throws -> Int {
        let composer = try await ReminderComposer.load(organizationID: org, services: services, on: db)
        let settings = try await Settings.load(organizationID: org, services: services, on: db)
        // The day service stops is named only where dunning suspends.
        let grace: Int? = settings.bool("dunning", "suspend") ? settings.int("billing", "grace_days") : nil
        var sent = 0
        while true {
            let notices = try await DunningNotice.inOrganization(org, on: db).filter(\.$sentAt == nil).sort(\.$createdAt).limit(500).all()
            if notices.isEmpty { break }
            let (customers, balances) = try await reach(notices.map(\.customerID), org, on: db)
            let now = services.clock.now()
            sent += try await db.writeTransaction { tx in
                var queued = 0
                for notice in notices {
                    notice.sentAt = now
                    try await notice.save(on: tx)
                    guard let customer = customers[notice.customerID] else { continue }
                    let (event, values) = message(notice, due: composer.amount(balances[notice.customerID] ?? 0), graceDays: grace)
                    queued += try await composer.queue(event, to: customer, values: values, organizationID: org, services: services, on: tx)
                }
                return queued
            }
        }
        while true {
            let notices = try await InvoiceNotice.inOrganization(org, on: db).filter(\.$sentAt == nil).sort(\.$createdAt).limit(500).all()
            if notices.isEmpty { return sent }
            let (customers, balances) = try await reach(notices.map(\.customerID), org, on: db)
            let invoices = try await Invoice.inOrganization(org, on: db).filter(\.$id ~~ notices.compactMap(\.id)).all()
            let byID = Dictionary(invoices.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
            let now = services.clock.now()
            sent += try await db.writeTransaction { tx in
                var queued = 0
                for notice in notices {
                    notice.sentAt = now
                    try await notice.save(on: tx)
                    guard let customer = customers[notice.customerID], let invoice = byID[notice.id!] else { continue }
                    let values = ["invoice_number": invoice.number, "invoice_total": composer.amount(invoice.total),
                                  "due_date": LocalDate(invoice.dueOn)?.readable ?? invoice.dueOn, "amount_due": composer.amount(balances[customer.id!] ?? 0)]
                    queued += try await composer.queue(.invoiceIssued, to: customer, values: values, organizationID: org, services: services, on: tx)
                }
                return queued
            }
        }
    }

    /// The customers of a batch and what each owes now.
    static func reach(_ ids: [UUID], _ org: UUID, on db: any Database) async throws -> ([UUID: Customer], [UUID: Int64]) {
        let customers = try await Customer.inOrganization(org, on: db).filter(\.$id ~~ Array(Set(ids))).all()
        let byID = Dictionary(customers.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
        return (byID, try await Statements.balances(of: Array(byID.keys), org, on: db))
    }

    /// Which message a notice is, and its values. A reminder is named by the day it goes out on:
    /// before the due date, on it, or after.
    static func message(_ n: DunningNotice, due: String, graceDays: Int?) -> (ReminderEvent, [String: String]) {
        let dueOn = LocalDate(n.dueOn)
        let readable = dueOn?.readable ?? n.dueOn
        var values = ["amount_due": due, "due_date": readable]
        switch n.kind {
        case "reminder":
            if let dueOn, let sentOn = LocalDate(n.on), sentOn < dueOn { return (.dueSoon, values) }
            if n.dueOn == n.on { return (.dueToday, values) }
            if let graceDays, let dueOn { values["suspend_on"] = dueOn.adding(days: graceDays).readable }
            return (.overdue, values)
        case "suspended": return (.suspended, values)
        case "restored": return (.restored, values)
        case "terminated": return (.terminated, values)
        case "prepaid_expiring": return (.prepaidExpiring, ["expires_on": readable])
        default: return (.overdue, values)
        }
    }
}
