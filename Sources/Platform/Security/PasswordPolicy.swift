import Foundation

/// The rules a new password must meet, worded for the person choosing it.
public enum PasswordPolicy {
    public static let minimumLength = 12
    public static let maximumBytes = 72   // bcrypt's limit
    /// "aaaaaaaaaaaa" or "abababababab" are long but guessed at once.
    public static let minimumDistinctCharacters = 5

    /// Human sentences, empty when acceptable. Rules: at least 12 characters; at most 72 UTF-8 bytes; not in the common list
    /// (case-insensitive); at least 5 different characters; must not contain the email address, its local part (if ≥3 chars), or any name word of ≥3 chars (case-insensitive).
    ///
    /// Characters are counted as the person sees them (grapheme clusters); the byte
    /// limit is on the UTF-8 encoding because bcrypt ignores everything past 72 bytes.
    public static func problems(password: String, email: String?, name: String?) -> [String] {
        var problems: [String] = []
        if password.count < minimumLength {
            problems.append("Use at least \(minimumLength) characters.")
        }
        if password.utf8.count > maximumBytes {
            problems.append(
                "Use at most \(maximumBytes) bytes: that is \(maximumBytes) plain letters or digits, fewer with accented letters, other scripts or emoji."
            )
        }
        if password.count >= minimumLength, Set(password.lowercased()).count < minimumDistinctCharacters {
            problems.append("Use more different characters: this password repeats a few characters over and over.")
        }
        if isCommon(password) {
            problems.append("This password is one of the most common passwords; choose something less predictable.")
        }

        let lowered = password.lowercased()
        if let email = email?.trimmingCharacters(in: .whitespacesAndNewlines).lowercased(), !email.isEmpty {
            var parts = [email]
            if let at = email.lastIndex(of: "@") {
                let local = String(email[..<at])
                if local.count >= 3 { parts.append(local) }
            }
            if parts.contains(where: { lowered.contains($0) }) {
                problems.append("Don't include your email address or the part before the @ in your password.")
            }
        }
        if let name {
            let words = name.lowercased()
                .split(whereSeparator: { !$0.isLetter && !$0.isNumber })
                .map(String.init)
                .filter { $0.count >= 3 }
            if words.contains(where: { lowered.contains($0) }) {
                problems.append("Don't include your name in your password.")
            }
        }
        return problems
    }

    /// Whether the password, ignoring case, is among the 10,000 most common passwords.
    public static func isCommon(_ password: String) -> Bool {
        commonPasswords.contains(password.lowercased())
    }

    /// Loaded once, on first use, from the bundled `common-passwords.txt`.
    static let commonPasswords: Set<String> = {
        guard let url = Bundle.module.url(forResource: "common-passwords", withExtension: "txt"),
              let text = try? String(contentsOf: url, encoding: .utf8)
        else {
            // Silently accepting every password would hide a packaging mistake.
            fatalError("Platform's resource common-passwords.txt is missing from the bundle")
        }
        var set = Set<String>()
        set.reserveCapacity(10_000)
        for line in text.split(whereSeparator: \.isNewline) {
            let word = line.trimmingCharacters(in: .whitespaces).lowercased()
            if !word.isEmpty { set.insert(word) }
        }
        return set
    }()
}
