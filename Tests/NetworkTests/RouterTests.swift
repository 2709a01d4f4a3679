import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import RouterOSSim
import Testing
import TestSupport

@Suite struct RouterTests {
    @Test func aRouterIsValidatedAndItsPasswordIsSealed() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Padma Net")
            let ctx = try await t.context(of: tenant.admin)
            var bad = Routers.Input()
            (bad.name, bad.host, bad.port, bad.tlsMode, bad.username, bad.servesPPPoE, bad.servesHotspot) =
                ("", "10.0.0.1; rm -rf", "70000", "pinned", "", "false", "false")
            do {
                _ = try await Routers.create(ctx, bad, services: t.services, on: t.db)
                Issue.record("bad input was accepted")
            } catch let DomainError.validation(errors) {
                #expect(Set(errors.map(\.field)) == ["name", "host", "port", "username", "password", "tls_fingerprint", "serves_pppoe"])
            }
            #expect(try await MeghnaNetwork.Router.query(on: t.db).count() == 0, "nothing written")
            let router = try await t.makeRouter(tenant, port: 8728)
            #expect(router.passwordSealed != "router-secret-9" && !router.passwordSealed.contains("router-secret"))
            #expect(try Routers.endpoint(router, services: t.services).password == "router-secret-9")
            // A second router of the same name is refused; an update with a blank password keeps it.
            await #expect(throws: DomainError.self) { _ = try await t.makeRouter(tenant, port: 8729) }
            var change = Routers.Input()
            (change.password, change.tlsMode, change.tlsFingerprint) = ("", "pinned", "06:5A:00:36:b4:5d:65:dc:e1:39:63:9c:d7:6a:ce:f5:57:c4:32:d4:c2:49:b4:72:a9:e0:13:bc:2f:b1:45:63")
            let changed = try await Routers.update(ctx, router.id!.uuidString, change, services: t.services, on: t.db)
            #expect(try Routers.endpoint(changed, services: t.services).password == "router-secret-9")
            #expect(changed.port == 8729, "the port follows TLS when it was the default")
            #expect(changed.tlsFingerprint == "065a0036b45d65dce139639cd76acef557c432d4c249b472a9e013bc2fb14563")
            // Another organization does not see it; reseller staff see no routers at all.
            let other = try await t.makeTenant("Other ISP")
            await #expect(throws: DomainError.notFound("Router")) {
                _ = try await Routers.find(try await t.context(of: other.admin), router.id!.uuidString, on: t.db)
            }
        }
    }

    @Test func testConnectionSaysWhatItFoundAndAuditsItsCommands() async throws {
        try await withApp { t in
            try await withSimulator({ $0.identity = "mirpur-core" }) { sim in
                let tenant = try await t.makeTenant("Padma Net")
                let ctx = try await t.context(of: tenant.admin)
                let router = try await t.makeRouter(tenant, port: sim.port)
                let probe = try await Routers.test(ctx, router.id!.uuidString, link: t.link, services: t.services, on: t.db)
                #expect(probe.ok, "\(probe.message)")
                #expect(probe.message.hasPrefix("Connected in ") && probe.message.contains("RouterOS 7.18.2") && probe.message.contains("identity mirpur-core"))
                let saved = try #require(try await MeghnaNetwork.Router.find(router.id, on: t.db))
                #expect(saved.identity == "mirpur-core" && saved.rosVersion?.hasPrefix("7.18") == true && saved.lastError == nil)
                let audit = try await RouterCommands.list(ctx, .init(routerID: router.id!.uuidString), page: try CursorRequest(limit: 10), on: t.db).items
                #expect(Set(audit.map { "\($0.menu)/\($0.action)" }) == ["/system/resource/print", "/system/identity/print"])
                #expect(audit.allSatisfy { $0.outcome == "done" && $0.actorLabel == tenant.admin.email })
            }
        }
    }

    /// Each failure says exactly what failed, in words an engineer can act on.
    @Test func everyFailureHasItsOwnMessage() async throws {
        try await withApp { t in
            try await withSimulator({ $0.tls = try? RouterOSSimulator.tlsContext(certificatePEM: TestCertificate.certificatePEM, privateKeyPEM: TestCertificate.privateKeyPEM) }) { tlsSim in
                try await withSimulator { sim in
                    let tenant = try await t.makeTenant("Padma Net")
                    let ctx = try await t.context(of: tenant.admin)
                    let silent = try await SilentListener()
                    let closed = try await closedPort()
                    let wrongPassword = try await t.makeRouter(tenant, name: "Wrong password", port: sim.port, password: "not-it")
                    let refused = try await t.makeRouter(tenant, name: "Refused", port: closed)
                    let hung = try await t.makeRouter(tenant, name: "Silent", port: silent.port)
                    let pinned = try await t.makeRouter(tenant, name: "Pinned", port: tlsSim.port) { i in
                        (i.tlsMode, i.tlsFingerprint) = ("pinned", String(repeating: "ab", count: 32))
                    }
                    let rightPin = try await t.makeRouter(tenant, name: "Right pin", port: tlsSim.port) { i in
                        (i.tlsMode, i.tlsFingerprint) = ("pinned", "065a0036b45d65dce139639cd76acef557c432d4c249b472a9e013bc2fb14563")
                    }
                    func test(_ router: MeghnaNetwork.Router) async throws -> RouterProbe {
                        try await Routers.test(ctx, router.id!.uuidString, link: t.link, services: t.services, on: t.db)
                    }
                    let login = try await test(wrongPassword)
                    #expect(!login.ok && login.permanent && login.message == "login refused: invalid user name or password")
                    #expect(try await test(refused).message == "connection refused on 127.0.0.1:\(closed) — is the api service enabled?")
                    let silence = try await test(hung)
                    #expect(silence.message == "no answer from 127.0.0.1:\(silent.port) in 5 s" && !silence.permanent)
                    let pin = try await test(pinned)
                    #expect(pin.message == "TLS: certificate does not match the pinned fingerprint" && pin.permanent)
                    #expect(try await test(rightPin).ok, "the right pin logs in over TLS")
                    // A trap: disconnecting a session the router does not have.
                    let good = try await t.makeRouter(tenant, name: "Good", port: sim.port)
                    await #expect(throws: RouterOSError.trap(message: "no such item", category: nil)) {
                        try await RouterSessions.disconnect(ctx, routerID: good.id!.uuidString, kind: "ppp", sessionID: "*7F", link: t.link, services: t.services, on: t.db)
                    }
                    let trap = try #require(try await RouterCommands.list(ctx, .init(routerID: good.id!.uuidString, outcome: "trap"), page: try CursorRequest(limit: 5), on: t.db).items.first)
                    #expect(trap.menu == "/ppp/active" && trap.action == "remove" && trap.message?.contains("no such item") == true)
                    let stored = try #require(try await MeghnaNetwork.Router.find(wrongPassword.id, on: t.db))
                    #expect(stored.lastError == "login refused: invalid user name or password" && stored.lastErrorPermanent)
                    await silent.close()
                }
            }
        }
    }

    @Test func sessionsAreReadLiveAndADisconnectIsAudited() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let tenant = try await t.makeTenant("Padma Net")
                let ctx = try await t.context(of: tenant.admin)
                let router = try await t.makeRouter(tenant, port: sim.port) { $0.servesHotspot = "true" }
                let rahim = sim.connectPPP(name: "rahim", address: "10.20.0.5", callerID: "4C:5E:0C:00:00:01")
                _ = sim.connectHotspot(user: "guest-7", address: "10.30.0.7")
                let online = try await RouterSessions.online(ctx, routerID: router.id!.uuidString, link: t.link, services: t.services, on: t.db)
                #expect(online.map(\.user) == ["guest-7", "rahim"])
                #expect(online.first { $0.user == "rahim" }?.address == "10.20.0.5")
                try await RouterSessions.disconnect(ctx, routerID: router.id!.uuidString, kind: "ppp", sessionID: rahim, user: "rahim",
                                                    link: t.link, services: t.services, on: t.db)
                #expect(sim.rows("/ppp/active").isEmpty, "the session is gone from the router")
                let removes = try await RouterCommands.list(ctx, .init(menu: "/ppp/active"), page: try CursorRequest(limit: 10), on: t.db).items.filter { $0.action == "remove" }
                #expect(removes.count == 1 && removes[0].arguments == "{\".id\":\"\(rahim)\"}")
                // A support person (routers.read only) may look but not disconnect.
                let support = try await t.makeUser(in: tenant, role: .support, email: "support@padma.test")
                await #expect(throws: DomainError.self) {
                    try await RouterSessions.disconnect(try await t.context(of: support), routerID: router.id!.uuidString, kind: "hotspot", sessionID: "*1",
                                                        link: t.link, services: t.services, on: t.db)
                }
            }
        }
    }

    @Test func passwordsAreRedactedInTheAudit() {
        let add = RouterOSCommand.add("/ppp/secret", [("name", "rahim"), ("password", "pppoe-pass"), ("profile", "HOME-20")])
        let text = RouterCommands.arguments(add)
        #expect(text.contains("\"name\":\"rahim\"") && text.contains("\"profile\":\"HOME-20\"") && !text.contains("pppoe-pass"))
    }
}

