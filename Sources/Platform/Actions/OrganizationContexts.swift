import Foundation

/// An organization's settings rows and branches (with one person's own marked), kept in memory
/// per (organization, person) while the organization's `context_version` stays what it was when
/// they were read. The version comes in the same statement as the session or token, and the
/// database bumps it on every write to settings, branches or branch assignments (triggers, see
/// `AddOrganizationContextVersion`), so a page never sees settings or branches older than that
/// statement; the second statement of the request context is then skipped. Settings stay sealed
/// here as stored; they are resolved per request. At most 4,096 entries. One per application
/// (`PlatformServices.contexts`).
public final class OrganizationContexts: Sendable {
    struct Key: Hashable, Sendable {
        var organizationID: UUID
        var userID: UUID
    }

    struct Entry: Sendable {
        var version: Int64
        var settings: [(section: String, values: String, secrets: String)]
        var branches: [(id: UUID, name: String, assigned: Bool)]
    }

    private let cache = BoundedCache<Key, Entry>(capacity: 4096)

    public init() {}

    func entry(_ key: Key, version: Int64) -> Entry? {
        guard let entry = cache.value(key), entry.version == version else { return nil }
        return entry
    }

    func store(_ key: Key, version: Int64, settings: [(section: String, values: String, secrets: String)],
               branches: [(id: UUID, name: String, assigned: Bool)]) {
        cache.store(key, Entry(version: version, settings: settings, branches: branches))
    }
}
