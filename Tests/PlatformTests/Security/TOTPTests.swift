import Foundation
import Testing
@testable import Platform

@Suite("TOTP")
struct TOTPTests {
    struct Vector: Sendable, CustomTestStringConvertible {
        let time: TimeInterval
        let step: UInt64
        let algorithm: TOTP.Algorithm
        let code: String
        var testDescription: String { "\(algorithm.rawValue) at \(Int64(time))" }
    }

    /// RFC 6238 Appendix B: each algorithm has its own seed ("1234567890" repeated to
    /// 20, 32 and 64 bytes), 8 digits, 30-second period.
    static func seed(for algorithm: TOTP.Algorithm) -> [UInt8] {
        let length: Int
        switch algorithm {
        case .sha1: length = 20
        case .sha256: length = 32
        case .sha512: length = 64
        }
        let digits = Array("1234567890".utf8)
        return (0..<length).map { digits[$0 % digits.count] }
    }

    static let rfc6238: [Vector] = [
        Vector(time: 59, step: 0x1, algorithm: .sha1, code: "94287082"),
        Vector(time: 59, step: 0x1, algorithm: .sha256, code: "46119246"),
        Vector(time: 59, step: 0x1, algorithm: .sha512, code: "90693936"),
        Vector(time: 1111111109, step: 0x23523EC, algorithm: .sha1, code: "07081804"),
        Vector(time: 1111111109, step: 0x23523EC, algorithm: .sha256, code: "68084774"),
        Vector(time: 1111111109, step: 0x23523EC, algorithm: .sha512, code: "25091201"),
        Vector(time: 1111111111, step: 0x23523ED, algorithm: .sha1, code: "14050471"),
        Vector(time: 1111111111, step: 0x23523ED, algorithm: .sha256, code: "67062674"),
        Vector(time: 1111111111, step: 0x23523ED, algorithm: .sha512, code: "99943326"),
        Vector(time: 1234567890, step: 0x273EF07, algorithm: .sha1, code: "89005924"),
        Vector(time: 1234567890, step: 0x273EF07, algorithm: .sha256, code: "91819424"),
        Vector(time: 1234567890, step: 0x273EF07, algorithm: .sha512, code: "93441116"),
        Vector(time: 2000000000, step: 0x3F940AA, algorithm: .sha1, code: "69279037"),
        Vector(time: 2000000000, step: 0x3F940AA, algorithm: .sha256, code: "90698825"),
        Vector(time: 2000000000, step: 0x3F940AA, algorithm: .sha512, code: "38618901"),
        Vector(time: 20000000000, step: 0x27BC86AA, algorithm: .sha1, code: "65353130"),
        Vector(time: 20000000000, step: 0x27BC86AA, algorithm: .sha256, code: "77737706"),
        Vector(time: 20000000000, step: 0x27BC86AA, algorithm: .sha512, code: "47863826"),
    ]

    @Test("RFC 6238 Appendix B vectors", arguments: rfc6238)
    func rfc6238Vector(_ vector: Vector) {
        let totp = TOTP(secret: Self.seed(for: vector.algorithm), digits: 8, algorithm: vector.algorithm)
        let date = Date(timeIntervalSince1970: vector.time)
        #expect(totp.step(at: date) == vector.step)
        #expect(totp.code(at: date) == vector.code)
        #expect(totp.code(forStep: vector.step) == vector.code)
        #expect(totp.verify(vector.code, at: date, window: 0) == vector.step)
    }

