import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// Enqueues jobs. Pass the caller's transaction as `db` so the job exists only if the caller's
/// writes commit.
public struct JobQueue: Sendable {
    public let clock: Clock

    public init(clock: Clock = .system) { self.clock = clock }

    public static let defaultMaxAttempts = 20

    /// Returns the new job's id, or nil when a job with the same `uniqueKey` already exists.
    @discardableResult
    public func enqueue(
        _ kind: String, payload: some Encodable & Sendable, queue: String = "default", organizationID: UUID? = nil,
        uniqueKey: String? = nil, runAt: Date? = nil, maxAttempts: Int = JobQueue.defaultMaxAttempts, priority: Int = 0,
        on db: any Database
    ) async throws -> UUID? {
        let body = String(decoding: try JSONEncoder.jobs.encode(payload), as: UTF8.self)
        return try await enqueue(kind, json: body, queue: queue, organizationID: organizationID, uniqueKey: uniqueKey, runAt: runAt,
                                 maxAttempts: maxAttempts, priority: priority, on: db)
    }

    /// Enqueues a payload that is already JSON text.
    @discardableResult
    public func enqueue(
        _ kind: String, json body: String, queue: String = "default", organizationID: UUID? = nil,
        uniqueKey: String? = nil, runAt: Date? = nil, maxAttempts: Int = JobQueue.defaultMaxAttempts, priority: Int = 0,
        on db: any Database
    ) async throws -> UUID? {
        let id = UUID()
        let now = clock.now()
        let sql = db as! any SQLDatabase
        let rows = try await sql.raw("""
            INSERT INTO jobs (id, queue, kind, payload, state, priority, attempt, max_attempts, scheduled_at, errors, unique_key, organization_id, inserted_at)
            VALUES (\(bind: id), \(bind: queue), \(bind: kind), \(bind: body), 'available', \(bind: priority), 0, \(bind: maxAttempts),
                    \(bind: runAt ?? now), '[]', \(bind: uniqueKey), \(bind: organizationID), \(bind: now))
            ON CONFLICT DO NOTHING RETURNING id
            """).all()
        return rows.isEmpty ? nil : id
    }
}

/// What a handler receives.
public struct JobContext: Sendable {
    public let id: UUID
    public let kind: String
    public let payload: Data
    public let attempt: Int
    public let maxAttempts: Int
    public let organizationID: UUID?
    public let db: any Database
    public let queue: JobQueue

    public func decode<T: Decodable>(_ type: T.Type) throws -> T {
        do {
            return try JSONDecoder.jobs.decode(T.self, from: payload)
        } catch {
            throw JobFailure.discard("payload does not decode as \(T.self): \(error)")
        }
    }
}

/// Thrown by handlers to steer the retry logic.
public enum JobFailure: Error, Sendable, CustomStringConvertible {
    /// Give up now; no further attempts.
    case discard(String)
    /// Try again after the given delay without counting it as an error.
    case snooze(seconds: Int)

    public var description: String {
        switch self {
        case .discard(let reason): reason
        case .snooze(let seconds): "snoozed for \(seconds) s"
        }
    }
}

/// Maps job kinds to handlers. Each area registers its own kinds at start-up.
public struct JobRegistry: Sendable {
    public typealias Handler = @Sendable (JobContext) async throws -> Void
    public private(set) var handlers: [String: Handler] = [:]

    public init() {}

    public mutating func register(_ kind: String, handler: @escaping Handler) {
        handlers[kind] = handler
    }

    public var kinds: [String] { handlers.keys.sorted() }
}

/// A job's name with its payload type, declared once where the job belongs and used by the side
/// that enqueues and the side that handles it, so the two cannot disagree on the payload. A
/// job that crosses areas (billing enqueues, network handles) declares its kind in the shared
/// contracts of the lower target both import.
public struct JobKind<Payload: Codable & Sendable>: Sendable {
    public let name: String

    public init(_ name: String) { self.name = name }
}

extension JobQueue {
    @discardableResult
    public func enqueue<Payload>(
        _ kind: JobKind<Payload>, _ payload: Payload, queue: String = "default", organizationID: UUID? = nil, uniqueKey: String? = nil,
        runAt: Date? = nil, maxAttempts: Int = JobQueue.defaultMaxAttempts, priority: Int = 0, on db: any Database
    ) async throws -> UUID? {
        try await enqueue(kind.name, payload: payload, queue: queue, organizationID: organizationID, uniqueKey: uniqueKey, runAt: runAt,
                          maxAttempts: maxAttempts, priority: priority, on: db)
    }
}

extension JobRegistry {
    /// Registers the handler of a typed job: its payload arrives decoded (a payload that does not
    /// decode discards the job with the reason).
    public mutating func register<Payload>(_ kind: JobKind<Payload>, handler: @escaping @Sendable (Payload, JobContext) async throws -> Void) {
        register(kind.name) { job in try await handler(try job.decode(Payload.self), job) }
    }
}
