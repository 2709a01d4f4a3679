import Foundation
import Synchronization

/// A small in-memory map for values that are cheap to lose: at most `capacity` entries (when
/// full, the least recently used quarter goes), each optionally dropped `lifetime` after it was
/// stored. What may be kept in one, and what makes an entry current, is the owner's to say (see
/// `OrganizationContexts`, `CommonSearches` and the customer list's filter choices).
public final class BoundedCache<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entry {
        var value: Value
        var stored: ContinuousClock.Instant
        var used: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var tick: UInt64 = 0
    }

    public let capacity: Int
    public let lifetime: Duration?
    private let state = Mutex(State())

    public init(capacity: Int, lifetime: Duration? = nil) {
        self.capacity = max(capacity, 4)
        self.lifetime = lifetime
    }

    public func value(_ key: Key, now: ContinuousClock.Instant = .now) -> Value? {
        state.withLock { state in
            guard var entry = state.entries[key] else { return nil }
            if let lifetime, now - entry.stored > lifetime {
                state.entries[key] = nil
                return nil
            }
            state.tick += 1
            entry.used = state.tick
            state.entries[key] = entry
            return entry.value
        }
    }

    public func store(_ key: Key, _ value: Value, now: ContinuousClock.Instant = .now) {
        state.withLock { state in
            if state.entries[key] == nil, state.entries.count >= capacity {
                for old in state.entries.sorted(by: { $0.value.used < $1.value.used }).prefix(capacity / 4).map(\.key) {
                    state.entries[old] = nil
                }
            }
            state.tick += 1
            state.entries[key] = Entry(value: value, stored: now, used: state.tick)
        }
    }
}
