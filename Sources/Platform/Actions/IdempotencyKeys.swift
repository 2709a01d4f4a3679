import Crypto
import FluentKit
import Foundation
import SQLKit

/// `Idempotency-Key` on money-moving API requests: the first request with a key claims it and
/// its answer is kept; a retry with the same key and body gets that answer again, even while
/// the first is still running (it waits for it); the same key with another body is refused.
/// Keys belong to an organization and a user, and are kept two days (`Maintenance.prune`).
public enum IdempotencyKeys {
    public enum Claim: Sendable, Equatable {
        /// This request runs; finish or release the key with this id.
        case claimed(UUID)
        /// An earlier request with the same key and body answered this.
        case replay(status: Int, contentType: String, body: Data)
        /// An earlier request with the same key and body has not answered yet.
        case running
        /// The key was used for another request.
        case mismatch
    }

    /// 1 to 255 visible ASCII characters.
    public static func isValid(_ key: String) -> Bool {
        (1...255).contains(key.utf8.count) && key.utf8.allSatisfy { (0x21...0x7E).contains($0) }
    }

    /// What "the same request" means: the method, the path and the body's exact bytes.
    public static func requestHash(method: String, path: String, body: Data) -> String {
        var hasher = SHA256()
        hasher.update(data: Data("\(method) \(path)\n".utf8))
        hasher.update(data: body)
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }

    /// A claim whose request has not answered after this long is taken to have died with its
    /// process, and the next retry runs instead.
    static let abandonedAfter: TimeInterval = 300

    public static func claim(organizationID: UUID, principal: String, key: String, requestHash: String, now: Date,
                             on db: any Database) async throws -> Claim {
        let sql = db as! any SQLDatabase
        let id = UUID.timeOrdered()
        let inserted = try await sql.raw("""
            INSERT INTO idempotency_keys (id, organization_id, principal, key, request_hash, created_at) \
            VALUES (\(bind: id), \(bind: organizationID), \(bind: principal), \(bind: key), \(bind: requestHash), \(bind: now)) \
            ON CONFLICT (organization_id, principal, key) DO NOTHING RETURNING id
            """).all()
        if !inserted.isEmpty { return .claimed(id) }
        let rows = try await db.rows("""
            SELECT request_hash, status, content_type, body FROM idempotency_keys \
            WHERE \(TenantSQL.organization(organizationID)) AND principal = \(bind: principal) AND key = \(bind: key)
            """)
        // Gone again (the first request failed and let it go): this one may try to claim it.
        guard let row = rows.first else { return .running }
        guard try row.string(0) == requestHash else { return .mismatch }
        guard let status = try row.optionalInt64(1) else {
            try await sql.raw("""
                DELETE FROM idempotency_keys WHERE \(TenantSQL.organization(organizationID)) AND principal = \(bind: principal) AND key = \(bind: key) \
                AND status IS NULL AND created_at < \(bind: now.addingTimeInterval(-abandonedAfter))
                """).run()
            return .running
        }
        return .replay(status: Int(status), contentType: try row.optionalString(2) ?? "application/json", body: try row.optionalData(3) ?? Data())
    }

    /// Keeps the answer of the request that claimed `id`.
    public static func finish(_ id: UUID, status: Int, contentType: String, body: Data, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("""
            UPDATE idempotency_keys SET status = \(bind: status), content_type = \(bind: contentType), body = \(bind: body) WHERE id = \(bind: id)
            """).run()
    }

    /// Lets the key go (the request failed without an answer worth keeping): a retry runs again.
    public static func release(_ id: UUID, on db: any Database) async throws {
        try await (db as! any SQLDatabase).raw("DELETE FROM idempotency_keys WHERE id = \(bind: id)").run()
    }
}
