import Foundation
import Vapor

/// Everything read from the environment, checked once at start-up. Each bad value is reported
/// by name in one sentence; start-up then fails.
public struct AppConfiguration: Sendable {
    public enum DatabaseLocation: Sendable, Equatable {
        case sqliteFile(String)
        case sqliteMemory
        case postgres(String)
    }

    public var database: DatabaseLocation
    public var dataDirectory: String
    public var baseURL: String?
    public var logFormat: LogFormat
    public var secureCookies: Bool
    public var environment: [String: String]

    public enum LogFormat: String, Sendable { case json, text }

    public struct Problem: Error, CustomStringConvertible {
        public var description: String
    }

    public init(database: DatabaseLocation, dataDirectory: String, baseURL: String?, logFormat: LogFormat, secureCookies: Bool,
                environment: [String: String]) {
        self.database = database
        self.dataDirectory = dataDirectory
        self.baseURL = baseURL
        self.logFormat = logFormat
        self.secureCookies = secureCookies
        self.environment = environment
    }

    /// Reads the process environment (or a given dictionary, for tests).
    public static func fromEnvironment(_ env: [String: String] = ProcessInfo.processInfo.environment,
                                       isDevelopment: Bool = true) throws -> AppConfiguration {
        let dataDirectory = env["MEGHNA_DATA_DIR"].flatMap { $0.isEmpty ? nil : $0 } ?? "var"
        let database = try parseDatabaseURL(env["DATABASE_URL"], dataDirectory: dataDirectory)
        let format: LogFormat
        switch env["LOG_FORMAT"]?.lowercased() {
        case nil, "": format = isDevelopment ? .text : .json
        case "json": format = .json
        case "text": format = .text
        case let other?: throw Problem(description: "LOG_FORMAT must be json or text, not \(other).")
        }
        if let base = env["MEGHNA_BASE_URL"], !base.isEmpty, URL(string: base)?.scheme == nil {
            throw Problem(description: "MEGHNA_BASE_URL must be an absolute URL such as https://isp.example.com, not \(base).")
        }
        return AppConfiguration(database: database, dataDirectory: dataDirectory, baseURL: env["MEGHNA_BASE_URL"].flatMap { $0.isEmpty ? nil : $0 },
                                logFormat: format, secureCookies: env["MEGHNA_SECURE_COOKIES"] == "1" || (env["MEGHNA_BASE_URL"] ?? "").hasPrefix("https://"),
                                environment: env)
    }

    /// `postgres://user:pass@host:port/db?sslmode=disable`, `sqlite:///absolute/path.sqlite`, `sqlite::memory:`, or nil for ./var/meghna.sqlite.
    public static func parseDatabaseURL(_ raw: String?, dataDirectory: String) throws -> DatabaseLocation {
        guard let raw, !raw.isEmpty else { return .sqliteFile("\(dataDirectory)/meghna.sqlite") }
        if raw == "sqlite::memory:" { return .sqliteMemory }
        if raw.hasPrefix("sqlite://") {
            let path = String(raw.dropFirst("sqlite://".count))
            guard path.hasPrefix("/"), path.count > 1 else {
                throw Problem(description: "DATABASE_URL for SQLite must name an absolute file path, like sqlite:///srv/meghna/meghna.sqlite.")
            }
            return .sqliteFile(path)
        }
        if raw.hasPrefix("postgres://") || raw.hasPrefix("postgresql://") {
            guard let url = URL(string: raw), url.host != nil, !(url.path.isEmpty || url.path == "/") else {
                throw Problem(description: "DATABASE_URL must look like postgres://user:password@host:5432/database.")
            }
            return .postgres(raw)
        }
        throw Problem(description: "DATABASE_URL must start with postgres:// or sqlite://, not \(raw.prefix(20))….")
    }
}
