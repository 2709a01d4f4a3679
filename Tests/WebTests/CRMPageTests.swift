import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("CRM pages")
struct CRMPageTests {
    @Test func customerPagesCreateFindShowAndKeepInputOnErrors() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            #expect(try await browser.get("/areas").status == .ok)
            let added = try await browser.post("/areas", [("name", "Mirpur"), ("kind", "area"), ("parent_id", "")])
            #expect(added.status == .seeOther)
            let area = try #require(try await Area.query(on: t.db).first())

            let form = try await browser.get("/customers/new")
            #expect(form.status == .ok && form.text.contains("name=\"address_line1\""))
            let bad = try await browser.post("/customers/new", [("display_name", "Rahim Uddin"), ("phone1", "0171"), ("kind", "individual"),
                                                                ("address_line1", "House 7"), ("address_latitude", "99"), ("address_longitude", "90")])
            #expect(bad.status == .unprocessableEntity)
            #expect(bad.text.contains("Mobile A Bangladeshi mobile number must be 11 digits"))
            #expect(bad.text.contains("Latitude must be between -90 and 90 degrees"))
            #expect(bad.text.contains("value=\"Rahim Uddin\""), "the form keeps what was typed")
            #expect(try await Customer.query(on: t.db).count() == 0)

            let ok = try await browser.post("/customers/new", [
                ("display_name", "Rahim Uddin"), ("phone1", "01712345678"), ("kind", "individual"), ("tags", "vip, fiber"),
                ("address_line1", "House 7, Road 10"), ("address_area_id", area.id!.uuidString), ("address_latitude", "23.8103"),
                ("address_longitude", "90.4125"), ("contact_name", "Karim Uddin"), ("contact_phone", "01812345678"), ("contact_role", "billing"),
            ])
            #expect(ok.status == .seeOther)
            let location = try #require(ok.headers.first(name: .location))
            let page = try await browser.get(location)
            #expect(page.status == .ok)
            for text in ["C-000001 Rahim Uddin", "01712345678", "Karim Uddin", "23.810300, 90.412500", "geo:23.810300,90.412500", "Mirpur",
                         "Created customer C-000001"] {
                #expect(page.text.contains(text), "customer page lacks \(text)")
            }
            let search = try await browser.get("/customers?q=017-1234-5678")
            #expect(search.text.contains("Rahim Uddin"))
            #expect(try await browser.get("/customers?q=nobody").text.contains("No customers match"))

            // A second customer with the same phone gets the duplicate warning and can proceed.
            let dup = try await browser.post("/customers/new", [("display_name", "Rahim Again"), ("phone1", "+8801712345678"), ("kind", "individual")])
            #expect(dup.status == .unprocessableEntity && dup.text.contains("already belongs to C-000001 Rahim Uddin"))
            #expect(dup.text.contains("name=\"allow_duplicate\""))
            let forced = try await browser.post("/customers/new", [("display_name", "Rahim Again"), ("phone1", "+8801712345678"), ("kind", "individual"),
                                                                   ("allow_duplicate", "on")])
            #expect(forced.status == .seeOther)

