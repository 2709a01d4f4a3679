import Foundation
import Ledger
import MeghnaCore
import Vapor

/// The ledger's API: the trial balance.
enum LedgerAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/ledger/trial-balance", summary: "Every account's balance at the end of a day; customers' accounts summed",
                             tag: "ledger", permission: .ledgerRead,
                             query: [("on", .date, "The day (organization's time zone); default today")],
                             response: TrialBalanceDTO.schema)) { req in
            let ctx = try req.ctx
            var day = LocalDate.today(req.services.clock.now(), in: ctx.timeZone)
            if let raw = req.query[String.self, at: "on"], !raw.isEmpty {
                guard let chosen = LocalDate(raw) else { throw DomainError.invalid("on", "must be a date written YYYY-MM-DD") }
                day = chosen
            }
            return try apiResponse(TrialBalanceDTO(try await TrialBalance.build(asOf: day, ctx, on: req.db)))
        }
    }
}

struct TrialBalanceDTO: Encodable {
    struct Row: Encodable {
        var key: String
        var name: String
        var type: String
        var accounts: Int
        var debit: MoneyDTO
        var credit: MoneyDTO
    }

    var on: String
    var currency: String
    var rows: [Row]
    var totalDebit: MoneyDTO
    var totalCredit: MoneyDTO
    var balanced: Bool

    enum CodingKeys: String, CodingKey {
        case on, currency, rows, balanced
        case totalDebit = "total_debit"
        case totalCredit = "total_credit"
    }

    init(_ t: TrialBalance) {
        on = t.asOf.description
        currency = t.currency
        rows = t.rows.map { Row(key: $0.key, name: $0.name, type: $0.type.rawValue, accounts: $0.accounts, debit: MoneyDTO($0.debit), credit: MoneyDTO($0.credit)) }
        totalDebit = MoneyDTO(t.totalDebit)
        totalCredit = MoneyDTO(t.totalCredit)
        balanced = t.balanced
    }

    static let schema = Schema.named("TrialBalance", .object([
        ("on", .date), ("currency", .string(pattern: "[A-Z]{3}")),
        ("rows", .array(.object([
            ("key", .string(description: "Account key, or the group (receivable, customer_credit, reseller_wallet) of per-party accounts")),
            ("name", .string()), ("type", .choice(AccountType.allCases.map(\.rawValue))),
            ("accounts", .integer(minimum: 1)), ("debit", MoneyDTO.schema), ("credit", MoneyDTO.schema),
        ], required: ["key", "name", "type", "accounts", "debit", "credit"]))),
        ("total_debit", MoneyDTO.schema), ("total_credit", MoneyDTO.schema), ("balanced", .boolean),
    ], required: ["on", "currency", "rows", "total_debit", "total_credit", "balanced"]))
}
