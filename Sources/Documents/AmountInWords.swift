import Foundation

/// A money amount in English words, as printed under an invoice total or on a cheque.
///
/// Taka (BDT) use the South Asian system, grouping by thousand, lakh (1,00,000) and crore
/// (1,00,00,000), with "Crore" repeated for larger amounts, so 10¹⁴ taka is "One Crore Crore":
///
///     AmountInWords.english(minorUnits: 152050, currency: "BDT")
///     // "One Thousand Five Hundred Twenty Taka and Fifty Paisa Only"
///
/// Other currencies use the international system (thousand, million, billion, …), the currency
/// code as the unit and the minor units as a fraction, cheque style:
///
///     AmountInWords.english(minorUnits: 152050, currency: "USD")
///     // "One Thousand Five Hundred Twenty USD and 50/100 Only"
///
/// Amounts are whole minor units (no floating point); a negative amount starts with "Minus".
public enum AmountInWords {
    /// The words for `minorUnits` of `currency` (an ISO 4217 code, any letter case).
    public static func english(minorUnits: Int64, currency: String) -> String {
        let code = currency.trimmingCharacters(in: .whitespaces).uppercased()
        let digits = minorUnitDigits(code)
        var divisor: UInt64 = 1
        for _ in 0..<digits { divisor *= 10 }
        let magnitude = minorUnits.magnitude
        let major = magnitude / divisor
        let minor = magnitude % divisor
        let sign = minorUnits < 0 ? "Minus " : ""

        if code == "BDT" {
            var parts: [String] = []
            if major > 0 || minor == 0 { parts.append(southAsian(major) + " Taka") }
            if minor > 0 { parts.append(southAsian(minor) + " Paisa") }
            return sign + parts.joined(separator: " and ") + " Only"
        }
        var text = international(major) + (code.isEmpty ? "" : " " + code)
        if minor > 0 {
            let numerator = String(minor)
            text += " and " + String(repeating: "0", count: digits - numerator.count) + numerator + "/\(divisor)"
        }
        return sign + text + " Only"
    }

    /// Decimal places of a currency's minor unit (ISO 4217); 2 unless listed.
    static func minorUnitDigits(_ code: String) -> Int {
        switch code {
        case "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG", "RWF", "UGX", "VND", "VUV",
             "XAF", "XOF", "XPF":
            0
        case "BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND":
            3
        default:
            2
        }
    }

    private static let small = [
        "Zero", "One", "Two", "Three", "Four", "Five", "Six", "Seven", "Eight", "Nine", "Ten",
        "Eleven", "Twelve", "Thirteen", "Fourteen", "Fifteen", "Sixteen", "Seventeen", "Eighteen", "Nineteen",
    ]
    private static let tens = ["", "", "Twenty", "Thirty", "Forty", "Fifty", "Sixty", "Seventy", "Eighty", "Ninety"]

    /// 1...999 in words; empty for 0.
    private static func belowThousand(_ value: UInt64) -> String {
        var words: [String] = []
        let hundreds = Int(value / 100)
        let rest = Int(value % 100)
        if hundreds > 0 { words.append(small[hundreds] + " Hundred") }
        if rest >= 20 {
            words.append(tens[rest / 10])
            if rest % 10 > 0 { words.append(small[rest % 10]) }
        } else if rest > 0 {
            words.append(small[rest])
        }
        return words.joined(separator: " ")
    }

    /// Thousand, lakh and crore; the number of crores is itself put in words the same way.
    static func southAsian(_ value: UInt64) -> String {
        guard value > 0 else { return "Zero" }
        var words: [String] = []
        let crores = value / 10_000_000
        if crores > 0 { words.append(southAsian(crores) + " Crore") }
        let lakhs = value / 100_000 % 100
        if lakhs > 0 { words.append(belowThousand(lakhs) + " Lakh") }
        let thousands = value / 1000 % 100
        if thousands > 0 { words.append(belowThousand(thousands) + " Thousand") }
        let rest = value % 1000
        if rest > 0 { words.append(belowThousand(rest)) }
        return words.joined(separator: " ")
    }

    private static let scales: [(value: UInt64, name: String)] = [
        (1_000_000_000_000_000_000, "Quintillion"), (1_000_000_000_000_000, "Quadrillion"),
        (1_000_000_000_000, "Trillion"), (1_000_000_000, "Billion"), (1_000_000, "Million"), (1000, "Thousand"),
    ]

    /// Thousand, million, billion, … up to the largest `UInt64`.
    static func international(_ value: UInt64) -> String {
        guard value > 0 else { return "Zero" }
        var words: [String] = []
        var rest = value
        for scale in scales where rest >= scale.value {
            words.append(belowThousand(rest / scale.value) + " " + scale.name)
            rest %= scale.value
        }
        if rest > 0 { words.append(belowThousand(rest)) }
        return words.joined(separator: " ")
    }
}
