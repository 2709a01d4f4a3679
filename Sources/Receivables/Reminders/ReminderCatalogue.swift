import Foundation
import MeghnaCore

/// The messages Meghna sends customers about their money and service, each by SMS and by
/// email, with the variables its template may use and the text it has until an organization
/// writes its own.
public enum ReminderEvent: String, Codable, Sendable, CaseIterable {
    case invoiceIssued = "invoice_issued"
    case dueSoon = "due_soon"
    case dueToday = "due_today"
    case overdue
    case suspended
    case restored
    case terminated
    case prepaidExpiring = "prepaid_expiring"
    case paymentReceived = "payment_received"

    public var label: String {
        switch self {
        case .invoiceIssued: "Invoice issued"
        case .dueSoon: "Due soon"
        case .dueToday: "Due today"
        case .overdue: "Overdue"
        case .suspended: "Service suspended"
        case .restored: "Service restored"
        case .terminated: "Service terminated"
        case .prepaidExpiring: "Prepaid package expiring"
        case .paymentReceived: "Payment received (receipt)"
        }
    }

    /// When it goes out.
    public var when: String {
        switch self {
        case .invoiceIssued: "At the dunning pass hour after an invoice is issued (invoices issued in the last 3 days)."
        case .dueSoon: "On each reminder day before the due date (Settings → Dunning: reminder days)."
        case .dueToday: "On the due date, when it is one of the reminder days."
        case .overdue: "On each reminder day after the due date."
        case .suspended: "When dunning suspends the service."
        case .restored: "When a payment, credit note or exclusion restores a service dunning suspended."
        case .terminated: "When dunning terminates a subscription after its days suspended."
        case .prepaidExpiring: "On the reminder days before a prepaid package runs out."
        case .paymentReceived: "When staff text a receipt from the collection screen or the payment page."
        }
    }

    /// The variables of this message, in the order the form lists them.
    public var variables: [ReminderVariable] {
        let common: [ReminderVariable] = [.organizationName, .customerName, .customerNumber, .currency]
        switch self {
        case .invoiceIssued: return common + [.invoiceNumber, .invoiceTotal, .dueDate, .amountDue]
        case .dueSoon, .dueToday: return common + [.amountDue, .dueDate]
        case .overdue: return common + [.amountDue, .dueDate, .suspendOn]
        case .suspended, .terminated: return common + [.amountDue]
        case .restored: return common
        case .prepaidExpiring: return common + [.expiresOn]
        case .paymentReceived: return common + [.receiptNumber, .paymentAmount, .paidOn, .amountDue, .credit]
        }
    }

    public var defaultSMS: String {
        switch self {
        case .invoiceIssued:
            "{{organization_name}}: Dear {{customer_name}}, invoice {{invoice_number}} of {{currency}} {{invoice_total}} is issued, due on {{due_date}}."
        case .dueSoon: "{{organization_name}}: Dear {{customer_name}}, your bill of {{currency}} {{amount_due}} is due on {{due_date}}. Please pay on time."
        case .dueToday: "{{organization_name}}: Dear {{customer_name}}, your bill of {{currency}} {{amount_due}} is due today."
        case .overdue:
            "{{organization_name}}: Dear {{customer_name}}, your bill of {{currency}} {{amount_due}} is overdue.{{#suspend_on}} Service is suspended after {{suspend_on}}.{{/suspend_on}}"
        case .suspended:
            "{{organization_name}}: Your internet service is suspended for an unpaid bill{{#amount_due}} of {{currency}} {{amount_due}}{{/amount_due}}. Pay to restore it at once."
        case .restored: "{{organization_name}}: Thank you. Your internet service is restored."
        case .terminated: "{{organization_name}}: Your internet service has been terminated for non-payment. Call us to reconnect."
        case .prepaidExpiring: "{{organization_name}}: Your package runs until {{expires_on}}. Recharge to stay connected."
        case .paymentReceived:
            "{{organization_name}}: received {{currency}} {{payment_amount}} on {{paid_on}}, receipt {{receipt_number}}. "
                + "{{#amount_due}}Still due: {{amount_due}}.{{/amount_due}}{{#credit}}Credit: {{credit}}.{{/credit}}"
                + "{{^amount_due}}{{^credit}}Nothing is due.{{/credit}}{{/amount_due}} Thank you."
        }
    }

