import Foundation
import Testing
import MeghnaCore
@testable import Billing

@Suite("Tax")
struct TaxTests {
    struct Rate: Sendable {
        var name: String, basisPoints: Int, inclusive: Bool
        static func incl(_ name: String, _ bp: Int) -> Rate { Rate(name: name, basisPoints: bp, inclusive: true) }
        static func excl(_ name: String, _ bp: Int) -> Rate { Rate(name: name, basisPoints: bp, inclusive: false) }
        func make() throws -> TaxRate { try TaxRate(name: name, basisPoints: basisPoints, inclusive: inclusive) }
    }

    struct Case: Sendable, CustomTestStringConvertible {
        var label: String
        var rates: [Rate]
        var amount: String
        var net: String
        var taxes: [String]
        var gross: String
        var testDescription: String { label }
    }

    static let cases: [Case] = [
        Case(label: "5 % VAT on top of 1000.00", rates: [.excl("VAT", 500)], amount: "1000.00",
             net: "1000.00", taxes: ["50.00"], gross: "1050.00"),
        Case(label: "5 % VAT included in 1050.00", rates: [.incl("VAT", 500)], amount: "1050.00",
             net: "1000.00", taxes: ["50.00"], gross: "1050.00"),
        // 99999 × 10000 / 10500 = 95237.14… → 95237 poisha.
        Case(label: "5 % VAT included in 999.99", rates: [.incl("VAT", 500)], amount: "999.99",
             net: "952.37", taxes: ["47.62"], gross: "999.99"),
        Case(label: "7.5 % on top of 100.00", rates: [.excl("VAT", 750)], amount: "100.00",
             net: "100.00", taxes: ["7.50"], gross: "107.50"),
        // 1071 / 1.05 = 1020 exactly; the 51 poisha split 25.5 → 26, the last rate takes 51 − 26 = 25.
        Case(label: "two equal inclusive rates split an odd remainder", rates: [.incl("A", 250), .incl("B", 250)], amount: "10.71",
             net: "10.20", taxes: ["0.26", "0.25"], gross: "10.71"),
        // 100000 / 1.08 = 92592.59 → 92593; 7407 × 500/800 = 4629.375 → 4629; 7407 − 4629 = 2778.
        Case(label: "VAT and supplementary duty both included", rates: [.incl("VAT", 500), .incl("SD", 300)], amount: "1000.00",
             net: "925.93", taxes: ["46.29", "27.78"], gross: "1000.00"),
        Case(label: "inclusive VAT and exclusive duty", rates: [.incl("VAT", 500), .excl("SD", 1000)], amount: "1050.00",
             net: "1000.00", taxes: ["50.00", "100.00"], gross: "1150.00"),
        // 99999 / 1.075 = 93022.33 → 93022; VAT 99999 − 93022 = 6977; 93022 × 2.5 % = 2325.55 → 2326.
        Case(label: "mixed with rounding on both", rates: [.excl("Surcharge", 250), .incl("VAT", 750)], amount: "999.99",
             net: "930.22", taxes: ["23.26", "69.77"], gross: "1023.25"),
        // 33333 × 5 % = 1666.65 → 1667; × 10 % = 3333.3 → 3333.
        Case(label: "two exclusive rates never compound", rates: [.excl("VAT", 500), .excl("SD", 1000)], amount: "333.33",
             net: "333.33", taxes: ["16.67", "33.33"], gross: "383.33"),
        Case(label: "0 % exclusive", rates: [.excl("Exempt", 0)], amount: "1000.00",
             net: "1000.00", taxes: ["0.00"], gross: "1000.00"),
        Case(label: "0 % inclusive", rates: [.incl("Exempt", 0)], amount: "1000.00",
             net: "1000.00", taxes: ["0.00"], gross: "1000.00"),
        Case(label: "a 0 % inclusive rate after a real one takes no remainder", rates: [.incl("VAT", 500), .incl("Exempt", 0)], amount: "10.71",
             net: "10.20", taxes: ["0.51", "0.00"], gross: "10.71"),
        Case(label: "no rates", rates: [], amount: "1234.56", net: "1234.56", taxes: [], gross: "1234.56"),
        Case(label: "0.5 poisha rounds up: 5 % of 0.10", rates: [.excl("VAT", 500)], amount: "0.10",
             net: "0.10", taxes: ["0.01"], gross: "0.11"),
        Case(label: "0.5 poisha rounds away from zero on a credit: 5 % of -0.10", rates: [.excl("VAT", 500)], amount: "-0.10",
             net: "-0.10", taxes: ["-0.01"], gross: "-0.11"),
        Case(label: "1.5 poisha: 7.5 % of 0.20", rates: [.excl("VAT", 750)], amount: "0.20",
             net: "0.20", taxes: ["0.02"], gross: "0.22"),
        Case(label: "-1.5 poisha: 7.5 % of -0.20", rates: [.excl("VAT", 750)], amount: "-0.20",
             net: "-0.20", taxes: ["-0.02"], gross: "-0.22"),
        Case(label: "credit line, VAT included in -999.99", rates: [.incl("VAT", 500)], amount: "-999.99",
             net: "-952.37", taxes: ["-47.62"], gross: "-999.99"),
        Case(label: "credit line, VAT on top of -1000.00", rates: [.excl("VAT", 500)], amount: "-1000.00",
             net: "-1000.00", taxes: ["-50.00"], gross: "-1050.00"),
        Case(label: "credit line, odd remainder split", rates: [.incl("A", 250), .incl("B", 250)], amount: "-10.71",
             net: "-10.20", taxes: ["-0.26", "-0.25"], gross: "-10.71"),
        Case(label: "1 poisha with 5 % included", rates: [.incl("VAT", 500)], amount: "0.01",
             net: "0.01", taxes: ["0.00"], gross: "0.01"),
        Case(label: "100 % included", rates: [.incl("Duty", 10000)], amount: "999999.99",
             net: "500000.00", taxes: ["499999.99"], gross: "999999.99"),
    ]

