import Foundation
import MeghnaCore
import Notifications
import Platform
import Receivables
import Vapor

/// `/api/v1/message-templates`: the organization's texts to customers, their preview and reset.
enum MessageTemplateAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/message-templates",
                             summary: "Every message to customers on each channel, with its text, variables and whether it is sent",
                             tag: "messages", permission: .settingsRead, response: .list(MessageTemplateDTO.schema))) { req in
            let rows = try await ReminderTemplates.list(try req.ctx, on: req.db)
            return try apiResponse(ListBody(data: rows.map(MessageTemplateDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .POST, path: "/message-templates",
                             summary: "Change a message's text (Mustache, with its variables) or turn it on or off (staff of the whole organization)",
                             tag: "messages", permission: .settingsManage, body: MessageTemplateRequest.schema, response: MessageTemplateDTO.schema,
                             rules: MessageTemplateRequest.rules)) { req in
            let body = try req.json(MessageTemplateRequest.self)
            let saved = try await ReminderTemplates.save(try req.ctx, event: body.event, channel: body.channel, body.input,
                                                         services: req.services, on: req.db)
            return try apiResponse(MessageTemplateDTO(saved))
        }
        api.add(APIOperation(method: .POST, path: "/message-templates/preview",
                             summary: "A text filled with sample values, and for an SMS its length and segment count; nothing is saved",
                             tag: "messages", permission: .settingsRead, body: MessageTemplateRequest.schema, response: MessagePreviewDTO.schema,
                             rules: MessageTemplateRequest.rules)) { req in
            let body = try req.json(MessageTemplateRequest.self)
            let preview = try await ReminderTemplates.preview(try req.ctx, event: body.event, channel: body.channel, body.input, on: req.db)
            return try apiResponse(MessagePreviewDTO(preview))
        }
        api.add(APIOperation(method: .POST, path: "/message-templates/reset", summary: "Back to Meghna's text for a message",
                             tag: "messages", permission: .settingsManage, body: MessageTemplateKey.schema, response: MessageTemplateDTO.schema)) { req in
            let body = try req.json(MessageTemplateKey.self)
            return try apiResponse(MessageTemplateDTO(try await ReminderTemplates.reset(try req.ctx, event: body.event, channel: body.channel,
                                                                                      services: req.services, on: req.db)))
        }
    }
}

struct MessageTemplateKey: Decodable {
    var event, channel: String?
    static let schema = Schema.named("MessageTemplateKey", .input([
        ("event", .choice(ReminderEvent.allCases.map(\.rawValue))), ("channel", .choice(ReminderChannel.allCases.map(\.rawValue))),
    ], required: ["event", "channel"]))
}

struct MessageTemplateRequest: Decodable {
    var event, channel, subject, body: String?
    var enabled: Bool?

    var input: ReminderTemplates.Input { .init(subject: subject, body: body, enabled: enabled) }

    static let schema = Schema.named("MessageTemplateInput", .input([
        ("event", .choice(ReminderEvent.allCases.map(\.rawValue))), ("channel", .choice(ReminderChannel.allCases.map(\.rawValue))),
        ("subject", .described(.text(max: ReminderTemplates.maxSubject), "Email only; default: the current subject")),
        ("body", .described(.text(max: TextTemplate.maxLength), "Mustache text; default: the current text")),
        ("enabled", .described(.boolean, "Whether the message is sent; default: unchanged")),
    ], required: ["event", "channel"]))
    static let rules = [APIRule("body", "uses only the message's variables, no partials, blocks or delimiter changes; an SMS at most 1000 characters"),
                        APIRule("subject", "is for email only")]
}

struct MessageTemplateDTO: Encodable {
    struct Variable: Encodable { var name, meaning, sample: String }
    var event, channel, label, when, body: String
    var subject: String?
    var enabled, custom: Bool
    var variables: [Variable]
    var updatedAt: Date?
    var updatedBy: String?

    enum CodingKeys: String, CodingKey {
        case event, channel, label, when, body, subject, enabled, custom, variables
        case updatedAt = "updated_at", updatedBy = "updated_by"
    }

    init(_ t: ReminderTemplates.Effective) {
        (event, channel, label, when, body, subject) = (t.event.rawValue, t.channel.rawValue, t.event.label, t.event.when, t.body, t.subject)
        (enabled, custom, updatedAt, updatedBy) = (t.enabled, t.custom, t.updatedAt, t.updatedBy)
        variables = t.event.variables.map { Variable(name: $0.name, meaning: $0.meaning, sample: $0.sample) }
    }

    static let schema = Schema.named("MessageTemplate", .object([
        ("event", .choice(ReminderEvent.allCases.map(\.rawValue))), ("channel", .choice(ReminderChannel.allCases.map(\.rawValue))),
        ("label", .string()), ("when", .string(description: "When the message goes out")), ("body", .string()),
        ("subject", .nullable(.string(description: "Email only"))), ("enabled", .boolean),
        ("custom", .described(.boolean, "False while it is Meghna's text")),
        ("variables", .array(.object([("name", .string()), ("meaning", .string()), ("sample", .string())], required: ["name", "meaning", "sample"]))),
        ("updated_at", .nullable(.dateTime)), ("updated_by", .nullable(.string())),
    ], required: ["event", "channel", "label", "when", "body", "enabled", "custom", "variables"]))
}

struct MessagePreviewDTO: Encodable {
    var subject: String?
    var text: String
    var characters: Int
    var encoding: String?
    var segments: Int?

    init(_ p: ReminderTemplates.Preview) {
        (subject, text, characters) = (p.subject, p.text, p.segments?.units ?? p.text.count)
        (encoding, segments) = (p.segments?.encoding.rawValue, p.segments?.parts)
    }

    static let schema = Schema.named("MessagePreview", .object([
        ("subject", .nullable(.string())), ("text", .string()), ("characters", .described(.integer(minimum: 0), "For an SMS as the provider counts them (GSM-7 septets or UTF-16 units)")),
        ("encoding", .nullable(.choice(["GSM-7", "Unicode (UCS-2)"], description: "SMS only"))),
        ("segments", .nullable(.described(.integer(minimum: 0), "SMS only: how many messages the provider bills"))),
    ], required: ["text", "characters"]))
}
