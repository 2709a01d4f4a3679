import Documents
import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import Vapor

/// Dashboard, settings, jobs, outbox, audit and organizations.
enum OperationsPages {
    struct SettingsPage: Encodable {
        struct Field: Encodable {
            var name: String
            var label: String
            var help: String
            var kind: String
            var value: String
            var options: [Option]
            var isSet: Bool
            var checked: Bool
            var error: String?
        }

        struct Option: Encodable {
            var value: String
            var selected: Bool
        }

        struct Section: Encodable {
            var key: String
            var title: String
            /// Security rules need security.manage on top of settings.manage.
            var canManage: Bool
            var fields: [Field]
        }

        var page: PageContext
        var sections: [Section]
        var form: FormState
        var canManage: Bool
        var organization: OrganizationDTO
        var organizationForm: FormState
    }

    struct JobsPage: Encodable {
        struct Row: Encodable {
            var id: String
            var kind: String
            var queue: String
            var state: String
            var attempt: Int
            var maxAttempts: Int
            var at: String
            var lastError: String?
        }

        var page: PageContext
        var counts: [[String: String]]
        var running: [Row]
        var failures: [Row]
        var completedLastHour: Int
        var perMinute: String
        var workers: [String]
        var canManage: Bool
        var throughputChart: String
    }

    struct OutboxPage: Encodable {
        struct Row: Encodable {
            var id: String
            var channel: String
            var recipient: String
            var subject: String
            var purpose: String
            var state: String
            var createdAt: String
        }

        var page: PageContext
        var rows: [Row]
        var nextCursor: String?
        var state: String?
        var q: String?
        var canSendAgain: Bool
    }

    struct MessagePage: Encodable {
        var page: PageContext
        var message: [String: String]
        var body: String
        var attempts: [[String: String]]
        var canSendAgain: Bool
    }

    struct AuditPage: Encodable {
        struct Row: Encodable {
            var when: String
            var actor: String
            var action: String
            var summary: String
            var ip: String?
        }

        var page: PageContext
        var rows: [Row]
        var nextCursor: String?
        var action: String?
        var actor: String?
        var from: String?
        var to: String?
    }

