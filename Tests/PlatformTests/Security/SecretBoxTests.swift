import Crypto
import Foundation
import Testing
@testable import Platform

@Suite("SecretBox")
struct SecretBoxTests {
    static func base64Key(_ fill: UInt8? = nil) -> String {
        let bytes = fill.map { [UInt8](repeating: $0, count: 32) } ?? SecureRandom.bytes(32)
        return Data(bytes).base64EncodedString()
    }

    static func temporaryDirectory() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("meghna-secretbox-\(UUID().uuidString)")
    }

    static func failure(_ body: () throws -> Any) -> SecretBox.Failure? {
        do {
            _ = try body()
            return nil
        } catch let failure as SecretBox.Failure {
            return failure
        } catch {
            Issue.record("Unexpected error \(error)")
            return nil
        }
    }

    @Test("Round trip", arguments: ["", "JBSWY3DPEHPK3PXP", "রহিম ও করিম: ৳1,000 🌊", String(repeating: "x", count: 10_000)])
    func roundTrip(plaintext: String) throws {
        let box = SecretBox.random()
        let sealed = try box.seal(plaintext)
        #expect(sealed.hasPrefix("v1:\(box.currentKeyID):"))
        #expect(try box.open(sealed) == plaintext)
        #expect(try box.seal(plaintext) != sealed, "a fresh nonce each time")
    }

    @Test("Sealed payload is nonce, ciphertext and tag")
    func payloadShape() throws {
        let box = SecretBox.random()
        let sealed = try box.seal("hello")
        let payload = try #require(Data(base64Encoded: String(sealed.split(separator: ":")[2])))
        #expect(payload.count == 12 + 5 + 16)
        #expect(box.currentKeyID.count == 8)
    }

    @Test("Any altered byte fails authentication")
    func tamper() throws {
        let box = SecretBox.random()
        let sealed = try box.seal("totp-secret")
        let parts = sealed.split(separator: ":").map(String.init)
        let payload = try #require(Data(base64Encoded: parts[2]))
        for index in payload.indices {
            var altered = payload
            altered[index] ^= 0x01
            let tampered = "v1:\(parts[1]):\(altered.base64EncodedString())"
            #expect(Self.failure { try box.open(tampered) }.map { "\($0)" } == "\(SecretBox.Failure.authenticationFailed)")
        }
        // A value sealed by another box with the same key id is rejected too.
        let key = SymmetricKey(size: .bits256)
        let impostor = SecretBox(keys: [box.currentKeyID: key], currentKeyID: box.currentKeyID)
        if case .authenticationFailed? = Self.failure({ try box.open(try impostor.seal("x")) }) {} else {
            Issue.record("expected authenticationFailed")
        }
    }

    @Test("Malformed and unknown-key values", arguments: ["", "v1", "v1:abc", "v2:abc:AAAA", "v1::AAAA", "v1:%@:!!!", "plain text"])
    func malformed(sealed: String) {
        let box = SecretBox.random()
        let failure = Self.failure { try box.open(sealed) }
        switch failure {
        case .malformed?, .unknownKey?: break
        default: Issue.record("expected malformed or unknownKey, got \(String(describing: failure))")
        }
    }

    @Test("Unknown key ids and short payloads")
    func unknownKeyAndShortPayload() throws {
        let box = SecretBox.random()
        guard case .unknownKey("nokey")? = Self.failure({ try box.open("v1:nokey:AAAA") }) else {
            Issue.record("expected unknownKey")
            return
        }
        let short = Data(count: 27).base64EncodedString()
        guard case .malformed? = Self.failure({ try box.open("v1:\(box.currentKeyID):\(short)") }) else {
            Issue.record("expected malformed")
            return
        }
        guard case .malformed? = Self.failure({ try box.open("v1:\(box.currentKeyID):not base64!") }) else {
            Issue.record("expected malformed")
            return
        }
    }

    @Test("Rotation: values sealed under the old key still open after a new key becomes current")
    func rotation() throws {
        let oldKey = SymmetricKey(size: .bits256)
        let newKey = SymmetricKey(size: .bits256)
        let before = SecretBox(keys: ["2024": oldKey], currentKeyID: "2024")
        let sealedOld = try before.seal("old secret")

        let after = SecretBox(keys: ["2024": oldKey, "2025": newKey], currentKeyID: "2025")
        #expect(after.currentKeyID == "2025")
        #expect(try after.open(sealedOld) == "old secret")
        let sealedNew = try after.seal("new secret")
        #expect(sealedNew.hasPrefix("v1:2025:"))
        #expect(try after.open(sealedNew) == "new secret")
        guard case .unknownKey("2025")? = Self.failure({ try before.open(sealedNew) }) else {
            Issue.record("expected unknownKey(2025)")
            return
        }
        // Relabelling a value with another key id is caught.
        let relabelled = sealedNew.replacingOccurrences(of: "v1:2025:", with: "v1:2024:")
        guard case .authenticationFailed? = Self.failure({ try after.open(relabelled) }) else {
            Issue.record("expected authenticationFailed")
            return
        }
    }

    @Test("MEGHNA_MASTER_KEY with a single base64 key")
    func environmentSingleKey() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("master.key")
        let keyBytes = [UInt8](repeating: 7, count: 32)
        let encoded = Data(keyBytes).base64EncodedString()
        let box = try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": encoded], keyFile: keyFile)
        #expect(box.currentKeyID == String(SecureToken.hex(SHA256.hash(data: keyBytes)).prefix(8)))
        #expect(!FileManager.default.fileExists(atPath: keyFile.path), "the environment wins; no key file is made")

        let again = try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": " \(encoded)\n"], keyFile: keyFile)
        #expect(try again.open(try box.seal("same key")) == "same key")
    }

    @Test("MEGHNA_MASTER_KEY with a list of keys: first is current, the others still open")
    func environmentList() throws {
        let keyFile = Self.temporaryDirectory().appendingPathComponent("master.key")
        let oldBox = try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": "old:\(Self.base64Key(1))"], keyFile: keyFile)
        #expect(oldBox.currentKeyID == "old")
        let sealed = try oldBox.seal("rotated")

        let box = try SecretBox.load(
            environment: ["MEGHNA_MASTER_KEY": "new:\(Self.base64Key(2)), old:\(Self.base64Key(1))"],
            keyFile: keyFile
        )
        #expect(box.currentKeyID == "new")
        #expect(box.keyIDs == ["new", "old"])
        #expect(try box.open(sealed) == "rotated")
        #expect(try box.seal("x").hasPrefix("v1:new:"))
    }

    @Test("Bad MEGHNA_MASTER_KEY values throw badMasterKey with a sentence", arguments: [
        "not base64!",
        Data(count: 16).base64EncodedString(),
        Data(count: 33).base64EncodedString(),
        "a:zzz",
        "a:\(SecretBoxTests.base64Key(1)),a:\(SecretBoxTests.base64Key(2))",
        ":\(SecretBoxTests.base64Key(1))",
        "bad id:\(SecretBoxTests.base64Key(1))",
        "a:\(SecretBoxTests.base64Key(1)),",
        "a:\(SecretBoxTests.base64Key(1)),\(SecretBoxTests.base64Key(2))",
        ",",
    ])
    func badEnvironment(value: String) {
        let directory = Self.temporaryDirectory()
        let failure = Self.failure {
            try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": value], keyFile: directory.appendingPathComponent("k"))
        }
        guard case .badMasterKey(let sentence)? = failure else {
            Issue.record("expected badMasterKey for \(value), got \(String(describing: failure))")
            return
        }
        #expect(sentence.hasSuffix("."))
        #expect(sentence.contains("MEGHNA_MASTER_KEY"))
        #expect(!sentence.contains(Self.base64Key(1)), "the sentence does not echo key material")
        #expect(!FileManager.default.fileExists(atPath: directory.path))
    }

    @Test("Without MEGHNA_MASTER_KEY the key file is created with mode 0600, then reused")
    func keyFileCreated() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let keyFile = directory.appendingPathComponent("nested/secrets/master.key")

        let box = try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": "  "], keyFile: keyFile)
        let attributes = try FileManager.default.attributesOfItem(atPath: keyFile.path)
        let mode = try #require((attributes[.posixPermissions] as? NSNumber)?.intValue)
        #expect(mode & 0o777 == 0o600)

        let contents = try String(contentsOf: keyFile, encoding: .utf8)
        let bytes = try #require(Data(base64Encoded: contents.trimmingCharacters(in: .whitespacesAndNewlines)))
        #expect(bytes.count == 32)
        #expect(box.currentKeyID == SecretBox.derivedKeyID(Array(bytes)))

        let sealed = try box.seal("kept across restarts")
        let reloaded = try SecretBox.load(environment: [:], keyFile: keyFile)
        #expect(reloaded.currentKeyID == box.currentKeyID)
        #expect(try reloaded.open(sealed) == "kept across restarts")
    }

    @Test("A key file with bad contents throws badMasterKey")
    func badKeyFile() throws {
        let directory = Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let keyFile = directory.appendingPathComponent("master.key")
        try Data("too short\n".utf8).write(to: keyFile)
        guard case .badMasterKey(let sentence)? = Self.failure({ try SecretBox.load(environment: [:], keyFile: keyFile) }) else {
            Issue.record("expected badMasterKey")
            return
        }
        #expect(sentence.contains(keyFile.path))
    }

    @Test("Failures and the box describe themselves without key material")
    func descriptions() throws {
        #expect(!"\(SecretBox.Failure.malformed)".isEmpty)
        #expect("\(SecretBox.Failure.unknownKey("k1"))".contains("k1"))
        #expect("\(SecretBox.Failure.badMasterKey("Some sentence."))" == "Some sentence.")
        let encoded = Self.base64Key(9)
        let box = try SecretBox.load(environment: ["MEGHNA_MASTER_KEY": encoded], keyFile: Self.temporaryDirectory())
        #expect(!"\(box)".contains(encoded))
        #expect("\(box)".contains(box.currentKeyID))
    }
}
