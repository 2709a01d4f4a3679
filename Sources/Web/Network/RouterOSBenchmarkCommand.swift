import Foundation
import RouterOSSim
import Vapor

/// `meghna routeros benchmark`: round trips per second on one RouterOS API connection, one
/// command at a time against tagged commands kept in flight, against the simulator with injected
/// latency (0 ms and 20 ms by default). No database.
struct RouterOSBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "seconds", help: "Seconds per run (default 3)") var seconds: Double?
        @Option(name: "in-flight", help: "Tagged commands kept in flight (default 16)") var inFlight: Int?
        @Option(name: "latency-ms", help: "Comma-separated injected latencies in milliseconds (default 0,20)") var latencies: String?
    }

    var help: String { "Times round trips per second on one RouterOS connection, one at a time and tagged" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let seconds = signature.seconds ?? 3
        guard (0.1...600).contains(seconds) else { throw CommandFailure("--seconds must be between 0.1 and 600.") }
        let inFlight = signature.inFlight ?? 16
        guard (1...256).contains(inFlight) else { throw CommandFailure("--in-flight must be between 1 and 256.") }
        var latencies: [Duration] = [.zero, .milliseconds(20)]
        if let raw = signature.latencies {
            let values = raw.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0.map { (0...10_000).contains($0) } ?? false }) else {
                throw CommandFailure("--latency-ms must be whole milliseconds from 0 to 10000, separated by commas, such as 0,20.")
            }
            latencies = values.map { .milliseconds($0!) }
        }
        let console = context.console
        _ = try await RouterOSBenchmark.run(latencies: latencies, seconds: seconds, inFlight: inFlight) { console.print($0) }
    }
}
