import Foundation
import MeghnaCore
import Platform
import Vapor

/// Organization settings and the audit trail.
extension PlatformAPI {
    static func registerSettingsAndAudit(_ api: APIRouter) {
        let settings = settingsSchema(forPatch: false)
        api.add(APIOperation(method: .GET, path: "/settings", summary: "Organization settings (secrets shown only as *_set)", tag: "settings",
                             permission: .settingsRead, response: settings)) { req in
            try apiResponse(settingsBody(try await Settings.read(try req.ctx, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/settings", summary: "Change settings; send only what changes (the security section needs security.manage)",
                             tag: "settings", permission: .settingsManage, body: settingsSchema(forPatch: true), response: settings,
                             rules: [APIRule("billing.invoice_run_schedule", "must be a valid cron expression (minute 0-59, hour 0-23, day 1-31, month 1-12, weekday 0-7)"),
                                     APIRule("security.require_2fa_roles", "must name roles of the organization by key")])) { req in
            let patch = try req.json([String: [String: SettingValue]].self)
            return try apiResponse(settingsBody(try await Settings.update(try req.ctx, patch, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/audit-events", summary: "The audit trail, newest first", tag: "audit",
                             permission: .auditRead,
                             query: pagingParameters + [
                                 ("action", .string(maxLength: 100), "Action prefix, e.g. auth."), ("actor", .string(maxLength: 254), "Actor email contains"),
                                 ("from", .dateTime, "From (RFC 3339)"), ("to", .dateTime, "Before (RFC 3339)"),
                             ],
                             response: .list(AuditEventDTO.schema))) { req in
            func date(_ name: String) throws -> Date? {
                guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
                guard let d = RFC3339.date(raw) else { throw DomainError.invalid(name, "must be an RFC 3339 time such as 2026-11-25T00:00:00Z") }
                return d
            }
            let filter = Audit.Filter(action: req.query[String.self, at: "action"], actor: req.query[String.self, at: "actor"],
                                      from: try date("from"), to: try date("to"))
            let page = try await Audit.list(try req.ctx, filter: filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AuditEventDTO.init), nextCursor: page.nextCursor))
        }
    }
}
