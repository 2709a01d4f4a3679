import Foundation
import MeghnaCore

/// An issued invoice with money still owed on it, as allocation sees it.
public struct OpenInvoice: Sendable, Hashable {
    public var id: UUID
    public var number: String
    public var issueOn: String
    public var dueOn: String
    /// Total less what was paid, in minor units (always more than zero).
    public var open: Int64

    public init(id: UUID, number: String, issueOn: String, dueOn: String, open: Int64) {
        (self.id, self.number, self.issueOn, self.dueOn, self.open) = (id, number, issueOn, dueOn, open)
    }
}

/// An amount put on one invoice.
public struct AllocationShare: Sendable, Hashable {
    public var invoiceID: UUID
    public var amount: Int64

    public init(invoiceID: UUID, amount: Int64) { (self.invoiceID, self.amount) = (invoiceID, amount) }
}

/// How a payment (or credit) is spread over a customer's open invoices: pure functions.
public enum Allocation {
    /// The oldest debt first: by due date, then issue date, then number. Each invoice takes what
    /// is open on it until the money runs out; what is left over is not allocated (it becomes
    /// the customer's credit).
    public static func oldestFirst(_ amount: Int64, over invoices: [OpenInvoice]) -> [AllocationShare] {
        var left = amount
        var shares: [AllocationShare] = []
        for invoice in invoices.sorted(by: { ($0.dueOn, $0.issueOn, $0.number) < ($1.dueOn, $1.issueOn, $1.number) }) where left > 0 && invoice.open > 0 {
            let take = min(left, invoice.open)
            shares.append(AllocationShare(invoiceID: invoice.id, amount: take))
            left -= take
        }
        return shares
    }

    /// Exactly the shares asked for, after checking each: an open invoice of this customer,
    /// named once, more than zero and not beyond what is open on it, and all of them together
    /// not beyond the payment. Errors name the share (`allocations[1].amount`).
    public static func chosen(_ requested: [AllocationShare], amount: Int64, over invoices: [OpenInvoice], currency: String) throws(DomainError) -> [AllocationShare] {
        let open = Dictionary(invoices.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        var errors: [FieldError] = []
        var seen = Set<UUID>()
        var total: Int64 = 0
        for (index, share) in requested.enumerated() {
            let field = "allocations[\(index)]"
            guard let invoice = open[share.invoiceID] else {
                errors.append(FieldError("\(field).invoice_id", "is not an open invoice of this customer"))
                continue
            }
            guard seen.insert(share.invoiceID).inserted else {
                errors.append(FieldError("\(field).invoice_id", "names invoice \(invoice.number) twice"))
                continue
            }
            if share.amount <= 0 {
                errors.append(FieldError("\(field).amount", "must be more than zero"))
            } else if share.amount > invoice.open {
                errors.append(FieldError("\(field).amount", "is more than the \(Money(minorUnits: invoice.open, currency: currency).decimalString) open on \(invoice.number)"))
            }
            total += max(0, share.amount)
        }
        if errors.isEmpty && total > amount {
            errors.append(FieldError("allocations", "add up to \(Money(minorUnits: total, currency: currency).decimalString), more than the payment"))
        }
        if !errors.isEmpty { throw DomainError.validation(errors) }
        return requested
    }
}
