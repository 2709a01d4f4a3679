import Crypto
import NIOCore
import NIOSSL

/// Builds the TLS part of a connection's pipeline.
enum RouterOSTLSSetup {
    /// A client context for `tls`, or nil for plain TCP.
    static func context(for tls: RouterOSTLS) throws -> NIOSSLContext? {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch tls {
        case .off:
            return nil
        case .verify:
            configuration.certificateVerification = .fullVerification
        case .pinned:
            // The custom callback replaces the CA check; NIOSSL only calls it when verification is on.
            configuration.certificateVerification = .noHostnameVerification
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw RouterOSError.tls("cannot set up TLS: \(error)")
        }
    }

    /// The TLS handler for a channel; for a pin, it records a mismatch on `handler` so the failure reads plainly.
    static func handler(
        for tls: RouterOSTLS, context: NIOSSLContext, host: String, clientHandler: RouterOSClientHandler
    ) throws -> NIOSSLClientHandler {
        // SNI and host name checks take names only; for an address NIOSSL checks the peer's IP.
        let serverName = isIPAddress(host) ? nil : host
        guard case .pinned(let pin) = tls else {
            return try NIOSSLClientHandler(context: context, serverHostname: serverName)
        }
        let expected = normalizedFingerprint(pin)
        return try NIOSSLClientHandler(context: context, serverHostname: serverName) { certificates, promise in
            guard let leaf = certificates.first, let der = try? leaf.toDERBytes(), fingerprint(der: der) == expected else {
                clientHandler.pinMismatch = true
                promise.succeed(.failed)
                return
            }
            promise.succeed(.certificateVerified)
        }
    }

    /// Lower-case hex of SHA-256 over a certificate's DER.
    static func fingerprint(der: [UInt8]) -> String {
        SHA256.hash(data: der).map { byte in
            let digits = String(byte, radix: 16)
            return byte < 16 ? "0" + digits : digits
        }.joined()
    }

    /// A pin as typed by people ("AB:CD …", "abcd…"): colons, spaces and case ignored.
    static func normalizedFingerprint(_ pin: String) -> String {
        String(pin.lowercased().filter { $0 != ":" && !$0.isWhitespace })
    }

    static func isIPAddress(_ host: String) -> Bool {
        (try? SocketAddress(ipAddress: host, port: 0)) != nil
    }
}

extension RouterOSTLS {
    /// The value to pin for a certificate: lower-case hex SHA-256 of its DER bytes.
    public static func fingerprint(ofCertificateDER der: [UInt8]) -> String {
        RouterOSTLSSetup.fingerprint(der: der)
    }
}
