import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform

/// An organization's own text for one message on one channel; without a row the message has
/// Meghna's text (`ReminderEvent.defaultSMS` and the others).
public final class MessageTemplate: TenantOwned, @unchecked Sendable {
    public static let schema = "message_templates"
    public static var organizationKey: KeyPath<MessageTemplate, FieldProperty<MessageTemplate, UUID>> { \MessageTemplate.$organizationID }
    public static let displayName = "Message template"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "event") public var event: String
    @Field(key: "channel") public var channel: String
    @OptionalField(key: "subject") public var subject: String?
    @Field(key: "body") public var body: String
    @Field(key: "enabled") public var enabled: Bool
    @Field(key: "updated_at") public var updatedAt: Date
    @Field(key: "updated_by") public var updatedBy: String

    public init() {}
}

/// Reading, changing and previewing the organization's message templates.
public enum ReminderTemplates {
    /// One message on one channel as it is sent now.
    public struct Effective: Sendable, Equatable {
        public var event: ReminderEvent
        public var channel: ReminderChannel
        public var subject: String?
        public var body: String
        public var enabled: Bool
        /// False while it is Meghna's text.
        public var custom: Bool
        public var updatedAt: Date?
        public var updatedBy: String?
    }

    public struct Input: Sendable {
        public var subject, body: String?
        public var enabled: Bool?
        public init(subject: String? = nil, body: String?, enabled: Bool? = nil) {
            (self.subject, self.body, self.enabled) = (subject, body, enabled)
        }
    }

    /// A template filled with sample values, and for an SMS its length and segments.
    public struct Preview: Sendable, Equatable {
        public var subject: String?
        public var text: String
        public var segments: SMSSegments?
    }

    public static let maxSMS = 1_000
    public static let maxSubject = 200

    public static func defaults(_ event: ReminderEvent, _ channel: ReminderChannel) -> Effective {
        Effective(event: event, channel: channel, subject: channel == .email ? event.defaultSubject : nil,
                  body: channel == .sms ? event.defaultSMS : event.defaultEmail, enabled: true, custom: false)
    }

    /// Every message on every channel, the organization's text where it has one.
    public static func all(organizationID: UUID, on db: any Database) async throws -> [Effective] {
        let rows = try await MessageTemplate.inOrganization(organizationID, on: db).all()
        let own = Dictionary(rows.map { ("\($0.event)/\($0.channel)", $0) }, uniquingKeysWith: { a, _ in a })
        return ReminderEvent.allCases.flatMap { event in
            ReminderChannel.allCases.map { channel in
                guard let row = own["\(event.rawValue)/\(channel.rawValue)"] else { return defaults(event, channel) }
                return Effective(event: event, channel: channel, subject: channel == .email ? row.subject : nil, body: row.body, enabled: row.enabled,
                                 custom: true, updatedAt: row.updatedAt, updatedBy: row.updatedBy)
            }
        }
    }

    public static func list(_ ctx: TenantContext, on db: any Database) async throws -> [Effective] {
        try ctx.require(.settingsRead)
        return try await all(organizationID: ctx.organizationID, on: db)
    }

    public static func find(_ ctx: TenantContext, event: String?, channel: String?, on db: any Database) async throws -> Effective {
        try ctx.require(.settingsRead)
        let (event, channel) = try parse(event, channel)
        return try await all(organizationID: ctx.organizationID, on: db).first { $0.event == event && $0.channel == channel }!
    }

    static func parse(_ event: String?, _ channel: String?) throws -> (ReminderEvent, ReminderChannel) {
        guard let event = event.flatMap(ReminderEvent.init(rawValue:)), let channel = channel.flatMap(ReminderChannel.init(rawValue:)) else {
            throw DomainError.notFound("Message template")
        }
        return (event, channel)
    }

    /// The checked subject and text of `input` for this message; errors name the field.
    static func checked(_ input: Input, _ event: ReminderEvent, _ channel: ReminderChannel, current: Effective) throws -> (subject: TextTemplate?, body: TextTemplate) {
        let names = Set(event.variables.map(\.name))
        var v = Validator()
        func template(_ field: String, _ text: String?, fallback: String?, max: Int) -> TextTemplate? {
            guard let text = text ?? fallback else { return nil }
            guard let text = text.nonBlank else { v.add(field, "is required"); return nil }
            guard text.count <= max else { v.add(field, "must be at most \(max) characters"); return nil }
            do { return try TextTemplate(text, variables: names) } catch { v.add(field, error.message); return nil }
        }
        let body = template("body", input.body, fallback: current.body, max: channel == .sms ? maxSMS : TextTemplate.maxLength)
        var subject: TextTemplate?
        if channel == .email {
            subject = template("subject", input.subject?.replacingOccurrences(of: "\n", with: " "), fallback: current.subject, max: maxSubject)
        } else if input.subject?.nonBlank != nil {
            v.add("subject", "is for email only; an SMS has no subject")
        }
        try v.check()
        guard let body else { throw DomainError.invalid("body", "is required") }
        return (subject, body)
    }

