import Billing
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// `/api/v1/credit-notes`, `/refunds`, `/invoices/{id}/write-off`: money taken back, paid back
/// and written off (each with `Idempotency-Key`).
enum AdjustmentAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .POST, path: "/credit-notes",
                             summary: "Credit an issued invoice (paid or not) by lines, or all that is left: settles what is open, the rest becomes credit",
                             tag: "credit-notes", permission: .invoicesWrite, body: CreditNoteRequest.schema, success: 201, response: InvoiceDTO.schema,
                             rules: CreditNoteRequest.rules, idempotent: true)) { req in
            let ctx = try req.ctx
            let body = try req.json(CreditNoteRequest.self)
            let lines = try body.lines?.enumerated().map { i, l in
                Invoices.LineCredit(lineID: l.lineID, amount: try MoneyInput.amount(l.amount, field: "lines[\(i)].amount", in: ctx.currency))
            }
            let note = try await CreditNotes.issue(ctx, .init(invoiceID: body.invoiceID, reason: body.reason, lines: lines), services: req.services, on: req.db)
            let d = try await Invoices.details(ctx, note.id!.uuidString, on: req.db)
            return try apiResponse(InvoiceDTO(d.invoice, lines: d.lines, taxes: d.taxes), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/refunds", summary: "Refunds, newest first", tag: "refunds", permission: .paymentsRead,
                             query: PlatformAPI.pagingParameters + [("customer_id", .uuid, "One customer's")], response: .list(RefundDTO.schema))) { req in
            let page = try await Refunds.list(try req.ctx, customerID: req.query[String.self, at: "customer_id"], page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(RefundDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/refunds", summary: "Pay customer credit back out (never more than the credit)", tag: "refunds",
                             permission: .paymentsWrite, body: RefundRequest.schema, success: 201, response: RefundDTO.schema,
                             rules: RefundRequest.rules, idempotent: true)) { req in
            let ctx = try req.ctx
            let body = try req.json(RefundRequest.self)
            let refund = try await Refunds.record(ctx, .init(customerID: body.customerID, amount: try MoneyInput.amount(body.amount, field: "amount", in: ctx.currency),
                                                             method: body.method, reference: body.reference, paidOn: body.paidOn, reason: body.reason),
                                                  services: req.services, on: req.db)
            return try apiResponse(RefundDTO(refund), status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/invoices/{id}/write-off", summary: "Write off what is open on an invoice as a bad debt",
                             tag: "invoices", permission: .invoicesWrite, body: WriteOffRequest.schema, success: 201, response: WriteOffDTO.schema,
                             idempotent: true)) { req in
            let body = try req.json(WriteOffRequest.self)
            let w = try await WriteOffs.writeOff(try req.ctx, invoiceID: req.parameters.get("id"), reason: body.reason, services: req.services, on: req.db)
            return try apiResponse(WriteOffDTO(w), status: .created)
        }
    }
}

struct CreditNoteRequest: Decodable {
    struct Line: Decodable {
        var lineID: String?
        var amount: MoneyInput?
        enum CodingKeys: String, CodingKey { case amount, lineID = "line_id" }
    }

    var invoiceID, reason: String?
    var lines: [Line]?

    enum CodingKeys: String, CodingKey { case reason, lines, invoiceID = "invoice_id" }

    static let schema = Schema.named("CreditNoteInput", .input([
        ("invoice_id", .reference("invoice")), ("reason", .text(max: 300, description: "Printed on the credit note")),
        ("lines", .described(.array(.object([("line_id", .uuid), ("amount", MoneyInput.schema)], required: ["line_id"])),
                              "Lines to take back, each by an amount (left out: all that is left of the line); left out: everything left on the invoice")),
    ], required: ["invoice_id", "reason"]))

    static let rules = [
        APIRule("invoice_id", "must be an issued invoice (not a credit note, draft or void)"),
        APIRule("lines", "must take back more than zero and no more than is left on the invoice"),
        APIRule("lines.line_id", "must be a charge line of the invoice, named once"),
        APIRule("lines.amount", "must be more than zero and at most what is left of the line"),
        APIRule("lines.amount.currency", "must be the organization's currency"),
    ]
}

struct RefundRequest: Decodable {
    var customerID, method, reference, paidOn, reason: String?
    var amount: MoneyInput?

    enum CodingKeys: String, CodingKey { case method, reference, reason, amount, customerID = "customer_id", paidOn = "paid_on" }

    static let schema = Schema.named("RefundInput", .input([
        ("customer_id", .reference("customer")), ("amount", MoneyInput.schema), ("method", .choice(PaymentMethod.received.map(\.rawValue))),
        ("reference", .text(max: 100, description: "Transaction id or cheque number; required except for cash")), ("paid_on", .date),
        ("reason", .text(max: 300)),
    ], required: ["customer_id", "amount", "method", "reason"]))

    static let rules = MoneyInput.rules("amount") + [
        APIRule("amount", "must be more than zero and at most the customer's credit"),
        APIRule("reference", "is required for bank, cheque and mobile money"),
        APIRule("paid_on", "must not be later than today in the organization's time zone"),
    ]
}

struct WriteOffRequest: Decodable {
    var reason: String?
    static let schema = Schema.named("WriteOffInput", .input([("reason", .text(max: 300))], required: ["reason"]))
}

struct RefundDTO: Encodable {
    var id, customerID: UUID
    var number, method, paidOn, reason, actor: String
    var reference: String?
    var amount: MoneyDTO
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, number, method, reason, actor, reference, amount
        case customerID = "customer_id", paidOn = "paid_on", createdAt = "created_at"
    }

    init(_ r: Refund) {
        (id, customerID, number, method, paidOn, reason, actor) = (r.id!, r.customerID, r.number, r.method.rawValue, r.paidOn, r.reason, r.actor)
        (reference, amount, createdAt) = (r.reference, MoneyDTO(minorUnits: r.amount, currency: r.currency), r.createdAt)
    }

    static let schema = Schema.named("Refund", .object([
        ("id", .uuid), ("customer_id", .uuid), ("number", .string(description: "RFD-2026-000001, gapless per year")),
        ("method", .choice(PaymentMethod.allCases.map(\.rawValue))), ("reference", .nullable(.string())), ("paid_on", .date), ("reason", .string()),
        ("actor", .string()), ("amount", MoneyDTO.schema), ("created_at", .dateTime),
    ], required: ["id", "customer_id", "number", "method", "paid_on", "reason", "actor", "amount", "created_at"]))
}

struct WriteOffDTO: Encodable {
    var id, customerID, invoiceID: UUID
    var reason, actor: String
    var amount: MoneyDTO
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, reason, actor, amount
        case customerID = "customer_id", invoiceID = "invoice_id", createdAt = "created_at"
    }

    init(_ w: WriteOff) {
        (id, customerID, invoiceID, reason, actor) = (w.id!, w.customerID, w.invoiceID, w.reason, w.actor)
        (amount, createdAt) = (MoneyDTO(minorUnits: w.amount, currency: w.currency), w.createdAt)
    }

    static let schema = Schema.named("WriteOff", .object([
        ("id", .uuid), ("customer_id", .uuid), ("invoice_id", .uuid), ("reason", .string()), ("actor", .string()), ("amount", MoneyDTO.schema),
        ("created_at", .dateTime),
    ], required: ["id", "customer_id", "invoice_id", "reason", "actor", "amount", "created_at"]))
}
