import Foundation
import RouterOSSim
import Vapor

/// `meghna routeros-sim`: a simulated MikroTik router speaking the RouterOS API, for trying
/// Meghna without a router and for the real-client tests (librouteros, RouterOS-api).
struct RouterOSSimCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "host", help: "Address to listen on (default 127.0.0.1)") var host: String?
        @Option(name: "port", help: "Port (default 8728; 0 picks a free one)") var port: String?
        @Option(name: "user", help: "API user (default admin)") var user: String?
        @Option(name: "password", help: "API password (default empty)") var password: String?
        @Option(name: "login", help: "plain (RouterOS 6.45 and later), challenge (before 6.43) or both") var login: String?
        @Option(name: "version", help: "RouterOS version to report (default 7.18.2 (stable); 6.x answers yes/no)") var version: String?
        @Option(name: "identity", help: "System identity (default MikroTik)") var identity: String?
        @Option(name: "tls-cert", help: "PEM certificate: speak API-SSL") var tlsCert: String?
        @Option(name: "tls-key", help: "PEM private key for --tls-cert") var tlsKey: String?
        @Option(name: "latency-ms", help: "Delay before each reply, in milliseconds") var latencyMs: String?
        @Option(name: "secrets", help: "Seed this many PPP secrets, half of them online") var secrets: String?
    }

    var help: String { "Runs a simulated MikroTik router (RouterOS API) until stopped" }

    func run(using context: CommandContext, signature: Signature) async throws {
        var arguments: [String] = []
        let options: [(String, String?)] = [
            ("--host", signature.host), ("--port", signature.port), ("--user", signature.user), ("--password", signature.password),
            ("--login", signature.login), ("--version", signature.version), ("--identity", signature.identity), ("--tls-cert", signature.tlsCert),
            ("--tls-key", signature.tlsKey), ("--latency-ms", signature.latencyMs), ("--secrets", signature.secrets),
        ]
        for (flag, value) in options { if let value { arguments += [flag, value] } }
        do {
            try await RouterOSSimCLI.run(arguments: arguments)
        } catch {
            throw CommandFailure(String(describing: error))
        }
    }
}
