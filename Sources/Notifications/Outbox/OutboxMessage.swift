import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

public enum OutboxChannel: String, Codable, Sendable, CaseIterable { case email, sms }

public enum OutboxState: String, Codable, Sendable, CaseIterable {
    /// Waiting for the delivery job.
    case queued
    /// No provider is configured: the message stays here for staff to read (the demo's mode).
    case held
    case sent
    /// The last attempt failed; another is scheduled.
    case retrying
    /// Every attempt failed.
    case failed
}

/// A message on its way out, with its delivery log.
public final class OutboxMessage: TenantOwned, @unchecked Sendable {
    public static let schema = "outbox_messages"
    public static var organizationKey: KeyPath<OutboxMessage, FieldProperty<OutboxMessage, UUID>> { \OutboxMessage.$organizationID }
    public static let displayName = "Message"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "channel") public var channel: OutboxChannel
    @Field(key: "recipient") public var recipient: String
    @OptionalField(key: "recipient_name") public var recipientName: String?
    @OptionalField(key: "subject") public var subject: String?
    /// What staff may read. For a message carrying a one-time link or code, the text with those
    /// parts hidden; the whole text is then only in `sealedBody`.
    @Field(key: "body") public var body: String
    /// The text as sent, sealed with the SecretBox, for messages with parts only the recipient
    /// may see (invitations, password resets, email verification). Only delivery opens it.
    @OptionalField(key: "sealed_body") public var sealedBody: String?
    @Field(key: "purpose") public var purpose: String
    @Field(key: "state") public var state: OutboxState
    @Field(key: "attempts") public var attempts: Int
    @OptionalField(key: "last_error") public var lastError: String?
    @OptionalField(key: "provider_message_id") public var providerMessageID: String?
    @Field(key: "created_at") public var createdAt: Date
    @OptionalField(key: "sent_at") public var sentAt: Date?

    public init() {}
}

/// One delivery attempt of a message.
public final class DeliveryAttempt: Model, @unchecked Sendable {
    public static let schema = "outbox_deliveries"

    @ID(key: .id) public var id: UUID?
    @Field(key: "message_id") public var messageID: UUID
    @Field(key: "attempt") public var attempt: Int
    @Field(key: "succeeded") public var succeeded: Bool
    @Field(key: "detail") public var detail: String
    @Field(key: "at") public var at: Date

    public init() {}
}

public enum NotificationsMigrations {
    public static let all: [any Migration] = [CreateOutbox(), AddOutboxSealedBody()]
}

struct CreateOutbox: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Notifications.CreateOutbox" }

    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_messages")
            .id()
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("channel", .string, .required)
            .field("recipient", .string, .required)
            .field("recipient_name", .string)
            .field("subject", .string)
            .field("body", .string, .required)
            .field("purpose", .string, .required)
            .field("state", .string, .required)
            .field("attempts", .int, .required)
            .field("last_error", .string)
            .field("provider_message_id", .string)
            .field("created_at", .datetime, .required)
            .field("sent_at", .datetime)
            .create()
        try await database.schema("outbox_deliveries")
            .id()
            .field("message_id", .uuid, .required, .references("outbox_messages", "id", onDelete: .cascade))
            .field("attempt", .int, .required)
            .field("succeeded", .bool, .required)
            .field("detail", .string, .required)
            .field("at", .datetime, .required)
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("outbox_deliveries").delete()
        try await database.schema("outbox_messages").delete()
    }
}

/// Messages carrying a one-time link keep it sealed; staff read the text with the link hidden.
/// Messages queued before this keep what they had (their links expire within 7 days).
struct AddOutboxSealedBody: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Notifications.AddOutboxSealedBody" }

    func prepare(on database: any Database) async throws {
        try await database.schema("outbox_messages").field("sealed_body", .string).update()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE outbox_messages DROP COLUMN sealed_body").run()
    }
}

extension OutboxState {
    /// Held and failed messages may be sent again (`Outbox.sendAgain`; one carrying a one-time
    /// link never is).
    public var canBeSentAgain: Bool { self == .held || self == .failed }
}
