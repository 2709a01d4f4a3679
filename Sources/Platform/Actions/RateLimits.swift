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
    /// in the window.
    public static func allow(_ key: String, _ rule: Rule, now: Date, on db: any Database) async throws -> Bool {
        let key = String(key.prefix(250))
        let recent = try await RateLimitHit.query(on: db).filter(\.$key == key).filter(\.$at > now.addingTimeInterval(-rule.window)).count()
        guard recent < rule.limit else { return false }
        let hit = RateLimitHit()
        hit.key = key
        hit.at = now
        try await hit.create(on: db)
        return true
    }

    /// Like `allow`, but throws `throttled` with a retry time instead of answering false.
    public static func check(_ key: String, _ rule: Rule, message: String, now: Date, on db: any Database) async throws {
        guard try await !allow(key, rule, now: now, on: db) else { return }
        let oldest = try await RateLimitHit.query(on: db).filter(\.$key == String(key.prefix(250)))
            .filter(\.$at > now.addingTimeInterval(-rule.window)).sort(\.$at).first()?.at ?? now
        let seconds = max(Int(oldest.addingTimeInterval(rule.window).timeIntervalSince(now).rounded(.up)), 1)
        throw DomainError.throttled(retryAfter: seconds, message)
    }
}
