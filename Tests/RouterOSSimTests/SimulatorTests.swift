import Foundation
import NIOCore
import NIOSSL
import RouterOS
import RouterOSSim
import Testing

/// Starts a simulator, runs `body`, stops it.
func withSimulator<T>(_ configuration: RouterOSSimulator.Configuration = .init(),
                      _ body: (RouterOSSimulator) async throws -> T) async throws -> T {
    let simulator = try await RouterOSSimulator.start(configuration)
    do {
        let result = try await body(simulator)
        await simulator.stop()
        return result
    } catch {
        await simulator.stop()
        throw error
    }
}

private func waitUntil(_ condition: () -> Bool) async throws {
    for _ in 0..<2_000 where !condition() { try await Task.sleep(for: .milliseconds(10)) }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct SimulatorLoginTests {
    @Test func plainLoginAcceptsTheRightPasswordAndTrapsAWrongOne() async throws {
        try await withSimulator(.init(password: "secret")) { simulator in
            let client = try await RawClient.connect(to: simulator)
            let wrong = try await client.run(["/login", "=name=admin", "=password=nope"])
            #expect(wrong == [["!trap", "=message=invalid user name or password (6)"], ["!done"]])
            let wrongUser = try await client.run(["/login", "=name=root", "=password=secret"])
            #expect(wrongUser.first?.first == "!trap")
            let right = try await client.run(["/login", "=name=admin", "=password=secret", ".tag=1"])
            #expect(right == [["!done", ".tag=1"]])
            let identity = try await client.run(["/system/identity/print"])
            #expect(RawClient.rows(identity) == [["name": "MikroTik"]])
            await client.close()
        }
    }

    @Test func challengeLoginWithTheMD5Response() async throws {
        // The manual's vector, so the test's own response is computed right.
        #expect(RawClient.md5Response(password: "", challengeHex: "856780b7411eefd3abadee2058c149a3")
            == "005062f7a5ef124d34675bf3e81f56c556")
        try await withSimulator(.init(password: "secret", login: .challenge)) { simulator in
            let client = try await RawClient.connect(to: simulator)
            // A plain attempt against an old router gets the challenge, as compatible clients expect.
            let first = try await client.run(["/login", "=name=admin", "=password=secret"])
            let firstWords = try #require(first.first)
            let challenge = try #require(RouterOSSentence(words: firstWords)["ret"])
            #expect(first.count == 1 && challenge.count == 32 && challenge.allSatisfy(\.isHexDigit))
            let bad = try await client.run(["/login", "=name=admin", "=response=" + RawClient.md5Response(password: "wrong", challengeHex: challenge)])
            #expect(bad == [["!trap", "=message=invalid user name or password (6)"], ["!done"]])
            let again = try await client.run(["/login"])
            let againWords = try #require(again.first)
            let second = try #require(RouterOSSentence(words: againWords)["ret"])
            #expect(second != challenge)
            let good = try await client.run(["/login", "=name=admin", "=response=" + RawClient.md5Response(password: "secret", challengeHex: second)])
            #expect(good == [["!done"]])
            #expect(RawClient.rows(try await client.run(["/system/identity/print"])).count == 1)
            await client.close()
        }
    }

    @Test func bothMethodsOnA643Router() async throws {
        try await withSimulator(.init(password: "pw", login: .both, version: "6.44.6 (long-term)")) { simulator in
            let plain = try await RawClient.connect(to: simulator)
            #expect(try await plain.run(["/login", "=name=admin", "=password=pw"]) == [["!done"]])
            let md5 = try await RawClient.connect(to: simulator)
            let bare = try await md5.run(["/login", ".tag=a"])
            let challenge = try #require(RouterOSSentence(words: bare[0])["ret"])
            #expect(try await md5.run(["/login", "=name=admin", "=response=" + RawClient.md5Response(password: "pw", challengeHex: challenge)]) == [["!done"]])
            await plain.close()
            await md5.close()
        }
    }

    @Test func aPlainRouterAnswersABareLoginWithoutLoggingIn() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.connect(to: simulator)
            #expect(try await client.run(["/login"]) == [["!done"]])
            let reply = try await client.run(["/ppp/secret/print"])
            #expect(reply == [["!fatal", "not logged in"]])
            #expect(await client.next() == .closed)
        }
    }

    @Test func aCommandBeforeLoginIsFatalAndClosesTheConnection() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.connect(to: simulator)
            client.send(["/ppp/secret/print", ".tag=5"])
            #expect(await client.next() == .sentence(["!fatal", "not logged in"]))
            #expect(await client.next() == .closed)
            try await waitUntil { simulator.openConnections == 0 }
            #expect(simulator.openConnections == 0)
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SimulatorMenuTests {
    @Test func addSetRemoveAndPrintWithProplist() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            let added = try await client.run(["/ppp/secret/add", "=name=rahim", "=password=p1", "=profile=10M", "=service=pppoe"])
            #expect(added == [["!done", "=ret=*1"]])
            let second = try await client.run(["/ppp/secret/add", "=name=karim", "=password=p2"])
            #expect(second == [["!done", "=ret=*2"]])

            let all = RawClient.rows(try await client.run(["/ppp/secret/print"]))
            #expect(all.count == 2)
            #expect(all[1] == [".id": "*2", "name": "karim", "password": "p2", "service": "any", "profile": "default",
                               "caller-id": "", "routes": "", "limit-bytes-in": "0", "limit-bytes-out": "0", "disabled": "false"])

            let some = try await client.run(["/ppp/secret/print", "=.proplist=.id,name,profile"])
            #expect(some == [["!re", "=.id=*1", "=name=rahim", "=profile=10M"], ["!re", "=.id=*2", "=name=karim", "=profile=default"], ["!done"]])

            #expect(try await client.run(["/ppp/secret/set", "=.id=*1", "=profile=20M", "=disabled=yes"]) == [["!done"]])
            #expect(try await client.run(["/ppp/secret/set", "=numbers=karim", "=comment=tower 2"]) == [["!done"]])
            let changed = RawClient.rows(try await client.run(["/ppp/secret/print", "=.proplist=name,profile,disabled,comment"]))
            #expect(changed == [["name": "rahim", "profile": "20M", "disabled": "true"],
                                ["name": "karim", "profile": "default", "disabled": "false", "comment": "tower 2"]])

            #expect(try await client.run(["/ppp/secret/remove", "=.id=*1"]) == [["!done"]])
            #expect(simulator.rows("/ppp/secret").map { $0["name"] } == ["karim"])
            #expect(try await client.run(["/ppp/secret/remove", "=numbers=karim"]) == [["!done"]])
            #expect(simulator.rows("/ppp/secret").isEmpty)
            // .ids are never reused.
            #expect(try await client.run(["/ppp/secret/add", "=name=third"]) == [["!done", "=ret=*3"]])
            await client.close()
        }
    }

    @Test func idsCountUpInUppercaseHex() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            var ids: [String] = []
            for number in 1...26 {
                let reply = try await client.run(["/ip/firewall/address-list/add", "=list=blocked", "=address=10.0.0.\(number)"])
                ids.append(try #require(RouterOSSentence(words: reply[0])["ret"]))
            }
            #expect(ids.prefix(11) == ["*1", "*2", "*3", "*4", "*5", "*6", "*7", "*8", "*9", "*A", "*B"])
            #expect(ids.last == "*1A")
            let row = try #require(simulator.rows("/ip/firewall/address-list").last)
            #expect(row["dynamic"] == "false" && row["creation-time"] != nil && row["list"] == "blocked")
            // Removing several at once, by .id list as librouteros sends it.
            #expect(try await client.run(["/ip/firewall/address-list/remove", "=.id=*1,*2,*1A"]) == [["!done"]])
            #expect(simulator.rows("/ip/firewall/address-list").count == 23)
            await client.close()
        }
    }

    @Test func defaultRowsAndOtherMenus() async throws {
        try await withSimulator(.init(identity: "padma-core-1")) { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            let profiles = RawClient.rows(try await client.run(["/ppp/profile/print", "=.proplist=.id,name,default"]))
            #expect(profiles == [[".id": "*0", "name": "default", "default": "true"]])
            let added = try await client.run(["/ppp/profile/add", "=name=10M", "=rate-limit=5M/10M", "=remote-address=pool1"])
            #expect(added == [["!done", "=ret=*1"]])
            let hotspotProfiles = RawClient.rows(try await client.run(["/ip/hotspot/user/profile/print", "=.proplist=.id,name"]))
            #expect(hotspotProfiles == [[".id": "*0", "name": "default"]])
            let cannot = try await client.run(["/ppp/profile/remove", "=.id=*0"])
            #expect(cannot.first?.first == "!trap")

            let queue = try await client.run(["/queue/simple/add", "=target=10.0.0.5/32", "=max-limit=5M/10M"])
            #expect(queue == [["!done", "=ret=*1"]])
            #expect(simulator.rows("/queue/simple").first?["name"] == "queue1")
            let noTarget = try await client.run(["/queue/simple/add", "=name=q"])
            #expect(noTarget == [["!trap", "=category=1", "=message=missing value(s) of argument(s) target"], ["!done"]])

            #expect(RawClient.rows(try await client.run(["/system/identity/print"])) == [["name": "padma-core-1"]])
            #expect(try await client.run(["/system/identity/set", "=name=padma-core-2"]) == [["!done"]])
            #expect(simulator.identity == "padma-core-2")
            #expect(RawClient.rows(try await client.run(["/system/identity/print"])) == [["name": "padma-core-2"]])
            await client.close()
        }
    }

    @Test func systemResourceReportsUptimeVersionAndTheSetCPULoad() async throws {
        try await withSimulator(.init(boardName: "RB5009UG+S+")) { simulator in
            simulator.setCPULoad(37)
            let client = try await RawClient.loggedIn(to: simulator)
            let row = try #require(RawClient.rows(try await client.run(["/system/resource/print"])).first)
            for key in ["uptime", "version", "build-time", "cpu-load", "cpu-count", "free-memory", "total-memory",
                        "free-hdd-space", "total-hdd-space", "architecture-name", "board-name", "platform"] {
                #expect(row[key] != nil, "\(key) missing")
            }
            #expect(row["cpu-load"] == "37" && row["version"] == "7.18.2 (stable)" && row["board-name"] == "RB5009UG+S+")
            #expect(row["platform"] == "MikroTik" && row[".id"] == nil)
            #expect(row["uptime"]?.hasSuffix("s") == true)
            let some = try await client.run(["/system/resource/print", "=.proplist=uptime,cpu-load", ".tag=hb"])
            #expect(some.count == 2 && some[0].count == 4 && some[0].last == ".tag=hb")
            #expect(some[1] == ["!done", ".tag=hb"])
            await client.close()
        }
    }

    @Test func trapsForDuplicatesUnknownItemsAndUnknownCommands() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            _ = try await client.run(["/ppp/secret/add", "=name=rahim"])
            #expect(try await client.run(["/ppp/secret/add", "=name=rahim", ".tag=9"])
                == [["!trap", "=message=failure: secret with the same name already exists", ".tag=9"], ["!done", ".tag=9"]])
            _ = try await client.run(["/ip/hotspot/user/add", "=name=guest1"])
            #expect(try await client.run(["/ip/hotspot/user/add", "=name=guest1"])
                == [["!trap", "=message=failure: already have user with this name"], ["!done"]])
            // A set that would make a duplicate is refused too.
            _ = try await client.run(["/ppp/secret/add", "=name=karim"])
            #expect(try await client.run(["/ppp/secret/set", "=numbers=karim", "=name=rahim"]).first?.first == "!trap")

            #expect(try await client.run(["/ppp/secret/set", "=.id=*99", "=profile=x"]) == [["!trap", "=message=no such item"], ["!done"]])
            #expect(try await client.run(["/ppp/secret/remove", "=.id=*99"]) == [["!trap", "=message=no such item"], ["!done"]])
            #expect(try await client.run(["/ppp/secret/remove", "=numbers=nobody"]) == [["!trap", "=message=no such item"], ["!done"]])
            #expect(try await client.run(["/ppp/secret/add", "=password=x"])
                == [["!trap", "=category=1", "=message=missing value(s) of argument(s) name"], ["!done"]])
            #expect(try await client.run(["/ppp/secret/add", "=name=z", "=colour=blue"])
                == [["!trap", "=message=unknown parameter colour"], ["!done"]])

            #expect(try await client.run(["/ppp/secret/frobnicate"]) == [["!trap", "=category=0", "=message=no such command"], ["!done"]])
            #expect(try await client.run(["/ppp/active/add", "=name=x"]) == [["!trap", "=category=0", "=message=no such command"], ["!done"]])
            #expect(try await client.run(["/ip/adress/print"]) == [
                ["!trap", "=category=0", "=message=no such command or directory (adress)"],
                ["!trap", "=message=no such command prefix"], ["!done"],
            ])
            // Still usable after all that.
            #expect(RawClient.rows(try await client.run(["/ppp/secret/print"])).count == 2)
            await client.close()
        }
    }

    @Test func booleansFollowTheVersion() async throws {
        for (version, yes, no) in [("6.49.10 (long-term)", "yes", "no"), ("7.18.2 (stable)", "true", "false")] {
            try await withSimulator(.init(version: version)) { simulator in
                let client = try await RawClient.loggedIn(to: simulator)
                _ = try await client.run(["/ppp/secret/add", "=name=a", "=disabled=true"])
                _ = try await client.run(["/ppp/secret/add", "=name=b", "=disabled=no"])
                let rows = RawClient.rows(try await client.run(["/ppp/secret/print", "=.proplist=name,disabled"]))
                #expect(rows == [["name": "a", "disabled": yes], ["name": "b", "disabled": no]], "\(version)")
                // Either spelling works in a query.
                let off = RawClient.rows(try await client.run(["/ppp/secret/print", "=.proplist=name", "?disabled=yes"]))
                #expect(off == [["name": "a"]])
                let on = RawClient.rows(try await client.run(["/ppp/secret/print", "=.proplist=name", "?disabled=false"]))
                #expect(on == [["name": "b"]])
                _ = try await client.run(["/ppp/secret/disable", "=numbers=b"])
                #expect(simulator.rows("/ppp/secret").map { $0["disabled"] } == [yes, yes])
                await client.close()
            }
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SimulatorQueryTests {
    /// Five secrets: name, profile, limit-bytes-in.
    private func seeded(_ simulator: RouterOSSimulator) {
        simulator.insert("/ppp/secret", ["name": "a", "profile": "10M", "limit-bytes-in": "100"])
        simulator.insert("/ppp/secret", ["name": "b", "profile": "20M", "limit-bytes-in": "200", "comment": "vip"])
        simulator.insert("/ppp/secret", ["name": "c", "profile": "10M", "limit-bytes-in": "300", "disabled": "yes"])
        simulator.insert("/ppp/secret", ["name": "d", "profile": "30M", "limit-bytes-in": "1000"])
        simulator.insert("/ppp/secret", ["name": "e", "profile": "20M", "limit-bytes-in": "50", "comment": "x"])
    }

    private func names(_ client: RawClient, _ queries: [String]) async throws -> [String] {
        let reply = try await client.run(["/ppp/secret/print", "=.proplist=name"] + queries)
        return RawClient.rows(reply).compactMap { $0["name"] }
    }

    @Test func queryWordsAndStackOperations() async throws {
        try await withSimulator { simulator in
            seeded(simulator)
            let client = try await RawClient.loggedIn(to: simulator)
            #expect(try await names(client, []) == ["a", "b", "c", "d", "e"])
            #expect(try await names(client, ["?name=c"]) == ["c"])
            #expect(try await names(client, ["?=name=c"]) == ["c"])
            #expect(try await names(client, ["?comment"]) == ["b", "e"])
            #expect(try await names(client, ["?-comment"]) == ["a", "c", "d"])
            // Several values left on the stack must all hold.
            #expect(try await names(client, ["?profile=10M", "?disabled=false"]) == ["a"])
            // OR, as librouteros writes In(): ?=k=a ?=k=b ?=k=c ?#| ?#|
            #expect(try await names(client, ["?=name=a", "?=name=d", "?=name=e", "?#|", "?#|"]) == ["a", "d", "e"])
            // RouterOS-api's form: several operations in one word.
            #expect(try await names(client, ["?name=a", "?name=b", "?name=c", "?#||"]) == ["a", "b", "c"])
            // NOT (librouteros `!=`).
            #expect(try await names(client, ["?=profile=10M", "?#!"]) == ["b", "d", "e"])
            // AND of an OR and a NOT: (profile=10M or profile=20M) and not comment.
            #expect(try await names(client, ["?profile=10M", "?profile=20M", "?#|", "?comment", "?#!", "?#&"]) == ["a", "c"])
            // Less / greater compare numbers as numbers.
            #expect(try await names(client, ["?<limit-bytes-in=250"]) == ["a", "b", "e"])
            #expect(try await names(client, ["?>limit-bytes-in=250"]) == ["c", "d"])
            #expect(try await names(client, ["?>limit-bytes-in=99", "?<limit-bytes-in=300", "?#&"]) == ["a", "b"])
            #expect(try await names(client, ["?>.id=*3"]) == ["d", "e"])
            // `.` duplicates the top; digits index the stack (0 is the top).
            #expect(try await names(client, ["?name=a", "?#.|"]) == ["a"])
            #expect(try await names(client, ["?name=a", "?name=b", "?#1"]) == ["a"])
            // "1|": push a copy of the value under the top, then OR: [a, b|a], all must hold.
            #expect(try await names(client, ["?name=a", "?name=b", "?#1|"]) == ["a"])
            // "0!&": copy the top, negate it, AND: [a, 20M & !20M] = [a, false]; then OR: [a].
            #expect(try await names(client, ["?name=a", "?profile=20M", "?#0!&", "?#|"]) == ["a"])
            // A query word that cannot be read is refused, not ignored.
            #expect(try await client.run(["/ppp/secret/print", "?#x"]).first?.first == "!trap")
            await client.close()
        }
    }

    @Test func emptyPrintSaysEmptyLike718() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            #expect(try await client.run(["/ppp/secret/print"]) == [["!empty"], ["!done"]])
            #expect(try await client.run(["/ppp/active/print", ".tag=4"]) == [["!empty", ".tag=4"], ["!done", ".tag=4"]])
            #expect(try await client.run(["/ppp/profile/print", "?name=none"]) == [["!empty"], ["!done"]])
            // Commands that change things say only !done.
            #expect(try await client.run(["/ppp/secret/add", "=name=x"]) == [["!done", "=ret=*1"]])
            await client.close()
        }
        try await withSimulator(.init(version: "7.16.2 (stable)", emptyReplies: false)) { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            #expect(try await client.run(["/ppp/secret/print"]) == [["!done"]])
            await client.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1)), .onRouterOSLoop) struct SimulatorFaultTests {
    @Test func everyReplyCarriesItsCommandsTag() async throws {
        try await withSimulator { simulator in
            simulator.insert("/ppp/secret", ["name": "a"])
            simulator.insert("/ppp/secret", ["name": "b"])
            let client = try await RawClient.loggedIn(to: simulator)
            client.send(["/ppp/secret/print", ".tag=p"])
            client.send(["/ppp/secret/add", "=name=a", ".tag=dup"])
            client.send(["/system/identity/print", ".tag=7"])
            var seen: [[String]] = []
            while seen.filter({ $0.first == "!done" }).count < 3 {
                guard case .sentence(let words) = await client.next() else { throw Failure("closed") }
                seen.append(words)
            }
            #expect(seen.allSatisfy { $0.last?.hasPrefix(".tag=") == true })
            #expect(seen.filter { $0.last == ".tag=p" }.count == 3)
            #expect(seen.contains(["!trap", "=message=failure: secret with the same name already exists", ".tag=dup"]))
            #expect(seen.contains(["!re", "=name=MikroTik", ".tag=7"]))
            await client.close()
        }
    }

    @Test func cancelStopsAHungCommand() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            simulator.setHung(true)
            client.send(["/ppp/secret/print", ".tag=2"])
            client.send(["/system/resource/print", ".tag=3"])
            try await Task.sleep(for: .milliseconds(150))
            #expect(client.waiting == 0)
            let cancelled = try await client.run(["/cancel", "=tag=2", ".tag=7"])
            #expect(cancelled == [["!trap", "=category=2", "=message=interrupted", ".tag=2"], ["!done", ".tag=7"]])
            #expect(try await client.readReply(tag: "2") == [["!done", ".tag=2"]])
            // The other one is still held back until the hang ends.
            try await Task.sleep(for: .milliseconds(50))
            #expect(client.waiting == 0)
            simulator.setHung(false)
            let resource = try await client.readReply(tag: "3")
            #expect(resource.count == 2 && resource[0].first == "!re")
            // A cancel without =tag= stops everything waiting.
            simulator.setHung(true)
            client.send(["/ppp/secret/print", ".tag=a"])
            client.send(["/ppp/secret/print", ".tag=b"])
            try await Task.sleep(for: .milliseconds(50))
            let all = try await client.run(["/cancel", ".tag=c"])
            #expect(all.filter { $0.first == "!trap" }.count == 2)
            #expect(try await client.readReply(tag: "b").contains(["!done", ".tag=b"]))
            simulator.setHung(false)
            await client.close()
        }
    }

    @Test func latencyAppliesToEachCommandSoTaggedCommandsOverlap() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            // 1 s each: one after another, 8 would take 8 s; a loaded machine's noise is far smaller.
            simulator.setLatency(.seconds(1))
            let one = ContinuousClock.now
            _ = try await client.run(["/system/identity/print"])
            #expect(ContinuousClock.now - one >= .seconds(1))

            // Best of two rounds, so a busy machine's scheduling noise does not count as latency.
            var fastest = Duration.seconds(60)
            for round in 0..<2 {
                let start = ContinuousClock.now
                for tag in 0..<8 { client.send(["/system/resource/print", "=.proplist=uptime", ".tag=\(round)-\(tag)"]) }
                var done = Set<String>()
                var last = start
                while done.count < 8 {
                    let (event, arrived) = await client.nextTimed()
                    guard case .sentence(let words) = event else { throw Failure("closed") }
                    if words.first == "!done", let tag = RouterOSSentence(words: words).tag {
                        done.insert(tag)
                        last = max(last, arrived)
                    }
                }
                let elapsed = last - start
                #expect(elapsed >= .seconds(1))
                fastest = min(fastest, elapsed)
            }
            #expect(fastest < .seconds(4), "8 tagged commands with 1 s latency took \(fastest), not about 1 s")

            // One tag's replies stay in order, even when the latency changes in between.
            simulator.setLatency(.milliseconds(60))
            client.send(["/ppp/secret/add", "=name=first", ".tag=x"])
            simulator.setLatency(.milliseconds(1))
            client.send(["/ppp/secret/add", "=name=second", ".tag=x"])
            let first = try await client.readReply(tag: "x")
            let second = try await client.readReply(tag: "x")
            #expect(first == [["!done", "=ret=*1", ".tag=x"]] && second == [["!done", "=ret=*2", ".tag=x"]])
            await client.close()
        }
    }

    @Test func dropConnectionsClosesEveryClient() async throws {
        try await withSimulator { simulator in
            let one = try await RawClient.loggedIn(to: simulator)
            let two = try await RawClient.loggedIn(to: simulator)
            try await waitUntil { simulator.openConnections == 2 }
            #expect(simulator.openConnections == 2)
            let before = simulator.commandsReceived
            #expect(before >= 2)
            simulator.dropConnections()
            #expect(await one.next() == .closed)
            #expect(await two.next() == .closed)
            try await waitUntil { simulator.openConnections == 0 }
            #expect(simulator.openConnections == 0)
            // It keeps listening.
            let three = try await RawClient.loggedIn(to: simulator)
            #expect(simulator.commandsReceived == before + 1)
            await three.close()
        }
    }

    @Test func unknownReplyWordBeforeEachDone() async throws {
        try await withSimulator { simulator in
            let client = try await RawClient.loggedIn(to: simulator)
            simulator.setUnknownReplyWord("!weird")
            #expect(try await client.run(["/system/identity/print", ".tag=1"])
                == [["!re", "=name=MikroTik", ".tag=1"], ["!weird", ".tag=1"], ["!done", ".tag=1"]])
            simulator.setUnknownReplyWord(nil)
            #expect(try await client.run(["/system/identity/print"]) == [["!re", "=name=MikroTik"], ["!done"]])
            await client.close()
        }
    }

    @Test func unreadableBytesCloseOnlyThatConnection() async throws {
        try await withSimulator { simulator in
            let good = try await RawClient.loggedIn(to: simulator)
            for garbage: [UInt8] in [[0xF8, 0x01, 0x02], [0xFF], [0xF0, 0x7F, 0xFF, 0xFF, 0xFF, 0x41]] {
                let bad = try await RawClient.connectBare(to: simulator)
                bad.sendBytes(garbage)
                #expect(await bad.next() == .closed)
            }
            #expect(RawClient.rows(try await good.run(["/system/identity/print"])).count == 1)
            await good.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SimulatorCustomerTests {
    @Test func connectedCustomersAppearAndRemovingOneDisconnectsIt() async throws {
        try await withSimulator { simulator in
            let first = simulator.connectPPP(name: "rahim", address: "10.64.0.2")
            let second = simulator.connectPPP(name: "karim", address: "10.64.0.3", callerID: "AA:BB:CC:00:00:09")
            #expect(first == "*1" && second == "*2")
            let client = try await RawClient.loggedIn(to: simulator)
            let active = RawClient.rows(try await client.run(["/ppp/active/print"]))
            #expect(active.map { $0["name"] } == ["rahim", "karim"])
            #expect(active[1]["address"] == "10.64.0.3" && active[1]["caller-id"] == "AA:BB:CC:00:00:09")
            #expect(active[1]["service"] == "pppoe" && active[1]["uptime"] != nil && active[1]["session-id"] != nil)
            let found = RawClient.rows(try await client.run(["/ppp/active/print", "=.proplist=.id", "?name=karim"]))
            #expect(found == [[".id": second]])
            #expect(try await client.run(["/ppp/active/remove", "=.id=\(second)"]) == [["!done"]])
            #expect(simulator.rows("/ppp/active").map { $0["name"] } == ["rahim"])

            let hotspot = simulator.connectHotspot(user: "guest1", address: "10.5.50.10")
            let online = RawClient.rows(try await client.run(["/ip/hotspot/active/print", "=.proplist=.id,user,address,mac-address"]))
            #expect(online == [[".id": hotspot, "user": "guest1", "address": "10.5.50.10", "mac-address": "AA:BB:CC:00:00:02"]])
            #expect(try await client.run(["/ip/hotspot/active/remove", "=numbers=guest1"]) == [["!done"]])
            #expect(simulator.rows("/ip/hotspot/active").isEmpty)
            await client.close()
        }
    }
}

@Suite(.timeLimit(.minutes(1))) struct SimulatorTLSAndCLITests {
    @Test func tlsHandshakeWithTheEmbeddedCertificate() async throws {
        let server = try RouterOSSimulator.tlsContext(certificatePEM: SimulatorCertificate.certificatePEM,
                                                      privateKeyPEM: SimulatorCertificate.privateKeyPEM)
        try await withSimulator(.init(password: "pw", tls: server)) { simulator in
            var configuration = TLSConfiguration.makeClientConfiguration()
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try NIOSSLCertificate.fromPEMBytes(Array(SimulatorCertificate.certificatePEM.utf8)))
            let client = try await RawClient.connect(to: simulator, tls: try NIOSSLContext(configuration: configuration))
            #expect(try await client.run(["/login", "=name=admin", "=password=pw"]) == [["!done"]])
            #expect(RawClient.rows(try await client.run(["/system/identity/print"])) == [["name": "MikroTik"]])
            await client.close()

            // A client that trusts nothing of the kind fails the handshake, and the simulator carries on.
            let strict = try NIOSSLContext(configuration: .makeClientConfiguration())
            let refused = try await RawClient.connect(to: simulator, tls: strict)
            refused.send(["/login", "=name=admin", "=password=pw"])
            #expect(await refused.next() == .closed)
        }
    }

    @Test func badArgumentsNameTheFlag() async throws {
        for (arguments, flag) in [(["--port", "x"], "--port"), (["--port", "70000"], "--port"), (["--login", "kerberos"], "--login"),
                                  (["--tls-cert", "/tmp/c.pem"], "--tls-key"), (["--latency-ms"], "--latency-ms"),
                                  (["--frob"], "--frob"), (["--secrets", "-1"], "--secrets")] {
            do {
                try await RouterOSSimCLI.run(arguments: arguments)
                Issue.record("\(arguments) was accepted")
            } catch {
                #expect("\(error)".contains(flag), "\(arguments): \(error)")
                #expect("\(error)".hasSuffix("."), "\(arguments): \(error)")
            }
        }
        let options = try RouterOSSimCLI.parse(["--port", "0", "--login", "challenge", "--user", "api", "--password", "s3cret",
                                                "--version", "6.42.1", "--latency-ms", "15", "--secrets", "4"])
        #expect(options.port == 0 && options.login == .challenge && options.username == "api" && options.password == "s3cret")
        #expect(options.version == "6.42.1" && options.latencyMilliseconds == 15 && options.secrets == 4)
        #expect(RouterOSSimCLI.sendsEmpty(version: "7.18.2 (stable)") && RouterOSSimCLI.sendsEmpty(version: "7.20"))
        #expect(!RouterOSSimCLI.sendsEmpty(version: "7.17.2") && !RouterOSSimCLI.sendsEmpty(version: "6.49.10 (long-term)"))
    }
}
