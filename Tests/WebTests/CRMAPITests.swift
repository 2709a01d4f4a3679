import CRM
import Documents
import Foundation
import MeghnaCore
import Testing
import TestSupport
import Vapor
@testable import Web

@Suite("CRM API")
struct CRMAPITests {
    @Test func customerLifecycleOverTheAPI() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let area = try await t.api(.POST, "/api/v1/areas", token: a.token, json: ["name": "Mirpur", "kind": "area"])
            #expect(area.status == .created)
            let areaID = try #require(area.json["id"] as? String)

            let bad = try await t.api(.POST, "/api/v1/customers", token: a.token, json: [
                "display_name": "Rahim", "phones": ["0171"], "address": ["line1": "House 7", "latitude": "91", "longitude": "90", "area_id": UUID().uuidString],
            ])
            #expect(bad.status == .unprocessableEntity)
            #expect(Set(bad.errorFields) == ["phones[0]", "address.latitude"])
            #expect(bad.headers.contentType?.description.contains("problem+json") == true)
            // Once the body fits the document, the rules it lists: the area must exist.
            let unknownArea = try await t.api(.POST, "/api/v1/customers", token: a.token, json: [
                "display_name": "Rahim", "phones": ["01712345678"], "address": ["line1": "House 7", "area_id": UUID().uuidString],
            ])
            #expect(unknownArea.status == .unprocessableEntity && unknownArea.errorFields == ["address.area_id"])

            let created = try await t.api(.POST, "/api/v1/customers", token: a.token, json: [
                "display_name": "Rahim Uddin", "phones": ["01712345678"], "tags": ["vip"],
                "address": ["line1": "House 7, Road 10", "area_id": areaID, "latitude": "23.8103", "longitude": "90.4125"],
                "contact": ["name": "Karim", "role": "billing", "phones": ["01812345678"]],
            ])
            #expect(created.status == .created)
            #expect(created.json["number"] as? String == "C-000001")
            let id = try #require(created.json["id"] as? String)

            let found = try await t.api(.GET, "/api/v1/customers?q=01712-345678", token: a.token)
            #expect(found.data.map { $0["number"] as? String } == ["C-000001"])
            #expect(found.data.first?["area"] as? String == "Mirpur")

            let addresses = try await t.api(.GET, "/api/v1/customers/\(id)/addresses", token: a.token)
            #expect(addresses.data.first?["latitude"] as? String == "23.810300")
            let addressID = try #require(addresses.data.first?["id"] as? String)
            let moved = try await t.api(.PATCH, "/api/v1/customers/\(id)/addresses/\(addressID)", token: a.token, json: ["longitude": "181"])
            #expect(moved.status == .unprocessableEntity && moved.errorFields == ["longitude"])

            let patched = try await t.api(.PATCH, "/api/v1/customers/\(id)", token: a.token, json: ["display_name": "Rahim Uddin Ahmed"])
            #expect(patched.json["display_name"] as? String == "Rahim Uddin Ahmed")
            let note = try await t.api(.POST, "/api/v1/customers/\(id)/activities", token: a.token, json: ["kind": "call", "body": "Asked about upgrade"])
            #expect(note.status == .created)
            let timeline = try await t.api(.GET, "/api/v1/customers/\(id)/activities", token: a.token)
            #expect(timeline.data.first?["kind"] as? String == "call")
            let update = try #require(timeline.data.first { $0["kind"] as? String == "updated" && ($0["summary"] as? String)?.contains("display_name") == true })
            let changes = try #require(update["changes"] as? [[String: Any]])
            #expect(changes.first?["before"] as? String == "Rahim Uddin")
            #expect(changes.first?["after"] as? String == "Rahim Uddin Ahmed")

            let export = try await t.api(.GET, "/api/v1/customers/export?tag=vip", token: a.token)
            #expect(export.status == .ok)
            #expect(export.headers.contentType?.subType == "csv")
            let rows = try CSV.parse(export.text)
            #expect(rows.count == 2 && rows[1][0] == "C-000001" && rows[1][1] == "Rahim Uddin Ahmed")

            let archived = try await t.api(.DELETE, "/api/v1/customers/\(id)", token: a.token)
            #expect(archived.json["archived"] as? Bool == true)
            #expect(try await t.api(.GET, "/api/v1/customers", token: a.token).data.isEmpty)
            #expect(try await t.api(.GET, "/api/v1/customers?archived=true", token: a.token).data.count == 1)
        }
    }

    @Test func leadsConvertOverTheAPIAndAbilitiesAreEnforced() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let lead = try await t.api(.POST, "/api/v1/leads", token: a.token, json: ["name": "Jamal", "phones": ["01912345678"], "address": "Flat 3B"])
            #expect(lead.status == .created)
            #expect(lead.json["source"] as? String == "api")
            let id = try #require(lead.json["id"] as? String)
            let readOnly = try await t.makeToken(email: a.admin.email, abilities: ["leads.read"])
            #expect(try await t.api(.POST, "/api/v1/leads/\(id)/convert", token: readOnly).status == .forbidden)
            let lost = try await t.api(.PATCH, "/api/v1/leads/\(id)", token: a.token, json: ["status": "lost"])
            #expect(lost.status == .unprocessableEntity && lost.errorFields == ["lost_reason"])
            let converted = try await t.api(.POST, "/api/v1/leads/\(id)/convert", token: a.token)
            #expect(converted.status == .created)
            let customer = try #require(converted.json["customer"] as? [String: Any])
            #expect(customer["display_name"] as? String == "Jamal")
            #expect((converted.json["lead"] as? [String: Any])?["status"] as? String == "converted")
            let again = try await t.api(.POST, "/api/v1/leads/\(id)/convert", token: a.token)
            #expect(again.status == .conflict)

            let reseller = try await t.api(.POST, "/api/v1/resellers", token: a.token, json: ["name": "Top", "commission_rate": "10"])
            let rid = try #require(reseller.json["id"] as? String)
            let child = try await t.api(.POST, "/api/v1/resellers", token: a.token, json: ["name": "Child", "parent_id": rid])
            let cid = try #require(child.json["id"] as? String)
            let loop = try await t.api(.PATCH, "/api/v1/resellers/\(rid)", token: a.token, json: ["parent_id": cid])
            #expect(loop.status == .unprocessableEntity && loop.errorFields == ["parent_id"])
            #expect(reseller.json["commission_rate"] as? String == "10.00")
        }
    }
}
