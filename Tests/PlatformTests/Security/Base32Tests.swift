import Testing
@testable import Platform

@Suite("Base32")
struct Base32Tests {
    /// RFC 4648 section 10.
    static let vectors: [(plain: String, encoded: String)] = [
        ("", ""),
        ("f", "MY======"),
        ("fo", "MZXQ===="),
        ("foo", "MZXW6==="),
        ("foob", "MZXW6YQ="),
        ("fooba", "MZXW6YTB"),
        ("foobar", "MZXW6YTBOI======"),
    ]

    @Test("RFC 4648 vectors encode without padding", arguments: vectors)
    func encodes(plain: String, encoded: String) {
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(Base32.encode(Array(plain.utf8)) == unpadded)
    }

    @Test("RFC 4648 vectors decode padded, unpadded, lowercase and spaced", arguments: vectors)
    func decodes(plain: String, encoded: String) {
        let bytes = Array(plain.utf8)
        let unpadded = String(encoded.filter { $0 != "=" })
        #expect(Base32.decode(encoded) == bytes)
        #expect(Base32.decode(unpadded) == bytes)
        #expect(Base32.decode(encoded.lowercased()) == bytes)
        let spaced = unpadded.enumerated().map { $0.offset % 4 == 3 ? "\($0.element) " : "\($0.element)" }.joined()
        #expect(Base32.decode(" " + spaced + "\n") == bytes)
    }

    @Test("Bad characters and impossible lengths are rejected", arguments: [
        "MZXW1", "MZXW8", "MZ!W6", "MZXW6YTB0I", "MZ=XW6", "M", "MZX", "MZXW6Y", "MZXW6YTBO",
    ])
    func rejects(text: String) {
        #expect(Base32.decode(text) == nil)
    }

    @Test("Round trips every byte value and length")
    func roundTrips() {
        for length in 0...40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ length) }
            let encoded = Base32.encode(bytes)
            #expect(encoded.allSatisfy { "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567".contains($0) })
            #expect(Base32.decode(encoded) == bytes)
        }
        let all = (0...255).map { UInt8($0) }
        #expect(Base32.decode(Base32.encode(all)) == all)
    }
}
