import Foundation
import Synchronization

/// The searches recently found to match more than `CustomerDirectory.candidateLimit` customers
/// of an organization, so the next page of the same search (or the same word typed again) walks
/// the list at once instead of counting the matches first: counting reads the word's whole
/// document list, as much work again as the page. Only the choice of plan is remembered, never a
/// result: whichever plan runs, the page is the same, so an entry gone stale (customers
/// archived, renamed) costs time, not correctness. "Nothing matches" is never remembered.
/// Entries live ten minutes; at most 1,024 are kept (the oldest go first).
final class CommonSearches: Sendable {
    static let shared = CommonSearches()

    struct Key: Hashable, Sendable {
        var organizationID: UUID
        var query: String
    }

    static let lifetime: Duration = .seconds(600)
    static let capacity = 1024

    private let entries = Mutex<[Key: ContinuousClock.Instant]>([:])

    func contains(_ key: Key, now: ContinuousClock.Instant = .now) -> Bool {
        entries.withLock { entries in
            guard let added = entries[key] else { return false }
            if now - added > Self.lifetime {
                entries[key] = nil
                return false
            }
            return true
        }
    }

    func insert(_ key: Key, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                for (old, _) in entries.sorted(by: { $0.value < $1.value }).prefix(Self.capacity / 4) { entries[old] = nil }
            }
            entries[key] = now
        }
    }

    func removeAll() { entries.withLock { $0 = [:] } }
}
