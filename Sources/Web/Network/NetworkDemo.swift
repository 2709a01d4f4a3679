import CRM
import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
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
            let customers = try await Customer.inOrganization(org.id!, on: db).sort(\.$number).limit(12).all()
            for (i, customer) in customers.enumerated() {
                let name = "pppoe-\(customer.numberText.lowercased())"
                simulator.insert("/ppp/secret", ["name": name, "password": SecureToken.generate(bytes: 6), "service": "pppoe", "profile": "default"])
                if i % 2 == 0 {
                    _ = simulator.connectPPP(name: name, address: "10.20.0.\(10 + i)", callerID: String(format: "4C:5E:0C:%02X:%02X:%02X", i, i * 7 % 256, i * 13 % 256))
                }
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
