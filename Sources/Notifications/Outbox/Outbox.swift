import FluentKit
import Foundation
import Jobs
import Logging
import MeghnaCore
import Platform

/// How messages leave the building. Live values talk SMTP and HTTP; tests substitute fakes.
public struct NotificationTransports: Sendable {
    public var sendEmail: @Sendable (EmailMessage, SMTPConfiguration) async throws -> String
    public var sms: HTTPSMSGateway.Transport

    public init(sendEmail: @escaping @Sendable (EmailMessage, SMTPConfiguration) async throws -> String,
                sms: @escaping HTTPSMSGateway.Transport) {
        self.sendEmail = sendEmail
        self.sms = sms
    }
}

public enum Outbox {
    static let deliverJob = JobKind<DeliverPayload>("notifications.deliver")
    static let maxAttempts = 8

    /// Shown instead of a one-time link or code to everyone but the recipient.
    public static let hiddenPart = "[hidden: only the recipient's copy carries this link]"

    /// Queues an email inside the caller's transaction and enqueues its delivery. Emails without
    /// an organization (none are sent today) are not kept. The email's `secrets` (one-time links
    /// and codes) are sealed with `secrets` and hidden from the stored, readable body.
    @discardableResult
    public static func queueEmail(_ email: OutgoingEmail, jobs: JobQueue, secrets box: SecretBox, on db: any Database) async throws -> OutboxMessage? {
        guard let org = email.organizationID else { return nil }
        let message = OutboxMessage()
        message.organizationID = org
        message.channel = .email
        message.recipient = email.to
        message.recipientName = email.toName
        message.subject = email.subject
        message.body = redacted(email.text, hiding: email.secrets)
        if !email.secrets.isEmpty { message.sealedBody = try box.seal(email.text) }
        message.purpose = email.purpose
        message.state = .queued
        message.attempts = 0
        message.createdAt = jobs.clock.now()
        try await message.create(on: db)
        try await jobs.enqueue(deliverJob, DeliverPayload(messageID: message.id!), queue: "notifications", organizationID: org,
                               maxAttempts: maxAttempts, on: db)
        return message
    }

    /// Queues an SMS to one or more numbers (already validated).
    public static func queueSMS(organizationID: UUID, to number: PhoneNumber, text: String, purpose: String, jobs: JobQueue,
                                on db: any Database) async throws -> OutboxMessage {
        let message = OutboxMessage()
        message.organizationID = organizationID
        message.channel = .sms
        message.recipient = number.e164
        message.body = text
        message.purpose = purpose
        message.state = .queued
        message.attempts = 0
        message.createdAt = jobs.clock.now()
        try await message.create(on: db)
        try await jobs.enqueue(deliverJob, DeliverPayload(messageID: message.id!), queue: "notifications",
                               organizationID: organizationID, maxAttempts: maxAttempts, on: db)
        return message
    }

    /// `text` with every secret part replaced by `hiddenPart`.
    static func redacted(_ text: String, hiding secrets: [String]) -> String {
        secrets.filter { !$0.isEmpty }.sorted { $0.count > $1.count }.reduce(text) { $0.replacingOccurrences(of: $1, with: hiddenPart) }
    }

    struct DeliverPayload: Codable, Sendable {
        var messageID: UUID
        enum CodingKeys: String, CodingKey { case messageID = "message_id" }
    }

    /// Registers the delivery job.
    public static func register(into registry: inout JobRegistry, services: PlatformServices, transports: NotificationTransports) {
        registry.register(deliverJob) { payload, job in
            try await deliver(payload.messageID, attempt: job.attempt, isLastAttempt: job.attempt >= job.maxAttempts,
                              services: services, transports: transports, on: job.db)
        }
    }