    public var defaultSubject: String {
        switch self {
        case .invoiceIssued: "Invoice {{invoice_number}} from {{organization_name}}"
        case .dueSoon: "Your {{organization_name}} bill is due on {{due_date}}"
        case .dueToday: "Your {{organization_name}} bill is due today"
        case .overdue: "Your {{organization_name}} bill is overdue"
        case .suspended: "Your {{organization_name}} internet service is suspended"
        case .restored: "Your {{organization_name}} internet service is restored"
        case .terminated: "Your {{organization_name}} internet service is terminated"
        case .prepaidExpiring: "Your {{organization_name}} package runs until {{expires_on}}"
        case .paymentReceived: "Receipt {{receipt_number}} from {{organization_name}}"
        }
    }

    public var defaultEmail: String {
        let greeting = "Dear {{customer_name}},\n\n"
        let footer = "\n\nCustomer number: {{customer_number}}\n{{organization_name}}\n"
        let body: String = switch self {
        case .invoiceIssued:
            "Invoice {{invoice_number}} for {{currency}} {{invoice_total}} has been issued and is due on {{due_date}}.{{#amount_due}}\n\nIn all you owe {{currency}} {{amount_due}}.{{/amount_due}}"
        case .dueSoon: "This is a reminder that your bill of {{currency}} {{amount_due}} is due on {{due_date}}. Please pay on time to keep your service running."
        case .dueToday: "Your bill of {{currency}} {{amount_due}} is due today. Please pay to keep your service running."
        case .overdue:
            "Your bill of {{currency}} {{amount_due}}, due on {{due_date}}, is overdue.{{#suspend_on}} Your service will be suspended after {{suspend_on}} unless it is paid.{{/suspend_on}}"
        case .suspended:
            "Your internet service is suspended for an unpaid bill{{#amount_due}} of {{currency}} {{amount_due}}{{/amount_due}}. It is restored as soon as the bill is paid."
        case .restored: "Thank you for your payment. Your internet service is restored."
        case .terminated: "Your internet service has been terminated for non-payment. Please contact us to reconnect."
        case .prepaidExpiring: "Your prepaid package runs until {{expires_on}}. Recharge before then to stay connected."
        case .paymentReceived:
            "We received {{currency}} {{payment_amount}} on {{paid_on}} (receipt {{receipt_number}}). "
                + "{{#amount_due}}Still due: {{currency}} {{amount_due}}.{{/amount_due}}{{#credit}}Your credit: {{currency}} {{credit}}.{{/credit}}"
                + "{{^amount_due}}{{^credit}}Nothing is due.{{/credit}}{{/amount_due}}\n\nThank you."
        }
        return greeting + body + footer
    }
}

/// A value a reminder template may show.
public struct ReminderVariable: Sendable, Hashable {
    public var name: String
    public var meaning: String
    /// What the preview shows.
    public var sample: String

    public static let organizationName = ReminderVariable(name: "organization_name", meaning: "Your organization's name", sample: "Meghna Demo ISP")
    public static let customerName = ReminderVariable(name: "customer_name", meaning: "The customer's name", sample: "Rahim Uddin")
    public static let customerNumber = ReminderVariable(name: "customer_number", meaning: "The customer's number", sample: "C-000123")
    public static let currency = ReminderVariable(name: "currency", meaning: "The currency code", sample: "BDT")
    public static let amountDue = ReminderVariable(name: "amount_due", meaning: "What the customer owes now; empty when nothing is owed", sample: "1,500.00")
    public static let dueDate = ReminderVariable(name: "due_date", meaning: "The due date of the bill", sample: "8 Mar 2026")
    public static let suspendOn = ReminderVariable(name: "suspend_on", meaning: "The last day before suspension (due date plus grace days)", sample: "11 Mar 2026")
    public static let invoiceNumber = ReminderVariable(name: "invoice_number", meaning: "The invoice's number", sample: "INV-2026-000042")
    public static let invoiceTotal = ReminderVariable(name: "invoice_total", meaning: "The invoice's total", sample: "1,050.00")
    public static let expiresOn = ReminderVariable(name: "expires_on", meaning: "The last day of the prepaid package", sample: "15 Mar 2026")
    public static let receiptNumber = ReminderVariable(name: "receipt_number", meaning: "The receipt's number", sample: "RCT-2026-000017")
    public static let paymentAmount = ReminderVariable(name: "payment_amount", meaning: "The amount received", sample: "1,000.00")
    public static let paidOn = ReminderVariable(name: "paid_on", meaning: "The day the money was received", sample: "6 Mar 2026")
    public static let credit = ReminderVariable(name: "credit", meaning: "The customer's credit after the payment; empty when none", sample: "")
}

public enum ReminderChannel: String, Codable, Sendable, CaseIterable {
    case sms
    case email

    public var label: String { self == .sms ? "SMS" : "Email" }
}

extension LocalDate {
    /// "8 Mar 2026": how a date reads in a message to a customer.
    public var readable: String {
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        return "\(day) \(months[month - 1]) \(year)"
    }
}
