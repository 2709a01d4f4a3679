import FluentKit
import Foundation
import MeghnaCore

/// The audit trail: append-only. There is no update or delete path.
public enum Audit {
    public struct Target: Sendable {
        public var type: String
        public var id: String

        public init(_ type: String, _ id: UUID?) {
            self.type = type
            self.id = id?.uuidString ?? ""
        }
    }

    /// Records an event done by `ctx`'s actor in its organization.
    public static func record(_ action: String, _ summary: String, ctx: TenantContext, target: Target? = nil,
                              metadata: [String: String] = [:], at date: Date, on db: any Database) async throws {
        var meta = metadata
        if ctx.isCrossingTenant { meta["crossing_tenant"] = "true" }
        try await record(action, summary, organizationID: ctx.organizationID, actorUserID: ctx.actor.userID, actorLabel: ctx.actor.label,
                         target: target, ip: ctx.ipAddress, userAgent: ctx.userAgent, metadata: meta, at: date, on: db)
    }

    /// Records an event before a tenant context exists (logins, invitations accepted).
    public static func record(_ action: String, _ summary: String, organizationID: UUID?, actorUserID: UUID?, actorLabel: String,
                              target: Target? = nil, ip: String?, userAgent: String?, metadata: [String: String] = [:],
                              at date: Date, on db: any Database) async throws {
        let event = AuditEvent()
        event.organizationID = organizationID
        event.actorUserID = actorUserID
        event.actorLabel = String(actorLabel.prefix(254))
        event.action = action
        event.summary = String(summary.prefix(500))
        event.targetType = target?.type
        event.targetID = target?.id
        event.ip = ip
        event.userAgent = userAgent.map { String($0.prefix(300)) }
        event.metadata = String(decoding: try JSONEncoder().encode(metadata), as: UTF8.self)
        event.createdAt = date
        try await event.create(on: db)
    }

    public struct Filter: Sendable {
        public var action: String?
        public var actor: String?
        public var from: Date?
        public var to: Date?

        public init(action: String? = nil, actor: String? = nil, from: Date? = nil, to: Date? = nil) {
            self.action = action
            self.actor = actor
            self.from = from
            self.to = to
        }
    }

    /// Newest first, cursor-paged, within the caller's organization.
    public static func list(_ ctx: TenantContext, filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<AuditEvent> {
        try ctx.require(.auditRead)
        let query = AuditEvent.inOrganization(ctx.organizationID, on: db)
        if let action = filter.action, !action.isEmpty { query.filter(\.$action, .custom("LIKE"), action + "%") }
        if let actor = filter.actor, !actor.isEmpty { query.filter(\.$actorLabel, .custom("LIKE"), "%" + actor.lowercased() + "%") }
        if let from = filter.from { query.filter(\.$createdAt >= from) }
        if let to = filter.to { query.filter(\.$createdAt < to) }
        return try await query.paginateNewestFirst(page, by: \.$createdAt)
    }
}

extension Audit.Filter {
    /// The trail's filter as people type it: `from` and `to` are calendar days (2026-11-25) in
    /// the organization's time zone, and `to` includes the whole day.
    public init(action: String?, actor: String?, fromDay: String?, toDay: String?, timeZone: TimeZone) throws {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.dateFormat = "yyyy-MM-dd"
        formatter.timeZone = timeZone
        func day(_ name: String, _ raw: String?, plus days: Int) throws -> Date? {
            guard let raw, !raw.isEmpty else { return nil }
            guard let date = formatter.date(from: raw) else { throw DomainError.invalid(name, "must be a date such as 2026-11-25") }
            return date.addingTimeInterval(Double(days) * 86_400)
        }
        self.init(action: action, actor: actor, from: try day("from", fromDay, plus: 0), to: try day("to", toDay, plus: 1))
    }
}
