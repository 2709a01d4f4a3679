import Testing
@testable import Platform

@Suite("SecureToken")
struct SecureTokenTests {
    @Test("Tokens are URL-safe base64 without padding, of the right length")
    func tokenShape() {
        let token = SecureToken.generate()
        #expect(token.count == 43)
        let allowed = Set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        #expect(token.allSatisfy { allowed.contains($0) })
        #expect(SecureToken.generate(bytes: 16).count == 22)
        #expect(SecureToken.generate(bytes: 1).count == 2)
        #expect(SecureToken.generate(bytes: 3).count == 4)
    }

    @Test("Tokens do not repeat")
    func tokensAreUnique() {
        let tokens = (0..<200).map { _ in SecureToken.generate() }
        #expect(Set(tokens).count == tokens.count)
    }

    @Test("SHA-256 hex matches the FIPS 180-2 vectors")
    func sha256() {
        #expect(SecureToken.sha256Hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(SecureToken.sha256Hex("") == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("Constant-time equality")
    func equality() {
        #expect(SecureToken.constantTimeEquals("", ""))
        #expect(SecureToken.constantTimeEquals("abc", "abc"))
        #expect(!SecureToken.constantTimeEquals("abc", "abd"))
        #expect(!SecureToken.constantTimeEquals("abc", "abcd"))
        #expect(!SecureToken.constantTimeEquals("abcd", "abc"))
        #expect(!SecureToken.constantTimeEquals("", "a"))
        #expect(SecureToken.constantTimeEquals("ঢাকা", "ঢাকা"))
    }

    @Test("Base64URL encoding replaces + and / and strips padding")
    func base64URL() {
        #expect(SecureToken.base64URLEncoded([0xFB, 0xFF]) == "-_8")
        #expect(SecureToken.base64URLEncoded([]) == "")
    }
}
