import FluentKit
import Foundation
import MeghnaCore

/// One field's value before and after a change. Values are the text people read ("Dhaka North",
/// "+8801712345678"); nil means the field was empty.
public struct FieldChange: Sendable, Codable, Equatable {
    public var field: String
    public var before: String?
    public var after: String?

    public init(field: String, before: String?, after: String?) {
        self.field = field
        self.before = before
        self.after = after
    }
}

/// The activity timeline of a business record (a customer, a lead, a reseller): every create,
/// change and archive with a field-level diff, plus notes and calls staff log. Other areas
/// (billing, network) write here too. Append-only, newest first.
public final class Activity: TenantOwned, @unchecked Sendable {
    public static let schema = "activities"
    public static var organizationKey: KeyPath<Activity, FieldProperty<Activity, UUID>> { \Activity.$organizationID }
    public static let displayName = "Activity"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// "customer", "lead", "reseller", …
    @Field(key: "subject_type") public var subjectType: String
    @Field(key: "subject_id") public var subjectID: UUID
    /// "created", "updated", "archived", "restored", "note", "call", "converted", "assigned", …
    @Field(key: "kind") public var kind: String
    @Field(key: "summary") public var summary: String
    /// The text of a note or call.
    @OptionalField(key: "body") public var body: String?
    @Field(key: "changes") public var changesJSON: String
    /// A second record this entry links to (the customer a lead became, and back).
    @OptionalField(key: "related_type") public var relatedType: String?
    @OptionalField(key: "related_id") public var relatedID: UUID?
    @OptionalField(key: "actor_user_id") public var actorUserID: UUID?
    @Field(key: "actor_label") public var actorLabel: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}

    public var changes: [FieldChange] {
        (try? JSONDecoder().decode([FieldChange].self, from: Data(changesJSON.utf8))) ?? []
    }
}

public enum Activities {
    public struct Subject: Sendable, Equatable {
        public var type: String
        public var id: UUID

        public init(_ type: String, _ id: UUID) {
            self.type = type
            self.id = id
        }
    }

    /// Kinds staff may log by hand.
    public static let loggableKinds = ["note", "call"]

    /// Appends an entry in the caller's transaction.
    @discardableResult
    public static func record(_ ctx: TenantContext, subject: Subject, kind: String, summary: String, changes: [FieldChange] = [],
                              body: String? = nil, related: Subject? = nil, at date: Date, on db: any Database) async throws -> Activity {
        let entry = make(ctx, subject: subject, kind: kind, summary: summary, changes: changes, body: body, related: related, at: date)
        try await entry.create(on: db)
        return entry
    }

    /// An entry not yet saved (bulk writers save many at once).
    public static func make(_ ctx: TenantContext, subject: Subject, kind: String, summary: String, changes: [FieldChange] = [],
                            body: String? = nil, related: Subject? = nil, at date: Date) -> Activity {
        let entry = Activity()
        // Time-ordered ids keep entries of the same instant in the order they were written.
        entry.id = TimeOrderedID.next(at: date)
        entry.organizationID = ctx.organizationID
        entry.subjectType = subject.type
        entry.subjectID = subject.id
        entry.kind = kind
        entry.summary = String(summary.prefix(500))
        entry.body = body
        entry.changesJSON = changes.isEmpty ? "[]" : String(decoding: (try? JSONEncoder().encode(changes)) ?? Data("[]".utf8), as: UTF8.self)
        entry.relatedType = related?.type
        entry.relatedID = related?.id
        entry.actorUserID = ctx.actor.userID
        entry.actorLabel = String(ctx.actor.label.prefix(254))
        entry.createdAt = date
        return entry
    }

    /// The fields whose text differs between two snapshots, in the order of `after`'s keys sorted.
    public static func diff(_ before: [String: String?], _ after: [String: String?]) -> [FieldChange] {
        Set(before.keys).union(after.keys).sorted().compactMap { key in
            let old = before[key] ?? nil
            let new = after[key] ?? nil
            return old == new ? nil : FieldChange(field: key, before: old, after: new)
        }
    }

