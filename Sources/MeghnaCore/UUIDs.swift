import Foundation
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// Ids in bulk work (an invoice run writes eight per invoice and sorts thousands per chunk):
/// Foundation formats `uuidString` through the C library's `sprintf`, which made formatting and
/// comparing ids a fifth of a run's CPU; these do the same without it.
extension UUID {
    /// A random (version 4) id from the system's generator.
    public static func random() -> UUID {
        let (a, b) = IDRandom.pair()
        // Big-endian halves: the version sits in byte 6's high nibble, the variant in byte 8's top bits.
        return UUID(halves: (a & ~0xF000) | 0x4000, (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
    }

    /// The id whose bytes are `high` then `low`, each big-endian.
    init(halves high: UInt64, _ low: UInt64) {
        self = withUnsafeBytes(of: (high.bigEndian, low.bigEndian)) { UUID(uuid: $0.loadUnaligned(as: uuid_t.self)) }
    }

    /// A time-ordered (version 7, RFC 9562) id: the Unix time in milliseconds in the first 48
    /// bits, then 74 random bits. Ids made one after another sort together, as bytes and as
    /// text, so rows written in bulk (an invoice run's invoices, lines, taxes, transfers and
    /// entries) land at the end of each id index instead of on a random page per row: a chunk's
    /// commit then writes a few pages of each index, not thousands. The time it shows is when
    /// the row was written, which the row says anyway.
    public static func timeOrdered(at date: Date = Date()) -> UUID {
        let milliseconds = UInt64(max(0, date.timeIntervalSince1970 * 1000)) & 0xFFFF_FFFF_FFFF
        let (a, b) = IDRandom.pair()
        return UUID(halves: milliseconds << 16 | 0x7000 | (a & 0x0FFF), (b & 0x3FFF_FFFF_FFFF_FFFF) | 0x8000_0000_0000_0000)
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

/// The random bits of ids, from the kernel's generator 4 KiB at a time. An invoice run makes
/// eight ids per invoice, and `SystemRandomNumberGenerator` makes a system call per 64 bits:
/// two per id, 4 % of a run's CPU. The bytes are the same generator's, each used once; Node's
/// `crypto.randomUUID` buffers the same way.
enum IDRandom {
    private struct Pool {
        var words = [UInt64](repeating: 0, count: 512)
        var next = 512
    }

    private static let pool = Mutex(Pool())

    /// 128 fresh random bits.
    static func pair() -> (UInt64, UInt64) {
        pool.withLock { pool in
            if pool.next + 2 > pool.words.count {
                refill(&pool.words)
                pool.next = 0
            }
            defer { pool.next += 2 }
            return (pool.words[pool.next], pool.words[pool.next + 1])
        }
    }

    #if canImport(Glibc)
    /// The kernel's generator as a file: the same bits `getrandom` gives (which Swift's Glibc
    /// module does not declare), read a pool at a time.
    private static let urandom = open("/dev/urandom", O_RDONLY | O_CLOEXEC)
    #endif

    private static func refill(_ words: inout [UInt64]) {
        #if canImport(Glibc)
        let filled = urandom >= 0 && words.withUnsafeMutableBytes { raw -> Bool in
            var done = 0
            while done < raw.count {
                let n = read(urandom, raw.baseAddress! + done, raw.count - done)
                if n > 0 { done += n } else if n < 0 && errno == EINTR { continue } else { return false }
            }
            return true
        }
        if filled { return }
        #endif
        var generator = SystemRandomNumberGenerator()
        for i in words.indices { words[i] = generator.next() }
    }
}
