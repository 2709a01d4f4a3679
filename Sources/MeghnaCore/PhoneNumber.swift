import Foundation

/// A validated phone number, stored in E.164 form.
///
/// Parsing is Bangladesh-first: anything that does not carry an explicit
/// international prefix (`+` or `00`) is read as a Bangladeshi mobile number.
/// Bangladeshi mobiles must be `01[3-9]` followed by 8 digits and are
/// normalised to `+8801XXXXXXXXX`. Numbers with another country code are kept
/// as plain E.164 (`+` and 8–15 digits) without further per-country checks.
public struct PhoneNumber: Sendable, Hashable, Codable, CustomStringConvertible {
    /// The number in E.164 form, e.g. `"+8801712345678"`.
    public let e164: String

    /// Why a string could not be read as a phone number.
    public enum Problem: Error, Sendable, Equatable, CustomStringConvertible {
        case empty
        case invalidCharacters
        case invalidBangladeshMobile
        case invalidInternational

        public var description: String {
            switch self {
            case .empty:
                return "The phone number is empty."
            case .invalidCharacters:
                return "A phone number may contain only digits, one leading +, spaces, dashes, dots and parentheses."
            case .invalidBangladeshMobile:
                return "A Bangladeshi mobile number must be 11 digits starting with 013 to 019, such as 01712345678."
            case .invalidInternational:
                return "An international number must be + or 00, then a country code and 8 to 15 digits in total."
            }
        }
    }

    /// Parses what people type.
    ///
    /// Accepted Bangladeshi forms: `01712345678`, `1712345678`, `8801712345678`,
    /// `+8801712345678`, `008801712345678` (also `+880 01712…` with the trunk 0 kept),
    /// with spaces, dashes, dots or parentheses anywhere. Bengali digits (০–৯) are
    /// accepted as digits. Anything starting with `+` or `00` and another country
    /// code becomes E.164 (`+` and 8–15 digits).
    public init(parsing raw: String) throws(Problem) {
        var digits = ""
        var hasPlus = false
        var sawAnything = false
        for scalar in raw.unicodeScalars {
            if let digit = PhoneNumber.asciiDigit(scalar) {
                digits.unicodeScalars.append(digit)
                sawAnything = true
            } else if scalar == "+" {
                // A single + is allowed, and only before the first digit.
                guard !hasPlus, digits.isEmpty else { throw .invalidCharacters }
                hasPlus = true
                sawAnything = true
            } else if PhoneNumber.isSeparator(scalar) {
                continue
            } else {
                throw .invalidCharacters
            }
        }
        guard sawAnything, !(hasPlus && digits.isEmpty) else {
            throw hasPlus ? .invalidInternational : .empty
        }

        if hasPlus {
            e164 = try PhoneNumber.international(digits)
        } else if digits.hasPrefix("00") {
            e164 = try PhoneNumber.international(String(digits.dropFirst(2)))
        } else if digits.hasPrefix("880") {
            e164 = try PhoneNumber.bangladesh(afterCountryCode: String(digits.dropFirst(3)))
        } else if digits.hasPrefix("0") {
            e164 = try PhoneNumber.bangladesh(subscriber: String(digits.dropFirst()))
        } else {
            e164 = try PhoneNumber.bangladesh(subscriber: digits)
        }
    }

    /// True for a Bangladeshi mobile number (`+8801…`).
    public var isBangladeshMobile: Bool { e164.hasPrefix("+880") }

    /// The form people in the country expect: `"01712345678"` for Bangladesh, otherwise the E.164 form.
    public var national: String {
        isBangladeshMobile ? "0" + e164.dropFirst(4) : e164
    }

    /// The forms people type, for search.
    ///
    /// Bangladesh: `["+8801712345678", "8801712345678", "01712345678", "1712345678"]`;
    /// other countries: the E.164 form and its digits without `+`.
    public var searchForms: [String] {
        let withoutPlus = String(e164.dropFirst())
        if isBangladeshMobile {
            let subscriber = String(e164.dropFirst(4))
            return [e164, withoutPlus, "0" + subscriber, subscriber]
        }
        return [e164, withoutPlus]
    }

    public var description: String { e164 }

    // MARK: Codable (a single string; decoding accepts any parseable form)

    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        do {
            try self.init(parsing: text)
        } catch {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: error.description)
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(e164)
    }

    // MARK: Internals

    /// `rest` is what follows 880: the 10-digit subscriber number, or (leniently) 0 + subscriber.
    private static func bangladesh(afterCountryCode rest: String) throws(Problem) -> String {
        if rest.count == 11, rest.hasPrefix("0") {
            return try bangladesh(subscriber: String(rest.dropFirst()))
        }
        return try bangladesh(subscriber: rest)
    }

    /// `subscriber` must be 1[3-9] followed by 8 digits.
    private static func bangladesh(subscriber: String) throws(Problem) -> String {
        let scalars = Array(subscriber.unicodeScalars)
        guard scalars.count == 10, scalars[0] == "1", ("3"..."9").contains(scalars[1]) else {
            throw .invalidBangladeshMobile
        }
        return "+880" + subscriber
    }

    private static func international(_ digits: String) throws(Problem) -> String {
        if digits.hasPrefix("880") {
            return try bangladesh(afterCountryCode: String(digits.dropFirst(3)))
        }
        guard (8...15).contains(digits.count), !digits.hasPrefix("0") else {
            throw .invalidInternational
        }
        return "+" + digits
    }

    private static func asciiDigit(_ scalar: Unicode.Scalar) -> Unicode.Scalar? {
        switch scalar.value {
        case 0x30...0x39:
            return scalar
        case 0x09E6...0x09EF:  // Bengali digits ০–৯
            return Unicode.Scalar(UInt8(scalar.value - 0x09E6 + 0x30))
        default:
            // Any other script's decimal digits (Arabic-Indic, Devanagari, full-width …) read as
            // the same number, so no form of one number slips past duplicate detection.
            guard scalar.properties.numericType == .decimal, let value = scalar.properties.numericValue, (0...9).contains(value) else { return nil }
            return Unicode.Scalar(UInt8(0x30 + Int(value)))
        }
    }

    private static func isSeparator(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar {
        case "-", ".", "(", ")",
             "\u{2010}", "\u{2011}", "\u{2012}", "\u{2013}", "\u{2014}", "\u{2212}":
            return true
        default:
            return scalar.properties.isWhitespace
        }
    }
}