    /// A subject's entries, newest first. The caller has already found the subject through its
    /// own scoped query, so the reader may see it.
    public static func list(_ ctx: TenantContext, subject: Subject, kind: String? = nil, page: CursorRequest,
                            on db: any Database) async throws -> CursorPage<Activity> {
        let query = Activity.scoped(to: ctx, on: db).filter(\.$subjectType == subject.type).filter(\.$subjectID == subject.id)
        if let kind, !kind.isEmpty { query.filter(\.$kind == kind) }
        // Ids are time-ordered, so newest first is id descending: exact keyset paging.
        if let cursor = page.cursor { query.filter(\.$id < cursor.id) }
        let rows = try await query.sort(\.$id, .descending).limit(page.limit + 1).all()
        let items = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit ? items.last.map { CursorRequest.Cursor(key: "", id: $0.id!).encoded } : nil
        return CursorPage(items: items, nextCursor: next)
    }
}

/// UUIDs whose byte order is their creation order (the UUIDv7 layout: 48 bits of Unix
/// milliseconds, then a counter), so rows written in the same millisecond still sort in the
/// order they were made. Both SQLite (blob) and PostgreSQL (uuid) compare them bytewise.
public enum TimeOrderedID {
    private static let state = LockedState()

    private final class LockedState: @unchecked Sendable {
        let lock = NSLock()
        var lastMillis: UInt64 = 0
        var counter: UInt64 = 0
    }

    public static func next(at date: Date) -> UUID {
        let millis = UInt64(max(0, date.timeIntervalSince1970 * 1000))
        let (ms, count): (UInt64, UInt64) = state.lock.withLock {
            if millis > state.lastMillis {
                state.lastMillis = millis
                state.counter = 0
            } else {
                state.counter += 1
            }
            return (state.lastMillis, state.counter)
        }
        var bytes = [UInt8](repeating: 0, count: 16)
        for i in 0..<6 { bytes[i] = UInt8(truncatingIfNeeded: ms >> (8 * (5 - i))) }
        // 12 bits of counter in rand_a, 30 more at the start of rand_b, the rest random.
        bytes[6] = 0x70 | UInt8(truncatingIfNeeded: (count >> 38) & 0x0F)
        bytes[7] = UInt8(truncatingIfNeeded: count >> 30)
        bytes[8] = 0x80 | UInt8(truncatingIfNeeded: (count >> 24) & 0x3F)
        bytes[9] = UInt8(truncatingIfNeeded: count >> 16)
        bytes[10] = UInt8(truncatingIfNeeded: count >> 8)
        bytes[11] = UInt8(truncatingIfNeeded: count)
        for i in 12..<16 { bytes[i] = UInt8.random(in: 0...255) }
        return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                           bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
    }
}

extension Activities {
    static let insert = CellInsert("""
        INSERT INTO activities (id, organization_id, subject_type, subject_id, kind, summary, body, changes, related_type, related_id, actor_user_id, actor_label, created_at) 
        """, [.uuid, .uuid, .text, .uuid, .text, .text, .text, .text, .text, .uuid, .uuid, .text, .date])

    /// Saves entries made by `make` in a few statements (bulk writers: thousands at once).
    /// Many entries of one actor at one instant without a change list, straight to rows (no
    /// model per entry): the dunning pass's ten thousand "service suspended".
    public static func insert(_ ctx: TenantContext, _ entries: [(subject: Subject, kind: String, summary: String, related: Subject?)], at date: Date,
                              on db: any Database) async throws {
        let (org, user, label) = (SQLCell(ctx.organizationID), SQLCell(ctx.actor.userID), SQLCell.text(String(ctx.actor.label.prefix(254))))
        let rows: [[SQLCell]] = entries.map { e in
            [SQLCell(TimeOrderedID.next(at: date)), org, .text(e.subject.type), SQLCell(e.subject.id), .text(e.kind), .text(String(e.summary.prefix(500))),
             .null, .text("[]"), SQLCell(e.related?.type), SQLCell(e.related?.id), user, label, .date(date)]
        }
        for statement in insert.batches(rows, on: db) { try await db.run(statement) }
    }

    public static func insert(_ entries: [Activity], on db: any Database) async throws {
        let rows: [[SQLCell]] = entries.map { a in
            [SQLCell(a.id), SQLCell(a.organizationID), .text(a.subjectType), SQLCell(a.subjectID), .text(a.kind), .text(a.summary), SQLCell(a.body),
             .text(a.changesJSON), SQLCell(a.relatedType), SQLCell(a.relatedID), SQLCell(a.actorUserID), .text(a.actorLabel), .date(a.createdAt)]
        }
        for statement in insert.batches(rows, on: db) { try await db.run(statement) }
    }
}
