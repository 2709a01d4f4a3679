import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
@testable import Receivables

@Suite("Reminder templates")
struct ReminderTemplateTests {
    func sms(_ t: TestApp, _ org: UUID) async throws -> [String] {
        try await OutboxMessage.query(on: t.db).filter(\.$organizationID == org).filter(\.$channel == .sms).sort(\.$createdAt).all().map { "\($0.purpose): \($0.body)" }
    }

    @Test func anOrganizationsOwnTextInBanglaIsPreviewedCountedAndSent() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let ctx = d.w.ctx
            let bangla = "{{organization_name}}: প্রিয় {{customer_name}}, আপনার বিল {{currency}} {{amount_due}} {{due_date}} তারিখে পরিশোধ করুন।"
            // The preview fills sample values (and the organization's own name) and counts the SMS.
            let preview = try await ReminderTemplates.preview(ctx, event: "due_soon", channel: "sms", .init(body: bangla), on: t.db)
            #expect(preview.text == "Alpha Net: প্রিয় Rahim Uddin, আপনার বিল BDT 1,500.00 8 Mar 2026 তারিখে পরিশোধ করুন।")
            #expect(preview.segments == SMSSegments(preview.text) && preview.segments?.encoding == .ucs2 && preview.segments?.parts == 2,
                    "\(preview.text.count) characters of Bangla: two 67-unit parts")
            #expect(try await ReminderTemplates.find(ctx, event: "due_soon", channel: "sms", on: t.db).custom == false, "a preview saves nothing")
            // Saved, the pass's reminder goes out in it.
            let saved = try await ReminderTemplates.save(ctx, event: "due_soon", channel: "sms", .init(body: bangla), services: t.services, on: t.db)
            #expect(saved.custom && saved.body == bangla && saved.updatedBy == ctx.actor.label)
            _ = try await d.pass("2026-03-05")
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 1)
            #expect(try await sms(t, d.w.tenant.id) == ["notice.due_soon: Alpha Net: প্রিয় Rahim Uddin, আপনার বিল BDT 1,000.00 8 Mar 2026 তারিখে পরিশোধ করুন।"])
            // Another organization still has Meghna's text, and cannot read or change this one's.
            let other = try await DunningWorld.make(t, name: "Beta Net", phone: "01711000002")
            #expect(try await ReminderTemplates.find(other.w.ctx, event: "due_soon", channel: "sms", on: t.db).body == ReminderEvent.dueSoon.defaultSMS)
            // Back to Meghna's text.
            let reset = try await ReminderTemplates.reset(ctx, event: "due_soon", channel: "sms", services: t.services, on: t.db)
            #expect(!reset.custom && reset.body == ReminderEvent.dueSoon.defaultSMS)
            let audit = try await AuditEvent.query(on: t.db).filter(\.$organizationID == d.w.tenant.id).filter(\.$action ~~ ["message_template.updated", "message_template.reset"]).count()
            #expect(audit == 2)
        }
    }

    @Test func badTemplatesAreRefusedByFieldAndChangeNothing() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let ctx = d.w.ctx
            func refused(_ expected: [FieldError], _ event: String, _ channel: String, _ input: ReminderTemplates.Input) async {
                await #expect(throws: DomainError.validation(expected)) {
                    try await ReminderTemplates.save(ctx, event: event, channel: channel, input, services: t.services, on: t.db)
                }
            }
            await refused([FieldError("body", "uses {{invoice_number}}, which is not a variable of this message (it has {{amount_due}}, {{currency}}, "
                                              + "{{customer_name}}, {{customer_number}}, {{due_date}}, {{organization_name}})")],
                          "due_today", "sms", .init(body: "Pay {{invoice_number}} today"))
            await refused([FieldError("body", "is required")], "overdue", "sms", .init(body: "  "))
            await refused([FieldError("body", "must be at most 1000 characters")], "overdue", "sms", .init(body: String(repeating: "x", count: 1001)))
            await refused([FieldError("subject", "is for email only; an SMS has no subject")], "overdue", "sms", .init(subject: "Hi", body: "Hi"))
            await refused([FieldError("subject", "is not a valid template: a section is opened and never closed (line 1)")],
                          "overdue", "email", .init(subject: "{{#due_date}}", body: "Hi"))
            await #expect(throws: DomainError.notFound("Message template")) {
                try await ReminderTemplates.save(ctx, event: "birthday", channel: "sms", .init(body: "Hi"), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.notFound("Message template")) {
                try await ReminderTemplates.preview(ctx, event: "overdue", channel: "fax", .init(body: "Hi"), on: t.db)
            }
            #expect(try await MessageTemplate.inOrganization(d.w.tenant.id, on: t.db).count() == 0)
            #expect(try await ReminderTemplates.list(ctx, on: t.db).allSatisfy { !$0.custom })
        }
    }

    @Test func aMessageTurnedOffIsNotSentAndEmailGoesOnceSMTPIsSetUp() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let ctx = d.w.ctx
            d.w.customer.email = "rahim@example.test"
            try await d.w.customer.save(on: t.db)
            try await ReminderTemplates.save(ctx, event: "due_soon", channel: "sms", .init(body: nil, enabled: false), services: t.services, on: t.db)
            _ = try await d.pass("2026-03-05")
            // No SMTP yet: the reminder has no way out (SMS is off), and is not kept for later.
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 0)
            _ = try await Settings.update(ctx, ["email": ["host": .string("smtp.alpha.test"), "port": .int(2525), "from_address": .string("billing@alpha.test")]],
                                          services: t.services, on: t.db)
            // The day's second reminder step (due today) goes by email only.
            _ = try await d.pass("2026-03-08")
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 2,
                    "the due-today reminder by SMS and by email")
            let emails = try await OutboxMessage.query(on: t.db).filter(\.$organizationID == d.w.tenant.id).filter(\.$channel == .email).all()
            #expect(emails.map(\.subject) == ["Your Alpha Net bill is due today"])
            #expect(emails.first?.recipient == "rahim@example.test" && emails.first?.body.contains("Your bill of BDT 1,000.00 is due today.") == true)
            #expect(try await sms(t, d.w.tenant.id) == ["notice.due_today: Alpha Net: Dear Rahim Uddin, your bill of BDT 1,000.00 is due today."])
            // Turning the receipt SMS off refuses texting a receipt with a sentence.
            try await ReminderTemplates.save(ctx, event: "payment_received", channel: "sms", .init(body: nil, enabled: false), services: t.services, on: t.db)
            let payment = try await d.w.pay("1000", on: "2026-03-08")
            await #expect(throws: DomainError.conflict("The \"payment received\" SMS is turned off in Settings → Messages.")) {
                _ = try await Receipts.text(ctx, payment.id!.uuidString, services: t.services, on: t.db)
            }
        }
    }

    @Test func anInvoiceIssuedIsTextedOnceAtThePassNotAtTheBillingRun() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            #expect(try await InvoiceNotice.inOrganization(d.w.tenant.id, on: t.db).count() == 0, "the billing run itself sends nothing")
            _ = try await d.pass("2026-03-02")
            _ = try await d.pass("2026-03-03")
            #expect(try await InvoiceNotice.inOrganization(d.w.tenant.id, on: t.db).count() == 1, "once per invoice")
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 1)
            #expect(try await NoticeSender.send(organizationID: d.w.tenant.id, services: t.services, on: t.db) == 0)
            let number = d.w.invoices[0].number
            #expect(try await sms(t, d.w.tenant.id) == ["notice.invoice_issued: Alpha Net: Dear Rahim Uddin, invoice \(number) of BDT 1,000.00 is issued, due on 8 Mar 2026."])
            // A receipt texted in the organization's words.
            try await ReminderTemplates.save(d.w.ctx, event: "payment_received", channel: "sms",
                                             .init(body: "Got {{payment_amount}} ({{receipt_number}}).{{#amount_due}} Due: {{amount_due}}.{{/amount_due}}"),
                                             services: t.services, on: t.db)
            let payment = try await d.w.pay("400", on: "2026-03-03")
            #expect(try await Receipts.text(d.w.ctx, payment.id!.uuidString, services: t.services, on: t.db))
            #expect(try await sms(t, d.w.tenant.id).last == "receipt: Got 400.00 (\(payment.number)). Due: 600.00.")
        }
    }

    @Test func onlyWholeOrganizationSettingsManagersChangeTemplates() async throws {
        try await withApp { t in
            let d = try await DunningWorld.make(t)
            let clerk = try await t.context(of: try await t.makeUser(in: d.w.tenant, role: .billingOps, email: "clerk@alpha.test"))
            #expect(clerk.can(.settingsManage) == false)
            await #expect(throws: DomainError.self) {
                try await ReminderTemplates.save(clerk, event: "overdue", channel: "sms", .init(body: "Pay"), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.self) { try await ReminderTemplates.reset(clerk, event: "overdue", channel: "sms", services: t.services, on: t.db) }
            #expect(try await MessageTemplate.inOrganization(d.w.tenant.id, on: t.db).count() == 0)
        }
    }
}
