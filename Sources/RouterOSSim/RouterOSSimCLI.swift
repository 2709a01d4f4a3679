import Dispatch
import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// `meghna routeros-sim`: a simulated router on a port, for demos and for other programs' tests.
public enum RouterOSSimCLI {
    /// A bad command line, said in one sentence naming the flag.
    public struct ArgumentError: Error, CustomStringConvertible, Equatable {
        public var description: String
        public init(_ description: String) { self.description = description }
    }

    public static let usage = """
        usage: routeros-sim [--host 127.0.0.1] [--port 8728] [--user admin] [--password ""] \
        [--login plain|challenge|both] [--version "7.18.2 (stable)"] [--identity MikroTik] \
        [--tls-cert FILE --tls-key FILE] [--latency-ms 0] [--secrets N]
        """

    /// What the command line asks for.
    public struct Options: Sendable, Equatable {
        public var host = "127.0.0.1"
        public var port = 8728
        public var username = "admin"
        public var password = ""
        public var login = RouterOSSimulator.LoginMethod.plain
        public var version = "7.18.2 (stable)"
        public var identity = "MikroTik"
        public var tlsCertificateFile: String?
        public var tlsKeyFile: String?
        public var latencyMilliseconds = 0
        public var secrets = 0
        public init() {}
    }

    /// Reads the flags; throws `ArgumentError` for anything it cannot use.
    public static func parse(_ arguments: [String]) throws -> Options {
        var options = Options()
        var rest = arguments[...]
        func value(_ flag: String) throws -> String {
            guard let next = rest.popFirst(), !next.hasPrefix("--") || next == "--" else {
                throw ArgumentError("\(flag) needs a value.")
            }
            return next
        }
        func number(_ flag: String, _ range: ClosedRange<Int>) throws -> Int {
            let text = try value(flag)
            guard let number = Int(text), range.contains(number) else {
                throw ArgumentError("\(flag) must be a number between \(range.lowerBound) and \(range.upperBound), not \"\(text)\".")
            }
            return number
        }
        while let flag = rest.popFirst() {
            switch flag {
            case "--host": options.host = try value(flag)
            case "--port": options.port = try number(flag, 0...65535)
            case "--user": options.username = try value(flag)
            case "--password":
                guard let next = rest.popFirst() else { throw ArgumentError("--password needs a value.") }
                options.password = next
            case "--login":
                let text = try value(flag)
                guard let method = RouterOSSimulator.LoginMethod(rawValue: text) else {
                    throw ArgumentError("--login must be plain, challenge or both, not \"\(text)\".")
                }
                options.login = method
            case "--version":
                options.version = try value(flag)
                guard options.version.first?.isNumber == true else {
                    throw ArgumentError("--version must be a RouterOS version like \"7.18.2 (stable)\" or \"6.49.10\".")
                }
            case "--identity": options.identity = try value(flag)
            case "--tls-cert": options.tlsCertificateFile = try value(flag)
            case "--tls-key": options.tlsKeyFile = try value(flag)
            case "--latency-ms": options.latencyMilliseconds = try number(flag, 0...600_000)
            case "--secrets": options.secrets = try number(flag, 0...1_000_000)
            case "--help", "-h": throw ArgumentError(usage)
            default: throw ArgumentError("unknown option \(flag); the options are --host, --port, --user, --password, --login, --version, --identity, --tls-cert, --tls-key, --latency-ms and --secrets.")
            }
        }
        if (options.tlsCertificateFile == nil) != (options.tlsKeyFile == nil) {
            throw ArgumentError("--tls-cert and --tls-key must be given together.")
        }
        return options
    }

    /// Parses the flags, starts the simulator, prints one line saying where it listens and serves
    /// until SIGINT or SIGTERM.
    public static func run(arguments: [String]) async throws {
        let options = try parse(arguments)
        var configuration = RouterOSSimulator.Configuration(
            host: options.host, port: options.port, username: options.username, password: options.password,
            login: options.login, identity: options.identity, version: options.version,
            emptyReplies: sendsEmpty(version: options.version))
        if let certificateFile = options.tlsCertificateFile, let keyFile = options.tlsKeyFile {
            let certificate = try read(certificateFile, flag: "--tls-cert")
            let key = try read(keyFile, flag: "--tls-key")
            do {
                configuration.tls = try RouterOSSimulator.tlsContext(certificatePEM: certificate, privateKeyPEM: key)
            } catch {
                throw ArgumentError("--tls-cert and --tls-key must be a PEM certificate and its PEM private key (\(error)).")
            }
        }
        let simulator: RouterOSSimulator
        do {
            simulator = try await RouterOSSimulator.start(configuration)
        } catch {
            throw ArgumentError("cannot listen on \(options.host):\(options.port) (--host/--port): \(error).")
        }
        simulator.setLatency(.milliseconds(options.latencyMilliseconds))
        seed(simulator, secrets: options.secrets)
        let tls = configuration.tls == nil ? "" : ", TLS"
        let line = "RouterOS simulator listening on \(simulator.host):\(simulator.port) (login: \(options.login.rawValue), user \(options.username)\(tls))\n"
        FileHandle.standardOutput.write(Data(line.utf8))
        await waitForTermination()
        await simulator.stop()
    }

    /// Whether a router of `version` answers an empty print with `!empty` (7.18 and later).
    public static func sendsEmpty(version: String) -> Bool {
        let numbers = version.prefix(while: { $0.isNumber || $0 == "." }).split(separator: ".").map { Int($0) ?? 0 }
        let major = numbers.first ?? 0, minor = numbers.count > 1 ? numbers[1] : 0
        return major > 7 || (major == 7 && minor >= 18)
    }

    /// `pppoe-user-1…N` in `/ppp/secret`, the first half of them online in `/ppp/active`.
    static func seed(_ simulator: RouterOSSimulator, secrets: Int) {
        guard secrets > 0 else { return }
        simulator.insert("/ppp/profile", ["name": "10M", "rate-limit": "10M/10M", "local-address": "10.0.0.1",
                                          "remote-address": "pppoe-pool"])
        for number in 1...secrets {
            simulator.insert("/ppp/secret", ["name": "pppoe-user-\(number)", "password": "pass-\(number)",
                                             "service": "pppoe", "profile": "10M"])
        }
        let online = secrets / 2
        guard online > 0 else { return }
        for number in 1...online {
            let mac = String(format: "AA:BB:CC:%02X:%02X:%02X", (number >> 16) & 0xFF, (number >> 8) & 0xFF, number & 0xFF)
            simulator.connectPPP(name: "pppoe-user-\(number)",
                                 address: "10.\(64 + number / 65_536).\((number / 256) % 256).\(number % 256)", callerID: mac)
        }
    }

    private static func read(_ path: String, flag: String) throws -> String {
        do {
            return try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ArgumentError("cannot read the \(flag) file \(path).")
        }
    }

    /// Returns on SIGINT or SIGTERM.
    private static func waitForTermination() async {
        let queue = DispatchQueue(label: "routeros-sim.signals")
        let done = Once()
        var sources: [any DispatchSourceSignal] = []
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            for number in [SIGINT, SIGTERM] {
                signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setEventHandler {
                    if done.claim() { continuation.resume() }
                }
                source.resume()
                sources.append(source)
            }
        }
        for source in sources { source.cancel() }
    }
}

/// True for the first caller only.
private final class Once: Sendable {
    private let taken = Synchronization.Atomic<Bool>(false)
    func claim() -> Bool { taken.compareExchange(expected: false, desired: true, ordering: .relaxed).exchanged }
}
