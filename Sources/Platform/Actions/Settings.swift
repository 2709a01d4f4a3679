import FluentKit
import Foundation
import Jobs
import MeghnaCore

/// One typed, validated setting.
public struct SettingField: Sendable {
    public enum Kind: Sendable {
        case integer(ClosedRange<Int>)
        case boolean
        case text(maxLength: Int)
        case email
        case hostname
        case choice([String])
        /// A list of role keys of the organization (checked when saving).
        case roleList
        /// A five-field cron expression (minute hour day month weekday).
        case cron
        /// Sealed at rest, never returned: reads as "set" or not.
        case secret
        /// Whole numbers of days, comma-separated ("-3,0,3"), each in the range, at most `max`.
        case dayOffsets(ClosedRange<Int>, max: Int)
    }

    public var name: String
    public var label: String
    public var kind: Kind
    public var defaultValue: SettingValue
    public var help: String

    public init(_ name: String, _ label: String, _ kind: Kind, default value: SettingValue, help: String = "") {
        self.name = name
        self.label = label
        self.kind = kind
        self.defaultValue = value
        self.help = help
    }

    public var isSecret: Bool { if case .secret = kind { true } else { false } }
}

/// A setting's value as stored in JSON.
public enum SettingValue: Sendable, Equatable, Codable {
    case int(Int), bool(Bool), string(String), list([String]), none

    public init(from decoder: any Decoder) throws {
        let c = try decoder.singleValueContainer()
        if c.decodeNil() { self = .none } else if let b = try? c.decode(Bool.self) { self = .bool(b) } else if let i = try? c.decode(Int.self) {
            self = .int(i)
        } else if let d = try? c.decode(Double.self) {
            // A whole number too large for Int is out of every range ("must be between …"); a
            // fraction is not a whole number.
            if d.rounded() == d { self = .int(d > 0 ? Int.max : Int.min) } else { self = .string(String(d)) }
        } else if let s = try? c.decode(String.self) { self = .string(s) } else { self = .list(try c.decode([String].self)) }
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        switch self {
        case .int(let i): try c.encode(i)
        case .bool(let b): try c.encode(b)
        case .string(let s): try c.encode(s)
        case .list(let l): try c.encode(l)
        case .none: try c.encodeNil()
        }
    }

    public var int: Int? { if case .int(let i) = self { i } else { nil } }
    public var bool: Bool? { if case .bool(let b) = self { b } else { nil } }
    public var string: String? { if case .string(let s) = self { s } else { nil } }
    public var list: [String]? { if case .list(let l) = self { l } else { nil } }
}

public struct SettingsSection: Sendable {
    public var key: String
    public var title: String
    public var fields: [SettingField]
}

