import Crypto
import Foundation

/// Time-based one-time passwords (RFC 6238) built on HOTP (RFC 4226).
public struct TOTP: Sendable {
    public enum Algorithm: String, Sendable {
        case sha1 = "SHA1", sha256 = "SHA256", sha512 = "SHA512"
    }

    public let secret: [UInt8]
    public let digits: Int
    public let period: Int
    public let algorithm: Algorithm

    /// - Precondition: `digits` is 6…10 and `period` is positive.
    public init(secret: [UInt8], digits: Int = 6, period: Int = 30, algorithm: Algorithm = .sha1) {
        precondition((6...10).contains(digits), "TOTP codes have 6 to 10 digits")
        precondition(period > 0, "The TOTP period must be positive")
        self.secret = secret
        self.digits = digits
        self.period = period
        self.algorithm = algorithm
    }

    /// 20 random bytes (160 bits, the size RFC 4226 recommends) from the system CSPRNG.
    public static func generateSecret() -> [UInt8] {
        SecureRandom.bytes(20)
    }

    /// The RFC 6238 time step: whole periods since the Unix epoch (0 before it).
    public func step(at date: Date) -> UInt64 {
        let seconds = date.timeIntervalSince1970
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64((seconds / Double(period)).rounded(.down))
    }

    /// The HOTP value for a counter, zero-padded to `digits`.
    public func code(forStep step: UInt64) -> String {
        var counter = step.bigEndian
        let message = withUnsafeBytes(of: &counter) { Array($0) }
        let key = SymmetricKey(data: secret)
        let mac: [UInt8]
        switch algorithm {
        case .sha1: mac = Array(HMAC<Insecure.SHA1>.authenticationCode(for: message, using: key))
        case .sha256: mac = Array(HMAC<SHA256>.authenticationCode(for: message, using: key))
        case .sha512: mac = Array(HMAC<SHA512>.authenticationCode(for: message, using: key))
        }
        // Dynamic truncation, RFC 4226 section 5.3.
        let offset = Int(mac[mac.count - 1] & 0x0F)
        let binary = (UInt64(mac[offset] & 0x7F) << 24)
            | (UInt64(mac[offset + 1]) << 16)
            | (UInt64(mac[offset + 2]) << 8)
            | UInt64(mac[offset + 3])
        var modulus: UInt64 = 1
        for _ in 0..<digits { modulus *= 10 }
        let value = String(binary % modulus)
        return String(repeating: "0", count: digits - value.count) + value
    }

    public func code(at date: Date) -> String {
        code(forStep: step(at: date))
    }

    /// The matched time step if `code` is valid at `date` within ±window steps (constant-time compare); nil otherwise. Input may contain spaces.
    ///
    /// Every step in the window is computed and compared, so the time taken does not
    /// reveal which step (if any) matched. Callers should remember the returned step
    /// and refuse a code for a step at or before the last one used (replay).
    public func verify(_ code: String, at date: Date, window: Int = 1) -> UInt64? {
        let candidate = Array(code.utf8.filter { !Self.isWhitespace($0) })
        guard candidate.count == digits,
              candidate.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else { return nil }

        let window = max(0, window)
        let current = step(at: date)
        var matched: UInt64?
        // Nearest steps first, so the current step wins over a neighbour.
        for distance in 0...window {
            for sign in distance == 0 ? [1] : [-1, 1] {
                let (candidateStep, overflow) = sign < 0
                    ? current.subtractingReportingOverflow(UInt64(distance))
                    : current.addingReportingOverflow(UInt64(distance))
                if overflow { continue }
                let expected = Array(self.code(forStep: candidateStep).utf8)
                if SecureToken.constantTimeEquals(expected, candidate), matched == nil {
                    matched = candidateStep
                }
            }
        }
        return matched
    }

    /// otpauth://totp/Issuer:account?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 with proper percent-encoding
    ///
    /// Issuer and account are percent-encoded separately (everything but RFC 3986
    /// unreserved characters, so a `:` inside either is `%3A`), joined by a literal `:`.
    public func provisioningURI(issuer: String, account: String) -> String {
        let encodedIssuer = Self.percentEncode(issuer)
        let label = encodedIssuer + ":" + Self.percentEncode(account)
        return "otpauth://totp/\(label)"
            + "?secret=\(Base32.encode(secret))"
            + "&issuer=\(encodedIssuer)"
            + "&algorithm=\(algorithm.rawValue)"
            + "&digits=\(digits)"
            + "&period=\(period)"
    }

    private static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }

    /// Percent-encodes every UTF-8 byte except RFC 3986 unreserved characters.
    static func percentEncode(_ text: String) -> String {
        let hexDigits = Array("0123456789ABCDEF".utf8)
        var output: [UInt8] = []
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                output.append(byte)
            default:
                output.append(UInt8(ascii: "%"))
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0F)])
            }
        }
        return String(decoding: output, as: UTF8.self)
    }
}

extension TOTP: CustomStringConvertible {
    /// Leaves the secret out, so logging a `TOTP` cannot leak it.
    public var description: String {
        "TOTP(algorithm: \(algorithm.rawValue), digits: \(digits), period: \(period), secret: <redacted>)"
    }
}
