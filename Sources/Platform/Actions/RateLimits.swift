import FluentKit
import Foundation
import MeghnaCore

/// Counts requests per key in a sliding window, apart from sign-in failures: password-reset
/// requests per address, reset emails per account, the public interest form per address.
public enum RateLimits {
    public struct Rule: Sendable {
        public var limit: Int
        public var window: TimeInterval

        public init(limit: Int, window: TimeInterval) {
            self.limit = limit
            self.window = window
        }

        /// Password-reset requests from one address.
        public static let resetRequestsPerAddress = Rule(limit: 10, window: 15 * 60)
        /// Reset emails to one account: more would flood the owner's inbox.
        public static let resetEmailsPerAccount = Rule(limit: 3, window: 3600)
        /// Public interest-form submissions from one address.
        public static let interestFormPerAddress = Rule(limit: 10, window: 3600)
    }

    /// Counts one hit for `key`; false (and nothing counted) when the key already used its limit
    /// in the window. The hit is written first and counted after: inside a transaction on SQLite,
    /// a read before the first write would have to upgrade its snapshot to a write lock, which fails
    /// at once ("database is locked") when another writer committed meanwhile.
    public static func allow(_ key: String, _ rule: Rule, now: Date, on db: any Database) async throws -> Bool {
        let hit = RateLimitHit()
        hit.key = String(key.prefix(250))
        hit.at = now
        try await hit.create(on: db)
        let recent = try await hits(hit.key, rule, now: now, on: db).count()
        guard recent > rule.limit else { return true }
        try await hit.delete(on: db)
        return false
    }

    /// The hits of `key` inside the rule's window.
    static func hits(_ key: String, _ rule: Rule, now: Date, on db: any Database) -> QueryBuilder<RateLimitHit> {
        RateLimitHit.query(on: db).filter(\.$key == String(key.prefix(250))).filter(\.$at > now.addingTimeInterval(-rule.window))
    }

    /// Like `allow`, but throws `throttled` with a retry time instead of answering false.
    public static func check(_ key: String, _ rule: Rule, message: String, now: Date, on db: any Database) async throws {
        guard try await !allow(key, rule, now: now, on: db) else { return }
        let oldest = try await hits(key, rule, now: now, on: db).sort(\.$at).first()?.at ?? now
        let seconds = max(Int(oldest.addingTimeInterval(rule.window).timeIntervalSince(now).rounded(.up)), 1)
        throw DomainError.throttled(retryAfter: seconds, message)
    }
}
