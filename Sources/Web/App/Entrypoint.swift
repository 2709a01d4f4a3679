import FluentPostgresDriver
import Foundation
import Logging
import MeghnaCore
import Vapor

extension Meghna {
    /// The executable's whole life: read configuration, log setup, configure, run the command, shut down.
    public static func main() async throws {
        let env = try Environment.detect()
        let configuration: AppConfiguration
        do {
            configuration = try AppConfiguration.fromEnvironment(isDevelopment: env != .production)
        } catch let problem as AppConfiguration.Problem {
            FileHandle.standardError.write(Data("meghna: \(problem.description)\n".utf8))
            exit(2)
        }
        let level = Logger.Level(rawValue: configuration.environment["LOG_LEVEL"]?.lowercased() ?? "") ?? .info
        LoggingSystem.bootstrap { label in
            var handler: any LogHandler = configuration.logFormat == .json
                ? JSONLogHandler(label: label) : StreamLogHandler.standardOutput(label: label)
            handler.logLevel = level
            return handler
        }
        // `detect()` took `--env` off the arguments; the commands parse the rest. (Putting every
        // argument back made `meghna serve --env production` fail with "Input not recognized".)
        let app = try await Application.make(env)
        do {
            try await configure(app, ConfigureOptions(configuration: configuration, clock: try startClock(configuration.environment["MEGHNA_CLOCK"])))
            try await app.execute()
            try await app.asyncShutdown()
        } catch {
            try? await app.asyncShutdown()
            throw StartupFailure.explaining(error)
        }
    }
}

/// `MEGHNA_CLOCK=2026-03-12T04:00:00Z` starts the process's clock at that instant (it runs on
/// from there): for walking a billing month in a test or a training session. Unset: real time.
func startClock(_ raw: String?) throws -> MeghnaCore.Clock {
    guard let raw, !raw.isEmpty else { return .system }
    guard let start = ISO8601DateFormatter().date(from: raw) else {
        throw StartupFailure(description: "MEGHNA_CLOCK must be a time such as 2026-03-12T04:00:00Z, not \"\(raw)\".")
    }
    let began = Date()
    return MeghnaCore.Clock { start.addingTimeInterval(Date().timeIntervalSince(began)) }
}

/// Turns low-level start-up errors into one sentence for the operator.
struct StartupFailure: Error, CustomStringConvertible {
    var description: String

    static func explaining(_ error: any Error) -> any Error {
        guard let psql = error as? PSQLError else { return error }
        if let message = psql.serverInfo?[.message] {
            return StartupFailure(description: "The PostgreSQL server in DATABASE_URL refused: \(message).")
        }
        let cause = psql.underlying.map { String(describing: $0) } ?? String(describing: psql.code)
        return StartupFailure(description: "Cannot reach the PostgreSQL server in DATABASE_URL (\(cause)).")
    }
}

/// One JSON object per line: time, level, label, message and metadata (request id, organization, user).
struct JSONLogHandler: LogHandler {
    let label: String
    var logLevel: Logger.Level = .info
    var metadata: Logger.Metadata = [:]

    init(label: String) { self.label = label }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var object: [String: Any] = [
            "time": ISO8601DateFormatter().string(from: Date()), "level": event.level.rawValue, "logger": label, "message": event.message.description,
        ]
        for (key, value) in metadata.merging(event.metadata ?? [:], uniquingKeysWith: { $1 }) { object[key] = Self.plain(value) }
        if let error = event.error { object["error"] = String(describing: error) }
        if let data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    static func plain(_ value: Logger.Metadata.Value) -> Any {
        switch value {
        case .string(let s): s
        case .stringConvertible(let c): c.description
        case .array(let a): a.map(plain)
        case .dictionary(let d): d.mapValues(plain)
        }
    }
}
