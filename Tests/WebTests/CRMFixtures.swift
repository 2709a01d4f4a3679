import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport

/// One of every CRM record in an organization, for the route walks. Names start with
/// "Fixture" so a listing that leaks them is easy to spot.
struct CRMFixtures {
    let customer: Customer
    let address: ServiceAddress
    let contact: Contact
    let lead: Lead
    let reseller: Reseller
    let area: Area

    static func make(_ t: TestApp, in tenant: Tenant) async throws -> CRMFixtures {
        let ctx = try await t.context(of: tenant.admin)
        let area = try await Areas.create(ctx, .init(name: "Fixture Zone"), services: t.services, on: t.db)
        let reseller = try await Resellers.create(ctx, .init(name: "Fixture Reseller"), services: t.services, on: t.db)
        let customer = try await Customers.create(ctx, .init(displayName: "Fixture Customer", phones: ["01811111111"],
                                                             address: .init(line1: "Fixture Road", areaID: area.id!.uuidString),
                                                             contact: .init(name: "Fixture Contact")), services: t.services, on: t.db)
        let address = try #require(try await ServiceAddress.query(on: t.db).filter(\.$customerID == customer.id!).first())
        let contact = try #require(try await Contact.query(on: t.db).filter(\.$customerID == customer.id!).first())
        let lead = try await Leads.create(ctx, .init(name: "Fixture Lead", phones: ["01822222222"]), services: t.services, on: t.db)
        return CRMFixtures(customer: customer, address: address, contact: contact, lead: lead, reseller: reseller, area: area)
    }

    /// "customer-id" or "customer-id|address-id" per documented path.
    var fixtures: [String: String] {
        let c = customer.id!.uuidString
        return [
            "/customers/{id}": c, "/customers/{id}/restore": c, "/customers/{id}/activities": c,
            "/customers/{id}/addresses": c, "/customers/{id}/contacts": c,
            "/customers/{id}/addresses/{address_id}": c + "|" + address.id!.uuidString,
            "/customers/{id}/contacts/{contact_id}": c + "|" + contact.id!.uuidString,
            "/resellers/{id}": reseller.id!.uuidString,
            "/leads/{id}": lead.id!.uuidString, "/leads/{id}/convert": lead.id!.uuidString, "/leads/{id}/activities": lead.id!.uuidString,
            "/areas/{id}": area.id!.uuidString,
        ]
    }

    /// Areas are shared reference data inside an organization, so reseller staff may read them.
    var resellerScopedFixtures: [String: String] {
        fixtures.filter { !$0.key.hasPrefix("/areas") }
    }

    static func fill(_ path: String, _ ids: String) -> String {
        let parts = ids.split(separator: "|").map(String.init)
        var out = path.replacingOccurrences(of: "{id}", with: parts[0])
        if parts.count > 1 {
            out = out.replacingOccurrences(of: "{address_id}", with: parts[1]).replacingOccurrences(of: "{contact_id}", with: parts[1])
        }
        return out
    }

    func expectUnchanged(_ t: TestApp) async throws {
        let c = try #require(try await Customer.find(customer.id, on: t.db))
        #expect(c.displayName == "Fixture Customer" && c.archivedAt == nil)
        #expect(try await ServiceAddress.find(address.id, on: t.db)?.line1 == "Fixture Road")
        #expect(try await Contact.find(contact.id, on: t.db)?.name == "Fixture Contact")
        let l = try #require(try await Lead.find(lead.id, on: t.db))
        #expect(l.name == "Fixture Lead" && l.status == .new && l.archivedAt == nil)
        let r = try #require(try await Reseller.find(reseller.id, on: t.db))
        #expect(r.name == "Fixture Reseller" && r.archivedAt == nil)
        #expect(try await Area.find(area.id, on: t.db)?.name == "Fixture Zone")
        #expect(try await Activity.query(on: t.db).filter(\.$body == "Taken over").count() == 0)
    }
}
