import Fluent
import Foundation
import MeghnaCore
import MeghnaNetwork
import NIOCore
import NIOPosix
import Platform
import RouterOS
import RouterOSSim
import TestSupport

/// A simulator with a known login, for one test.
func withSimulator(_ configure: (inout RouterOSSimulator.Configuration) -> Void = { _ in },
                   _ body: (RouterOSSimulator) async throws -> Void) async throws {
    var configuration = RouterOSSimulator.Configuration(username: "meghna", password: "router-secret-9")
    configure(&configuration)
    let simulator = try await RouterOSSimulator.start(configuration)
    do {
        try await body(simulator)
    } catch {
        await simulator.stop()
        throw error
    }
    await simulator.stop()
}

extension TestApp {
    var link: RouterLink { app.meghna.routers }

    /// A router of `tenant` pointing at `simulator` (or at `host:port`).
    func makeRouter(_ tenant: Tenant, name: String = "Core 1", host: String = "127.0.0.1", port: Int, password: String = "router-secret-9",
                    configure: (inout Routers.Input) -> Void = { _ in }) async throws -> MeghnaNetwork.Router {
        var input = Routers.Input()
        (input.name, input.host, input.port, input.username, input.password) = (name, host, String(port), "meghna", password)
        configure(&input)
        return try await Routers.create(try await context(of: tenant.admin), input, services: services, on: db)
    }
}

/// A TCP listener that accepts connections and never says a word: a router whose API service
/// hangs, for "no answer" messages without depending on the outside network.
final class SilentListener: Sendable {
    let channel: any Channel
    var port: Int { channel.localAddress!.port! }

    init() async throws {
        channel = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup)
            .childChannelInitializer { channel in channel.eventLoop.makeSucceededVoidFuture() }
            .bind(host: "127.0.0.1", port: 0).get()
    }

    func close() async { try? await channel.close() }
}

/// A port on loopback that nothing listens on (bound, read, released).
func closedPort() async throws -> Int {
    let channel = try await ServerBootstrap(group: RouterOSConnection.eventLoopGroup).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress!.port!
    try await channel.close()
    return port
}
