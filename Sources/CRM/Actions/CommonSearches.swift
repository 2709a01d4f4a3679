import Foundation
import Synchronization

/// How many customers of an organization recent searches matched (counted up to
/// `CustomerDirectory.candidateLimit` + 1), for searches above
/// `CustomerDirectory.documentCandidateLimit`, so the next page of the same search (or the same
/// word typed again) picks its plan without counting again: counting reads the word's whole
/// document list, as much work again as the page. The count only chooses the plan, never a
/// result: whichever plan runs, the page is the same, so an entry gone stale (customers added,
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

    private let entries = Mutex<[Key: (count: Int, added: ContinuousClock.Instant)]>([:])

    func count(_ key: Key, now: ContinuousClock.Instant = .now) -> Int? {
        entries.withLock { entries in
            guard let entry = entries[key] else { return nil }
            if now - entry.added > Self.lifetime {
                entries[key] = nil
                return nil
            }
            return entry.count
        }
    }

    func insert(_ key: Key, count: Int, now: ContinuousClock.Instant = .now) {
        entries.withLock { entries in
            if entries.count >= Self.capacity {
                for (old, _) in entries.sorted(by: { $0.value.added < $1.value.added }).prefix(Self.capacity / 4) { entries[old] = nil }
            }
            entries[key] = (count, now)
        }
    }

    func removeAll() { entries.withLock { $0 = [:] } }
}