    /// Sends one message with the organization's configured provider, logging the attempt.
    public static func deliver(_ id: UUID, attempt: Int, isLastAttempt: Bool, services: PlatformServices, transports: NotificationTransports,
                               on db: any Database) async throws {
        guard let message = try await OutboxMessage.find(id, on: db) else { throw JobFailure.discard("message \(id) no longer exists") }
        guard message.state == .queued || message.state == .retrying else { return }
        let settings = try await Settings.load(organizationID: message.organizationID, services: services, on: db)
        let now = services.clock.now()
        do {
            let detail: String
            switch message.channel {
            case .email:
                guard let config = try smtpConfiguration(settings) else {
                    message.state = .held
                    try await message.save(on: db)
                    return
                }
                let fromName = settings.string("email", "from_name")
                let text = try message.sealedBody.map { try services.secrets.open($0) } ?? message.body
                let email = EmailMessage(from: EmailAddress(settings.string("email", "from_address"), name: fromName.isEmpty ? nil : fromName),
                                         to: [EmailAddress(message.recipient, name: message.recipientName)], subject: message.subject ?? "",
                                         textBody: text, messageID: "<\(id.uuidString.lowercased())@meghna>")
                detail = try await transports.sendEmail(email, config)
            case .sms:
                guard let gateway = try smsGateway(settings, transport: transports.sms) else {
                    message.state = .held
                    try await message.save(on: db)
                    return
                }
                let number = try PhoneNumber(parsing: message.recipient)
                let reference = String(id.uuidString.replacingOccurrences(of: "-", with: "").prefix(20))
                switch await gateway.send(SMSMessage(to: [number], text: message.body, clientReference: reference)) {
                case .accepted(let providerID):
                    message.providerMessageID = providerID
                    detail = "accepted\(providerID.map { " as \($0)" } ?? "")"
                case .failed(let category, let text):
                    throw DeliveryFailure(text: "\(category.rawValue): \(text)", retryable: category == .retryable || category == .rateLimited)
                }
            }
            message.state = .sent
            message.sentAt = now
            message.attempts = attempt
            message.lastError = nil
            try await db.writeTransaction { tx in
                try await message.save(on: tx)
                try await log(message, attempt: attempt, succeeded: true, detail: detail, at: now, on: tx)
            }
        } catch {
            let text = String(describing: error)
            let retryable = (error as? DeliveryFailure)?.retryable ?? true
            message.attempts = attempt
            message.lastError = String(text.prefix(1000))
            message.state = isLastAttempt || !retryable ? .failed : .retrying
            try await db.writeTransaction { tx in
                try await message.save(on: tx)
                try await log(message, attempt: attempt, succeeded: false, detail: text, at: now, on: tx)
            }
            if !retryable { throw JobFailure.discard(text) }
            throw error
        }
    }

    struct DeliveryFailure: Error, CustomStringConvertible {
        var text: String
        var retryable: Bool
        var description: String { text }
    }

    static func log(_ message: OutboxMessage, attempt: Int, succeeded: Bool, detail: String, at: Date, on db: any Database) async throws {
        let entry = DeliveryAttempt()
        entry.messageID = message.id!
        entry.attempt = attempt
        entry.succeeded = succeeded
        entry.detail = String(detail.prefix(2000))
        entry.at = at
        try await entry.create(on: db)
    }

    /// The organization's SMTP settings, or nil when no host is configured.
    public static func smtpConfiguration(_ settings: ResolvedSettings) throws -> SMTPConfiguration? {
        let host = settings.string("email", "host")
        guard !host.isEmpty, !settings.string("email", "from_address").isEmpty else { return nil }
        let security = SMTPConfiguration.Security(rawValue: settings.string("email", "security")) ?? .startTLS
        let username = settings.string("email", "username")
        return SMTPConfiguration(host: host, port: settings.int("email", "port"), security: security,
                                 username: username.isEmpty ? nil : username, password: try settings.secret("email", "password"))
    }

    public static func smsGateway(_ settings: ResolvedSettings, transport: @escaping HTTPSMSGateway.Transport) throws -> HTTPSMSGateway? {
        guard let preset = SMSProviderPreset(rawValue: settings.string("sms", "provider")),
              let key = try settings.secret("sms", "api_key")
        else { return nil }
        let configuration = SMSProviderConfiguration.preset(preset, apiKey: key, senderID: settings.string("sms", "sender_id"))
        return HTTPSMSGateway(configuration: configuration, transport: transport)
    }

    // MARK: staff actions