/// Every organization setting, its type, limits and default. Pages, the API and the OpenAPI
/// document are all generated from this list.
public enum SettingsCatalog {
    public static let sections: [SettingsSection] = [
        SettingsSection(key: "billing", title: "Billing", fields: [
            SettingField("billing_day_rule", "Billing day", .choice(["anniversary", "fixed_day"]), default: .string("anniversary"),
                         help: "Bill on each subscription's start date, or on one fixed day of the month for everyone"),
            SettingField("fixed_billing_day", "Fixed billing day", .integer(1...28), default: .int(1), help: "Used with the fixed-day rule"),
            SettingField("invoice_due_days", "Invoice due after (days)", .integer(0...90), default: .int(7)),
            SettingField("grace_days", "Grace before suspension (days)", .integer(0...60), default: .int(3)),
            SettingField("currency", "Currency", .choice(["BDT", "USD", "INR", "EUR", "GBP"]), default: .string("BDT")),
            SettingField("tax_rate_basis_points", "Default tax rate (basis points)", .integer(0...10_000), default: .int(500),
                         help: "500 = 5 %, the VAT on internet service in Bangladesh"),
            SettingField("prices_include_tax", "Plan prices include tax", .boolean, default: .bool(true)),
            SettingField("invoice_run_schedule", "Invoice run schedule (cron)", .cron, default: .string("0 2 * * *"),
                         help: "When the billing run starts, in the organization's time zone; e.g. 0 2 * * * is 02:00 every day"),
        ]),
        SettingsSection(key: "dunning", title: "Dunning", fields: [
            SettingField("reminder_days", "Reminders (days from the due date)", .dayOffsets(-30...90, max: 6), default: .string("-3,0,3"),
                         help: "Comma-separated; negative is before the due date, e.g. -3,0,3. Empty: no reminders"),
            SettingField("suspend", "Suspend unpaid service after the grace period", .boolean, default: .bool(true),
                         help: "The grace period is Billing → Grace before suspension"),
            SettingField("terminate_after_days", "Terminate after suspended for (days)", .integer(0...365), default: .int(0), help: "0: never"),
            SettingField("late_fee", "Late fee (whole currency units)", .integer(0...100_000), default: .int(0),
                         help: "Added to the next invoice once per unpaid invoice when its grace period ends; 0: none"),
            SettingField("pass_hour", "Daily pass at (hour, organization time)", .integer(0...23), default: .int(9),
                         help: "Reminders go out and unpaid service is suspended at this hour; payments restore service at once"),
            SettingField("minimum_overdue", "Suspend only when the overdue amount is at least (whole currency units)", .integer(0...100_000),
                         default: .int(1)),
        ]),
        SettingsSection(key: "network", title: "Network (MikroTik)", fields: [
            SettingField("api_port", "RouterOS API port", .integer(1...65_535), default: .int(8728), help: "8728 plain, 8729 with TLS"),
            SettingField("use_tls", "Use TLS (api-ssl)", .boolean, default: .bool(false)),
            SettingField("username", "API username", .text(maxLength: 64), default: .string("meghna")),
            SettingField("password", "API password", .secret, default: .none),
            SettingField("down_after_misses", "Mark a router down after this many missed heartbeats", .integer(1...20), default: .int(3),
                         help: "Each miss is a heartbeat with no answer in 5 s; the network staff get an email when a router goes down and when it is back"),
            SettingField("suspend_mode", "Cut a suspended customer off by", .choice(["disable", "profile"]), default: .string("disable"),
                         help: "disable: the PPPoE secret or Hotspot user is disabled. profile: it moves to the meghna-suspended profile, whose address list meghna-unpaid your firewall redirects to a payment page"),
            SettingField("suspended_rate_limit", "Suspended profile's rate limit", .text(maxLength: 40), default: .string("64k/64k"),
                         help: "profile mode only: enough to reach the payment page, e.g. 64k/64k"),
        ]),
        SettingsSection(key: "sms", title: "SMS", fields: [
            SettingField("provider", "Provider", .choice(["none", "ssl_wireless", "bulksmsbd", "alpha_sms"]), default: .string("none")),
            SettingField("sender_id", "Sender ID", .text(maxLength: 20), default: .string("")),
            SettingField("api_key", "API key or token", .secret, default: .none),
        ]),
        SettingsSection(key: "email", title: "Email (SMTP)", fields: [
            SettingField("host", "SMTP host", .hostname, default: .string(""), help: "Leave empty to keep messages in the outbox"),
            SettingField("port", "Port", .integer(1...65_535), default: .int(587)),
            SettingField("security", "Security", .choice(["starttls", "tls", "none"]), default: .string("starttls")),
            SettingField("username", "Username", .text(maxLength: 200), default: .string("")),
            SettingField("password", "Password", .secret, default: .none),
            SettingField("from_address", "From address", .email, default: .string("")),
            SettingField("from_name", "From name", .text(maxLength: 100), default: .string("")),
        ]),
        SettingsSection(key: "security", title: "Security", fields: [
            SettingField("require_2fa_roles", "Roles that must use two-factor authentication", .roleList, default: .list([])),
            SettingField("idle_timeout_minutes", "Sign out after idle (minutes)", .integer(5...480), default: .int(30)),
        ]),
    ]

    public static func section(_ key: String) -> SettingsSection? { sections.first { $0.key == key } }
}

/// An organization's settings with defaults filled in. Secrets stay sealed until asked for.
public struct ResolvedSettings: Sendable {
    public var values: [String: [String: SettingValue]]
    var sealed: [String: [String: String]]
    let secrets: SecretBox

    public func value(_ section: String, _ field: String) -> SettingValue {
        values[section]?[field] ?? SettingsCatalog.section(section)?.fields.first { $0.name == field }?.defaultValue ?? .none
    }

    public func int(_ section: String, _ field: String) -> Int { value(section, field).int ?? 0 }
    public func bool(_ section: String, _ field: String) -> Bool { value(section, field).bool ?? false }
    public func string(_ section: String, _ field: String) -> String { value(section, field).string ?? "" }
    public func list(_ section: String, _ field: String) -> [String] { value(section, field).list ?? [] }

    public func isSet(_ section: String, _ field: String) -> Bool { sealed[section]?[field] != nil }

    /// The plain text of a secret; for the code that uses it (SMTP, routers), never for display.
    public func secret(_ section: String, _ field: String) throws -> String? {
        try sealed[section]?[field].map { try secrets.open($0) }
    }
}

public enum Settings {
    /// Loads without a permission check: for internal use (sending mail, sessions).
    public static func load(organizationID: UUID, services: PlatformServices, on db: any Database) async throws -> ResolvedSettings {
        let rows = try await OrganizationSetting.inOrganization(organizationID, on: db).all()
        return resolve(rows.map { ($0.section, $0.values, $0.secrets) }, services: services)
    }

