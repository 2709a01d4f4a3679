import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// `/api/v1/customers/{id}/statement` as JSON, CSV and PDF.
enum StatementAPI {
    static let range: [(String, Schema, String)] = [("from", .date, "First day (default: 90 days before \"to\")"),
                                                              ("to", .date, "Last day (default today)")]

    static let rules = [APIRule("from", "must not be after \"to\", and at most ten years before it")]

    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/customers/{id}/statement",
                             summary: "Every invoice, payment, credit note, refund and write-off with a running balance; the closing balance is the ledger's",
                             tag: "statements", permission: .invoicesRead, query: range, response: StatementDTO.schema, rules: rules)) { req in
            try apiResponse(StatementDTO(try await statement(req)))
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/statement.csv", summary: "The statement as CSV", tag: "statements",
                             permission: .invoicesRead, query: range,
                             response: .string(description: "CSV: date, type, document, charges, payments_and_credits, balance; opening and closing rows"),
                             responseType: "text/csv", rules: rules)) { req in
            try csvResponse(try await statement(req), zone: try req.ctx.timeZone)
        }
        api.add(APIOperation(method: .GET, path: "/customers/{id}/statement.pdf", summary: "The statement as a PDF", tag: "statements",
                             permission: .invoicesRead, query: range, responseType: "application/pdf", rules: rules)) { req in
            try InvoiceAPI.pdfResponse(try await Statements.pdf(try await statement(req), try req.ctx, on: req.db))
        }
    }

    /// The statement as a CSV download (the API's and the page's).
    static func csvResponse(_ s: Statements.Statement, zone: TimeZone) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        headers.contentDisposition = .init(.attachment, filename: "statement-\(s.customer.numberText)-\(s.to).csv")
        return Response(status: .ok, headers: headers, body: .init(string: Statements.csv(s, zone: zone)))
    }

    static func statement(_ req: Request) async throws -> Statements.Statement {
        try await Statements.build(try req.ctx, customerID: req.parameters.get("id"), from: req.query[String.self, at: "from"],
                                   to: req.query[String.self, at: "to"], now: req.services.clock.now(), on: req.db)
    }
}

struct StatementDTO: Encodable {
    struct Row: Encodable {
        var at: Date
        var type, label, document: String
        var referenceType: String?
        var referenceID: UUID?
        var amount, balance: MoneyDTO

        enum CodingKeys: String, CodingKey {
            case at, type, label, document, amount, balance
            case referenceType = "reference_type", referenceID = "reference_id"
        }
    }

    var customerID: UUID
    var from, to: String
    var opening, closing: MoneyDTO
    var rows: [Row]

    enum CodingKeys: String, CodingKey {
        case from, to, opening, closing, rows
        case customerID = "customer_id"
    }

    init(_ s: Statements.Statement) {
        let money = { (minor: Int64) in MoneyDTO(minorUnits: minor, currency: s.currency) }
        (customerID, from, to, opening, closing) = (s.customer.id!, s.from.description, s.to.description, money(s.opening), money(s.closing))
        rows = s.rows.map { Row(at: $0.at, type: $0.kind, label: $0.label, document: $0.document, referenceType: $0.referenceType,
                                referenceID: $0.referenceID, amount: money($0.amount), balance: money($0.balance)) }
    }

    static let schema = Schema.named("Statement", .object([
        ("customer_id", .uuid), ("from", .date), ("to", .date),
        ("opening", .described(MoneyDTO.schema, "What the customer owed before \"from\" (negative: their credit)")),
        ("closing", .described(MoneyDTO.schema, "What they owe after \"to\": the ledger's receivable less their credit")),
        ("rows", .array(.object([("at", .dateTime), ("type", .string()), ("label", .string()), ("document", .string()),
                                 ("reference_type", .nullable(.string())), ("reference_id", .nullable(.uuid)),
                                 ("amount", .described(MoneyDTO.schema, "Added to what is owed; negative for payments and credits")),
                                 ("balance", MoneyDTO.schema)],
                                required: ["at", "type", "label", "document", "amount", "balance"]))),
    ], required: ["customer_id", "from", "to", "opening", "closing", "rows"]))
}
