import Fluent
import Foundation
import Jobs
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

/// Defect 1 of the attack report: staff who may read the Outbox opened a password-reset or
/// invitation email there and used its link to take over the account.
@Suite("Outbox secrecy", .serialized)
struct OutboxSecrecyTests {
    @Test func outboxReadersNeverSeeOneTimeLinksAndOnlyTheRecipientsCopyCarriesThem() async throws {
        try await withApp { t in
            // setup: an invitation and a password reset of the super admin, held (no SMTP yet)
            let tenant = try await t.makeTenant("Alpha Net")
            try await t.makeUser(in: tenant, role: .support, email: "agent@alpha.test")
            let billing = try #require(try await Role.query(on: t.db).filter(\.$organizationID == tenant.id).filter(\.$key == "billing_ops").first())
            let invite = try await t.api(.POST, "/api/v1/users", token: tenant.token,
                                         json: ["email": "mina@alpha.test", "name": "Mina Akter", "role_id": billing.id!.uuidString])
            #expect(invite.status == .created)
            try await Credentials.requestPasswordReset(email: tenant.admin.email, origin: .init(ip: "10.0.0.9", userAgent: nil),
                                                       services: t.services, on: t.db)
            try await t.drainJobs()
            let held = try await OutboxMessage.query(on: t.db).all()
            #expect(Set(held.map(\.purpose)) == ["invitation", "password_reset"])
            #expect(held.allSatisfy { $0.state == .held })

            // MUT: support staff (outbox.read) open every message on the Outbox pages
            let agent = Browser(t.app)
            try await agent.signIn("agent@alpha.test")
            let list = try await agent.get("/outbox")
            #expect(list.status == .ok)
            for message in held {
                let page = try await agent.get("/outbox/\(message.id!)")
                #expect(page.status == .ok)
                // validate: neither the link nor its token is on the page or in the stored text
                let link = try #require(try t.linkPath(in: message, containing: message.purpose == "invitation" ? "/invitations/" : "/password-reset/"))
                let token = try #require(link.split(separator: "/").last.map(String.init))
                #expect(token.count >= 32)
                #expect(!page.text.contains(token), "the \(message.purpose) page shows the one-time token")
                #expect(!list.text.contains(token))
                #expect(!message.body.contains(token))
                #expect(page.text.contains("only the recipient"))
            }
            // Every opening is audited, with who and which message.
            let views = try await AuditEvent.query(on: t.db).filter(\.$action == "outbox.message_viewed").all()
            #expect(views.count == held.count)
            #expect(Set(views.compactMap(\.targetID)) == Set(held.map { $0.id!.uuidString }))
            #expect(views.allSatisfy { $0.actorLabel == "agent@alpha.test" })

            // "Send again" would let whoever changed the mail settings collect the links: it skips them.
            let admin = try await t.context(of: tenant.admin)
            #expect(try await Outbox.sendAgain(admin, services: t.services, on: t.db) == 0)
            await #expect(throws: DomainError.self) {
                try await Outbox.sendAgain(admin, id: held[0].id!.uuidString, services: t.services, on: t.db)
            }

            // Resending is how an admin helps: a new invitation goes out, and its link works.
            let patch = try await t.api(.PATCH, "/api/v1/settings", token: tenant.token,
                                        json: ["email": ["host": "smtp.alpha.test", "port": 2525, "security": "none", "from_address": "noc@alpha.test"]])
            #expect(patch.status == .ok)
            let again = try await t.api(.POST, "/api/v1/users/\(invite.json["id"] as! String)/invitation", token: tenant.token)
            #expect(again.status == .accepted)
            try await t.drainJobs()
            let sent = try #require(t.sent.emails.first { $0.0.to.first?.address == "mina@alpha.test" })
            let line = try #require(sent.0.textBody.split(separator: "\n").first { $0.contains("/invitations/") })
            let path = String(line.trimmingCharacters(in: .whitespaces).dropFirst("http://meghna.test".count))
            #expect(try await Browser(t.app).get(path).status == .ok)
            let stored = try #require(try await OutboxMessage.query(on: t.db).filter(\.$state == .sent).first())
            #expect(!stored.body.contains(path))
        }
    }
}
