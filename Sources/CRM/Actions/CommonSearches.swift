import Foundation
import Platform

/// How many customers of an organization recent searches matched (counted up to
/// `CustomerDirectory.candidateLimit` + 1), for searches above
/// `CustomerDirectory.documentCandidateLimit`, so the next page of the same search (or the same
/// word typed again) picks its plan without counting again: counting reads the word's whole
/// document list, as much work again as the page. The count only chooses the plan, never a
/// result: whichever plan runs, the page is the same, so an entry gone stale (customers added,
/// archived, renamed) costs time, not correctness. "Nothing matches" is never remembered.
/// Entries live ten minutes; at most 1,024 are kept.
enum CommonSearches {
    struct Key: Hashable, Sendable {
        var organizationID: UUID
        var query: String
    }

    static let shared = BoundedCache<Key, Int>(capacity: 1024, lifetime: .seconds(600))
}
