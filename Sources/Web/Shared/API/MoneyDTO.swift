import Foundation
import MeghnaCore

/// Money in the API: `{"amount": "1500.00", "currency": "BDT"}`, the amount a decimal string
/// with exactly the currency's decimals (never a JSON number, which clients read as a float).
struct MoneyDTO: Encodable, Equatable {
    var amount: String
    var currency: String

    init(_ money: Money) {
        amount = money.decimalString
        currency = money.currency
    }

    init(minorUnits: Int64, currency: String) {
        self.init(Money(minorUnits: minorUnits, currency: currency))
    }

    static let schema = Schema.named("Money", .object([
        ("amount", .string(pattern: #"-?[0-9]+(\.[0-9]{1,3})?"#, description: "Decimal string with the currency's decimals, e.g. \"1500.00\"")),
        ("currency", .string(pattern: "[A-Z]{3}", description: "ISO 4217 code")),
    ], required: ["amount", "currency"]))
}

/// Money sent to the API. The schema refuses a JSON number (a float) and more decimals than
/// any currency has; `amount(_:in:)` refuses another currency than the organization's, and
/// the domain refuses more decimals than this currency has, each naming the field.
struct MoneyInput: Decodable {
    var amount: String?
    var currency: String?

    static let schema = Schema.named("MoneyInput", .object([
        ("amount", .string(pattern: #"-?[0-9]{1,13}(\.[0-9]{1,3})?"#, description: "Decimal string, e.g. \"1500.00\"",
                           message: "must be a decimal string such as \"1500.00\" (not a number)")),
        ("currency", .string(pattern: "[A-Z]{3}", description: "ISO 4217 code; must be the organization's", message: "must be a three-letter ISO 4217 code")),
    ], required: ["amount", "currency"]))

    /// The rules for `x-rules`: the amount's decimals (the domain names the field) and the currency.
    static func rules(_ field: String) -> [APIRule] {
        [APIRule(field, "must have at most the currency's decimals (BDT: 2) and not be negative"),
         APIRule(field + ".currency", "must be the organization's currency")]
    }

    /// The amount text, once the currency is the organization's.
    static func amount(_ input: MoneyInput?, field: String, in currency: String) throws -> String? {
        guard let input else { return nil }
        guard input.currency == currency else {
            throw DomainError.invalid("\(field).currency", "must be \(currency), the organization's currency")
        }
        return input.amount
    }
}
