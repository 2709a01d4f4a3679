import Billing
import CRM
import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import RouterOSSim
import Vapor

/// The demo's router: a simulated MikroTik started inside `serve --demo`, with a few PPPoE
/// customers online, and its row in the demo ISP (Dhaka North).
enum NetworkDemo {
    static let routerName = "Dhaka North core (simulated)"
    static let apiUser = "meghna"
    /// The simulator's port when it is free (else any free port; the router row follows).
    static let preferredPort = 18728

    static func seed(_ org: Organization, services: PlatformServices, on db: any Database) async throws {
        guard try await MeghnaNetwork.Router.inOrganization(org.id!, on: db).count() == 0,
              let branch = try await Branch.inOrganization(org.id!, on: db).sort(\.$name).first() else { return }
        let router = MeghnaNetwork.Router()
        router.id = UUID()
        router.organizationID = org.id!
        router.branchID = branch.id!
        router.name = routerName
        router.host = "127.0.0.1"
        router.port = preferredPort
        router.tlsMode = .off
        router.username = apiUser
        // The password is set each time the demo starts its simulator (`start`).
        router.passwordSealed = try services.secrets.seal(SecureToken.generate(bytes: 12))
        router.servesPPPoE = true
        router.servesHotspot = true
        router.status = .active
        router.heartbeatSeconds = 60
        router.health = .unknown
        router.consecutiveMisses = 0
        router.lastErrorPermanent = false
        try await router.create(on: db)
        // Every running subscription gets its account on the router (sent when the demo starts).
        let subscriptions = try await Subscription.inOrganization(org.id!, on: db).filter(\.$status ~~ [.active, .suspended]).sort(\.$createdAt).all()
        let plans = try await Plan.inOrganization(org.id!, on: db).all()
        let customers = try await Customer.inOrganization(org.id!, on: db).filter(\.$id ~~ subscriptions.map(\.customerID)).all()
        var taken = Set<String>()
        for (i, s) in subscriptions.enumerated() {
            guard let plan = plans.first(where: { $0.id == s.planID }), let customer = customers.first(where: { $0.id == s.customerID }) else { continue }
            var username = customer.numberText.lowercased().filter { $0.isLetter || $0.isNumber }
            while !taken.insert(username).inserted { username += "x" }
            let account = try ServiceAccounts.newAccount(s, customerNumber: customer.numberText, router: router, service: plan.serviceType == .hotspot ? .hotspot : .pppoe,
                                                         username: username, password: ServiceAccounts.generatePassword(),
                                                         staticIP: plan.serviceType == .staticIP ? "10.20.1.\(10 + i)" : nil, callerID: nil, services: services)
            try await account.create(on: db)
        }
    }

    /// Starts the simulator with the demo's password, points the demo router at it and puts a
    /// few demo customers online. Stopped with the app.
    static func start(_ app: Application, password: String) async throws -> (host: String, port: Int) {
        var configuration = RouterOSSimulator.Configuration()
        configuration.username = apiUser
        configuration.password = password
        configuration.identity = "dhaka-north-core"
        configuration.port = preferredPort
        let simulator: RouterOSSimulator
        do {
            simulator = try await RouterOSSimulator.start(configuration)
        } catch {
            configuration.port = 0
            simulator = try await RouterOSSimulator.start(configuration)
        }
        app.lifecycle.use(SimulatorLifecycle(simulator: simulator))
        let db = app.db
        let services = app.meghna.services
        if let org = try await Organization.query(on: db).filter(\.$slug == "demo").first(),
           let router = try await MeghnaNetwork.Router.inOrganization(org.id!, on: db).filter(\.$name == routerName).first() {
            router.host = simulator.host
            router.port = simulator.port
            router.username = apiUser
            router.passwordSealed = try services.secrets.seal(password)
            router.lastError = nil
            router.lastErrorPermanent = false
            try await router.save(on: db)
            // Two entries the ISP made by hand before Meghna: left alone.
            simulator.insert("/ppp/secret", ["name": "office-uplink", "password": SecureToken.generate(bytes: 6), "service": "pppoe", "profile": "default",
                                             "comment": "NOC office link"])
            simulator.insert("/ip/hotspot/user", ["name": "guest-0001", "password": "guest", "profile": "default"])
            // What Meghna wants goes out at once, so the demo router holds the demo's subscriptions …
            let link = app.meghna.routers
            _ = try await Reconciler.run(router, options: .init(trigger: "manual", actor: .job("demo start")), link: link, services: services, on: db)
            // … a few of them online …
            let secrets = simulator.rows("/ppp/secret").filter { ($0["comment"] ?? "").hasPrefix(ProvisioningPolicy.marker) && $0["disabled"] == "false" }
            for (i, secret) in secrets.prefix(8).enumerated() where i % 2 == 0 {
                _ = simulator.connectPPP(name: secret["name"]!, address: secret["remote-address"] ?? "10.20.0.\(10 + i)",
                                         callerID: String(format: "4C:5E:0C:%02X:%02X:%02X", i, i * 7 % 256, i * 13 % 256))
            }
            // … and one changed by hand on the router since, which the next reconcile (within a
            // minute, when the heartbeat first finds the router) reports as drift.
            if let edited = secrets.last, let id = edited[".id"] {
                let connection = try await RouterOSConnection.connect(to: try Routers.endpoint(router, services: services))
                _ = try await connection.run(.set("/ppp/secret", id: id, [("profile", "default"), ("caller-id", "4C:5E:0C:AA:BB:CC")]))
                await connection.close()
            }
            _ = simulator.connectHotspot(user: "guest-0001", address: "10.30.0.5")
        }
        return (simulator.host, simulator.port)
    }

    struct SimulatorLifecycle: LifecycleHandler {
        let simulator: RouterOSSimulator

        func shutdownAsync(_ application: Application) async {
            await simulator.stop()
        }
    }
}
