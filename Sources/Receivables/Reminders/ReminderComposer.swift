import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform

/// An organization's messages, read and parsed once for a batch: fills in a message's values
/// and queues it through the outbox on each channel that is on and reaches the customer. Email
/// goes only once the organization's SMTP is set up: a "due today" held for days and sent later
/// would be wrong, not late.
public struct ReminderComposer: Sendable {
    let templates: [ReminderChannel: [ReminderEvent: (subject: TextTemplate?, body: TextTemplate)]]
    public let organizationName: String
    public let currency: String
    let emailReady: Bool

    public static func load(organizationID org: UUID, services: PlatformServices, on db: any Database) async throws -> ReminderComposer {
        guard let organization = try await Organization.find(org, on: db) else { throw DomainError.notFound("Organization") }
        let settings = try await Settings.load(organizationID: org, services: services, on: db)
        var parsed: [ReminderChannel: [ReminderEvent: (subject: TextTemplate?, body: TextTemplate)]] = [:]
        for t in try await ReminderTemplates.all(organizationID: org, on: db) where t.enabled {
            let names = Set(t.event.variables.map(\.name))
            let fallback = ReminderTemplates.defaults(t.event, t.channel)
            // A stored text is checked when saved; Meghna's own text stands in if one no longer parses.
            let body = (try? TextTemplate(t.body, variables: names)) ?? (try! TextTemplate(fallback.body, variables: names))
            let subject = t.channel == .email ? ((try? TextTemplate(t.subject ?? "", variables: names)) ?? (try! TextTemplate(fallback.subject!, variables: names))) : nil
            parsed[t.channel, default: [:]][t.event] = (subject, body)
        }
        return ReminderComposer(templates: parsed, organizationName: organization.name, currency: organization.currency,
                                emailReady: (try? Outbox.smtpConfiguration(settings)) != nil)
    }

    /// What every message knows: the organization and the customer.
    public func values(for customer: Customer) -> [String: String] {
        ["organization_name": organizationName, "customer_name": customer.displayName, "customer_number": customer.numberText, "currency": currency]
    }

    /// An amount as messages show it ("1,500.00"); empty (so a section leaves it out) when not above zero.
    public func amount(_ minor: Int64) -> String {
        minor > 0 ? Invoices.amountText(Money(minorUnits: minor, currency: currency)) : ""
    }

    public func isOn(_ event: ReminderEvent, _ channel: ReminderChannel) -> Bool { templates[channel]?[event] != nil }

    /// The message's text on a channel, when that channel is on for it.
    public func render(_ event: ReminderEvent, _ channel: ReminderChannel, _ values: [String: String]) -> (subject: String?, text: String)? {
        guard let t = templates[channel]?[event] else { return nil }
        // A subject is one header line: any line break a value brings becomes a space (SMTP refuses CR and LF there).
        let subject = t.subject.map { $0.render(values).components(separatedBy: .newlines).joined(separator: " ").trimmingCharacters(in: .whitespaces) }
        return (subject, t.body.render(values))
    }

    /// Queues `event` to the customer by SMS (their mobile number) and by email (their address,
    /// once SMTP is set up), each only when it is on; answers how many messages were queued.
    @discardableResult
    public func queue(_ event: ReminderEvent, to customer: Customer, values extra: [String: String], organizationID org: UUID,
                      services: PlatformServices, on db: any Database) async throws -> Int {
        let values = values(for: customer).merging(extra) { _, new in new }
        var queued = 0
        if let raw = customer.primaryPhone, let number = try? PhoneNumber(parsing: raw), let sms = render(event, .sms, values) {
            _ = try await Outbox.queueSMS(organizationID: org, to: number, text: sms.text, purpose: "notice.\(event.rawValue)", jobs: services.jobs, on: db)
            queued += 1
        }
        if emailReady, let address = customer.email?.nonBlank, let email = render(event, .email, values) {
            try await services.outbox.queueEmail(OutgoingEmail(organizationID: org, to: address, toName: customer.displayName, subject: email.subject ?? "",
                                                               text: email.text, purpose: "notice.\(event.rawValue)"), db)
            queued += 1
        }
        return queued
    }
}
