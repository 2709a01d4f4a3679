import NIOCore
import RouterOS
import Testing

/// Tagged commands, replies the client must tolerate, and the ways a session ends.
@Suite(.onRouterOSLoop) struct SessionTests {
    /// The fake answers only once all 8 are in, and in reverse order: the tags route each reply home.
    @Test func eightTaggedCommandsInFlightReturnToTheirCallers() async throws {
        let held = Locked<[RouterOSSentence]>([])
        let router = try await FakeRouter.start { sentence, peer in
            let all = held.withLock { held -> [RouterOSSentence] in
                held.append(sentence)
                return held.count == 8 ? held : []
            }
            for command in all.reversed() {
                peer.reply(to: command, "!re", "=n=\(command["n"] ?? "?")", "=echo=\(command.tag ?? "")")
                peer.reply(to: command, "!done")
            }
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        try await withThrowingTaskGroup(of: Void.self) { group in
            for n in 0..<8 {
                group.addTask {
                    let reply = try await connection.run(RouterOSCommand("/echo", attributes: [.init(name: "n", value: "\(n)")]))
                    #expect(reply.rows.count == 1)
                    #expect(reply.rows.first?["n"] == "\(n)")
                }
            }
            try await group.waitForAll()
        }
        let tags = router.received.filter { $0.word == "/echo" }.compactMap(\.tag)
        #expect(Set(tags).count == 8)
        #expect(!tags.contains(router.received.first?.tag ?? "-"))
        await connection.close()
    }

    /// With a limit of 2, the fake never holds more than 2 unanswered commands, and all 6 finish.
    @Test func commandsBeyondTheLimitWaitForASlot() async throws {
        let outstanding = Locked<(now: Int, most: Int)>((0, 0))
        let router = try await FakeRouter.start { sentence, peer in
            outstanding.withLock { $0.now += 1; $0.most = max($0.most, $0.now) }
            peer.channel.eventLoop.scheduleTask(in: .milliseconds(20)) {
                outstanding.withLock { $0.now -= 1 }
                peer.reply(to: sentence, "!done", "=ret=\(sentence["n"] ?? "")")
            }
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint(maximumInFlight: 2))
        let answers = try await withThrowingTaskGroup(of: String?.self) { group in
            for n in 0..<6 {
                group.addTask { try await connection.run(RouterOSCommand("/echo", attributes: [.init(name: "n", value: "\(n)")])).ret }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1 ?? "") }
        }
        #expect(answers == Set((0..<6).map(String.init)))
        #expect(outstanding.current.most == 2)
        await connection.close()
    }

