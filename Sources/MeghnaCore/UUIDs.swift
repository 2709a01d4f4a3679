import Foundation

/// Ids in bulk work (an invoice run writes eight per invoice and sorts thousands per chunk):
/// Foundation formats `uuidString` through the C library's `sprintf`, which made formatting and
/// comparing ids a fifth of a run's CPU; these do the same without it.
extension UUID {
    /// A random (version 4) id from the system's generator.
    public static func random() -> UUID {
        var generator = SystemRandomNumberGenerator()
        let (high, low) = (generator.next() as UInt64, generator.next() as UInt64)
        var bytes = withUnsafeBytes(of: (high, low)) { Array($0) }
        bytes[6] = (bytes[6] & 0x0F) | 0x40
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// A time-ordered (version 7, RFC 9562) id: the Unix time in milliseconds in the first 48
    /// bits, then 74 random bits. Ids made one after another sort together, as bytes and as
    /// text, so rows written in bulk (an invoice run's invoices, lines, taxes, transfers and
    /// entries) land at the end of each id index instead of on a random page per row: a chunk's
    /// commit then writes a few pages of each index, not thousands. The time it shows is when
    /// the row was written, which the row says anyway.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        var generator = SystemRandomNumberGenerator()
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let (a, b): (UInt64, UInt64) = (generator.next(), generator.next())
        let high = milliseconds << 16 | 0x7000 | (a & 0x0FFF)
        let low = (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000
        let bytes = withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { Array($0) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }

    /// Whether `a` comes before `b` byte by byte: the order of their `uuidString`s and of
    /// PostgreSQL's `uuid` comparison (lock orders rely on the two agreeing).
    public static func byteOrder(_ a: UUID, _ b: UUID) -> Bool {
        let (x, y) = (a.halves, b.halves)
        return x.high != y.high ? x.high < y.high : x.low < y.low
    }

    /// `uuidString.lowercased()`, the form keys and SQLite columns hold.
    public var lowercasedText: String { text(digits: "0123456789abcdef") }

    /// `uuidString`, the form SQLite's driver binds.
    public var uppercasedText: String { text(digits: "0123456789ABCDEF") }

    private func text(digits: StaticString) -> String {
        String(unsafeUninitializedCapacity: 36) { out in
            digits.withUTF8Buffer { hex in
                withUnsafeBytes(of: uuid) { bytes in
                    var at = 0
                    for (i, byte) in bytes.enumerated() {
                        if i == 4 || i == 6 || i == 8 || i == 10 { out[at] = UInt8(ascii: "-"); at += 1 }
                        out[at] = hex[Int(byte >> 4)]
                        out[at + 1] = hex[Int(byte & 0x0F)]
                        at += 2
                    }
                }
            }
            return 36
        }
    }

    private var halves: (high: UInt64, low: UInt64) {
        withUnsafeBytes(of: uuid) { ($0.loadUnaligned(as: UInt64.self).bigEndian, $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self).bigEndian) }
    }
}