    @Test("RFC 4226 Appendix D HOTP vectors")
    func rfc4226() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let expected = ["755224", "287082", "359152", "969429", "338314",
                        "254676", "287922", "162583", "399871", "520489"]
        for (counter, code) in expected.enumerated() {
            #expect(totp.code(forStep: UInt64(counter)) == code)
        }
    }

    @Test("Seeds have the RFC lengths")
    func seedLengths() {
        #expect(Self.seed(for: .sha1) == Array("12345678901234567890".utf8))
        #expect(Self.seed(for: .sha256).count == 32)
        #expect(Self.seed(for: .sha512) == Array(String(repeating: "1234567890", count: 7).utf8.prefix(64)))
    }

    @Test("Codes one step away are accepted with the default window, two steps away are not")
    func window() {
        let totp = TOTP(secret: TOTP.generateSecret())
        let now = Date(timeIntervalSince1970: 1_700_000_015)
        let current = totp.step(at: now)
        #expect(totp.verify(totp.code(forStep: current), at: now) == current)
        #expect(totp.verify(totp.code(forStep: current - 1), at: now) == current - 1)
        #expect(totp.verify(totp.code(forStep: current + 1), at: now) == current + 1)
        // Different steps could collide by chance (1 in a million each); pick codes that don't.
        let nearby = Set((current - 1...current + 1).map { totp.code(forStep: $0) })
        let twoBack = totp.code(forStep: current - 2)
        let twoAhead = totp.code(forStep: current + 2)
        if !nearby.contains(twoBack) { #expect(totp.verify(twoBack, at: now) == nil) }
        if !nearby.contains(twoAhead) { #expect(totp.verify(twoAhead, at: now) == nil) }
        #expect(totp.verify(twoBack, at: now, window: 2) == current - 2)
        #expect(totp.verify(twoAhead, at: now, window: 2) == current + 2)
        if totp.code(forStep: current - 1) != totp.code(forStep: current) {
            #expect(totp.verify(totp.code(forStep: current - 1), at: now, window: 0) == nil)
        }
    }

    @Test("Verification tolerates spaces and rejects malformed input")
    func verifyInput() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        let date = Date(timeIntervalSince1970: 59)  // step 1: 287082
        #expect(totp.verify("287082", at: date) == 1)
        #expect(totp.verify("287 082", at: date) == 1)
        #expect(totp.verify(" 28 70 82 ", at: date) == 1)
        #expect(totp.verify("28708", at: date) == nil)
        #expect(totp.verify("2870820", at: date) == nil)
        #expect(totp.verify("28708a", at: date) == nil)
        #expect(totp.verify("287-082", at: date) == nil)
        #expect(totp.verify("", at: date) == nil)
        #expect(totp.verify("２８７０８２", at: date) == nil)  // full-width digits
        // At step 0 the window cannot reach below zero.
        #expect(totp.verify("755224", at: Date(timeIntervalSince1970: 0)) == 0)
        #expect(totp.verify("287082", at: Date(timeIntervalSince1970: 0)) == 1)
    }

    @Test("Steps follow the period")
    func steps() {
        let totp = TOTP(secret: [1, 2, 3], period: 60)
        #expect(totp.step(at: Date(timeIntervalSince1970: 0)) == 0)
        #expect(totp.step(at: Date(timeIntervalSince1970: 59.9)) == 0)
        #expect(totp.step(at: Date(timeIntervalSince1970: 60)) == 1)
        #expect(totp.step(at: Date(timeIntervalSince1970: -100)) == 0)
    }

    @Test("Generated secrets are 20 random bytes")
    func secrets() {
        let a = TOTP.generateSecret()
        let b = TOTP.generateSecret()
        #expect(a.count == 20)
        #expect(b.count == 20)
        #expect(a != b)
    }

    @Test("Provisioning URI percent-encodes issuer and account")
    func provisioningURI() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        #expect(totp.provisioningURI(issuer: "Meghna", account: "admin@example.com")
            == "otpauth://totp/Meghna:admin%40example.com?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Meghna&algorithm=SHA1&digits=6&period=30")
        let other = TOTP(secret: [0xFF], digits: 8, period: 60, algorithm: .sha512)
        #expect(other.provisioningURI(issuer: "Meghna ISP & Co: Dhaka", account: "রহিম+1@example.com")
            == "otpauth://totp/Meghna%20ISP%20%26%20Co%3A%20Dhaka:%E0%A6%B0%E0%A6%B9%E0%A6%BF%E0%A6%AE%2B1%40example.com?secret=74&issuer=Meghna%20ISP%20%26%20Co%3A%20Dhaka&algorithm=SHA512&digits=8&period=60")
    }

    @Test("Description leaves the secret out")
    func description() {
        let totp = TOTP(secret: Array("12345678901234567890".utf8))
        #expect(!String(describing: totp).contains("49"))
        #expect(String(describing: totp).contains("redacted"))
    }
}
