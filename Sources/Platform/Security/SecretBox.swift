import Crypto
import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Encrypts secrets at rest (TOTP secrets, API credentials) with AES-256-GCM.
///
/// Sealed text is `v1:<keyid>:<base64(nonce|ciphertext|tag)>`, with a random 12-byte
/// nonce. The `v1:<keyid>` prefix is authenticated as associated data, so it cannot be
/// altered without `open` failing. Keys are kept by id: seal always uses the current
/// key, open uses whichever key the sealed text names, so a new key can be made
/// current while values sealed under older keys still open.
public struct SecretBox: Sendable {
    public enum Failure: Error, Sendable, CustomStringConvertible {
        case malformed
        case unknownKey(String)
        case authenticationFailed
        case badMasterKey(String)

        public var description: String {
            switch self {
            case .malformed:
                return "The sealed value is not in the form v1:<key id>:<base64>."
            case .unknownKey(let id):
                return "The sealed value names key id \"\(id)\", which is not among the configured keys."
            case .authenticationFailed:
                return "The sealed value failed authentication: it was altered or sealed with a different key."
            case .badMasterKey(let reason):
                return reason
            }
        }
    }

    static let version = "v1"
    static let environmentVariable = "MEGHNA_MASTER_KEY"
    static let keyByteCount = 32

    public let currentKeyID: String
    private let keys: [String: SymmetricKey]

    /// - Precondition: `keys[currentKeyID]` exists and no key id is empty or contains `:`.
    public init(keys: [String: SymmetricKey], currentKeyID: String) {
        precondition(keys[currentKeyID] != nil, "The current key id \(currentKeyID) has no key")
        precondition(keys.keys.allSatisfy { !$0.isEmpty && !$0.contains(":") }, "Key ids must be non-empty and contain no ':'")
        self.keys = keys
        self.currentKeyID = currentKeyID
    }

    /// The ids of all keys this box can open with.
    public var keyIDs: [String] { keys.keys.sorted() }

    public func seal(_ plaintext: String) throws -> String {
        guard let key = keys[currentKeyID] else { throw Failure.unknownKey(currentKeyID) }
        let header = "\(Self.version):\(currentKeyID)"
        let box = try AES.GCM.seal(Array(plaintext.utf8), using: key, authenticating: Array(header.utf8))
        guard let combined = box.combined else { throw Failure.malformed }
        return header + ":" + combined.base64EncodedString()
    }

