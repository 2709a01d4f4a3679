import NIOCore

/// The RouterOS API's word framing (reference A1): a length in one to five bytes, then the word.
/// A sentence is its words followed by a zero-length word.
public enum RouterOSWire {
    /// The largest word either side accepts by default: a print of a large address list sends
    /// many words, never one of megabytes, and a bigger claim is a broken or hostile peer.
    public static let defaultMaximumWordLength = 16 * 1024 * 1024

    /// The bytes that announce a word of `length` bytes, shortest form first.
    public static func encodeLength(_ length: Int) -> [UInt8] {
        precondition(length >= 0 && UInt64(length) <= UInt64(UInt32.max), "a RouterOS word is shorter than 4 GiB")
        let value = UInt32(length)
        switch value {
        case 0..<0x80:
            return [UInt8(value)]
        case 0x80..<0x4000:
            let v = value | 0x8000
            return [UInt8(v >> 8), UInt8(v & 0xFF)]
        case 0x4000..<0x20_0000:
            let v = value | 0xC0_0000
            return [UInt8(v >> 16), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        case 0x20_0000..<0x1000_0000:
            let v = value | 0xE000_0000
            return [UInt8(v >> 24), UInt8((v >> 16) & 0xFF), UInt8((v >> 8) & 0xFF), UInt8(v & 0xFF)]
        default:
            return [0xF0, UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
        }
    }

    /// Writes one sentence: each word with its length, then the closing zero byte.
    public static func write(sentence words: [String], into buffer: inout ByteBuffer) {
        for word in words {
            let bytes = Array(word.utf8)
            buffer.writeBytes(encodeLength(bytes.count))
            buffer.writeBytes(bytes)
        }
        buffer.writeInteger(UInt8(0))
    }

    public static func encode(sentence words: [String]) -> [UInt8] {
        var buffer = ByteBuffer()
        write(sentence: words, into: &buffer)
        return Array(buffer.readableBytesView)
    }

    /// What a length prefix at the start of `bytes` says.
    public enum LengthPrefix: Equatable, Sendable {
        /// More bytes are needed to read the length.
        case incomplete
        /// The word's length and how many bytes announced it.
        case length(Int, prefixBytes: Int)
        /// A first byte of 0xF8 or more: a control byte, after which the stream cannot be read.
        case controlByte(UInt8)
    }

    public static func decodeLength<Bytes: Collection>(_ bytes: Bytes) -> LengthPrefix where Bytes.Element == UInt8 {
        guard let first = bytes.first else { return .incomplete }
        let needed: Int
        switch first {
        case 0x00..<0x80: return .length(Int(first), prefixBytes: 1)
        case 0x80..<0xC0: needed = 2
        case 0xC0..<0xE0: needed = 3
        case 0xE0..<0xF0: needed = 4
        case 0xF0..<0xF8: needed = 5
        default: return .controlByte(first)
        }
        guard bytes.count >= needed else { return .incomplete }
        var value: UInt32 = 0
        for (offset, byte) in bytes.prefix(needed).enumerated() {
            if offset == 0 {
                switch needed {
                case 2: value = UInt32(byte & 0x3F)
                case 3: value = UInt32(byte & 0x1F)
                case 4: value = UInt32(byte & 0x0F)
                default: value = 0 // the 5-byte form: 0xF0 then four bytes of length
                }
            } else {
                value = value << 8 | UInt32(byte)
            }
        }
        return .length(Int(value), prefixBytes: needed)
    }

    /// Text from a word's bytes: UTF-8 when it is, else each byte as its Latin-1 character.
    /// RouterOS keeps raw bytes in the console's code page (reference A4), so a comment written
    /// in cp1251 must neither crash the reader nor lose its bytes.
    public static func text<Bytes: Collection>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let utf8 = String(validating: bytes, as: UTF8.self) { return utf8 }
        return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
    }
}