    /// Changes one message's text or turns it on or off (`settings.manage`, staff of the whole
    /// organization: the text goes to every branch's customers).
    @discardableResult
    public static func save(_ ctx: TenantContext, event: String?, channel: String?, _ input: Input, services: PlatformServices,
                            on db: any Database) async throws -> Effective {
        try ctx.require(.settingsManage)
        try ctx.requireWholeOrganization("Message templates")
        let (event, channel) = try parse(event, channel)
        let current = try await all(organizationID: ctx.organizationID, on: db).first { $0.event == event && $0.channel == channel }!
        let (subject, body) = try checked(input, event, channel, current: current)
        let now = services.clock.now()
        try await db.writeTransaction { tx in
            let row = try await MessageTemplate.inOrganization(ctx.organizationID, on: tx)
                .filter(\.$event == event.rawValue).filter(\.$channel == channel.rawValue).first() ?? MessageTemplate()
            row.organizationID = ctx.organizationID
            row.event = event.rawValue
            row.channel = channel.rawValue
            row.subject = subject?.source
            row.body = body.source
            row.enabled = input.enabled ?? current.enabled
            row.updatedAt = now
            row.updatedBy = ctx.actor.label
            try await row.save(on: tx)
            try await Audit.record("message_template.updated", "\(event.label) \(channel.label) message changed\(row.enabled ? "" : " (turned off)")",
                                   ctx: ctx, target: .init("message_template", row.id!), metadata: ["event": event.rawValue, "channel": channel.rawValue],
                                   at: now, on: tx)
        }
        return try await find(ctx, event: event.rawValue, channel: channel.rawValue, on: db)
    }

    /// Back to Meghna's text (and on).
    @discardableResult
    public static func reset(_ ctx: TenantContext, event: String?, channel: String?, services: PlatformServices, on db: any Database) async throws -> Effective {
        try ctx.require(.settingsManage)
        try ctx.requireWholeOrganization("Message templates")
        let (event, channel) = try parse(event, channel)
        try await db.writeTransaction { tx in
            guard let row = try await MessageTemplate.inOrganization(ctx.organizationID, on: tx)
                .filter(\.$event == event.rawValue).filter(\.$channel == channel.rawValue).first() else { return }
            try await row.delete(on: tx)
            try await Audit.record("message_template.reset", "\(event.label) \(channel.label) message back to Meghna's text", ctx: ctx,
                                   target: .init("message_template", row.id!), metadata: ["event": event.rawValue, "channel": channel.rawValue],
                                   at: services.clock.now(), on: tx)
        }
        return defaults(event, channel)
    }

    /// `input` (or the current text where a part is missing) filled with sample values and the
    /// organization's name; nothing is saved.
    public static func preview(_ ctx: TenantContext, event: String?, channel: String?, _ input: Input, on db: any Database) async throws -> Preview {
        try ctx.require(.settingsRead)
        let (event, channel) = try parse(event, channel)
        let current = try await all(organizationID: ctx.organizationID, on: db).first { $0.event == event && $0.channel == channel }!
        let (subject, body) = try checked(input, event, channel, current: current)
        let organization = try await Organization.find(ctx.organizationID, on: db)
        var values = Dictionary(event.variables.map { ($0.name, $0.sample) }, uniquingKeysWith: { a, _ in a })
        values["organization_name"] = organization?.name ?? values["organization_name"]
        values["currency"] = organization?.currency ?? values["currency"]
        return render(subject: subject, body: body, channel: channel, values)
    }

    static func render(subject: TextTemplate?, body: TextTemplate, channel: ReminderChannel, _ values: [String: String]) -> Preview {
        let text = body.render(values)
        return Preview(subject: subject?.render(values).trimmingCharacters(in: .whitespacesAndNewlines), text: text,
                       segments: channel == .sms ? SMSSegments(text) : nil)
    }
}
