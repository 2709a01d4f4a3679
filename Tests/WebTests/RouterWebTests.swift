import CRM
import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import NIOCore
import NIOPosix
import Platform
import RouterOS
import RouterOSSim
import Testing
import TestSupport
import Vapor
@testable import Web

/// Routers through the API and the pages: each failure's own sentence in both, and the
/// password nowhere in what comes back.
@Suite("Router pages and API")
struct RouterWebTests {
    static let password = "api-router-pass-77"

    @Test func everyFailureIsNamedInTheAPIAndOnThePage() async throws {
        try await withApp { t in
            let sim = try await RouterOSSimulator.start(.init(username: "meghna", password: Self.password))
            let tlsSim = try await RouterOSSimulator.start(.init(username: "meghna", password: Self.password,
                                                                 tls: try RouterOSSimulator.tlsContext(certificatePEM: TestCertificate.certificatePEM,
                                                                                                       privateKeyPEM: TestCertificate.privateKeyPEM)))
            // Accepts connections and never speaks: an API service that hangs.
            let silent = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup)
                .childChannelInitializer { $0.eventLoop.makeSucceededVoidFuture() }.bind(host: "127.0.0.1", port: 0).get()
            let closing = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup).bind(host: "127.0.0.1", port: 0).get()
            let closedPort = closing.localAddress!.port!
            try await closing.close()
            defer { Task { await sim.stop(); await tlsSim.stop(); try? await silent.close() } }

            let tenant = try await t.makeTenant("Padma Net")
            func add(_ name: String, port: Int, password: String = Self.password, extra: [String: Any] = [:]) async throws -> String {
                let body: [String: Any] = ["name": name, "host": "127.0.0.1", "port": port, "username": "meghna", "password": password,
                                           "service_types": ["pppoe", "hotspot"]].merging(extra) { $1 }
                let created = try await t.api(.POST, "/api/v1/routers", token: tenant.token, json: body)
                #expect(created.status == .created, "\(created.text)")
                #expect(!created.text.contains(password), "the password never comes back")
                return try #require(created.json["id"] as? String)
            }
            let cases: [(String, String, Bool)] = [
                (try await add("Good", port: sim.port), "Connected in", true),
                (try await add("Wrong password", port: sim.port, password: "wrong-one"), "login refused: invalid user name or password", false),
                (try await add("Refused", port: closedPort), "connection refused on 127.0.0.1:\(closedPort) — is the api service enabled?", false),
                (try await add("Silent", port: silent.localAddress!.port!), "no answer from 127.0.0.1:\(silent.localAddress!.port!) in 5 s", false),
                (try await add("Wrong pin", port: tlsSim.port, extra: ["tls_mode": "pinned", "tls_fingerprint": String(repeating: "0f", count: 32)]),
                 "TLS: certificate does not match the pinned fingerprint", false),
                (try await add("Right pin", port: tlsSim.port, extra: ["tls_mode": "pinned", "tls_fingerprint": TestCertificate.sha256]), "Connected in", true),
            ]
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            for (id, message, ok) in cases {
                let api = try await t.api(.POST, "/api/v1/routers/\(id)/test", token: tenant.token)
                #expect(api.status == .ok && api.json["ok"] as? Bool == ok, "\(api.text)")
                #expect((api.json["message"] as? String)?.hasPrefix(message) == true, "API: \(api.text)")
                _ = try await browser.get("/routers/\(id)")
                let posted = try await browser.post("/routers/\(id)/test", [])
                #expect(posted.status == .seeOther)
                let page = try await browser.get("/routers/\(id)")
                #expect(page.text.contains(ok ? message : "Test failed: " + message.replacingOccurrences(of: "—", with: "—")), "page: \(message)")
                #expect(!page.text.contains(Self.password) && !page.text.contains("wrong-one"))
            }
            // A trap from the router: 502 with the router's own words.
            let good = cases[0].0
            let trap = try await t.api(.POST, "/api/v1/routers/\(good)/sessions/disconnect", token: tenant.token, json: ["service": "ppp", "session_id": "*7F"])
            #expect(trap.status == .badGateway && (trap.json["detail"] as? String)?.hasPrefix("the router refused: no such item") == true, "\(trap.text)")
            // The refused login is permanent: shown on the router's page with what to do.
            let stopped = try await browser.get("/routers/\(cases[1].0)")
            #expect(stopped.text.contains("Meghna stopped trying"))
            // Bad input: 422 naming each field, nothing written.
            let before = try await MeghnaNetwork.Router.query(on: t.db).count()
            let bad = try await t.api(.POST, "/api/v1/routers", token: tenant.token,
                                      json: ["name": "X", "host": "10.0.0.1", "username": "u", "password": "p", "tls_mode": "pinned", "service_types": []])
            #expect(bad.status == .unprocessableEntity && Set(bad.errorFields).isSuperset(of: ["service_types"]), "\(bad.text)")
            let noPin = try await t.api(.POST, "/api/v1/routers", token: tenant.token,
                                        json: ["name": "X", "host": "10.0.0.1", "username": "u", "password": "p", "tls_mode": "pinned"])
            #expect(noPin.status == .unprocessableEntity && noPin.errorFields == ["tls_fingerprint"], "\(noPin.text)")
            #expect(try await MeghnaNetwork.Router.query(on: t.db).count() == before)
            // The form keeps what was typed and never echoes the password.
            let form = try await browser.post("/routers/new", [("name", "Typed name"), ("host", "bad host!"), ("username", "u"), ("password", "typed-secret"),
                                                                ("action", "save")])
            #expect(form.status == .unprocessableEntity && form.text.contains("Typed name") && !form.text.contains("typed-secret"))
            #expect(form.text.contains("must be a host name or an IP address"))
        }
    }

    @Test func onlyRouterManagersChangeRoutersAndResellerStaffSeeNone() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Padma Net")
            let created = try await t.api(.POST, "/api/v1/routers", token: tenant.token,
                                          json: ["name": "Core", "host": "127.0.0.1", "port": 1, "username": "u", "password": Self.password])
            let id = try #require(created.json["id"] as? String)
            try await t.makeUser(in: tenant, role: .support, email: "support@padma.test")
            let support = try await t.makeToken(email: "support@padma.test", abilities: ["*"])
            #expect(try await t.api(.GET, "/api/v1/routers/\(id)", token: support).status == .ok, "support may look")
            #expect(try await t.api(.PATCH, "/api/v1/routers/\(id)", token: support, json: ["name": "Mine"]).status == .forbidden)
            #expect(try await t.api(.POST, "/api/v1/routers/\(id)/test", token: support).status == .forbidden)
            try await t.makeUser(in: tenant, role: .reseller, email: "franchise@padma.test")
            let reseller = try #require(try await User.query(on: t.db).filter(\.$email == "franchise@padma.test").first())
            let ctx = try await t.context(of: tenant.admin)
            reseller.resellerID = try await Resellers.create(ctx, .init(name: "Franchise"), services: t.services, on: t.db).id
            try await reseller.save(on: t.db)
            let resellerToken = try await t.makeToken(email: "franchise@padma.test", abilities: ["*"])
            let list = try await t.api(.GET, "/api/v1/routers", token: resellerToken)
            #expect(list.status == .forbidden || list.data.isEmpty, "\(list.text)")
            let logs = try await t.api(.GET, "/api/v1/router-commands", token: tenant.token)
            #expect(logs.status == .ok && !logs.text.contains(Self.password))
        }
    }
}
