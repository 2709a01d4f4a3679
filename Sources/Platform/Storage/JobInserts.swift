import FluentKit
import Foundation
import Jobs
import MeghnaCore

extension JobQueue {
    static let jobInsert = CellInsert("""
        INSERT INTO jobs (id, queue, kind, payload, state, priority, attempt, max_attempts, scheduled_at, errors, organization_id, inserted_at) 
        """, [.uuid, .text, .text, .text, .text, .int, .int, .int, .date, .text, .uuid, .date])

    /// Enqueues one job per payload in a few statements (a pass that suspends thousands of
    /// subscriptions queues thousands of router jobs); inside the caller's transaction.
    public func enqueueMany<Payload>(_ kind: JobKind<Payload>, _ payloads: [(payload: Payload, organizationID: UUID?)], queue: String = "default",
                                     maxAttempts: Int = JobQueue.defaultMaxAttempts, on db: any Database) async throws {
        let now = clock.now()
        let encoder = JSONEncoder.jobs
        let rows: [[SQLCell]] = try payloads.map { item in
            [SQLCell(UUID()), .text(queue), .text(kind.name), .text(String(decoding: try encoder.encode(item.payload), as: UTF8.self)), .text("available"),
             .int(0), .int(0), .int(Int64(maxAttempts)), .date(now), .text("[]"), SQLCell(item.organizationID), .date(now)]
        }
        for statement in Self.jobInsert.batches(rows, on: db) { try await db.run(statement) }
    }
}