@Suite struct CustomerCommandTests {
    /// Commands about a customer's account are found by that customer and go on their timeline,
    /// seen only by staff who may see the router's organization.
    @Test func commandsTouchingACustomerAreListedForThem() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let tenant = try await t.makeTenant("Padma Net")
                let ctx = try await t.context(of: tenant.admin)
                let router = try await t.makeRouter(tenant, port: sim.port)
                let customer = UUID()
                _ = try await RouterCommands.run(.add("/ppp/secret", [("name", "rahim"), ("password", "pppoe-pass-1")]), on: router, by: RouterActor(ctx),
                                                 customerID: customer, link: t.link, services: t.services, on: t.db)
                _ = try await RouterCommands.run(.print("/ppp/secret"), on: router, by: RouterActor(ctx), link: t.link, services: t.services, on: t.db)
                let theirs = try await RouterCommands.list(ctx, .init(customerID: customer.uuidString), page: try CursorRequest(limit: 10), on: t.db).items
                #expect(theirs.map(\.action) == ["add"])
                #expect(theirs[0].arguments.contains("\"password\":\"••••\"") && !theirs[0].arguments.contains("pppoe-pass-1"))
                #expect(sim.rows("/ppp/secret").first?["password"] == "pppoe-pass-1", "the router got the real password")
                // And on the customer's timeline, linked to the router, without the password.
                let timeline = try await Activities.list(ctx, subject: .init("customer", customer), page: try CursorRequest(limit: 10), on: t.db).items
                #expect(timeline.map(\.summary) == ["/ppp/secret/add on Core 1: done"])
                #expect(timeline.first?.relatedType == "router" && timeline.first?.relatedID == router.id && timeline.first?.actorLabel == tenant.admin.email)
                let other = try await t.makeTenant("Other ISP")
                #expect(try await RouterCommands.list(try await t.context(of: other.admin), .init(customerID: customer.uuidString),
                                                      page: try CursorRequest(limit: 10), on: t.db).items.isEmpty)
            }
        }
    }
}