    @Test("Applying rates to an invoice line", arguments: cases)
    func apply(_ c: Case) throws {
        let rates = try c.rates.map { try $0.make() }
        let result = Tax.apply(rates, to: try bdt(c.amount))
        #expect(result.net == (try bdt(c.net)))
        #expect(result.taxes.map(\.amount) == (try c.taxes.map { try bdt($0) }))
        #expect(result.gross == (try bdt(c.gross)))
        #expect(result.taxes.map(\.name) == c.rates.map(\.name))
        #expect(result.taxes.map(\.basisPoints) == c.rates.map(\.basisPoints))
        #expect(result.taxes.map(\.inclusive) == c.rates.map(\.inclusive))
        #expect(result.taxes.allSatisfy { $0.base == result.net })
    }

    @Test("A credit line is the exact negative of the same charge line", arguments: ["0.10", "0.30", "10.71", "999.99", "1234.57", "0.01"])
    func symmetric(amount: String) throws {
        let rates = try [Rate.incl("VAT", 750), .incl("SD", 250), .excl("Surcharge", 150)].map { try $0.make() }
        let positive = Tax.apply(rates, to: try bdt(amount)), negative = Tax.apply(rates, to: try bdt("-" + amount))
        #expect(negative.net.minorUnits == -positive.net.minorUnits)
        #expect(negative.gross.minorUnits == -positive.gross.minorUnits)
        #expect(negative.taxes.map(\.amount.minorUnits) == positive.taxes.map { -$0.amount.minorUnits })
    }

    @Test("Rates are validated", arguments: [
        ("VAT", -1, [FieldError("rate", "must be between 0 % and 100 %")]),
        ("VAT", 10_001, [FieldError("rate", "must be between 0 % and 100 %")]),
        ("  ", 500, [FieldError("name", "is required")]),
        ("", 20_000, [FieldError("name", "is required"), FieldError("rate", "must be between 0 % and 100 %")]),
    ])
    func validation(name: String, basisPoints: Int, errors: [FieldError]) {
        #expect(throws: DomainError.validation(errors)) { try TaxRate(name: name, basisPoints: basisPoints, inclusive: false) }
    }

    @Test func nameIsTrimmed() throws {
        #expect(try TaxRate(name: "  VAT ", basisPoints: 500, inclusive: true).name == "VAT")
    }

    @Test func ratesCode() throws {
        let vat = try TaxRate(name: "VAT", basisPoints: 750, inclusive: true)
        #expect(try JSONDecoder().decode(TaxRate.self, from: JSONEncoder().encode(vat)) == vat)
        let bad = #"{"name":"VAT","basisPoints":10001,"inclusive":false}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(TaxRate.self, from: Data(bad.utf8)) }
    }
}
