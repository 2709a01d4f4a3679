import Crypto
import Foundation

/// Random tokens (session ids, reset links, API keys) and the helpers to store and
/// compare them safely.
public enum SecureToken {
    /// `bytes` random bytes from the system CSPRNG, as URL-safe base64 without
    /// padding (32 bytes → 43 characters).
    public static func generate(bytes: Int = 32) -> String {
        precondition(bytes > 0, "A token needs at least one byte")
        return base64URLEncoded(SecureRandom.bytes(bytes))
    }

    /// Lowercase hex SHA-256 of the UTF-8 text: store this, not the token.
    public static func sha256Hex(_ text: String) -> String {
        hex(SHA256.hash(data: Array(text.utf8)))
    }

    /// Compares the UTF-8 bytes of both strings in time that depends only on their
    /// lengths, never on where they first differ.
    public static func constantTimeEquals(_ a: String, _ b: String) -> Bool {
        constantTimeEquals(Array(a.utf8), Array(b.utf8))
    }

    static func constantTimeEquals(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        var difference: UInt8 = a.count == b.count ? 0 : 1
        let length = max(a.count, b.count)
        for index in 0..<length {
            let x = index < a.count ? a[index] : 0
            let y = index < b.count ? b[index] : 0
            difference |= x ^ y
        }
        return difference == 0
    }

    static func base64URLEncoded(_ bytes: [UInt8]) -> String {
        var text = Data(bytes).base64EncodedString()
        text = text.replacingOccurrences(of: "+", with: "-")
        text = text.replacingOccurrences(of: "/", with: "_")
        while text.hasSuffix("=") { text.removeLast() }
        return text
    }

    static func hex<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var output: [UInt8] = []
        for byte in bytes {
            output.append(digits[Int(byte >> 4)])
            output.append(digits[Int(byte & 0x0F)])
        }
        return String(decoding: output, as: UTF8.self)
    }
}

/// Random bytes from `SystemRandomNumberGenerator` (the OS CSPRNG).
enum SecureRandom {
    static func bytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var output: [UInt8] = []
        output.reserveCapacity(count + 8)
        while output.count < count {
            var word = generator.next()
            for _ in 0..<8 where output.count < count {
                output.append(UInt8(truncatingIfNeeded: word))
                word >>= 8
            }
        }
        return output
    }
}
