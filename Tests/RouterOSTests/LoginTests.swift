import NIOCore
import NIOPosix
import RouterOS
import Testing

@Suite(.onRouterOSLoop) struct LoginTests {
    /// Reference A3, "Test vectors": the two from MikroTik's API page and go-routeros's.
    @Test(arguments: [
        ("856780b7411eefd3abadee2058c149a3", "", "005062f7a5ef124d34675bf3e81f56c556"),
        ("93b438ec9b80057c06dd9fe67d56aa9a", "", "00e134102a9d330dd7b1849fedfea3cb57"),
        ("abc123", "passTest", "0021277bff9ac7caf06aa608e46616d47f"),
    ])
    func challengeResponseMatchesTheVectors(challenge: String, password: String, response: String) {
        #expect(RouterOSConnection.challengeResponse(password: password, challenge: challenge) == response)
    }

    @Test func aChallengeThatIsNotHexHasNoResponse() {
        #expect(RouterOSConnection.challengeResponse(password: "x", challenge: "abc") == nil)
        #expect(RouterOSConnection.challengeResponse(password: "x", challenge: "zz") == nil)
    }

    @Test func plainLoginSendsNameAndPassword() async throws {
        let router = try await FakeRouter.start()
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        #expect(connection.isOpen)
        #expect(router.received.count == 1)
        #expect(router.received.first?.has("/login", ["name": "admin", "password": "secret"]) == true)
        await connection.close()
        #expect(!connection.isOpen)
    }

    /// A router before 6.43 answers the plain login with `=ret=`; the client then does the MD5 challenge.
    @Test func challengeLoginEndToEnd() async throws {
        let router = try await FakeRouter.start(
            login: .challenge(user: "userTest", challenge: "abc123", response: "0021277bff9ac7caf06aa608e46616d47f"))
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint(username: "userTest", password: "passTest"))
        let logins = router.received.filter { $0.word == "/login" }
        #expect(logins.count == 2)
        #expect(logins.last?.has("/login", ["name": "userTest", "response": "0021277bff9ac7caf06aa608e46616d47f"]) == true)
        #expect(logins.last?["password"] == nil)
        await connection.close()
    }

    @Test func wrongPasswordIsLoginRefused() async throws {
        let router = try await FakeRouter.start()
        defer { Task { await router.stop() } }
        let error = await #expect(throws: RouterOSError.self) {
            try await RouterOSConnection.connect(to: router.endpoint(password: "wrong"))
        }
        #expect(error == .loginRefused("invalid user name or password"))
        #expect(error?.description == "login refused: invalid user name or password")
        #expect(error?.isPermanent == true)
    }

    @Test func aPortNobodyListensOnIsRefused() async throws {
        let port = try await unusedPort()
        let endpoint = RouterOSEndpoint(host: "127.0.0.1", port: port, username: "admin", password: "")
        let error = await #expect(throws: RouterOSError.self) { try await RouterOSConnection.connect(to: endpoint) }
        #expect(error == .refused(host: "127.0.0.1", port: port))
        #expect(error?.description == "connection refused on 127.0.0.1:\(port) — is the api service enabled?")
        #expect(error?.isPermanent == false)
    }

    /// Accepts TCP but never speaks: the connect timeout covers the login too.
    @Test func aRouterThatNeverAnswersIsNoAnswer() async throws {
        let router = try await FakeRouter.start(login: .silent)
        defer { Task { await router.stop() } }
        let started = ContinuousClock.now
        let error = await #expect(throws: RouterOSError.self) {
            try await RouterOSConnection.connect(to: router.endpoint(connectTimeout: .milliseconds(300)))
        }
        #expect(error == .noAnswer(host: "127.0.0.1", port: router.port, seconds: 1))
        // 300 ms alone; a fully loaded two-core test run resumes this task seconds later. It ends.
        #expect(ContinuousClock.now - started < .seconds(30))
        // The client hangs up rather than leaving a half-open session behind.
        #expect(await waitFor { router.closed == 1 })
    }

    @Test func anUnknownHostNameIsUnreachable() async throws {
        // `.invalid` is reserved (RFC 2606) and never resolves.
        let endpoint = RouterOSEndpoint(host: "no-such-router.invalid", username: "admin", password: "", connectTimeout: .seconds(5))
        let error = await #expect(throws: RouterOSError.self) { try await RouterOSConnection.connect(to: endpoint) }
        guard case .unreachable(let host, let port, _) = error else {
            Issue.record("expected .unreachable, got \(String(describing: error))")
            return
        }
        #expect(host == "no-such-router.invalid" && port == 8728)
        #expect(error?.description.hasPrefix("cannot reach no-such-router.invalid:8728: ") == true)
    }
}

/// A port that was free a moment ago: bound, read, then closed.
func unusedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}

/// Polls `condition` for up to `limit`.
func waitFor(_ limit: Duration = .seconds(20), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(10))
    }
    return condition()
}