    /// Settings from stored rows (section, values JSON, sealed secrets JSON), defaults filled in.
    static func resolve(_ rows: [(section: String, values: String, secrets: String)], services: PlatformServices) -> ResolvedSettings {
        var values: [String: [String: SettingValue]] = [:]
        var sealed: [String: [String: String]] = [:]
        for row in rows {
            values[row.section] = (try? JSONDecoder().decode([String: SettingValue].self, from: Data(row.values.utf8))) ?? [:]
            sealed[row.section] = (try? JSONDecoder().decode([String: String].self, from: Data(row.secrets.utf8))) ?? [:]
        }
        var resolved = ResolvedSettings(values: [:], sealed: sealed, secrets: services.secrets)
        for section in SettingsCatalog.sections {
            var filled: [String: SettingValue] = [:]
            for field in section.fields where !field.isSecret {
                filled[field.name] = values[section.key]?[field.name] ?? field.defaultValue
            }
            resolved.values[section.key] = filled
        }
        return resolved
    }

    public static func read(_ ctx: TenantContext, services: PlatformServices, on db: any Database) async throws -> ResolvedSettings {
        try ctx.require(.settingsRead)
        return try await load(organizationID: ctx.organizationID, services: services, on: db)
    }

    /// A change: section → field → new value. A secret given as an empty string or null is cleared.
    public typealias Patch = [String: [String: SettingValue]]

    public static func update(_ ctx: TenantContext, _ patch: Patch, services: PlatformServices, on db: any Database) async throws -> ResolvedSettings {
        try ctx.require(.settingsManage)
        if patch["security"] != nil { try ctx.require(.securityManage) }
        var v = Validator()
        let roleKeys = Set(try await Role.scoped(to: ctx, on: db).all().map(\.key))
        var clean: [String: [String: SettingValue]] = [:]
        for (sectionKey, fields) in patch {
            guard let section = SettingsCatalog.section(sectionKey) else {
                v.add(sectionKey, "is not a settings section (expected one of \(SettingsCatalog.sections.map(\.key).joined(separator: ", ")))")
                continue
            }
            for (name, value) in fields {
                let path = "\(sectionKey).\(name)"
                guard let field = section.fields.first(where: { $0.name == name }) else {
                    v.add(path, "is not a setting")
                    continue
                }
                if let checked = check(value, for: field, path: path, roleKeys: roleKeys, into: &v) {
                    clean[sectionKey, default: [:]][name] = checked
                }
            }
        }
        try v.check()
        let before = try await load(organizationID: ctx.organizationID, services: services, on: db)
        let changes = clean
        try await db.writeTransaction { tx in
            var changed: [String: String] = [:]
            for (sectionKey, fields) in changes {
                let row = try await OrganizationSetting.inOrganization(ctx.organizationID, on: tx)
                    .filter(\.$section == sectionKey).first() ?? {
                        let r = OrganizationSetting()
                        r.organizationID = ctx.organizationID
                        r.section = sectionKey
                        r.values = "{}"
                        r.secrets = "{}"
                        return r
                    }()
                var values = (try? JSONDecoder().decode([String: SettingValue].self, from: Data(row.values.utf8))) ?? [:]
                var sealed = (try? JSONDecoder().decode([String: String].self, from: Data(row.secrets.utf8))) ?? [:]
                let section = SettingsCatalog.section(sectionKey)!
                for (name, value) in fields {
                    let field = section.fields.first { $0.name == name }!
                    if field.isSecret {
                        if let text = value.string, !text.isEmpty { sealed[name] = try services.secrets.seal(text) } else { sealed[name] = nil }
                        changed["\(sectionKey).\(name)"] = "(secret changed)"
                    } else {
                        if before.value(sectionKey, name) != value { changed["\(sectionKey).\(name)"] = describe(value) }
                        values[name] = value
                    }
                }
                row.values = String(decoding: try JSONEncoder().encode(values), as: UTF8.self)
                row.secrets = String(decoding: try JSONEncoder().encode(sealed), as: UTF8.self)
                try await row.save(on: tx)
            }
            try await Audit.record("settings.updated", "Changed settings: \(changed.keys.sorted().joined(separator: ", "))", ctx: ctx,
                                   metadata: changed, at: services.clock.now(), on: tx)
        }
        return try await load(organizationID: ctx.organizationID, services: services, on: db)
    }

    static func describe(_ value: SettingValue) -> String {
        switch value {
        case .int(let i): String(i)
        case .bool(let b): String(b)
        case .string(let s): s
        case .list(let l): l.joined(separator: ",")
        case .none: "(none)"
        }
    }

