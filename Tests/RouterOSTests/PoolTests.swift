import RouterOS
import Testing

@Suite(.onRouterOSLoop) struct PoolTests {
    static func identity(_ sentence: RouterOSSentence, _ peer: FakePeer) {
        peer.reply(to: sentence, "!re", "=name=MikroTik")
        peer.reply(to: sentence, "!done")
    }

    @Test func concurrentFirstCallsShareOneConnection() async throws {
        let router = try await FakeRouter.start(answer: Self.identity)
        defer { Task { await router.stop() } }
        let pool = RouterOSPool()
        let endpoint = router.endpoint()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<10 {
                group.addTask { _ = try await pool.run(.print("/system/identity"), key: "r1", endpoint: endpoint) }
            }
            try await group.waitForAll()
        }
        #expect(router.accepted == 1)
        #expect(router.received.filter { $0.word == "/login" }.count == 1)
        await pool.shutdown()
        await #expect(throws: RouterOSError.closed) { try await pool.run(.print("/system/identity"), key: "r1", endpoint: endpoint) }
    }

    /// The fake hangs up on `/ppp/active/print`: those callers get `.connectionLost`, the next call a new session.
    @Test func aDroppedSessionIsReopenedOnTheNextCall() async throws {
        let router = try await FakeRouter.start { sentence, peer in
            if sentence.word == "/ppp/active/print" { peer.close() } else { Self.identity(sentence, peer) }
        }
        defer { Task { await router.stop() } }
        let pool = RouterOSPool()
        let endpoint = router.endpoint()
        _ = try await pool.run(.print("/system/identity"), key: "r1", endpoint: endpoint)
        await #expect(throws: RouterOSError.connectionLost) {
            try await pool.run(.print("/ppp/active"), key: "r1", endpoint: endpoint)
        }
        let reply = try await pool.run(.print("/system/identity"), key: "r1", endpoint: endpoint)
        #expect(reply.rows == [["name": "MikroTik"]])
        #expect(router.accepted == 2)
        await pool.shutdown()
    }

    /// After a failed connect the pool waits out the backoff, failing fast meanwhile.
    @Test func failedConnectsBackOffAndFailFast() async throws {
        // Hangs up on every login: a transient failure (not permanent).
        let router = try await FakeRouter.start(login: .silent)
        defer { Task { await router.stop() } }
        // Wide margins: a loaded CI machine sleeps late and connects slowly.
        let pool = RouterOSPool(initialBackoff: .seconds(1), maximumBackoff: .seconds(10))
        let endpoint = router.endpoint(connectTimeout: .milliseconds(500))
        let first = await #expect(throws: RouterOSError.self) { try await pool.run(.print("/x"), key: "r1", endpoint: endpoint) }
        #expect(first == .noAnswer(host: "127.0.0.1", port: router.port, seconds: 1))
        #expect(router.accepted == 1)
        let started = ContinuousClock.now
        await #expect(throws: first!) { try await pool.run(.print("/x"), key: "r1", endpoint: endpoint) }
        // Well under the 500 ms a real attempt would take against this silent router (and no
        // connection was made: the count below).
        #expect(ContinuousClock.now - started < .milliseconds(400))
        #expect(router.accepted == 1)
        try await Task.sleep(for: .milliseconds(1_200))
        await #expect(throws: first!) { try await pool.run(.print("/x"), key: "r1", endpoint: endpoint) }
        #expect(router.accepted == 2)
        // The backoff doubled: 2 s now.
        try await Task.sleep(for: .milliseconds(1_200))
        await #expect(throws: first!) { try await pool.run(.print("/x"), key: "r1", endpoint: endpoint) }
        #expect(router.accepted == 2)
        await pool.shutdown()
    }

    @Test func aPermanentErrorIsReturnedAtOnce() async throws {
        let router = try await FakeRouter.start(answer: Self.identity)
        defer { Task { await router.stop() } }
        let pool = RouterOSPool(initialBackoff: .milliseconds(10))
        let endpoint = router.endpoint(password: "wrong")
        for _ in 0..<3 {
            await #expect(throws: RouterOSError.loginRefused("invalid user name or password")) {
                try await pool.run(.print("/x"), key: "r1", endpoint: endpoint)
            }
            try await Task.sleep(for: .milliseconds(30))
        }
        #expect(router.accepted == 1)
        // Fixing the password is a new endpoint: tried at once.
        _ = try await pool.run(.print("/x"), key: "r1", endpoint: router.endpoint())
        #expect(router.accepted == 2)
        await pool.shutdown()
    }

    @Test func aChangedEndpointClosesTheOldSession() async throws {
        let router = try await FakeRouter.start(answer: Self.identity)
        defer { Task { await router.stop() } }
        let pool = RouterOSPool()
        let old = try await pool.connection(key: "r1", endpoint: router.endpoint())
        var edited = router.endpoint()
        edited.commandTimeout = .seconds(3)
        _ = try await pool.run(.print("/system/identity"), key: "r1", endpoint: edited)
        #expect(!old.isOpen)
        #expect(router.accepted == 2)
        #expect(await waitFor { router.closed == 1 })
        await pool.close(key: "r1")
        #expect(await waitFor { router.closed == 2 })
        await pool.shutdown()
    }
}
