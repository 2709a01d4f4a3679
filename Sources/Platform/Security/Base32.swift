/// Base32 with the RFC 4648 alphabet (`A–Z`, `2–7`), as used by TOTP secrets.
///
/// Encoding is uppercase and unpadded, which is what authenticator apps expect in
/// `otpauth://` URIs. Decoding is tolerant of what people type or paste: lowercase
/// letters, whitespace and trailing `=` padding are accepted.
public enum Base32 {
    private static let alphabet: [UInt8] = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".utf8)

    /// Maps an ASCII byte to its 5-bit value, or 0xFF when it is not in the alphabet.
    /// Lowercase letters map like their uppercase forms.
    private static let reverse: [UInt8] = {
        var table = [UInt8](repeating: 0xFF, count: 256)
        for (value, symbol) in alphabet.enumerated() {
            table[Int(symbol)] = UInt8(value)
            if symbol >= UInt8(ascii: "A") && symbol <= UInt8(ascii: "Z") {
                table[Int(symbol) + 32] = UInt8(value)
            }
        }
        return table
    }()

    /// Encodes `bytes` as uppercase Base32 without `=` padding.
    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count * 8 + 4) / 5)
        var buffer: UInt32 = 0
        var bits = 0
        for byte in bytes {
            buffer = (buffer << 8) | UInt32(byte)
            bits += 8
            while bits >= 5 {
                bits -= 5
                output.append(alphabet[Int((buffer >> UInt32(bits)) & 0x1F)])
            }
        }
        if bits > 0 {
            output.append(alphabet[Int((buffer << UInt32(5 - bits)) & 0x1F)])
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// Decodes Base32 text. Whitespace anywhere, lowercase letters and trailing `=`
    /// padding are accepted. Returns `nil` for any other character (including `=`
    /// before the end) or for a length that no byte string encodes to.
    public static func decode(_ text: String) -> [UInt8]? {
        var symbols: [UInt8] = []
        symbols.reserveCapacity(text.utf8.count)
        var paddingSeen = false
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"):
                continue
            case UInt8(ascii: "="):
                paddingSeen = true
            default:
                // Data after padding is not Base32.
                if paddingSeen { return nil }
                let value = reverse[Int(byte)]
                if value == 0xFF { return nil }
                symbols.append(value)
            }
        }
        // 8 symbols carry 5 bytes; a trailing group of 1, 3 or 6 symbols cannot
        // come from any whole number of bytes.
        switch symbols.count % 8 {
        case 1, 3, 6: return nil
        default: break
        }

        var output: [UInt8] = []
        output.reserveCapacity(symbols.count * 5 / 8)
        var buffer: UInt32 = 0
        var bits = 0
        for value in symbols {
            buffer = (buffer << 5) | UInt32(value)
            bits += 5
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: buffer >> UInt32(bits)))
            }
            buffer &= (1 << UInt32(bits)) - 1
        }
        return output
    }
}