    static func check(_ value: SettingValue, for field: SettingField, path: String, roleKeys: Set<String>,
                      into v: inout Validator) -> SettingValue? {
        switch field.kind {
        case .integer(let range):
            guard let number = value.int else { v.add(path, "must be a whole number"); return nil }
            guard range.contains(number) else { v.add(path, "must be between \(range.lowerBound) and \(range.upperBound)"); return nil }
            return .int(number)
        case .boolean:
            // The page turns its check boxes into true/false; the API sends JSON booleans.
            guard let b = value.bool else { v.add(path, "must be true or false"); return nil }
            return .bool(b)
        case .text(let max):
            guard let s = value.string ?? (value == .none ? "" : nil) else { v.add(path, "must be text"); return nil }
            let t = s.trimmingCharacters(in: .whitespacesAndNewlines)
            guard t.count <= max else { v.add(path, "must be at most \(max) characters"); return nil }
            guard !t.contains(where: { $0.isNewline }) else { v.add(path, "must be one line"); return nil }
            return .string(t)
        case .email:
            guard let s = value.string ?? (value == .none ? "" : nil) else { v.add(path, "must be text"); return nil }
            let t = s.trimmingCharacters(in: .whitespaces)
            if t.isEmpty { return .string("") }
            guard EmailAddressSyntax.isValid(t) else { v.add(path, "is not a valid email address"); return nil }
            return .string(t.lowercased())
        case .hostname:
            guard let s = value.string ?? (value == .none ? "" : nil) else { v.add(path, "must be text"); return nil }
            let t = s.trimmingCharacters(in: .whitespaces).lowercased()
            let ok = t.count <= 253 && t.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") }
            guard ok else { v.add(path, "is not a valid host name or address"); return nil }
            return .string(t)
        case .cron:
            guard let s = value.string else { v.add(path, "must be a cron expression such as 0 2 * * *"); return nil }
            do {
                let expression = try CronExpression(s)
                return .string(expression.description)
            } catch {
                v.add(path, "is not a valid cron expression: \(error.message) (in the \(error.field) field)")
                return nil
            }
        case .choice(let options):
            guard let s = value.string, options.contains(s) else { v.add(path, "must be one of \(options.joined(separator: ", "))"); return nil }
            return .string(s)
        case .roleList:
            guard let list = value.list else {
                v.add(path, "must be a list of role keys, such as [\"billing_ops\"]")
                return nil
            }
            let unknown = list.filter { !roleKeys.contains($0) }
            guard unknown.isEmpty else { v.add(path, "names unknown roles: \(unknown.joined(separator: ", "))"); return nil }
            return .list(Array(Set(list)).sorted())
        case .dayOffsets(let range, let max):
            guard let s = value.string ?? (value == .none ? "" : nil) else { v.add(path, "must be days such as -3,0,3"); return nil }
            let parts = s.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            let days = parts.compactMap { Int($0) }
            guard days.count == parts.count else { v.add(path, "must be whole numbers of days separated by commas, such as -3,0,3"); return nil }
            guard days.allSatisfy(range.contains) else { v.add(path, "must be days between \(range.lowerBound) and \(range.upperBound)"); return nil }
            let unique = Array(Set(days)).sorted()
            guard unique.count <= max else { v.add(path, "must be at most \(max) days"); return nil }
            return .string(unique.map(String.init).joined(separator: ","))
        case .secret:
            if value == .none { return .string("") }
            guard let s = value.string else { v.add(path, "must be text"); return nil }
            guard s.count <= 500 else { v.add(path, "must be at most 500 characters"); return nil }
            return .string(s)
        }
    }
}

extension Settings {
    /// One section's change from a submitted form (every value is text): a check box is true
    /// when ticked, an empty secret keeps the stored one and its "clear" box removes it, a whole
    /// number that does not parse stays text (and gets "must be a whole number"). Role lists
    /// arrive as lists (`field[]`).
    public static func formPatch(_ section: SettingsSection, values: [String: String], lists: [String: [String]]) -> [String: SettingValue] {
        var patch: [String: SettingValue] = [:]
        for field in section.fields {
            let value = values[field.name]
            switch field.kind {
            case .boolean: patch[field.name] = .bool(value == "on" || value == "true")
            case .secret:
                if let value, !value.isEmpty { patch[field.name] = .string(value) }
                if values[field.name + "_clear"] == "on" { patch[field.name] = SettingValue.none }
            case .roleList: patch[field.name] = .list(lists[field.name] ?? [])
            case .integer:
                if let value { patch[field.name] = Int(value.trimmingCharacters(in: .whitespaces)).map(SettingValue.int) ?? .string(value) }
            default:
                if let value { patch[field.name] = .string(value) }
            }
        }
        return patch
    }
}
