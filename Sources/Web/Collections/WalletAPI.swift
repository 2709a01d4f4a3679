import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// `/api/v1/resellers/{id}/wallet` (+ `/top-ups`).
enum WalletAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/resellers/{id}/wallet", summary: "A reseller's wallet: balance, commission rate and latest movements",
                             tag: "wallets", permission: .paymentsRead, response: WalletDTO.schema)) { req in
            let ctx = try req.ctx
            let h = try await Wallets.history(ctx, resellerID: req.parameters.get("id"), on: req.db)
            return try apiResponse(WalletDTO(h, currency: ctx.currency))
        }
        api.add(APIOperation(method: .POST, path: "/resellers/{id}/wallet/top-ups", summary: "Money the reseller paid the ISP, into its wallet",
                             tag: "wallets", permission: .paymentsWrite, body: TopUpRequest.schema, success: 201, response: TopUpDTO.schema,
                             rules: TopUpRequest.rules, idempotent: true)) { req in
            let ctx = try req.ctx
            let body = try req.json(TopUpRequest.self)
            let t = try await Wallets.topUp(ctx, resellerID: req.parameters.get("id"),
                                            .init(amount: try MoneyInput.amount(body.amount, field: "amount", in: ctx.currency), method: body.method,
                                                  reference: body.reference, receivedOn: body.receivedOn, note: body.note),
                                            services: req.services, on: req.db)
            return try apiResponse(TopUpDTO(t), status: .created)
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/wallet-recharge",
                             summary: "Reseller staff: sell one prepaid package, paid at once from the reseller's wallet at its price; answers the invoice and payment",
                             tag: "wallets", permission: .paymentsWrite, success: 201, response: WalletRechargeDTO.schema, idempotent: true)) { req in
            let sold = try await Wallets.recharge(try req.ctx, subscriptionID: req.parameters.get("id"), services: req.services, on: req.db)
            return try apiResponse(WalletRechargeDTO(invoice: sold.invoice, payment: sold.payment), status: .created)
        }
    }
}

struct TopUpRequest: Decodable {
    var method, reference, receivedOn, note: String?
    var amount: MoneyInput?

    enum CodingKeys: String, CodingKey { case method, reference, note, amount, receivedOn = "received_on" }

    static let schema = Schema.named("WalletTopUpInput", .input([
        ("amount", MoneyInput.schema), ("method", .choice(PaymentMethod.received.map(\.rawValue))),
        ("reference", .text(max: 100, description: "Transaction id, cheque or slip number; required except for cash")), ("received_on", .date),
        ("note", .text(max: 500)),
    ], required: ["amount", "method"]))

    static let rules = MoneyInput.rules("amount") + [
        APIRule("amount", "must be more than zero"), APIRule("reference", "is required for bank, cheque and mobile money"),
        APIRule("received_on", "must not be later than today in the organization's time zone"),
    ]
}

struct TopUpDTO: Encodable {
    var id, resellerID: UUID
    var number, method, receivedOn, actor: String
    var reference, note: String?
    var amount: MoneyDTO
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, number, method, actor, reference, note, amount
        case resellerID = "reseller_id", receivedOn = "received_on", createdAt = "created_at"
    }

    init(_ t: WalletTopUp) {
        (id, resellerID, number, method, receivedOn, actor) = (t.id!, t.resellerID, t.number, t.method.rawValue, t.receivedOn, t.actor)
        (reference, note, amount, createdAt) = (t.reference, t.note, MoneyDTO(minorUnits: t.amount, currency: t.currency), t.createdAt)
    }

    static let schema = Schema.named("WalletTopUp", .object([
        ("id", .uuid), ("reseller_id", .uuid), ("number", .string(description: "WTU-2026-000001, gapless per year")),
        ("method", .choice(PaymentMethod.received.map(\.rawValue))), ("reference", .nullable(.string())), ("received_on", .date),
        ("note", .nullable(.string())), ("actor", .string()), ("amount", MoneyDTO.schema), ("created_at", .dateTime),
    ], required: ["id", "reseller_id", "number", "method", "received_on", "actor", "amount", "created_at"]))
}

struct WalletDTO: Encodable {
    struct Movement: Encodable {
        var at: Date
        var kind, document: String
        var referenceType: String?
        var referenceID: UUID?
        var amount, commission, balance: MoneyDTO

        enum CodingKeys: String, CodingKey {
            case at, kind, document, amount, commission, balance
            case referenceType = "reference_type", referenceID = "reference_id"
        }
    }

    var resellerID: UUID
    var commissionRate: String
    var balance: MoneyDTO
    var movements: [Movement]

    enum CodingKeys: String, CodingKey { case balance, movements, resellerID = "reseller_id", commissionRate = "commission_rate" }

    init(_ h: (reseller: Reseller, balance: Int64, movements: [Wallets.Movement]), currency: String) {
        let money = { (minor: Int64) in MoneyDTO(minorUnits: minor, currency: currency) }
        (resellerID, balance) = (h.reseller.id!, money(h.balance))
        commissionRate = String(format: "%d.%02d", h.reseller.commissionBasisPoints / 100, h.reseller.commissionBasisPoints % 100)
        movements = h.movements.map { Movement(at: $0.at, kind: $0.kind, document: $0.document, referenceType: $0.referenceType, referenceID: $0.referenceID,
                                               amount: money($0.amount), commission: money($0.commission), balance: money($0.balance)) }
    }

    static let schema = Schema.named("Wallet", .object([
        ("reseller_id", .uuid), ("commission_rate", .string(description: "Percent of what its staff collect, e.g. 10.00")),
        ("balance", .described(MoneyDTO.schema, "What the wallet holds")),
        ("movements", .described(.array(.object([
            ("at", .dateTime), ("kind", .string(description: "wallet_top_up, payment (a collection), reversal")), ("document", .string()),
            ("reference_type", .nullable(.string())), ("reference_id", .nullable(.uuid)),
            ("amount", .described(MoneyDTO.schema, "Into the wallet (positive) or out of it")), ("commission", MoneyDTO.schema), ("balance", MoneyDTO.schema),
        ], required: ["at", "kind", "document", "amount", "commission", "balance"])), "Newest first, at most 100")),
    ], required: ["reseller_id", "commission_rate", "balance", "movements"]))
}

struct WalletRechargeDTO: Encodable {
    var invoiceID: UUID
    var invoiceNumber: String
    var periodStart, periodEnd: String?
    var payment: PaymentDTO

    enum CodingKeys: String, CodingKey {
        case payment
        case invoiceID = "invoice_id", invoiceNumber = "invoice_number", periodStart = "period_start", periodEnd = "period_end"
    }

    init(invoice: Invoice, payment: Payment) {
        (invoiceID, invoiceNumber, periodStart, periodEnd) = (invoice.id!, invoice.number, invoice.periodStart, invoice.periodEnd)
        self.payment = PaymentDTO(payment)
    }

    static let schema = Schema.named("WalletRecharge", .object([
        ("invoice_id", .uuid), ("invoice_number", .string()), ("period_start", .nullable(.date)),
        ("period_end", .nullable(.described(.date, "The package's last day: the subscription's new expiry"))), ("payment", PaymentDTO.schema),
    ], required: ["invoice_id", "invoice_number", "payment"]))
}