    @Test func printSendsProplistAndQueriesAndReadsRows() async throws {
        let router = try await FakeRouter.start { sentence, peer in
            peer.reply(to: sentence, "!re", "=.id=*1", "=name=alice", "=disabled=false")
            peer.reply(to: sentence, "!re", "=.id=*2", "=name=bob", "=disabled=yes")
            peer.reply(to: sentence, "!done")
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let rows = try await connection.print("/ppp/secret", proplist: [".id", "name", "disabled"], queries: ["?service=pppoe", "?service=any", "?#|"])
        #expect(rows.map { $0["name"] } == ["alice", "bob"])
        #expect(rows.map { RouterOSBool.parse($0["disabled"]) } == [false, true])
        let sent = try #require(router.received.last)
        #expect(sent.has("/ppp/secret/print", [".proplist": ".id,name,disabled"]))
        #expect(sent.queries == ["?service=pppoe", "?service=any", "?#|"])
        await connection.close()
    }

    @Test func addReturnsTheNewIdAndTrapsCarryMessageAndCategory() async throws {
        let router = try await FakeRouter.start { sentence, peer in
            if sentence["name"] == "taken" {
                peer.reply(to: sentence, "!trap", "=category=1", "=message=failure: secret with the same name already exists")
                peer.reply(to: sentence, "!done")
            } else {
                peer.reply(to: sentence, "!done", "=ret=*1A")
            }
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        #expect(try await connection.add("/ppp/secret", [("name", "new"), ("password", "p")]) == "*1A")
        let error = await #expect(throws: RouterOSError.self) { try await connection.add("/ppp/secret", [("name", "taken")]) }
        #expect(error == .trap(message: "failure: secret with the same name already exists", category: 1))
        // A trap ends one command, not the session.
        try await connection.set("/ppp/secret", id: "*1A", [("profile", "10M")])
        #expect(router.received.last?.has("/ppp/secret/set", [".id": "*1A", "profile": "10M"]) == true)
        #expect(connection.isOpen)
        await connection.close()
    }

    /// RouterOS 7.18's `!empty`, a word nobody knows, an unknown tag and an untagged reply are all ignored.
    @Test func emptyAndUnknownRepliesAreTolerated() async throws {
        let router = try await FakeRouter.start { sentence, peer in
            peer.send(["!re", "=stray=untagged"])
            peer.send(["!done", ".tag=999"])
            peer.reply(to: sentence, "!empty")
            peer.reply(to: sentence, "!weird", "=x=y")
            peer.reply(to: sentence, "!done")
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let reply = try await connection.run(.print("/ppp/active"))
        #expect(reply == RouterOSReply(rows: [], done: [:], sawEmpty: true))
        let again = try await connection.run(.print("/ppp/active"))
        #expect(again.sawEmpty && again.rows.isEmpty)
        #expect(connection.isOpen)
        await connection.close()
    }

    /// `!fatal` comes untagged, with the reason as a bare word (librouteros) or `=message=` (go-routeros).
    @Test(arguments: [
        (["!fatal", "session terminated on request"], "session terminated on request"),
        (["!fatal", "=message=too many commands before login"], "too many commands before login"),
    ])
    func fatalFailsEveryCommandInFlight(words: [String], reason: String) async throws {
        let held = Locked(0)
        let router = try await FakeRouter.start { _, peer in
            if held.withLock({ $0 += 1; return $0 }) == 3 { peer.send(words) }
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let errors = await withTaskGroup(of: RouterOSError?.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do {
                        _ = try await connection.run(.print("/interface"))
                        return nil
                    } catch { return error as? RouterOSError }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(errors == Array(repeating: .fatal(reason), count: 3))
        #expect(RouterOSError.fatal(reason).description == "the router closed the session: \(reason)")
        #expect(!connection.isOpen)
        // Later commands fail at once with the same reason rather than hang.
        await #expect(throws: RouterOSError.fatal(reason)) { try await connection.run(.print("/interface")) }
        await connection.close()
    }

    /// The caller gets `.timeout`; the router is told `/cancel =tag=`; its late replies are dropped.
    @Test func aHungReplyTimesOutAndIsCancelled() async throws {
        let router = try await FakeRouter.start { sentence, peer in
            switch sentence.word {
            case "/system/resource/print":
                break
            case "/cancel":
                // What RouterOS answers to a cancel (reference A2), arriving after the caller gave up.
                let cancelled = sentence["tag"] ?? ""
                peer.send(["!trap", "=category=2", "=message=interrupted", ".tag=\(cancelled)"])
                peer.reply(to: sentence, "!done")
                peer.send(["!done", ".tag=\(cancelled)"])
            default:
                peer.reply(to: sentence, "!re", "=name=MikroTik")
                peer.reply(to: sentence, "!done")
            }
        }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let started = ContinuousClock.now
        let error = await #expect(throws: RouterOSError.self) {
            try await connection.run(.print("/system/resource"), timeout: .milliseconds(200))
        }
        #expect(ContinuousClock.now - started < .seconds(1))
        #expect(error == .timeout(command: "/system/resource/print", seconds: 0.2))
        #expect(RouterOSError.timeout(command: "/system/resource/print", seconds: 5).description == "no answer in 5 s to /system/resource/print")
        let hungTag = try #require(router.received.last(where: { $0.word == "/system/resource/print" })?.tag)
        #expect(await router.waitUntil { $0.contains { $0.has("/cancel", ["tag": hungTag]) } })
        // The session goes on: the next command gets its own answer, not the late ones.
        let rows = try await connection.print("/system/identity")
        #expect(rows == [["name": "MikroTik"]])
        #expect(connection.isOpen)
        await connection.close()
    }

    /// The endpoint's command timeout applies when the call gives none.
    @Test func theEndpointsCommandTimeoutIsTheDefault() async throws {
        let router = try await FakeRouter.start()
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint(commandTimeout: .milliseconds(150)))
        await #expect(throws: RouterOSError.timeout(command: "/ip/address/print", seconds: 0.15)) {
            try await connection.run(.print("/ip/address"))
        }
        await connection.close()
    }

    @Test func aDroppedConnectionFailsCommandsInFlight() async throws {
        let router = try await FakeRouter.start { _, peer in peer.close() }
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let errors = await withTaskGroup(of: RouterOSError?.self) { group in
            for _ in 0..<3 {
                group.addTask {
                    do {
                        _ = try await connection.run(.print("/ppp/active"))
                        return nil
                    } catch { return error as? RouterOSError }
                }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(errors == Array(repeating: .connectionLost, count: 3))
        #expect(!connection.isOpen)
    }

    @Test func commandsAfterCloseFailWithClosed() async throws {
        let router = try await FakeRouter.start()
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let hung = Task { try await connection.run(.print("/log")) }
        try await Task.sleep(for: .milliseconds(50))
        await connection.close()
        await #expect(throws: RouterOSError.closed) { try await hung.value }
        await #expect(throws: RouterOSError.closed) { try await connection.run(.print("/log")) }
    }

    @Test func cancellingTheCallerCancelsTheCommand() async throws {
        let router = try await FakeRouter.start()
        defer { Task { await router.stop() } }
        let connection = try await RouterOSConnection.connect(to: router.endpoint())
        let listen = Task { try await connection.run(RouterOSCommand("/ip/address/listen")) }
        #expect(await router.waitUntil { $0.contains { $0.word == "/ip/address/listen" } })
        listen.cancel()
        await #expect(throws: CancellationError.self) { try await listen.value }
        let tag = try #require(router.received.last(where: { $0.word == "/ip/address/listen" })?.tag)
        #expect(await router.waitUntil { $0.contains { $0.has("/cancel", ["tag": tag]) } })
        await connection.close()
    }
}
