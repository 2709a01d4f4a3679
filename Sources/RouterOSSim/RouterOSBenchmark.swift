import RouterOS

/// `meghna routeros benchmark`: round trips per second on ONE API connection to an in-process
/// simulator, one command at a time against tagged commands kept in flight together, at a few
/// injected latencies. What it shows: with a round trip of latency L, waiting for each answer
/// caps a session at 1/L commands a second; tagging lifts that by about the number in flight.
///
/// The simulator runs in the same process, on the same event loops, as the client: at zero
/// latency the figures are a floor for what the client alone could do.
public enum RouterOSBenchmark {
    public struct Result: Sendable, Equatable {
        /// Injected by the simulator before each reply.
        public var latency: Duration
        /// Commands kept in flight in the tagged run.
        public var inFlight: Int
        /// Round trips a second, each command awaited before the next is sent.
        public var sequentialPerSecond: Double
        /// Round trips a second with `inFlight` tagged commands outstanding at all times.
        public var pipelinedPerSecond: Double
        /// Commands completed in each run.
        public var sequentialCommands: Int
        public var pipelinedCommands: Int
        /// Per-command latency (send to `!done`), median and 99th percentile.
        public var sequentialP50: Duration
        public var sequentialP99: Duration
        public var pipelinedP50: Duration
        public var pipelinedP99: Duration

        public var speedUp: Double { sequentialPerSecond > 0 ? pipelinedPerSecond / sequentialPerSecond : 0 }

        public init(latency: Duration, inFlight: Int, sequentialPerSecond: Double, pipelinedPerSecond: Double,
                    sequentialCommands: Int, pipelinedCommands: Int, sequentialP50: Duration, sequentialP99: Duration,
                    pipelinedP50: Duration, pipelinedP99: Duration) {
            self.latency = latency
            self.inFlight = inFlight
            self.sequentialPerSecond = sequentialPerSecond
            self.pipelinedPerSecond = pipelinedPerSecond
            self.sequentialCommands = sequentialCommands
            self.pipelinedCommands = pipelinedCommands
            self.sequentialP50 = sequentialP50
            self.sequentialP99 = sequentialP99
            self.pipelinedP50 = pipelinedP50
            self.pipelinedP99 = pipelinedP99
        }
    }

    /// The figure the issue compares against.
    public static let comparison = "The tools engineers use today open a new connection and log in for every command "
        + "(about 1.3 s a call on a LAN): under 1 call a second."

    /// PPP secrets in each simulator; every command looks one of them up by name.
    static let secrets = 10

    /// Measures each latency in turn (about `2 × seconds` each) and logs a table as it goes.
    public static func run(latencies: [Duration] = [.zero, .milliseconds(20)], seconds: Double = 3, inFlight: Int = 16,
                           log: (String) -> Void) async throws -> [Result] {
        let inFlight = max(1, inFlight)
        let seconds = max(0.01, seconds)
        let runFor = Duration.nanoseconds(Int64(seconds * 1e9))
        let columns = Columns(inFlight: inFlight)
        log("RouterOS API round trips on one connection to the built-in simulator "
            + "(\(format(seconds: seconds)) s each; /ppp/secret/print ?name=… over \(secrets) secrets):")
        log(trimmed(columns.header))
        var results: [Result] = []
        for latency in latencies {
            let result = try await measure(latency: latency, runFor: runFor, inFlight: inFlight)
            results.append(result)
            log(trimmed(columns.row(result)))
        }
        if latencies.contains(.zero) {
            log("At 0 ms the client and the simulator share this machine's CPUs, so that row is a floor for the client alone.")
        }
        log(comparison)
        return results
    }

    private static func measure(latency: Duration, runFor: Duration, inFlight: Int) async throws -> Result {
        let simulator = try await RouterOSSimulator.start()
        do {
            for index in 0..<secrets {
                simulator.insert("/ppp/secret", ["name": name(index), "password": "pw\(index)", "profile": "default"])
            }
            let endpoint = RouterOSEndpoint(host: simulator.host, port: simulator.port, username: "admin", password: "",
                                            commandTimeout: .seconds(30), maximumInFlight: inFlight)
            let connection = try await RouterOSConnection.connect(to: endpoint)
            do {
                // Warm up (the first commands pay for allocations and caches), then measure with the latency on.
                for index in 0..<20 { try await lookUp(index, on: connection) }
                simulator.setLatency(latency)
                let sequential = try await oneAtATime(on: connection, for: runFor)
                let pipelined = try await tagged(on: connection, inFlight: inFlight, for: runFor)
                await connection.close()
                await simulator.stop()
                return Result(latency: latency, inFlight: inFlight,
                              sequentialPerSecond: sequential.perSecond, pipelinedPerSecond: pipelined.perSecond,
                              sequentialCommands: sequential.latencies.count, pipelinedCommands: pipelined.latencies.count,
                              sequentialP50: sequential.percentile(0.50), sequentialP99: sequential.percentile(0.99),
                              pipelinedP50: pipelined.percentile(0.50), pipelinedP99: pipelined.percentile(0.99))
            } catch {
                await connection.close()
                throw error
            }
        } catch {
            await simulator.stop()
            throw error
        }
    }

    private struct Run {
        var latencies: [Duration]
        var elapsed: Duration

        var perSecond: Double {
            let seconds = RouterOSBenchmark.seconds(elapsed)
            return seconds > 0 ? Double(latencies.count) / seconds : 0
        }

