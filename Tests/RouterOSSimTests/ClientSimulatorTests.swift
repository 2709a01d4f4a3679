import NIOSSL
import RouterOS
import RouterOSSim
import Testing

// The real client (RouterOSConnection, RouterOSPool) against the real simulator: the issue's
// "must show" list, end to end over TCP (and TLS).

/// The simulator's address with its credentials; a short command timeout unless a test says otherwise.
private func endpoint(_ simulator: RouterOSSimulator, password: String = "", tls: RouterOSTLS = .off,
                      commandTimeout: Duration = .seconds(5)) -> RouterOSEndpoint {
    RouterOSEndpoint(host: simulator.host, port: simulator.port, tls: tls, username: "admin", password: password,
                     connectTimeout: .seconds(5), commandTimeout: commandTimeout)
}

/// Polls `condition` every 10 ms for up to 2 s.
private func eventually(_ condition: () -> Bool) async throws {
    for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
}

/// The error `body` throws, as a RouterOSError (nil when it throws nothing or something else).
private func routerOSError<T>(_ body: () async throws -> T) async -> RouterOSError? {
    do {
        _ = try await body()
        return nil
    } catch {
        return error as? RouterOSError
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct ClientSimulatorTaggingTests {
    @Test func eightTaggedPrintsOverlapOnOneConnectionAndEachCallerGetsItsOwnRows() async throws {
        try await withSimulator { simulator in
            for index in 0..<8 { simulator.insert("/ppp/secret", ["name": "user\(index)", "profile": "plan-\(index)"]) }
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator))
            // A full second each, so a loaded machine's scheduling noise (a few hundred ms at the
            // start of a parallel PostgreSQL test run) cannot pass for overlap or hide it.
            let latency = Duration.seconds(1)
            simulator.setLatency(latency)
            // Best of two rounds: a loaded machine's scheduling noise is not what is measured.
            var fastest = Duration.seconds(60)
            for _ in 0..<2 {
                let start = ContinuousClock.now
                let answers = try await withThrowingTaskGroup(of: (Int, [[String: String]]).self) { group in
                    for index in 0..<8 {
                        group.addTask {
                            (index, try await connection.print("/ppp/secret", proplist: ["name", "profile"], queries: ["?name=user\(index)"]))
                        }
                    }
                    var answers: [Int: [[String: String]]] = [:]
                    for try await (index, rows) in group { answers[index] = rows }
                    return answers
                }
                let elapsed = ContinuousClock.now - start
                #expect(elapsed >= latency)
                fastest = min(fastest, elapsed)
                for index in 0..<8 {
                    #expect(answers[index] == [["name": "user\(index)", "profile": "plan-\(index)"]], "caller \(index)")
                }
            }
            // One at a time would take 8 × 1 s; overlapped it is about 1 s.
            #expect(fastest < latency * 4, "8 tagged prints with 1 s latency took \(fastest)")
            #expect(connection.isOpen)
            await connection.close()
        }
    }

    @Test func eightTaggedAddsReturnDistinctIDs() async throws {
        try await withSimulator { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator))
            simulator.setLatency(.seconds(1))
            let start = ContinuousClock.now
            let ids = try await withThrowingTaskGroup(of: (String, String).self) { group in
                for index in 0..<8 {
                    group.addTask { ("c\(index)", try await connection.add("/ppp/secret", [("name", "c\(index)"), ("password", "p\(index)")])) }
                }
                var ids: [String: String] = [:]
                for try await (name, id) in group { ids[name] = id }
                return ids
            }
            let elapsed = ContinuousClock.now - start
            #expect(Set(ids.values).count == 8)
            // Each caller got the id of its own row.
            let byName = Dictionary(simulator.rows("/ppp/secret").map { ($0["name"] ?? "", $0[".id"] ?? "") }, uniquingKeysWith: { $1 })
            #expect(ids == byName)
            #expect(elapsed < .seconds(4), "8 tagged adds with 1 s latency took \(elapsed) (one at a time: 8 s)")
            await connection.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct ClientSimulatorFaultTests {
    @Test func aDroppedConnectionFailsWhatIsInFlightAndThePoolReconnects() async throws {
        try await withSimulator { simulator in
            let pool = RouterOSPool(initialBackoff: .milliseconds(50))
            let router = endpoint(simulator)
            #expect(try await pool.run(.print("/system/identity"), key: "r1", endpoint: router).rows == [["name": "MikroTik"]])
            let first = try await pool.connection(key: "r1", endpoint: router)
            #expect(simulator.openConnections == 1)

            // Three commands in flight on the pool's session, none answered.
            simulator.setHung(true)
            let before = simulator.commandsReceived
            let inFlight = (0..<3).map { index in
                Task { await routerOSError { try await pool.run(.print("/ppp/secret", queries: ["?name=n\(index)"]), key: "r1", endpoint: router) } }
            }
            try await eventually { simulator.commandsReceived >= before + 3 }
            #expect(simulator.commandsReceived == before + 3)
            simulator.dropConnections()
            for task in inFlight { #expect(await task.value == .connectionLost) }
            #expect(!first.isOpen)
            try await eventually { simulator.openConnections == 0 }
            #expect(simulator.openConnections == 0)

            // The next call opens a new session and works.
            simulator.setHung(false)
            #expect(try await pool.run(.print("/system/identity"), key: "r1", endpoint: router).rows == [["name": "MikroTik"]])
            let second = try await pool.connection(key: "r1", endpoint: router)
            #expect(second !== first && second.isOpen)
            try await eventually { simulator.openConnections == 1 }
            #expect(simulator.openConnections == 1)
            await pool.shutdown()
        }
    }

    @Test func aHungReplyTimesOutAndTheConnectionStillWorksAfterwards() async throws {
        try await withSimulator { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator, commandTimeout: .milliseconds(300)))
            simulator.setHung(true)
            let start = ContinuousClock.now
            let error = await routerOSError { try await connection.print("/system/identity") }
            let elapsed = ContinuousClock.now - start
            #expect(error == .timeout(command: "/system/identity/print", seconds: 0.3))
            #expect(error?.description == "no answer in 0.3 s to /system/identity/print")
            #expect(elapsed >= .milliseconds(300) && elapsed < .seconds(3), "timed out after \(elapsed)")

            // A per-call timeout overrides the endpoint's.
            let shorter = await routerOSError { try await connection.run(.print("/ppp/secret"), timeout: .milliseconds(100)) }
            #expect(shorter == .timeout(command: "/ppp/secret/print", seconds: 0.1))

            simulator.setHung(false)
            #expect(connection.isOpen)
            #expect(try await connection.print("/system/identity") == [["name": "MikroTik"]])
            #expect(try await connection.add("/ppp/secret", [("name", "after-hang")]) == "*1")
            #expect(simulator.openConnections == 1)
            await connection.close()
        }
    }

    @Test func emptyRepliesAndAnUnknownReplyWordBreakNothing() async throws {
        try await withSimulator(.init(version: "7.18.2 (stable)")) { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator))
            // 7.18: a print with no rows says !empty.
            let empty = try await connection.run(.print("/ppp/secret"))
            #expect(empty.rows.isEmpty && empty.sawEmpty)
            #expect(try await connection.print("/ppp/secret", queries: ["?name=nobody"]) == [])

            simulator.setUnknownReplyWord("!weird")
            let id = try await connection.add("/ppp/secret", [("name", "rahim"), ("profile", "10M")])
            #expect(id == "*1")
            #expect(try await connection.print("/ppp/secret", proplist: [".id", "name", "profile"])
                == [[".id": "*1", "name": "rahim", "profile": "10M"]])
            #expect(try await connection.print("/ppp/secret", queries: ["?name=nobody"]) == [])
            try await connection.set("/ppp/secret", id: id, [("profile", "20M")])
            #expect(simulator.rows("/ppp/secret").first?["profile"] == "20M")

            simulator.setUnknownReplyWord(nil)
            #expect(try await connection.print("/system/identity") == [["name": "MikroTik"]])
            #expect(connection.isOpen && simulator.openConnections == 1)
            await connection.close()
        }
    }

    @Test func aDuplicateSecretIsATrapAndTheConnectionCarriesOn() async throws {
        try await withSimulator { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator))
            _ = try await connection.add("/ppp/secret", [("name", "rahim"), ("password", "x")])
            let error = await routerOSError { try await connection.add("/ppp/secret", [("name", "rahim"), ("password", "y")]) }
            #expect(error == .trap(message: "failure: secret with the same name already exists", category: nil))
            #expect(error?.description == "the router refused: failure: secret with the same name already exists")
            #expect(error?.isPermanent == false)
            #expect(try await connection.print("/ppp/secret", proplist: ["name"]) == [["name": "rahim"]])
            await connection.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct ClientSimulatorLoginTests {
    @Test(arguments: [RouterOSSimulator.LoginMethod.plain, .challenge, .both])
    func theClientLogsInWithEachMethod(_ method: RouterOSSimulator.LoginMethod) async throws {
        try await withSimulator(.init(password: "s3cret", login: method)) { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator, password: "s3cret"))
            #expect(try await connection.print("/system/identity") == [["name": "MikroTik"]])
            await connection.close()
        }
    }

    @Test(arguments: [RouterOSSimulator.LoginMethod.plain, .challenge])
    func aWrongPasswordIsRefusedInTheRoutersWords(_ method: RouterOSSimulator.LoginMethod) async throws {
        try await withSimulator(.init(password: "s3cret", login: method)) { simulator in
            let error = await routerOSError { try await RouterOSConnection.connect(to: endpoint(simulator, password: "wrong")) }
            #expect(error == .loginRefused("invalid user name or password"))
            #expect(error?.description == "login refused: invalid user name or password")
            #expect(error?.isPermanent == true)
        }
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct ClientSimulatorTLSAndValueTests {
    @Test func tlsWithAPinnedFingerprint() async throws {
        let server = try RouterOSSimulator.tlsContext(certificatePEM: SimulatorCertificate.certificatePEM,
                                                      privateKeyPEM: SimulatorCertificate.privateKeyPEM)
        let certificate = try #require(try NIOSSLCertificate.fromPEMBytes(Array(SimulatorCertificate.certificatePEM.utf8)).first)
        let pin = RouterOSTLS.fingerprint(ofCertificateDER: try certificate.toDERBytes())
        try await withSimulator(.init(password: "pw", tls: server)) { simulator in
            // As people paste it: upper case with colons.
            let pasted = stride(from: 0, to: pin.count, by: 2).map { offset in
                let start = pin.index(pin.startIndex, offsetBy: offset)
                return pin[start..<pin.index(start, offsetBy: 2)].uppercased()
            }.joined(separator: ":")
            for right in [pin, pasted] {
                let connection = try await RouterOSConnection.connect(to: endpoint(simulator, password: "pw", tls: .pinned(sha256: right)))
                #expect(try await connection.print("/system/identity") == [["name": "MikroTik"]])
                await connection.close()
            }

            let wrong = String(pin.reversed())
            let error = await routerOSError {
                try await RouterOSConnection.connect(to: endpoint(simulator, password: "pw", tls: .pinned(sha256: wrong)))
            }
            #expect(error == .tls("certificate does not match the pinned fingerprint"))
            #expect(error?.description == "TLS: certificate does not match the pinned fingerprint")
            #expect(error?.isPermanent == true)
        }
    }

    @Test(arguments: ["6.49.10 (long-term)", "7.18.2 (stable)"])
    func booleansReadTheSameOnV6AndV7(_ version: String) async throws {
        try await withSimulator(.init(version: version)) { simulator in
            let connection = try await RouterOSConnection.connect(to: endpoint(simulator))
            _ = try await connection.add("/ppp/secret", [("name", "off"), ("disabled", "yes")])
            _ = try await connection.add("/ppp/secret", [("name", "on"), ("disabled", "false")])
            let rows = try await connection.print("/ppp/secret", proplist: ["name", "disabled"])
            let spelled = rows.compactMap { $0["disabled"] }
            #expect(spelled == (version.hasPrefix("6.") ? ["yes", "no"] : ["true", "false"]))
            let disabled = Dictionary(rows.map { ($0["name"] ?? "", RouterOSBool.parse($0["disabled"])) }, uniquingKeysWith: { $1 })
            #expect(disabled == ["off": true, "on": false])
            await connection.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct ClientSimulatorBenchmarkTests {
    /// At 200 ms a round trip, scheduling noise on a loaded machine is small beside the latency:
    /// one at a time is capped near 5/s, 16 in flight near 80/s.
    @Test func taggedCommandsBeatOneAtATimeAt200Milliseconds() async throws {
        var lines: [String] = []
        let results = try await RouterOSBenchmark.run(latencies: [.milliseconds(200)], seconds: 1.2, inFlight: 16) { lines.append($0) }
        let result = try #require(results.first)
        #expect(results.count == 1 && result.latency == .milliseconds(200) && result.inFlight == 16)
        #expect(result.sequentialCommands > 0 && result.pipelinedCommands > 0)
        #expect(result.pipelinedPerSecond >= 3 * result.sequentialPerSecond,
                "one at a time \(result.sequentialPerSecond)/s, tagged \(result.pipelinedPerSecond)/s")
        #expect(result.sequentialP50 >= .milliseconds(200) && result.pipelinedP50 >= .milliseconds(200))
        #expect(result.speedUp >= 3)
        #expect(lines.contains { $0.hasPrefix("latency") && $0.contains("tagged (16 in flight)") })
        #expect(lines.contains { $0.hasPrefix("200 ms") && $0.contains("×") })
        #expect(lines.last?.contains("about 1.3 s a call on a LAN") == true)
    }
}
