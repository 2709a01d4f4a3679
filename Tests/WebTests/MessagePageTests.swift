import Foundation
import MeghnaCore
import Platform
import Receivables
import Testing
import TestSupport
@testable import Web

@Suite("Message pages")
struct MessagePageTests {
    /// An admin rewrites the "due soon" SMS in Bangla: the preview shows it filled in with its
    /// length and segments, a bad variable keeps what was typed, and saving sends it from then on.
    @Test func anAdminPreviewsAndSavesATextAndAClerkOnlyPreviews() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(tenant.admin.email)
            let list = try await browser.get("/messages")
            #expect(list.status == .ok && list.text.contains("Due soon") && list.text.contains("/messages/edit?event=due_soon&amp;channel=sms"))
            let edit = try await browser.get("/messages/edit?event=due_soon&channel=sms")
            #expect(edit.text.contains("{{amount_due}}") && edit.text.contains(#"id="segments""#) && edit.text.contains("GSM-7: 1 SMS"))
            let bangla = "{{organization_name}}: প্রিয় {{customer_name}}, আপনার বিল {{amount_due}} টাকা {{due_date}} তারিখে পরিশোধ করুন।"
            let preview = try await browser.post("/messages/edit", [("event", "due_soon"), ("channel", "sms"), ("body", bangla), ("enabled", "on"), ("action", "preview")])
            #expect(preview.status == .ok && preview.text.contains("Alpha Net: প্রিয় Rahim Uddin, আপনার বিল 1,500.00 টাকা 8 Mar 2026 তারিখে পরিশোধ করুন।"))
            #expect(preview.text.contains("Unicode (UCS-2): 2 SMS"), "Bangla counts as Unicode")
            let bad = try await browser.post("/messages/edit", [("event", "due_soon"), ("channel", "sms"), ("body", "Pay {{invoice_total}} now"),
                                                               ("enabled", "on"), ("action", "save")])
            #expect(bad.status == .unprocessableEntity && bad.text.contains("Text uses {{invoice_total}}, which is not a variable of this message")
                    && bad.text.contains("Pay {{invoice_total}} now"), "the error names the field and keeps what was typed")
            let saved = try await browser.post("/messages/edit", [("event", "due_soon"), ("channel", "sms"), ("body", bangla), ("enabled", "on"), ("action", "save")])
            #expect(saved.status == .seeOther)
            #expect(try await ReminderTemplates.all(organizationID: tenant.id, on: t.db).first { $0.event == .dueSoon && $0.channel == .sms }?.body == bangla)
            #expect(try await browser.get("/messages").text.contains("Your text"))

            // A billing clerk may look and preview, not change.
            _ = try await t.makeUser(in: tenant, role: .billingOps, email: "clerk@alpha.test")
            let clerk = Browser(t.app)
            try await clerk.signIn("clerk@alpha.test")
            #expect(try await clerk.get("/messages").status == .forbidden, "settings.read is for admins")
            let reset = try await browser.post("/messages/edit", [("event", "due_soon"), ("channel", "sms"), ("action", "reset")])
            #expect(reset.status == .seeOther)
            #expect(try await ReminderTemplates.all(organizationID: tenant.id, on: t.db).allSatisfy { !$0.custom })
            #expect(try await browser.get("/messages/edit?event=birthday&channel=sms").status == .notFound)
        }
    }
}
