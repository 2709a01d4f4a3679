import Foundation
import MeghnaCore
import Receivables

struct PaymentDTO: Encodable {
    struct Share: Encodable {
        var invoiceID: UUID
        var invoiceNumber: String
        var amount: MoneyDTO
        var reversed: Bool

        enum CodingKeys: String, CodingKey {
            case amount, reversed
            case invoiceID = "invoice_id", invoiceNumber = "invoice_number"
        }
    }

    var id, customerID: UUID
    var number, method, status, receivedOn, collectorName: String
    var reference, note, reversalReason: String?
    var amount, allocated, credited: MoneyDTO
    var allocations: [Share]?
    var reversedAt: Date?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, number, method, status, reference, note, amount, allocated, credited, allocations
        case customerID = "customer_id", receivedOn = "received_on", collectorName = "collector_name", reversalReason = "reversal_reason"
        case reversedAt = "reversed_at", createdAt = "created_at"
    }

    init(_ p: Payment, shares: [(allocation: PaymentAllocation, invoiceNumber: String)]? = nil) {
        let money = { (minor: Int64) in MoneyDTO(minorUnits: minor, currency: p.currency) }
        (id, customerID, number, method, status) = (p.id!, p.customerID, p.number, p.method.rawValue, p.status.rawValue)
        (receivedOn, collectorName, reference, note, reversalReason) = (p.receivedOn, p.collectorName, p.reference, p.note, p.reversalReason)
        (amount, allocated, credited) = (money(p.amount), money(p.allocated), money(p.credited))
        allocations = shares?.map { Share(invoiceID: $0.allocation.invoiceID, invoiceNumber: $0.invoiceNumber, amount: money($0.allocation.amount),
                                          reversed: $0.allocation.reversedAt != nil) }
        (reversedAt, createdAt) = (p.reversedAt, p.createdAt)
    }

    static let schema = Schema.named("Payment", .object([
        ("id", .uuid), ("customer_id", .uuid), ("number", .string(description: "Receipt number RCT-2026-000001, gapless per year")),
        ("method", .choice(PaymentMethod.allCases.map(\.rawValue))), ("status", .choice(PaymentStatus.allCases.map(\.rawValue))),
        ("reference", .nullable(.string())), ("received_on", .date), ("collector_name", .string()), ("note", .nullable(.string())),
        ("amount", MoneyDTO.schema), ("allocated", .described(MoneyDTO.schema, "Put on invoices")),
        ("credited", .described(MoneyDTO.schema, "Left over: the customer's credit, used by their next invoices")),
        ("allocations", .described(.array(.object([("invoice_id", .uuid), ("invoice_number", .string()), ("amount", MoneyDTO.schema), ("reversed", .boolean)],
                                                  required: ["invoice_id", "invoice_number", "amount", "reversed"])), "One payment only")),
        ("reversal_reason", .nullable(.string())), ("reversed_at", .nullable(.dateTime)), ("created_at", .dateTime),
    ], required: ["id", "customer_id", "number", "method", "status", "received_on", "collector_name", "amount", "allocated", "credited", "created_at"]))
}

/// `POST /payments`.
struct PaymentRequest: Decodable {
    struct Share: Decodable {
        var invoiceID: String?
        var amount: MoneyInput?

        enum CodingKeys: String, CodingKey {
            case amount
            case invoiceID = "invoice_id"
        }
    }

    var customerID, method, reference, receivedOn, note: String?
    var amount: MoneyInput?
    var allocations: [Share]?

    enum CodingKeys: String, CodingKey {
        case method, reference, note, amount, allocations
        case customerID = "customer_id", receivedOn = "received_on"
    }

    func input(currency: String) throws -> Payments.Input {
        let shares = try allocations?.enumerated().map { index, share in
            Payments.Share(invoiceID: share.invoiceID, amount: try MoneyInput.amount(share.amount, field: "allocations[\(index)].amount", in: currency))
        }
        return .init(customerID: customerID, amount: try MoneyInput.amount(amount, field: "amount", in: currency), method: method, reference: reference,
                     receivedOn: receivedOn, note: note, allocations: shares)
    }

    static let schema = Schema.named("PaymentInput", .input([
        ("customer_id", .reference("customer")), ("amount", MoneyInput.schema), ("method", .choice(PaymentMethod.received.map(\.rawValue))),
        ("reference", .text(max: 100, description: "Transaction id, cheque or slip number; required except for cash")),
        ("received_on", .date), ("note", .text(max: 500)),
        ("allocations", .described(.array(.object([("invoice_id", .reference("invoice")), ("amount", MoneyInput.schema)], required: ["invoice_id", "amount"])),
                                   "Where the money goes; left out, the oldest open invoices are paid first. What is left becomes credit.")),
    ], required: ["customer_id", "amount", "method"]))

    static let rules = MoneyInput.rules("amount") + [
        APIRule("amount", "must be more than zero"), APIRule("reference", "is required for bank, cheque and mobile money"),
        APIRule("received_on", "must not be later than today in the organization's time zone"),
        APIRule("allocations", "must not add up to more than the payment"),
        APIRule("allocations.amount", "must be more than zero and at most what is open on the invoice"),
        APIRule("allocations.amount.currency", "must be the organization's currency"),
        APIRule("allocations.invoice_id", "must be an open invoice of this customer, named once"),
    ]
}

struct PaymentReverseRequest: Decodable {
    var reason: String?
    static let schema = Schema.named("PaymentReversal", .input([("reason", .text(max: 300, description: "Why (a bounced cheque, the wrong customer)"))],
                                                               required: ["reason"]))
}
