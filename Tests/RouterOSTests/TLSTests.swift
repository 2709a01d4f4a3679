import NIOSSL
import RouterOS
import Testing

/// API-SSL against the fake router wearing `TestCertificate`.
@Suite(.onRouterOSLoop) struct TLSTests {
    static func serverContext() throws -> NIOSSLContext {
        let certificate = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
        let key = try NIOSSLPrivateKey(bytes: Array(TestCertificate.privateKeyPEM.utf8), format: .pem)
        return try NIOSSLContext(configuration: .makeServerConfiguration(certificateChain: [.certificate(certificate)], privateKey: .privateKey(key)))
    }

    @Test func theFingerprintHelperMatchesOpenSSL() throws {
        let certificate = try NIOSSLCertificate(bytes: Array(TestCertificate.certificatePEM.utf8), format: .pem)
        #expect(RouterOSTLS.fingerprint(ofCertificateDER: try certificate.toDERBytes()) == TestCertificate.sha256)
    }

    /// The pin as people paste it: upper case with colons.
    @Test(arguments: [TestCertificate.sha256, colonSeparated(TestCertificate.sha256.uppercased())])
    func theRightPinLogsIn(pin: String) async throws {
        let router = try await FakeRouter.start(tls: try Self.serverContext()) { sentence, peer in
            peer.reply(to: sentence, "!re", "=name=MikroTik")
            peer.reply(to: sentence, "!done")
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint(tls: .pinned(sha256: pin)))
        #expect(try await connection.print("/system/identity") == [["name": "MikroTik"]])
        await connection.close()
    }

    @Test func aWrongPinIsRefusedWithAPlainMessage() async throws {
        let router = try await FakeRouter.start(tls: try Self.serverContext())
        defer { Task { await router.stop() } }
        let wrong = String(repeating: "ab", count: 32)
        let error = await #expect(throws: RouterOSError.self) {
            try await RouterOSConnection.connect(to: router.endpoint(tls: .pinned(sha256: wrong)))
        }
        #expect(error == .tls("certificate does not match the pinned fingerprint"))
        #expect(error?.description == "TLS: certificate does not match the pinned fingerprint")
        #expect(error?.isPermanent == true)
        // The password never went out: the fake saw no sentence.
        #expect(router.received.isEmpty)
    }

    /// `.verify` uses the system roots; a self-signed router certificate is not among them.
    @Test func verifyRefusesASelfSignedCertificate() async throws {
        let router = try await FakeRouter.start(tls: try Self.serverContext())
        defer { Task { await router.stop() } }
        let error = await #expect(throws: RouterOSError.self) {
            try await RouterOSConnection.connect(to: router.endpoint(tls: .verify))
        }
        guard case .tls = error else {
            Issue.record("expected .tls, got \(String(describing: error))")
            return
        }
        #expect(router.received.isEmpty)
    }

    @Test func tlsEndpointsDefaultToTheApiSslPort() {
        #expect(RouterOSEndpoint(host: "r", tls: .verify, username: "u", password: "p").port == 8729)
        #expect(RouterOSEndpoint(host: "r", username: "u", password: "p").port == 8728)
        #expect(RouterOSError.refused(host: "10.0.0.1", port: 8729).description == "connection refused on 10.0.0.1:8729 — is the api-ssl service enabled?")
    }
}

private func colonSeparated(_ hex: String) -> String {
    var pairs: [String] = []
    var index = hex.startIndex
    while index < hex.endIndex {
        let next = hex.index(index, offsetBy: 2)
        pairs.append(String(hex[index..<next]))
        index = next
    }
    return pairs.joined(separator: ":")
}