    /// Sends held or failed messages again, e.g. after SMTP or SMS was configured: one message
    /// (`id`) or every held and failed one of the organization. Returns how many were queued.
    /// Messages carrying a one-time link are not sent again from here: whoever changed the mail
    /// settings could otherwise collect them. The person asks for a new link, or an admin sends
    /// a new invitation.
    @discardableResult
    public static func sendAgain(_ ctx: TenantContext, id: String? = nil, services: PlatformServices, on db: any Database) async throws -> Int {
        try ctx.require(.settingsManage)
        let query = OutboxMessage.scoped(to: ctx, on: db).filter(\.$state ~~ OutboxState.allCases.filter(\.canBeSentAgain))
        if let id {
            let message = try await OutboxMessage.find(id, in: ctx, on: db)
            guard message.state.canBeSentAgain else {
                throw DomainError.conflict("This message is \(message.state.rawValue); only held or failed messages are sent again.")
            }
            guard message.sealedBody == nil else {
                throw DomainError.conflict("This message carries a one-time link, so it is not sent again. Send a new invitation or ask for a new link instead.")
            }
            query.filter(\.$id == message.id!)
        }
        let messages = try await query.filter(\.$sealedBody == nil).limit(1000).all()
        try await db.writeTransaction { tx in
            for message in messages {
                message.state = .queued
                message.lastError = nil
                try await message.save(on: tx)
                try await services.jobs.enqueue(deliverJob, DeliverPayload(messageID: message.id!), queue: "notifications",
                                                organizationID: ctx.organizationID, maxAttempts: maxAttempts, on: tx)
            }
            if !messages.isEmpty {
                try await Audit.record("outbox.sent_again", "Sent \(messages.count) message(s) again", ctx: ctx, at: services.clock.now(), on: tx)
            }
        }
        return messages.count
    }

    // MARK: test messages

    /// Queues a test email to the signed-in staff member, to check the SMTP settings.
    public static func sendTestEmail(_ ctx: TenantContext, services: PlatformServices, on db: any Database) async throws -> OutboxMessage {
        try ctx.require(.settingsManage)
        guard case .user(_, let email) = ctx.actor else { throw DomainError.forbidden("Only a signed-in person can send a test email.") }
        let message = try await queueEmail(OutgoingEmail(organizationID: ctx.organizationID, to: email, toName: nil, subject: "Meghna test email",
                                                         text: "This is a test message from Meghna. If you can read it, the email settings work.",
                                                         purpose: "test"), jobs: services.jobs, secrets: services.secrets, on: db)
        return message!
    }

    /// Queues a test SMS, to check the SMS provider settings.
    public static func sendTestSMS(_ ctx: TenantContext, to raw: String?, jobs: JobQueue, on db: any Database) async throws -> OutboxMessage {
        try ctx.require(.settingsManage)
        let number: PhoneNumber
        do {
            number = try PhoneNumber(parsing: raw ?? "")
        } catch {
            throw DomainError.invalid("phone", error.description)
        }
        return try await queueSMS(organizationID: ctx.organizationID, to: number, text: "Meghna test SMS: the SMS settings work.",
                                  purpose: "test", jobs: jobs, on: db)
    }

    // MARK: reading

    public struct Filter: Sendable {
        public var state: String?
        public var channel: String?
        public var query: String?

        public init(state: String? = nil, channel: String? = nil, query: String? = nil) {
            self.state = state
            self.channel = channel
            self.query = query
        }
    }

    public static func list(_ ctx: TenantContext, filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<OutboxMessage> {
        try ctx.require(.outboxRead)
        let query = OutboxMessage.scoped(to: ctx, on: db)
        if let s = filter.state, let state = OutboxState(rawValue: s) { query.filter(\.$state == state) }
        if let c = filter.channel, let channel = OutboxChannel(rawValue: c) { query.filter(\.$channel == channel) }
        if let q = filter.query, !q.isEmpty {
            query.group(.or) { $0.filter(\.$recipient, .custom("LIKE"), "%\(q.lowercased())%").filter(\.$subject, .custom("LIKE"), "%\(q)%") }
        }
        return try await query.paginateNewestFirst(page, by: \.$createdAt)
    }

    public static func count(_ ctx: TenantContext, on db: any Database) async throws -> Int {
        try ctx.require(.outboxRead)
        return try await OutboxMessage.scoped(to: ctx, on: db).count()
    }

    /// One message with its delivery log. Every opening is in the audit trail.
    public static func show(_ ctx: TenantContext, _ id: String?, services: PlatformServices, on db: any Database) async throws -> (OutboxMessage, [DeliveryAttempt]) {
        try ctx.require(.outboxRead)
        let message = try await OutboxMessage.find(id, in: ctx, on: db)
        let attempts = try await DeliveryAttempt.query(on: db).filter(\.$messageID == message.id!).sort(\.$at).all()
        try await Audit.record("outbox.message_viewed", "Opened the \(message.purpose) message to \(message.recipient)", ctx: ctx,
                               target: .init("outbox_message", message.id), at: services.clock.now(), on: db)
        return (message, attempts)
    }
}
