import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import RouterOSSim
import Testing
import TestSupport

@Suite struct HeartbeatTests {
    @Test func missesMarkARouterDownAndAnAnswerBringsItBack() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let tenant = try await t.makeTenant("Padma Net")
                try await t.makeUser(in: tenant, role: .networkEngineer, email: "noc@padma.test", name: "NOC")
                try await t.makeUser(in: tenant, role: .billingOps, email: "billing@padma.test", name: "Billing")
                let router = try await t.makeRouter(tenant, port: sim.port)
                sim.setCPULoad(37)
                let payload = RouterHeartbeatPayload(routerID: router.id!, organizationID: tenant.id)
                func beat() async throws -> Heartbeat.Outcome {
                    t.clock.advance(by: 60)
                    return try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db)
                }
                guard case .up = try await beat() else { Issue.record("the first beat should answer"); return }
                var stored = try #require(try await MeghnaNetwork.Router.find(router.id, on: t.db))
                #expect(stored.health == .up && stored.cpuLoad == 37 && stored.rttMilliseconds != nil && stored.uptimeSeconds != nil)
                #expect(try await RouterEvent.query(on: t.db).count() == 0, "unknown → up is not a recovery")
                // The router stops answering: two misses are tolerated, the third marks it down.
                sim.setHung(true)
                for expected in [RouterHealth.up, .up, .down] {
                    guard case .missed(let why) = try await beat() else { Issue.record("a hung router should miss"); return }
                    #expect(why.hasPrefix("no answer in 5 s"))
                    #expect(try await MeghnaNetwork.Router.find(router.id, on: t.db)?.health == expected)
                }
                let down = try #require(try await RouterEvent.query(on: t.db).first())
                #expect(down.kind == "down" && down.message.contains("is down: no answer in 5 s"))
                var mail = try await OutboxProbe.query(on: t.db).all()
                #expect(mail.map(\.recipient).sorted() == ["admin@padma-net.test", "noc@padma.test"], "the network staff, not billing")
                // It answers again: up, with its own event and email.
                sim.setHung(false)
                guard case .up = try await beat() else { Issue.record("the router answers again"); return }
                stored = try #require(try await MeghnaNetwork.Router.find(router.id, on: t.db))
                #expect(stored.health == .up && stored.consecutiveMisses == 0 && stored.lastError == nil)
                #expect(try await RouterEvent.query(on: t.db).sort(\.$at).all().map(\.kind) == ["down", "up"])
                mail = try await OutboxProbe.query(on: t.db).all()
                #expect(mail.count == 4)
                let samples = try await RouterSample.query(on: t.db).all()
                #expect(samples.count == 5 && samples.filter { $0.upChecks == 1 }.count == 2)
            }
        }
    }

    @Test func aRefusedLoginStopsTheHeartbeatAfterOneTry() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let tenant = try await t.makeTenant("Padma Net")
                let router = try await t.makeRouter(tenant, port: sim.port, password: "wrong")
                let payload = RouterHeartbeatPayload(routerID: router.id!, organizationID: tenant.id)
                guard case .missed(let why) = try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db) else {
                    Issue.record("a refused login is a miss"); return
                }
                #expect(why == "login refused: invalid user name or password")
                let stored = try #require(try await MeghnaNetwork.Router.find(router.id, on: t.db))
                #expect(stored.health == .down && stored.lastErrorPermanent, "shown on the router's page at once")
                let sent = sim.commandsReceived
                for _ in 0..<3 {
                    t.clock.advance(by: 60)
                    guard case .skipped = try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db) else {
                        Issue.record("no retry with a wrong password"); return
                    }
                }
                #expect(sim.commandsReceived == sent, "nothing more was sent to the router")
                #expect(sim.openConnections == 0)
                // Fixing the password clears the stop; the next heartbeat answers.
                var fix = Routers.Input()
                fix.password = "router-secret-9"
                _ = try await Routers.update(try await t.context(of: tenant.admin), router.id!.uuidString, fix, services: t.services, on: t.db)
                guard case .up = try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db) else {
                    Issue.record("the fixed router answers"); return
                }
            }
        }
    }

    @Test func dueRoutersAreQueuedOncePerInterval() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Padma Net")
            let a = try await t.makeRouter(tenant, name: "A", port: 8728)
            _ = try await t.makeRouter(tenant, name: "B", port: 8728) { $0.status = "disabled" }
            #expect(try await Heartbeat.queueDue(services: t.services, on: t.db) == 1, "the disabled router gets none")
            #expect(try await Heartbeat.queueDue(services: t.services, on: t.db) == 0, "one per router per minute")
            let stored = try #require(try await MeghnaNetwork.Router.find(a.id, on: t.db))
            stored.lastCheckAt = t.clock.date
            try await stored.save(on: t.db)
            t.clock.advance(by: 61)
            #expect(try await Heartbeat.queueDue(services: t.services, on: t.db) == 1)
        }
    }

    @Test func samplesOlderThanAWeekAreFoldedIntoHours() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Padma Net")
            let router = try await t.makeRouter(tenant, port: 8728)
            let start = Date(timeIntervalSince1970: 1_780_000_000 - 1_780_000_000.truncatingRemainder(dividingBy: 3600))
            for minute in 0..<90 {
                let s = RouterSample()
                s.id = UUID()
                (s.organizationID, s.routerID, s.at, s.periodSeconds, s.checks) = (tenant.id, router.id!, start.addingTimeInterval(Double(minute * 60)), 0, 1)
                s.upChecks = minute % 10 == 9 ? 0 : 1
                s.rttMilliseconds = s.upChecks == 1 ? 10 + minute % 3 : nil
                s.cpuLoad = s.upChecks == 1 ? 20 : nil
                try await s.create(on: t.db)
            }
            let folded = try await RouterHistory.downsample(now: start.addingTimeInterval(8 * 86_400), on: t.db)
            #expect(folded == 90)
            let hours = try await RouterSample.query(on: t.db).sort(\.$at).all()
            #expect(hours.map(\.periodSeconds) == [3600, 3600])
            #expect(hours.map(\.checks) == [60, 30] && hours.map(\.upChecks) == [54, 27])
            #expect(hours[0].cpuLoad == 20 && hours[0].rttMilliseconds == 11, "averaged over the answers (10, 11, 12 in turn)")
            #expect(try await RouterHistory.downsample(now: start.addingTimeInterval(8 * 86_400), on: t.db) == 0, "nothing left to fold")
        }
    }
}

/// The outbox's emails, read straight from its table.
final class OutboxProbe: Model, @unchecked Sendable {
    static let schema = "outbox_messages"
    @ID(key: .id) var id: UUID?
    @Field(key: "recipient") var recipient: String
    init() {}
}
