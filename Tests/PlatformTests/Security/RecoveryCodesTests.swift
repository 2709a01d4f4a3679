import Testing
@testable import Platform

@Suite("RecoveryCodes")
struct RecoveryCodesTests {
    static let alphabet = Set("abcdefghjkmnpqrstuvwxyz23456789")

    @Test("Codes are 5-5 groups from the unambiguous alphabet")
    func shape() {
        let codes = RecoveryCodes.generate()
        #expect(codes.count == 10)
        for code in codes {
            let groups = code.split(separator: "-", omittingEmptySubsequences: false)
            #expect(groups.count == 2)
            #expect(groups.allSatisfy { $0.count == 5 })
            #expect(groups.joined().allSatisfy { Self.alphabet.contains($0) })
        }
        #expect(!Self.alphabet.contains("0") && !Self.alphabet.contains("o"))
        #expect(!Self.alphabet.contains("1") && !Self.alphabet.contains("l") && !Self.alphabet.contains("i"))
    }

    @Test("Count is honoured and codes are distinct")
    func countAndUniqueness() {
        #expect(RecoveryCodes.generate(count: 0).isEmpty)
        #expect(RecoveryCodes.generate(count: 3).count == 3)
        let many = RecoveryCodes.generate(count: 500)
        #expect(Set(many).count == 500)
    }

    @Test("Normalization ignores case, spaces and dashes", arguments: [
        "k7m2q-9xw4d", "K7M2Q-9XW4D", "k7m2q9xw4d", " k7m2q 9xw4d ", "K7M2Q - 9XW4D", "k7-m2-q9-xw-4d",
    ])
    func normalization(input: String) {
        #expect(RecoveryCodes.normalize(input) == "k7m2q9xw4d")
        #expect(RecoveryCodes.hash(input) == RecoveryCodes.hash("k7m2q-9xw4d"))
    }

    @Test("Hash is SHA-256 hex of the normalized code")
    func hash() {
        let hash = RecoveryCodes.hash("K7M2Q-9XW4D")
        #expect(hash == SecureToken.sha256Hex("k7m2q9xw4d"))
        #expect(hash.count == 64)
        #expect(hash.allSatisfy { "0123456789abcdef".contains($0) })
        #expect(RecoveryCodes.hash("k7m2q-9xw4e") != hash)
    }
}