    struct OrganizationsPage: Encodable {
        var page: PageContext
        var rows: [OrganizationDTO]
        var form: FormState
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get("settings") { req async throws -> View in
            try await renderSettings(req, form: FormState())
        }
        routes.post("organization") { req async throws -> Response in
            struct Form: Decodable { var name, currency, time_zone: String? }
            let form = try req.content.decode(Form.self)
            let ctx = try req.ctx
            do {
                _ = try await Organizations.update(ctx, ctx.organizationID.uuidString,
                                                   .init(name: form.name, currency: form.currency, timeZone: form.time_zone),
                                                   services: req.services, on: req.db)
                return redirect(req, to: "/settings", flash: "Organization saved.")
            } catch let error as DomainError {
                return try await renderSettings(req, form: FormState(), organizationForm: FormState(values: req.formValues(), error: error))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.post("settings", ":section") { req async throws -> Response in
            let key = req.parameters.get("section") ?? ""
            guard let section = SettingsCatalog.section(key) else { throw DomainError.notFound("Settings section") }
            let values = req.formValues()
            var patch: [String: SettingValue] = [:]
            for field in section.fields {
                switch field.kind {
                case .boolean: patch[field.name] = .bool(values[field.name] == "on" || values[field.name] == "true")
                case .secret:
                    if let v = values[field.name], !v.isEmpty { patch[field.name] = .string(v) }
                    if values[field.name + "_clear"] == "on" { patch[field.name] = SettingValue.none }
                case .roleList:
                    let list = (try? req.content.decode([String: [String]].self))?[field.name] ?? []
                    patch[field.name] = .list(list)
                case .integer:
                    // Forms send text; a number that does not parse stays text and gets "must be a whole number".
                    if let v = values[field.name] { patch[field.name] = Int(v.trimmingCharacters(in: .whitespaces)).map(SettingValue.int) ?? .string(v) }
                default:
                    if let v = values[field.name] { patch[field.name] = .string(v) }
                }
            }
            do {
                _ = try await Settings.update(try req.ctx, [key: patch], services: req.services, on: req.db)
                return redirect(req, to: "/settings#\(key)", flash: "\(section.title) settings saved.")
            } catch let error as DomainError {
                var form = FormState(values: [:], error: error)
                form.values = values.filter { !$0.key.contains("password") && !$0.key.contains("api_key") }
                return try await renderSettings(req, form: form).encodeResponse(status: .unprocessableEntity, for: req)
            }
        }

        // One route for both: the router does not backtrack from a constant to a parameter, so
        // "settings/email/test" beside "settings/:section" would hide POST /settings/email.
        routes.post("settings", ":section", "test") { req async throws -> Response in
            switch req.parameters.get("section") {
            case "email":
                let message = try await Outbox.sendTestEmail(try req.ctx, services: req.services, on: req.db)
                return redirect(req, to: "/outbox/\(message.id!)", flash: "Test email queued to \(message.recipient). Its delivery log is below.")
            case "sms":
                struct Form: Decodable { var phone: String? }
                let form = try req.content.decode(Form.self)
                do {
                    let message = try await Outbox.sendTestSMS(try req.ctx, to: form.phone, jobs: req.services.jobs, on: req.db)
                    return redirect(req, to: "/outbox/\(message.id!)", flash: "Test SMS queued to \(message.recipient).")
                } catch let error as DomainError {
                    return redirect(req, to: "/settings#sms", flash: error.description, kind: "error")
                }
            default:
                throw DomainError.notFound("Test message kind")
            }
        }
        routes.get("jobs") { req async throws -> View in
            let ctx = try req.ctx
            try ctx.require(.jobsRead)
            let now = req.services.clock.now()
            let scope = try req.jobScope()
            let counts = try await JobStats.counts(organization: scope, on: req.db)
            let lastHour = try await JobStats.completed(since: now.addingTimeInterval(-3600), organization: scope, on: req.db)
            func row(_ j: JobRecord) -> JobsPage.Row {
                JobsPage.Row(id: j.id!.uuidString, kind: j.kind, queue: j.queue, state: j.state, attempt: j.attempt, maxAttempts: j.maxAttempts,
                             at: req.shortDate(j.attemptedAt ?? j.scheduledAt), lastError: j.errorList.last?.error)
            }
            let workers = try await JobStats.workers(freshSince: now.addingTimeInterval(-90), on: req.db)
            return try await req.view.render("ops/jobs", JobsPage(
                page: try req.page("Jobs"),
                counts: counts.map { ["queue": $0.queue, "state": $0.state, "count": String($0.count)] },
                running: try await JobStats.running(organization: scope, on: req.db).map(row),
                failures: try await JobStats.recentFailures(organization: scope, on: req.db).map(row),
                completedLastHour: lastHour, perMinute: String(format: "%.1f", Double(lastHour) / 60), workers: workers.map(\.id),
                canManage: ctx.can(.jobsManage),
                throughputChart: SVGChart.bars(try await JobStats.completedPerMinute(until: now, organization: scope, on: req.db).map {
                    SVGChart.Bar(label: req.clockTime($0.minute), value: $0.count)
                }, title: "Jobs completed per minute, last hour")))
        }
        routes.post("jobs", ":id", ":action") { req async throws -> Response in
            try req.ctx.require(.jobsManage)
            guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("Job") }
            let now = req.services.clock.now()
            let done: Bool
            switch req.parameters.get("action") {
            case "retry": done = try await JobStats.retry(id, organization: try req.jobScope(), now: now, on: req.db)
            case "discard": done = try await JobStats.discard(id, organization: try req.jobScope(), now: now, on: req.db)
            default: throw DomainError.notFound("Job action")
            }
            if done {
                try await Audit.record("job.\(req.parameters.get("action")!)", "Job \(id)", ctx: try req.ctx, target: .init("job", id), at: now, on: req.db)
            }
            return redirect(req, to: "/jobs", flash: done ? "Done." : "That job is not in a state that allows this.", kind: done ? "ok" : "error")
        }

        routes.get("outbox") { req async throws -> View in
            let filter = Outbox.Filter(state: req.query[String.self, at: "state"], channel: req.query[String.self, at: "channel"],
                                       query: req.query[String.self, at: "q"])
            let page = try await Outbox.list(try req.ctx, filter: filter, page: try req.pageRequest(), on: req.db)
            let rows = page.items.map {
                OutboxPage.Row(id: $0.id!.uuidString, channel: $0.channel.rawValue, recipient: $0.recipient, subject: $0.subject ?? $0.body.prefix(60) + "",
                               purpose: $0.purpose, state: $0.state.rawValue, createdAt: req.shortDate($0.createdAt))
            }
            return try await req.view.render("ops/outbox", OutboxPage(page: try req.page("Outbox"), rows: rows,
                                                                      nextCursor: page.nextCursor, state: filter.state, q: filter.query,
                                                                      canSendAgain: try req.ctx.can(.settingsManage)))
        }
        routes.post("outbox", "send-again") { req async throws -> Response in
            let count = try await Outbox.sendAgain(try req.ctx, services: req.services, on: req.db)
            return redirect(req, to: "/outbox", flash: count == 0 ? "No held or failed messages." : "\(count) message(s) queued for delivery again.")
        }
        routes.post("outbox", ":id", "send-again") { req async throws -> Response in
            _ = try await Outbox.sendAgain(try req.ctx, id: req.parameters.get("id"), services: req.services, on: req.db)
            return redirect(req, to: "/outbox/\(req.parameters.get("id") ?? "")", flash: "Queued for delivery again.")
        }
        routes.get("outbox", ":id") { req async throws -> View in
            let (message, attempts) = try await Outbox.show(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            var facts = ["id": message.id!.uuidString, "channel": message.channel.rawValue, "recipient": message.recipient, "subject": message.subject ?? "",
                         "state": message.state.rawValue, "purpose": message.purpose, "created": req.shortDate(message.createdAt)]
            if let error = message.lastError, !error.isEmpty { facts["error"] = error }
            return try await req.view.render("ops/message", MessagePage(
                page: try req.page(message.subject ?? "Message"),
                message: facts,
                body: message.body,
                attempts: attempts.map { ["attempt": String($0.attempt), "ok": $0.succeeded ? "yes" : "no", "detail": $0.detail, "at": req.shortDate($0.at)] },
                canSendAgain: try req.ctx.can(.settingsManage) && (message.state == .held || message.state == .failed)))
        }

        routes.get("audit") { req async throws -> View in
            /// Calendar days in the organization's time zone; "to" includes the whole day.
            func day(_ name: String, plus days: Int = 0) throws -> Date? {
                guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
                guard let date = req.formatter("yyyy-MM-dd").date(from: raw) else { throw DomainError.invalid(name, "must be a date such as 2026-11-25") }
                return date.addingTimeInterval(Double(days) * 86_400)
            }
            let filter = Audit.Filter(action: req.query[String.self, at: "action"], actor: req.query[String.self, at: "actor"],
                                      from: try day("from"), to: try day("to", plus: 1))
            let page = try await Audit.list(try req.ctx, filter: filter, page: try req.pageRequest(), on: req.db)
            let rows = page.items.map {
                AuditPage.Row(when: req.shortDate($0.createdAt), actor: $0.actorLabel, action: $0.action, summary: $0.summary, ip: $0.ip)
            }
            return try await req.view.render("ops/audit", AuditPage(page: try req.page("Audit trail"), rows: rows,
                                                                    nextCursor: page.nextCursor, action: filter.action, actor: filter.actor,
                                                                    from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"]))
        }

        routes.get("organizations") { req async throws -> View in
            try await renderOrganizations(req, form: FormState())
        }
        routes.post("organizations") { req async throws -> Response in
            struct Form: Decodable { var name, slug, currency, time_zone: String? }
            let form = try req.content.decode(Form.self)
            do {
                let org = try await Organizations.create(try req.ctx, .init(name: form.name, slug: form.slug, currency: form.currency, timeZone: form.time_zone),
                                                         services: req.services, on: req.db)
                return redirect(req, to: "/organizations", flash: "Created \(org.name).")
            } catch let error as DomainError {
                return try await renderOrganizations(req, form: FormState(values: req.formValues(), error: error))
                    .encodeResponse(status: .unprocessableEntity, for: req)
            }
        }
        routes.post("switch-organization") { req async throws -> Response in
            struct Form: Decodable { var organization_id: String? }
            let form = try req.content.decode(Form.self)
            let identity = try req.identity
            guard let session = req.staffSession else { throw DomainError.unauthorized("Sign in first.") }
            let target = try await Identities.resolve(user: identity.user, acting: form.organization_id, token: nil, origin: req.origin,
                                                      services: req.services, on: req.db)
            session.organizationID = target.organization.id!
            session.branchID = nil
            try await session.save(on: req.db)
            if target.context.isCrossingTenant {
                try await Audit.record("tenant.switched", "Switched to \(target.organization.name)", ctx: target.context,
                                       target: .init("organization", target.organization.id), at: req.services.clock.now(), on: req.db)
            }
            return redirect(req, to: "/", flash: "You are now working in \(target.organization.name).")
        }
    }

    static func registerBranchSwitcher(_ routes: any RoutesBuilder) {
        routes.post("switch-branch") { req async throws -> Response in
            struct Form: Decodable { var branch_id: String? }
            let form = try req.content.decode(Form.self)
            let identity = try req.identity
            guard let session = req.staffSession else { throw DomainError.unauthorized("Sign in first.") }
            if let raw = form.branch_id, !raw.isEmpty {
                let allowed = try await Identities.switchableBranches(identity, on: req.db)
                guard let branch = allowed.first(where: { $0.id?.uuidString == raw }) else { throw DomainError.notFound("Branch") }
                session.branchID = branch.id
                try await session.save(on: req.db)
                return redirect(req, to: "/", flash: "You are now working in the \(branch.name) branch.")
            }
            session.branchID = nil
            try await session.save(on: req.db)
            return redirect(req, to: "/", flash: "You are now seeing every branch you may see.")
        }
    }

    static func renderSettings(_ req: Request, form: FormState, organizationForm: FormState? = nil) async throws -> View {
        let ctx = try req.ctx
        let organization = try req.identity.organization
        let settings = try await Settings.read(ctx, services: req.services, on: req.db)
        let roleKeys = try await Roles.all(ctx, on: req.db).map(\.key)
        let sections = SettingsCatalog.sections.map { section in
            SettingsPage.Section(key: section.key, title: section.title,
                                 canManage: ctx.can(.settingsManage) && (section.key != "security" || ctx.can(.securityManage)),
                                 fields: section.fields.map { field in
                let value = settings.value(section.key, field.name)
                let (kind, options): (String, [String]) = switch field.kind {
                case .integer: ("number", [])
                case .boolean: ("checkbox", [])
                case .choice(let o): ("select", o)
                case .roleList: ("multi", roleKeys)
                case .secret: ("secret", [])
                case .email: ("email", [])
                default: ("text", [])
                }
                let text = form.values[field.name] ?? {
                    switch value {
                    case .int(let i): String(i)
                    case .string(let s): s
                    case .list(let l): l.joined(separator: ",")
                    default: ""
                    }
                }()
                let chosen = Set(kind == "multi" ? text.split(separator: ",").map(String.init) : [text])
                return SettingsPage.Field(name: field.name, label: field.label, help: field.help, kind: kind, value: text,
                                          options: options.map { SettingsPage.Option(value: $0, selected: chosen.contains($0)) },
                                          isSet: settings.isSet(section.key, field.name), checked: value.bool ?? false,
                                          error: form.errors["\(section.key).\(field.name)"])
            })
        }
        let orgForm = organizationForm ?? FormState(values: ["name": organization.name, "currency": organization.currency,
                                                             "time_zone": organization.timeZoneIdentifier])
        return try await req.view.render("ops/settings", SettingsPage(page: try req.page("Settings"), sections: sections,
                                                                      form: form, canManage: ctx.can(.settingsManage),
                                                                      organization: OrganizationDTO(organization), organizationForm: orgForm))
    }

    static func renderOrganizations(_ req: Request, form: FormState) async throws -> View {
        let ctx = try req.ctx
        try ctx.require(.organizationsManage)
        let page = try await Organizations.list(ctx, page: try CursorRequest(limit: 200), on: req.db)
        return try await req.view.render("ops/organizations", OrganizationsPage(page: try req.page("Organizations"),
                                                                                rows: page.items.map(OrganizationDTO.init), form: form))
    }
}

extension Request {
    /// Whose jobs the Jobs page shows: every job for a platform administrator at home, otherwise
    /// only the organization's own (job errors can carry customer data).
    func jobScope() throws -> UUID? {
        let ctx = try ctx
        return ctx.can(.organizationsManage) && !ctx.isCrossingTenant ? nil : ctx.organizationID
    }
}

enum Pages {
    static func register(_ app: Application) throws {
        let pages = app.grouped(FlashMiddleware(), CSRFMiddleware())
        let signedIn = pages.grouped(PageAuthenticationMiddleware())
        for area in AreaModules.all { area.registerPages(pages: pages, signedIn: signedIn) }
    }
}
