import Billing
import Foundation
import MeghnaCore

struct InvoiceDTO: Encodable {
    struct Line: Encodable {
        var kind, description: String
        var detail: String?
        var amount: MoneyDTO
    }

    struct Tax: Encodable {
        var code, name, rate: String
        var inclusive: Bool
        var base, amount: MoneyDTO
    }

    var id, customerID: UUID
    var subscriptionID: UUID?
    var kind, number, status, issueOn, dueOn: String
    var periodStart, periodEnd: String?
    var voidsInvoiceID: UUID?
    var voidReason: String?
    var subtotal, taxTotal, total, paidTotal: MoneyDTO
    var lines: [Line]?
    var taxes: [Tax]?
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, kind, number, status, subtotal, total, lines, taxes
        case customerID = "customer_id", subscriptionID = "subscription_id", issueOn = "issue_on", dueOn = "due_on"
        case periodStart = "period_start", periodEnd = "period_end", taxTotal = "tax_total", paidTotal = "paid_total", createdAt = "created_at"
        case voidsInvoiceID = "voids_invoice_id", voidReason = "void_reason"
    }

    init(_ i: Invoice, lines: [InvoiceLine]? = nil, taxes: [InvoiceTax]? = nil) {
        let money = { (minor: Int64) in MoneyDTO(minorUnits: minor, currency: i.currency) }
        id = i.id!
        customerID = i.customerID
        subscriptionID = i.subscriptionID
        kind = i.kind
        number = i.number
        status = i.status.rawValue
        issueOn = i.issueOn
        dueOn = i.dueOn
        periodStart = i.periodStart
        periodEnd = i.periodEnd
        voidsInvoiceID = i.voidsInvoiceID
        voidReason = i.voidReason
        subtotal = money(i.subtotal)
        taxTotal = money(i.taxTotal)
        total = money(i.total)
        paidTotal = money(i.paidTotal)
        self.lines = lines?.map { Line(kind: $0.kind, description: $0.text, detail: $0.detail, amount: money($0.amount)) }
        self.taxes = taxes?.map { Tax(code: $0.code, name: $0.name, rate: percentText($0.rateBasisPoints), inclusive: $0.inclusive, base: money($0.base),
                                      amount: money($0.amount)) }
        createdAt = i.createdAt
    }

    static let schema = Schema.named("Invoice", .object([
        ("id", .uuid), ("customer_id", .uuid), ("subscription_id", .nullable(.uuid)), ("kind", .choice(["invoice", "credit_note"])),
        ("number", .string(description: "INV-2026-000001 or CN-2026-000001, gapless per series")),
        ("status", .choice(InvoiceStatus.allCases.map(\.rawValue))), ("issue_on", .date), ("due_on", .date),
        ("period_start", .nullable(.date)), ("period_end", .nullable(.date)),
        ("voids_invoice_id", .nullable(.described(.uuid, "A credit note that voids an invoice names it"))),
        ("void_reason", .nullable(.described(.string(), "Why it was voided (on the invoice and its credit note)"))),
        ("subtotal", MoneyDTO.schema), ("tax_total", MoneyDTO.schema), ("total", MoneyDTO.schema), ("paid_total", MoneyDTO.schema),
        ("lines", .described(.array(.object([("kind", .string()), ("description", .string()), ("detail", .nullable(.string())), ("amount", MoneyDTO.schema)],
                                            required: ["kind", "description", "amount"])), "One invoice only")),
        ("taxes", .described(.array(.object([("code", .string()), ("name", .string()), ("rate", .string()), ("inclusive", .boolean),
                                             ("base", MoneyDTO.schema), ("amount", MoneyDTO.schema)],
                                            required: ["code", "name", "rate", "inclusive", "base", "amount"])), "One invoice only")),
        ("created_at", .dateTime),
    ], required: ["id", "customer_id", "kind", "number", "status", "issue_on", "due_on", "subtotal", "tax_total", "total", "paid_total", "created_at"]))
}

struct BillingRunDTO: Encodable {
    var id: UUID
    var runOn, status, actor: String
    var invoices, subscriptions: Int
    var due: Int?
    var total: MoneyDTO
    var startedAt: Date
    var finishedAt: Date?
    var errors: String?

    enum CodingKeys: String, CodingKey {
        case id, status, actor, invoices, subscriptions, due, total, errors
        case runOn = "run_on", startedAt = "started_at", finishedAt = "finished_at"
    }

    init(_ r: BillingRun, currency: String) {
        id = r.id!
        runOn = r.runOn
        status = r.status
        actor = r.actor
        invoices = r.invoices
        subscriptions = r.subscriptions
        due = r.due
        total = MoneyDTO(minorUnits: r.total, currency: currency)
        startedAt = r.startedAt
        finishedAt = r.finishedAt
        errors = r.errors
    }

    static let schema = Schema.named("BillingRun", .object([
        ("id", .uuid), ("run_on", .date), ("status", .choice(["queued", "running", "finished", "failed"])), ("actor", .string()),
        ("invoices", .integer(minimum: 0)), ("subscriptions", .integer(minimum: 0)),
        ("due", .nullable(.integer(minimum: 0))), ("total", MoneyDTO.schema), ("started_at", .dateTime), ("finished_at", .nullable(.dateTime)),
        ("errors", .nullable(.string())),
    ], required: ["id", "run_on", "status", "actor", "invoices", "subscriptions", "total", "started_at"]))
}

struct RunPreviewDTO: Encodable {
    struct Branch: Encodable {
        var branchID: UUID
        var invoices: Int
        var total: MoneyDTO
        enum CodingKeys: String, CodingKey {
            case invoices, total
            case branchID = "branch_id"
        }
    }

    var on: String
    var subscriptions, invoices: Int
    var total: MoneyDTO
    var branches: [Branch]

    init(_ s: RunSummary, currency: String) {
        on = s.through.description
        subscriptions = s.subscriptions
        invoices = s.invoices
        total = MoneyDTO(minorUnits: s.total, currency: currency)
        branches = s.perBranch.sorted { $0.key.uuidString < $1.key.uuidString }
            .map { Branch(branchID: $0.key, invoices: $0.value.invoices, total: MoneyDTO(minorUnits: $0.value.total, currency: currency)) }
    }

    static let schema = Schema.named("RunPreview", .object([
        ("on", .date), ("subscriptions", .integer(minimum: 0)), ("invoices", .integer(minimum: 0)), ("total", MoneyDTO.schema),
        ("branches", .array(.object([("branch_id", .uuid), ("invoices", .integer(minimum: 0)), ("total", MoneyDTO.schema)],
                                    required: ["branch_id", "invoices", "total"]))),
    ], required: ["on", "subscriptions", "invoices", "total", "branches"]))
}