    /// An HMAC-SHA256 of `message` (base64url, 43 characters) under a key derived from the
    /// current master key for one `purpose` (CSRF tokens, known-device cookies), so a value made
    /// for one purpose is worthless for another. Rotating the master key invalidates them.
    public func mac(_ message: String, purpose: String) -> String {
        let key = HKDF<SHA256>.deriveKey(inputKeyMaterial: keys[currentKeyID]!, info: Array("meghna-mac:\(purpose)".utf8), outputByteCount: 32)
        let code = HMAC<SHA256>.authenticationCode(for: Array(message.utf8), using: key)
        return Data(code).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    public func open(_ sealed: String) throws -> String {
        let parts = sealed.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == Self.version, !parts[1].isEmpty else { throw Failure.malformed }
        let keyID = String(parts[1])
        guard let key = keys[keyID] else { throw Failure.unknownKey(keyID) }
        // 12-byte nonce and 16-byte tag around a ciphertext as long as the plaintext.
        guard let combined = Data(base64Encoded: String(parts[2])), combined.count >= 12 + 16 else {
            throw Failure.malformed
        }
        let box: AES.GCM.SealedBox
        do {
            box = try AES.GCM.SealedBox(combined: combined)
        } catch {
            throw Failure.malformed
        }
        let header = "\(Self.version):\(keyID)"
        let plaintext: Data
        do {
            plaintext = try AES.GCM.open(box, using: key, authenticating: Array(header.utf8))
        } catch {
            throw Failure.authenticationFailed
        }
        guard let text = String(data: plaintext, encoding: .utf8) else { throw Failure.malformed }
        return text
    }

    /// MEGHNA_MASTER_KEY: either base64 of 32 bytes (key id = first 8 hex chars of SHA-256(key)) or a comma-separated list
    /// "id:base64,id2:base64" whose first entry is current. Without it, read the key file (base64 of 32 bytes), creating it
    /// with 32 random bytes and POSIX mode 0600 (create parent directory too) when missing. Bad values throw badMasterKey with a sentence.
    ///
    /// An empty or blank MEGHNA_MASTER_KEY counts as unset. Key ids may use letters,
    /// digits, `-`, `_` and `.`. A created parent directory gets mode 0700.
    public static func load(environment: [String: String], keyFile: URL) throws -> SecretBox {
        if let value = environment[environmentVariable]?.trimmingCharacters(in: .whitespacesAndNewlines), !value.isEmpty {
            return try fromEnvironment(value)
        }
        return try fromKeyFile(keyFile)
    }

    /// A box with one fresh random key, for tests.
    public static func random() -> SecretBox {
        let key = SymmetricKey(size: .bits256)
        let id = derivedKeyID(key.withUnsafeBytes { Array($0) })
        return SecretBox(keys: [id: key], currentKeyID: id)
    }

    // MARK: - Loading

    static func derivedKeyID(_ keyBytes: [UInt8]) -> String {
        String(SecureToken.hex(SHA256.hash(data: keyBytes)).prefix(8))
    }

    private static func fromEnvironment(_ value: String) throws -> SecretBox {
        guard value.contains(":") || value.contains(",") else {
            guard let bytes = decodeKey(value) else {
                throw Failure.badMasterKey(
                    "\(environmentVariable) must be the base64 encoding of exactly \(keyByteCount) bytes, or a list \"id:base64,id2:base64\"; generate a key with `openssl rand -base64 32`."
                )
            }
            let id = derivedKeyID(bytes)
            return SecretBox(keys: [id: SymmetricKey(data: bytes)], currentKeyID: id)
        }

        var keys: [String: SymmetricKey] = [:]
        var current: String?
        for (index, rawEntry) in value.split(separator: ",", omittingEmptySubsequences: false).enumerated() {
            let entry = rawEntry.trimmingCharacters(in: .whitespaces)
            let position = index + 1
            guard let colon = entry.firstIndex(of: ":") else {
                throw Failure.badMasterKey(
                    "Entry \(position) of \(environmentVariable) is not of the form id:base64 (entries are separated by commas)."
                )
            }
            let id = String(entry[..<colon])
            let encoded = String(entry[entry.index(after: colon)...])
            guard isValidKeyID(id) else {
                throw Failure.badMasterKey(
                    "Entry \(position) of \(environmentVariable) has key id \"\(id)\"; key ids must be 1 to 64 letters, digits, '-', '_' or '.'."
                )
            }
            guard keys[id] == nil else {
                throw Failure.badMasterKey("Key id \"\(id)\" appears more than once in \(environmentVariable).")
            }
            guard let bytes = decodeKey(encoded) else {
                throw Failure.badMasterKey(
                    "The key for id \"\(id)\" in \(environmentVariable) must be the base64 encoding of exactly \(keyByteCount) bytes."
                )
            }
            keys[id] = SymmetricKey(data: bytes)
            if current == nil { current = id }
        }
        guard let current else {
            throw Failure.badMasterKey("\(environmentVariable) lists no keys.")
        }
        return SecretBox(keys: keys, currentKeyID: current)
    }

    private static func fromKeyFile(_ keyFile: URL) throws -> SecretBox {
        let path = keyFile.path
        if !FileManager.default.fileExists(atPath: path) {
            try createKeyFile(at: keyFile)
        }
        let contents: String
        do {
            contents = try String(contentsOf: keyFile, encoding: .utf8)
        } catch {
            throw Failure.badMasterKey("The master key file \(path) could not be read: \(error.localizedDescription)")
        }
        guard let bytes = decodeKey(contents.trimmingCharacters(in: .whitespacesAndNewlines)) else {
            throw Failure.badMasterKey(
                "The master key file \(path) must hold the base64 encoding of exactly \(keyByteCount) bytes."
            )
        }
        let id = derivedKeyID(bytes)
        return SecretBox(keys: [id: SymmetricKey(data: bytes)], currentKeyID: id)
    }

    /// Creates the key file with mode 0600 from the start (O_EXCL, so a file that
    /// appeared in the meantime is left alone and read instead).
    private static func createKeyFile(at keyFile: URL) throws {
        let path = keyFile.path
        let directory = keyFile.deletingLastPathComponent()
        do {
            try FileManager.default.createDirectory(
                at: directory,
                withIntermediateDirectories: true,
                attributes: [.posixPermissions: 0o700]
            )
        } catch {
            throw Failure.badMasterKey(
                "Could not create the directory \(directory.path) for the master key file: \(error.localizedDescription)"
            )
        }

        let contents = Array((Data(SecureRandom.bytes(keyByteCount)).base64EncodedString() + "\n").utf8)
        let descriptor = openExclusive(path)
        if descriptor < 0 {
            let code = errno
            if code == EEXIST { return }
            throw Failure.badMasterKey("Could not create the master key file \(path): \(String(cString: strerror(code))).")
        }
        defer { _ = close(descriptor) }
        // The mode given to open() is reduced by the umask; make sure it is exactly 0600.
        _ = fchmod(descriptor, 0o600)
        var written = 0
        while written < contents.count {
            let result = contents[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            if result < 0 {
                let code = errno
                if code == EINTR { continue }
                _ = unlink(path)
                throw Failure.badMasterKey("Could not write the master key file \(path): \(String(cString: strerror(code))).")
            }
            written += result
        }
        _ = fsync(descriptor)
    }

    /// POSIX open(2) for a new file with mode 0600; failing with EEXIST if it exists.
    /// (Qualified, because `open` alone would name `SecretBox.open(_:)`.)
    private static func openExclusive(_ path: String) -> Int32 {
        let flags = O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC
        #if canImport(Glibc)
        return Glibc.open(path, flags, 0o600)
        #elseif canImport(Musl)
        return Musl.open(path, flags, 0o600)
        #else
        return Darwin.open(path, flags, 0o600)
        #endif
    }

    private static func isValidKeyID(_ id: String) -> Bool {
        !id.isEmpty && id.utf8.count <= 64 && id.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "-" || $0 == "_" || $0 == "."
        }
    }

    /// Standard or URL-safe base64, padded or not, of exactly 32 bytes.
    private static func decodeKey(_ text: String) -> [UInt8]? {
        var normalized = text.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
        let remainder = normalized.utf8.count % 4
        if remainder != 0 { normalized += String(repeating: "=", count: 4 - remainder) }
        guard let data = Data(base64Encoded: normalized), data.count == keyByteCount else { return nil }
        return Array(data)
    }
}

extension SecretBox: CustomStringConvertible {
    /// Names the key ids only, never the keys.
    public var description: String {
        "SecretBox(currentKeyID: \(currentKeyID), keyIDs: \(keyIDs))"
    }
}
