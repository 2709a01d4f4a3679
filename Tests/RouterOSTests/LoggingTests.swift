import Logging
import RouterOS
import Testing

@Suite(.onRouterOSLoop) struct LoggingTests {
    /// Trace logging shows commands with their secrets masked, and never the login's password or response.
    @Test func passwordsNeverReachTheLog() async throws {
        let router = try await FakeRouter.start(
            login: .challenge(user: "admin", challenge: "abc123", response: RouterOSConnection.challengeResponse(password: "hunter2", challenge: "abc123")!)
        ) { sentence, peer in
            peer.reply(to: sentence, "!done", "=ret=*1")
        }
        defer { Task { await router.stop() } }
        let lines = Locked<[String]>([])
        var logger = Logger(label: "test") { _ in CapturingLogHandler(lines: lines) }
        logger.logLevel = .trace
        let connection = try await RouterOSConnection.connect(to: router.endpoint(password: "hunter2"), logger: logger)
        _ = try await connection.add("/ppp/secret", [("name", "alice"), ("password", "s3cr3t-customer")])
        await connection.close()
        let logged = lines.current.joined(separator: "\n")
        #expect(logged.contains("/ppp/secret/add"))
        #expect(logged.contains("••••"))
        for secret in ["hunter2", "s3cr3t-customer", "0021277bff"] {
            #expect(!logged.contains(secret), "\(secret) was logged")
        }
        let response = RouterOSConnection.challengeResponse(password: "hunter2", challenge: "abc123")!
        #expect(!logged.contains(response))
    }
}

struct CapturingLogHandler: LogHandler {
    let lines: Locked<[String]>
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        let all = metadata.merging(event.metadata ?? [:]) { $1 }
        lines.withLock { $0.append("\(event.message) \(all)") }
    }
}
