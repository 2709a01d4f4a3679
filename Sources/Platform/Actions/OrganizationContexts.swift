import Foundation
import Synchronization

/// An organization's settings rows and branches (with one person's own marked), kept in memory
/// per (organization, person) while the organization's `context_version` stays what it was when
/// they were read. The version comes in the same statement as the session or token, and the
/// database bumps it on every write to settings, branches or branch assignments (triggers, see
/// `AddOrganizationContextVersion`), so a page never sees settings or branches older than that
/// statement; the second statement of the request context is then skipped. Settings stay sealed
/// here as stored; they are resolved per request. At most 4,096 entries (the oldest quarter goes
/// when full). One per application (`PlatformServices.contexts`).
public final class OrganizationContexts: Sendable {
    struct Key: Hashable, Sendable {
        var organizationID: UUID
        var userID: UUID
    }

    struct Entry: Sendable {
        var version: Int64
        var settings: [(section: String, values: String, secrets: String)]
        var branches: [(id: UUID, name: String, assigned: Bool)]
        var used: UInt64
    }

    static let capacity = 4096

    private struct State {
        var entries: [Key: Entry] = [:]
        var tick: UInt64 = 0
    }

    private let state = Mutex(State())

    public init() {}

    func entry(_ key: Key, version: Int64) -> Entry? {
        state.withLock { state in
            guard var entry = state.entries[key], entry.version == version else { return nil }
            state.tick += 1
            entry.used = state.tick
            state.entries[key] = entry
            return entry
        }
    }

    func store(_ key: Key, version: Int64, settings: [(section: String, values: String, secrets: String)],
               branches: [(id: UUID, name: String, assigned: Bool)]) {
        state.withLock { state in
            if state.entries.count >= Self.capacity {
                let oldest = state.entries.sorted { $0.value.used < $1.value.used }.prefix(Self.capacity / 4).map(\.key)
                for key in oldest { state.entries[key] = nil }
            }
            state.tick += 1
            state.entries[key] = Entry(version: version, settings: settings, branches: branches, used: state.tick)
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
}
