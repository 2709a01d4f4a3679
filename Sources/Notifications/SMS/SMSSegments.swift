import Foundation

/// How many SMS parts a text takes, as phones and providers count them: GSM-7 when every
/// character is in the GSM 03.38 alphabet (160 in one message, 153 per part when split; the
/// extension characters `^{}\[~]|€` and form feed take two), else UCS-2 (70, or 67 per part,
/// counted in UTF-16 units, so Bangla, emoji and most non-Latin text cost more). A part never
/// splits an escape pair or a surrogate pair.
public struct SMSSegments: Sendable, Equatable {
    public enum Encoding: String, Sendable { case gsm7 = "GSM-7", ucs2 = "Unicode (UCS-2)" }

    public var encoding: Encoding
    /// Septets (GSM-7) or UTF-16 units (UCS-2) the text takes.
    public var units: Int
    public var parts: Int
    /// What one message holds before the text is split.
    public var singleLimit: Int { encoding == .gsm7 ? 160 : 70 }
    /// What each part holds once it is.
    public var partLimit: Int { encoding == .gsm7 ? 153 : 67 }

    static let basic: Set<Unicode.Scalar> = Set("@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà".unicodeScalars)
    static let extended: Set<Unicode.Scalar> = Set("^{}\\[~]|€\u{0C}".unicodeScalars)

    public init(_ text: String) {
        let scalars = text.unicodeScalars
        let gsm = scalars.allSatisfy { Self.basic.contains($0) || Self.extended.contains($0) }
        encoding = gsm ? .gsm7 : .ucs2
        let costs: [Int] = gsm ? scalars.map { Self.extended.contains($0) ? 2 : 1 } : scalars.map { $0.utf16.count }
        units = costs.reduce(0, +)
        let single = gsm ? 160 : 70
        let part = gsm ? 153 : 67
        guard units > single else { parts = text.isEmpty ? 0 : 1; return }
        var count = 1
        var used = 0
        for cost in costs {
            if used + cost > part {
                count += 1
                used = 0
            }
            used += cost
        }
        parts = count
    }
}
