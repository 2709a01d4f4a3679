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
            let json = try (item.payload as? any JobPayloadJSON)?.jobJSON ?? String(decoding: encoder.encode(item.payload), as: UTF8.self)
            return [SQLCell(UUID()), .text(queue), .text(kind.name), .text(json), .text("available"),
             .int(0), .int(0), .int(Int64(maxAttempts)), .date(now), .text("[]"), SQLCell(item.organizationID), .date(now)]
        }
        for statement in Self.jobInsert.batches(rows, on: db) { try await db.run(statement) }
    }
}

/// A payload that writes its own JSON, the same text `JSONEncoder.jobs` writes (sorted keys), for
/// kinds queued ten thousand at a time (a dunning pass's router jobs): the encoder took 20 µs a
/// payload.
public protocol JobPayloadJSON {
    var jobJSON: String { get }
}

extension JobPayloadJSON {
    /// `text` as a JSON string, quotes included.
    public static func jsonString(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case "\u{8}": out += "\\b"
            case "\u{C}": out += "\\f"
            case "/": out += "\\/"
            default:
                if scalar.value < 0x20 { out += String(format: "\\u%04x", scalar.value) } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out + "\""
    }
}