            let id = String(location.split(separator: "/").last!)
            let note = try await browser.post("/customers/\(id)/activities", [("kind", "call"), ("body", "Asked for a faster plan")])
            #expect(note.status == .seeOther)
            let edited = try await browser.post("/customers/\(id)/edit", [("display_name", "Rahim Uddin Ahmed"), ("phone1", "01712345678"),
                                                                         ("kind", "individual"), ("status", "active")])
            #expect(edited.status == .seeOther)
            let after = try await browser.get("/customers/\(id)")
            #expect(after.text.contains("Asked for a faster plan"))
            #expect(after.text.contains("Rahim Uddin Ahmed"))
            #expect(after.text.contains("class=\"before\">Rahim Uddin</td>"))
        }
    }

    @Test func leadBoardConversionResellersAndImportPagesRender() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            let created = try await browser.post("/leads/new", [("name", "Jamal Hossain"), ("phone1", "01912345678"), ("source", "facebook"),
                                                                ("address", "Flat 3B"), ("status", "new"), ("interest", "Home 20 Mbps")])
            #expect(created.status == .seeOther)
            let board = try await browser.get("/leads")
            #expect(board.status == .ok && board.text.contains("Jamal Hossain") && board.text.contains("id=\"lead-board\""))
            #expect(try await browser.get("/leads?view=list&overdue=true").status == .ok)
            let lead = try #require(try await Lead.query(on: t.db).first())
            let lost = try await browser.post("/leads/\(lead.id!)", [("name", "Jamal Hossain"), ("phone1", "01912345678"), ("status", "lost"),
                                                                     ("source", "facebook")])
            #expect(lost.status == .unprocessableEntity && lost.text.contains("Lost reason is required when a lead is lost"))
            let converted = try await browser.post("/leads/\(lead.id!)/convert", [])
            #expect(converted.status == .seeOther)
            let customerPage = try await browser.get(try #require(converted.headers.first(name: .location)))
            #expect(customerPage.text.contains("Converted from lead L-000001"))
            let leadPage = try await browser.get("/leads/\(lead.id!)")
            #expect(leadPage.text.contains("Converted into customer C-000001"))

            let reseller = try await browser.post("/resellers", [("name", "Mirpur Franchise"), ("commission_rate", "12.5"), ("parent_id", "")])
            #expect(reseller.status == .seeOther)
            let badRate = try await browser.post("/resellers", [("name", "Greedy"), ("commission_rate", "150")])
            #expect(badRate.status == .unprocessableEntity && badRate.text.contains("Commission must be a percentage"))
            #expect(try await browser.get("/resellers").text.contains("12.50 %"))
            #expect(try await browser.get("/customers/import").status == .ok)
            #expect(try await browser.get("/join/\(a.organization.slug)").status == .ok)
            let web = try await browser.post("/join/\(a.organization.slug)", [("name", "Web Visitor"), ("phone", "123")])
            #expect(web.status == .unprocessableEntity && web.text.contains("Mobile A Bangladeshi mobile number"))
            #expect(try await browser.post("/join/\(a.organization.slug)", [("name", "Web Visitor"), ("phone", "01612345678")]).status == .seeOther)
            #expect(try await Lead.query(on: t.db).filter(\.$source == "web_form").count() == 1)
        }
    }

    @Test func anImportsPageShowsProgressWhileItRunsAndTheProblemsAfter() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: a.admin)
            let csv = "name,phone\nRahim Uddin,01712345678\nSelina Akter,12345\nKarim Sheikh,01812345678\n"
            let item = try await CustomerImports.upload(ctx, fileName: "old.csv", bytes: Array(csv.utf8), services: t.services, on: t.db)
            let browser = Browser(t.app)
            try await browser.signIn(a.admin.email)
            let started = try await browser.post("/customers/import/\(item.id!)", [("map_display_name", "0"), ("map_phone", "1"), ("action", "start")])
            #expect(started.status == .seeOther)
            let running = try await browser.get("/customers/import/\(item.id!)")
            #expect(running.status == .ok)
            #expect(running.text.contains("data-status=\"queued\""))
            #expect(running.text.contains("http-equiv=\"refresh\"") && running.text.contains("0 of 3 rows"))
            #expect(!running.text.contains("id=\"problems\""))
            _ = try await t.drainJobs()
            let done = try await browser.get("/customers/import/\(item.id!)")
            #expect(done.text.contains("data-status=\"completed\"") && !done.text.contains("http-equiv=\"refresh\""))
            #expect(done.text.contains("Imported <strong>2</strong> · skipped 0 · errors 1"))
            #expect(done.text.contains("id=\"problems\"") && done.text.contains("phone: "))
            #expect(try await browser.get("/customers/import/\(UUID())").status == .notFound)
        }
    }

    /// A converted lead links its customer only for staff who may read customers; staff with
    /// leads alone still get the lead page (it used to be a 404 outside their customer scope).
    @Test func aConvertedLeadLinksItsCustomerOnlyForStaffWhoMaySeeCustomers() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: a.admin)
            let lead = try await Leads.create(ctx, .init(name: "Jamal Hossain", phones: ["01812345678"]), services: t.services, on: t.db)
            let (_, customer) = try await Leads.convert(ctx, lead.id!.uuidString, .init(), services: t.services, on: t.db)
            let role = try await Roles.create(ctx, .init(name: "Lead desk", permissions: ["leads.read"]), services: t.services, on: t.db)
            let desk = User(organizationID: a.id, roleID: role.id!, email: "desk@alpha.test", name: "Lead Desk", status: .active)
            desk.passwordHash = try await t.services.hasher.hash(testPassword)
            desk.emailVerifiedAt = t.clock.date
            try await desk.create(on: t.db)
            // The heading's button (the timeline's own link to the record is answered 403 for them).
            let customerLink = "href=\"/customers/\(customer.id!.uuidString)\">Customer \(customer.numberText)</a>"
            let admin = Browser(t.app)
            try await admin.signIn(a.admin.email)
            #expect(try await admin.get("/leads/\(lead.id!)").text.contains(customerLink))
            let browser = Browser(t.app)
            try await browser.signIn("desk@alpha.test")
            let page = try await browser.get("/leads/\(lead.id!)")
            #expect(page.status == .ok && page.text.contains("Jamal Hossain") && !page.text.contains(customerLink))
        }
    }

    @Test func supportStaffCannotEditAreasAndResellerStaffSeeTheirOwn() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            _ = try await t.makeUser(in: a, role: .support, email: "agent@alpha.test")
            let browser = Browser(t.app)
            try await browser.signIn("agent@alpha.test")
            #expect(try await browser.get("/customers").status == .ok)
            #expect(try await browser.post("/areas", [("name", "Nope")]).status == .forbidden)
            #expect(try await browser.get("/resellers").status == .forbidden)
        }
    }
}
