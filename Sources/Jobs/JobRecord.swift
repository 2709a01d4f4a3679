import FluentKit
import Foundation

/// The states a job passes through. `available` jobs whose `scheduled_at` lies ahead are shown as scheduled.
public enum JobState: String, Codable, Sendable, CaseIterable {
    case available, running, completed, retryable, discarded, cancelled
}

/// One row of the durable `jobs` table.
public final class JobRecord: Model, @unchecked Sendable {
    public static let schema = "jobs"

    @ID(key: .id) public var id: UUID?

    @Field(key: "queue") public var queue: String
    @Field(key: "kind") public var kind: String
    @Field(key: "payload") public var payload: String
    @Field(key: "state") public var state: String
    @Field(key: "priority") public var priority: Int
    @Field(key: "attempt") public var attempt: Int
    @Field(key: "max_attempts") public var maxAttempts: Int
    @Field(key: "scheduled_at") public var scheduledAt: Date
    @OptionalField(key: "attempted_at") public var attemptedAt: Date?
    @OptionalField(key: "completed_at") public var completedAt: Date?
    @OptionalField(key: "discarded_at") public var discardedAt: Date?
    @OptionalField(key: "lease_expires_at") public var leaseExpiresAt: Date?
    @OptionalField(key: "locked_by") public var lockedBy: String?
    @Field(key: "errors") public var errors: String
    @OptionalField(key: "unique_key") public var uniqueKey: String?
    @OptionalField(key: "organization_id") public var organizationID: UUID?
    @Field(key: "inserted_at") public var insertedAt: Date

    public init() {}

    public var jobState: JobState { JobState(rawValue: state) ?? .available }

    public var errorList: [JobErrorEntry] {
        (try? JSONDecoder.jobs.decode([JobErrorEntry].self, from: Data(errors.utf8))) ?? []
    }
}

/// One failed attempt, kept on the job.
public struct JobErrorEntry: Codable, Sendable, Equatable {
    public var at: Date
    public var attempt: Int
    public var error: String
}

extension JSONDecoder {
    public static let jobs: JSONDecoder = {
        let d = JSONDecoder()
        d.dateDecodingStrategy = .iso8601
        return d
    }()
}

extension JSONEncoder {
    public static let jobs: JSONEncoder = {
        let e = JSONEncoder()
        e.dateEncodingStrategy = .iso8601
        e.outputFormatting = .sortedKeys
        return e
    }()
}

extension JobState {
    /// Staff may run the job again (`JobStats.retry`).
    public var canRetry: Bool { self == .retryable || self == .discarded || self == .cancelled }
    /// Staff may stop the job (`JobStats.discard`).
    public var canDiscard: Bool { self == .available || self == .retryable }
}