        func percentile(_ fraction: Double) -> Duration {
            guard !latencies.isEmpty else { return .zero }
            let sorted = latencies.sorted()
            let index = Int((Double(sorted.count - 1) * fraction).rounded())
            return sorted[min(sorted.count - 1, max(0, index))]
        }
    }

    /// Each command awaited before the next is sent.
    private static func oneAtATime(on connection: RouterOSConnection, for runFor: Duration) async throws -> Run {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + runFor
        var latencies: [Duration] = []
        var index = 0
        while clock.now < deadline {
            let sent = clock.now
            try await lookUp(index, on: connection)
            latencies.append(clock.now - sent)
            index += 1
        }
        return Run(latencies: latencies, elapsed: clock.now - start)
    }

    /// `inFlight` workers on the one connection, each sending its next command as soon as its last
    /// one is answered: a sliding window of `inFlight` tagged commands outstanding at all times.
    private static func tagged(on connection: RouterOSConnection, inFlight: Int, for runFor: Duration) async throws -> Run {
        let clock = ContinuousClock()
        let start = clock.now
        let deadline = start + runFor
        let latencies = try await withThrowingTaskGroup(of: [Duration].self) { group in
            for worker in 0..<inFlight {
                group.addTask {
                    var latencies: [Duration] = []
                    var index = worker
                    while clock.now < deadline {
                        let sent = clock.now
                        try await lookUp(index, on: connection)
                        latencies.append(clock.now - sent)
                        index += inFlight
                    }
                    return latencies
                }
            }
            var all: [Duration] = []
            for try await part in group { all += part }
            return all
        }
        return Run(latencies: latencies, elapsed: clock.now - start)
    }

    /// One round trip: a print by name that must find exactly that secret.
    private static func lookUp(_ index: Int, on connection: RouterOSConnection) async throws {
        let wanted = name(index % secrets)
        let rows = try await connection.print("/ppp/secret", proplist: [".id", "name", "profile"], queries: ["?name=\(wanted)"])
        guard rows.count == 1, rows[0]["name"] == wanted else {
            throw RouterOSError.protocolError("the benchmark asked for \(wanted) and got \(rows)")
        }
    }

    private static func name(_ index: Int) -> String { "customer-\(index)" }

    // MARK: The table

    private struct Columns {
        let inFlight: Int
        var tagged: String { "tagged (\(inFlight) in flight)" }

        var header: String {
            pad("latency", 8) + pad("one at a time", 15, right: true) + "  " + pad(tagged, 22, right: true) + "  "
                + pad("speed-up", 8, right: true) + "   " + pad("p50 / p99 one at a time", 26) + pad("p50 / p99 tagged", 20)
        }

        func row(_ result: Result) -> String {
            pad(RouterOSBenchmark.milliseconds(result.latency), 8)
                + pad(grouped(result.sequentialPerSecond) + "/s", 15, right: true) + "  "
                + pad(grouped(result.pipelinedPerSecond) + "/s", 22, right: true) + "  "
                + pad(oneDecimal(result.speedUp) + "×", 8, right: true) + "   "
                + pad(RouterOSBenchmark.milliseconds(result.sequentialP50) + " / " + RouterOSBenchmark.milliseconds(result.sequentialP99), 26)
                + pad(RouterOSBenchmark.milliseconds(result.pipelinedP50) + " / " + RouterOSBenchmark.milliseconds(result.pipelinedP99), 20)
        }

        private func pad(_ text: String, _ width: Int, right: Bool = false) -> String {
            let fill = String(repeating: " ", count: max(0, width - text.count))
            return right ? fill + text : text + fill
        }
    }

    private static func trimmed(_ line: String) -> String {
        var line = line
        while line.hasSuffix(" ") { line.removeLast() }
        return line
    }

    static func seconds(_ duration: Duration) -> Double { duration.secondsValue }

    /// "0 ms", "20 ms", "0.12 ms", "20.4 ms".
    static func milliseconds(_ duration: Duration) -> String {
        let ms = seconds(duration) * 1000
        if ms == ms.rounded() { return "\(Int(ms)) ms" }
        if ms < 10 { return "\(fixed(ms, decimals: 2)) ms" }
        return "\(oneDecimal(ms)) ms"
    }

    /// "8,123" (rounded to a whole number, thousands grouped).
    static func grouped(_ value: Double) -> String {
        guard value.isFinite else { return "–" }
        var digits = String(Int(value.rounded()))
        var groups: [String] = []
        while digits.count > 3 {
            groups.insert(String(digits.suffix(3)), at: 0)
            digits.removeLast(3)
        }
        groups.insert(digits, at: 0)
        return groups.joined(separator: ",")
    }

    static func oneDecimal(_ value: Double) -> String { fixed(value, decimals: 1) }

    private static func fixed(_ value: Double, decimals: Int) -> String {
        guard value.isFinite else { return "–" }
        var scale = 1
        for _ in 0..<decimals { scale *= 10 }
        let scaled = Int((value * Double(scale)).rounded())
        let whole = scaled / scale, fraction = scaled % scale
        let fractionText = String(fraction)
        return "\(whole)." + String(repeating: "0", count: decimals - fractionText.count) + fractionText
    }

    private static func format(seconds: Double) -> String {
        seconds == seconds.rounded() ? String(Int(seconds)) : oneDecimal(seconds)
    }
}
