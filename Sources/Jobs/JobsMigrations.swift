import FluentKit
import SQLKit

public enum JobsMigrations {
    public static let all: [any Migration] = [CreateJobs(), CreateLeasesAndWorkers()]
}

struct CreateJobs: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Jobs.CreateJobs" }

    func prepare(on database: any Database) async throws {
        try await database.schema("jobs")
            .id()
            .field("queue", .string, .required)
            .field("kind", .string, .required)
            .field("payload", .string, .required)
            .field("state", .string, .required)
            .field("priority", .int, .required)
            .field("attempt", .int, .required)
            .field("max_attempts", .int, .required)
            .field("scheduled_at", .datetime, .required)
            .field("attempted_at", .datetime)
            .field("completed_at", .datetime)
            .field("discarded_at", .datetime)
            .field("lease_expires_at", .datetime)
            .field("locked_by", .string)
            .field("errors", .string, .required)
            .field("unique_key", .string)
            .field("organization_id", .uuid)
            .field("inserted_at", .datetime, .required)
            .unique(on: "unique_key")
            .create()
        let sql = database as! any SQLDatabase
        try await sql.raw("CREATE INDEX jobs_claim_idx ON jobs (state, queue, priority, scheduled_at)").run()
        try await sql.raw("CREATE INDEX jobs_org_idx ON jobs (organization_id, state)").run()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("jobs").delete()
    }
}

struct CreateLeasesAndWorkers: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Jobs.CreateLeasesAndWorkers" }

    func prepare(on database: any Database) async throws {
        try await database.schema("leases")
            .field("name", .string, .identifier(auto: false))
            .field("holder", .string, .required)
            .field("expires_at", .datetime, .required)
            .create()
        try await database.schema("job_workers")
            .field("id", .string, .identifier(auto: false))
            .field("hostname", .string, .required)
            .field("pid", .int, .required)
            .field("queues", .string, .required)
            .field("started_at", .datetime, .required)
            .field("heartbeat_at", .datetime, .required)
            .create()
        try await database.schema("scheduled_job_runs")
            .field("name", .string, .identifier(auto: false))
            .field("last_fired_at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("scheduled_job_runs").delete()
        try await database.schema("job_workers").delete()
        try await database.schema("leases").delete()
    }
}
