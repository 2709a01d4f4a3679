/// One-time recovery codes for two-factor authentication.
///
/// A code is 10 characters from a 31-symbol alphabet with no look-alikes
/// (no `0`/`o`, `1`/`l`/`i`), shown as two groups of five, e.g. `k7m2q-9xw4d`:
/// about 49.5 bits of entropy. Store only `hash(_:)`.
public enum RecoveryCodes {
    static let alphabet: [Character] = Array("abcdefghjkmnpqrstuvwxyz23456789")
    static let groupLength = 5

    /// `count` distinct codes formatted `xxxxx-xxxxx`.
    public static func generate(count: Int = 10) -> [String] {
        precondition(count >= 0, "The number of recovery codes cannot be negative")
        var generator = SystemRandomNumberGenerator()
        var seen = Set<String>()
        var codes: [String] = []
        codes.reserveCapacity(count)
        while codes.count < count {
            var code = ""
            for index in 0..<(groupLength * 2) {
                if index == groupLength { code.append("-") }
                code.append(alphabet[Int.random(in: 0..<alphabet.count, using: &generator)])
            }
            if seen.insert(code).inserted { codes.append(code) }
        }
        return codes
    }

    /// Lowercases and strips spaces (any whitespace) and dashes, so `K7M2Q 9XW4D`,
    /// `k7m2q-9xw4d` and `k7m2q9xw4d` are the same code.
    public static func normalize(_ input: String) -> String {
        String(input.lowercased().filter { !$0.isWhitespace && $0 != "-" })
    }

    /// Lowercase hex SHA-256 of the normalized code.
    public static func hash(_ code: String) -> String {
        SecureToken.sha256Hex(normalize(code))
    }
}
