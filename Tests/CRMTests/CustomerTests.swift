import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport

/// A tenant with an admin context and a small area tree.
struct CRMWorld {
    let t: TestApp
    let tenant: Tenant
    let ctx: TenantContext
    let zone: Area
    let mirpur: Area
    let tower: Area

    static func make(_ t: TestApp, name: String = "Alpha Net") async throws -> CRMWorld {
        let tenant = try await t.makeTenant(name)
        let ctx = try await t.context(of: tenant.admin)
        let zone = try await Areas.create(ctx, .init(name: "Dhaka North", kind: "zone"), services: t.services, on: t.db)
        let mirpur = try await Areas.create(ctx, .init(name: "Mirpur", kind: "area", parentID: zone.id!.uuidString), services: t.services, on: t.db)
        let tower = try await Areas.create(ctx, .init(name: "Road 10 Tower", kind: "building", parentID: mirpur.id!.uuidString),
                                           services: t.services, on: t.db)
        return CRMWorld(t: t, tenant: tenant, ctx: ctx, zone: zone, mirpur: mirpur, tower: tower)
    }

    func customer(_ name: String, phone: String, area: Area? = nil, nid: String? = nil, tags: [String]? = nil, reseller: Reseller? = nil,
                  as ctx: TenantContext? = nil) async throws -> Customer {
        try await Customers.create(ctx ?? self.ctx, .init(
            displayName: name, phones: [phone], nationalID: nid, resellerID: reseller?.id?.uuidString, tags: tags,
            address: area.map { .init(line1: "House 7, Road 10", areaID: $0.id!.uuidString) }), services: t.services, on: t.db)
    }

    func search(_ q: String? = nil, as ctx: TenantContext? = nil, _ filter: CustomerDirectory.Filter = .init()) async throws -> [String] {
        var f = filter
        f.query = q ?? filter.query
        return try await CustomerDirectory.search(ctx ?? self.ctx, f, page: try CursorRequest(limit: 200), on: t.db).items.map(\.displayName)
    }
}

@Suite("Customers")
struct CustomerTests {
    @Test func createsACustomerWithAddressContactNumberAndTimeline() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let customer = try await Customers.create(w.ctx, .init(
                kind: "individual", displayName: "Rahim Uddin", phones: ["017-1234 5678", "+44 20 7946 0958"], email: "Rahim@Example.com",
                nationalID: "1234567890", tags: ["VIP", "fiber", "vip"],
                address: .init(line1: "House 7, Road 10", city: "Dhaka", areaID: w.tower.id!.uuidString, latitude: "23.810332", longitude: "90.4125"),
                contact: .init(name: "Karim Uddin", role: "billing", phones: ["01812345678"])), services: t.services, on: t.db)
            #expect(customer.numberText == "C-000001")
            #expect(customer.phones == ["+8801712345678", "+442079460958"])
            #expect(customer.email == "rahim@example.com")
            #expect(customer.tags == ["vip", "fiber"])
            #expect(customer.areaID == w.tower.id)
            let details = try await Customers.details(w.ctx, customer.id!.uuidString, on: t.db)
            #expect(details.addresses.count == 1)
            #expect(details.addresses[0].latitudeE6 == 23_810_332)
            #expect(details.addresses[0].longitudeE6 == 90_412_500)
            #expect(details.contacts.map(\.name) == ["Karim Uddin"])
            #expect(details.contacts[0].isPrimary)
            #expect(details.areaName == "Dhaka North › Mirpur › Road 10 Tower")

            let second = try await w.customer("Selina Akter", phone: "01912345678")
            #expect(second.numberText == "C-000002")

            let timeline = try await Customers.timeline(w.ctx, customer.id!.uuidString, page: try CursorRequest(), on: t.db).items
            #expect(timeline.map(\.kind).contains("created"))
            let created = try #require(timeline.first { $0.kind == "created" })
            #expect(created.changes.contains(FieldChange(field: "display_name", before: nil, after: "Rahim Uddin")))
            #expect(created.actorLabel == w.tenant.admin.email)
            #expect(timeline.contains { $0.summary == "Added contact Karim Uddin" })
        }
    }

    @Test func updatesRecordAFieldLevelDiff() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let customer = try await w.customer("Rahim Uddin", phone: "01712345678")
            t.clock.advance(by: 60)
            _ = try await Customers.update(w.ctx, customer.id!.uuidString, .init(displayName: "Rahim Uddin Ahmed", legalName: "", phones: ["01712345678", "01812345679"]),
                                                                                  services: t.services, on: t.db)
            let latest = try #require(try await Customers.timeline(w.ctx, customer.id!.uuidString, page: try CursorRequest(), on: t.db).items.first)
            #expect(latest.kind == "updated")
            #expect(latest.changes == [
                FieldChange(field: "display_name", before: "Rahim Uddin", after: "Rahim Uddin Ahmed"),
                FieldChange(field: "phones", before: "+8801712345678", after: "+8801712345678, +8801812345679"),
            ])
            // A change that changes nothing writes nothing.
            _ = try await Customers.update(w.ctx, customer.id!.uuidString, .init(displayName: "Rahim Uddin Ahmed"), services: t.services, on: t.db)
            #expect(try await Customers.timeline(w.ctx, customer.id!.uuidString, page: try CursorRequest(), on: t.db).items.count == 2)
            #expect(try await w.search("01812345679") == ["Rahim Uddin Ahmed"])
        }
    }

    @Test func badInputNamesTheFieldAndWritesNothing() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            func errors(_ input: Customers.Input) async throws -> [String] {
                do {
                    _ = try await Customers.create(w.ctx, input, services: t.services, on: t.db)
                    return []
                } catch DomainError.validation(let list) {
                    return list.map(\.field)
                }
            }
            #expect(try await errors(.init(displayName: "X", phones: ["12345"])) == ["phones[0]"])
            #expect(try await errors(.init(displayName: "X", phones: [])) == ["phones"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], address: .init(line1: "A", latitude: "95", longitude: "90")))
                == ["address.latitude"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], address: .init(line1: "A", latitude: "23.8", longitude: "")))
                == ["address.longitude"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], address: .init(line1: "A", areaID: UUID().uuidString)))
                == ["address.area_id"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], nationalID: "12ab")) == ["national_id"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], joinedOn: "2026-02-30")) == ["joined_on"])
            #expect(try await errors(.init(displayName: "", phones: ["01712345678"], status: "terminated")) == ["display_name", "status"])
            #expect(try await errors(.init(displayName: "X", phones: ["01712345678"], contact: .init(name: "Y", phones: ["999"])))
                == ["contact.phones[0]"])
            #expect(try await Customer.query(on: t.db).count() == 0)
            #expect(try await ServiceAddress.query(on: t.db).count() == 0)
            #expect(try await Activity.query(on: t.db).filter(\.$subjectType == "customer").count() == 0)
        }
    }

    @Test func duplicatePhoneOrNationalIDWarnsAndCanProceed() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let first = try await w.customer("Rahim Uddin", phone: "01712345678", nid: "1234567890")
            do {
                _ = try await w.customer("Rahim U.", phone: "+880 1712-345678")
                Issue.record("a duplicate phone was accepted")
            } catch DomainError.validation(let list) {
                #expect(list.map(\.field) == ["phones[0]", "allow_duplicate"])
                #expect(list[0].message.contains(first.numberText))
            }
            do {
                _ = try await w.customer("Rahim Again", phone: "01912345678", nid: "1234567890")
                Issue.record("a duplicate national ID was accepted")
            } catch DomainError.validation(let list) {
                #expect(list.map(\.field).contains("national_id"))
            }
            let kept = try await Customers.create(w.ctx, .init(displayName: "Rahim U.", phones: ["01712345678"], allowDuplicate: true),
                                                  services: t.services, on: t.db)
            #expect(kept.numberText == "C-000002")
        }
    }

    /// The same number typed in Bengali, Arabic-Indic or full-width digits is the same number.
    @Test(arguments: [("১২৩৪৫৬৭৮৯০", "০১৭১২৩৪৫৬৭৮"), ("١٢٣٤٥٦٧٨٩٠", "٠١٧١٢٣٤٥٦٧٨"), ("１２３４５６７８９０", "０１７１２３４５６７８")])
    func digitsOfEveryScriptAreOneNumberForDuplicates(_ nid: String, _ phone: String) async throws {
        try await withApp { t in
            // setup
            let w = try await CRMWorld.make(t)
            let first = try await w.customer("Rahim Uddin", phone: "01712345678", nid: "1234567890")
            #expect(first.nationalID == "1234567890")
            // MUT + validate
            do {
                _ = try await w.customer("Rahim Again", phone: "01912345678", nid: nid)
                Issue.record("the national ID \(nid) slipped past duplicate detection")
            } catch DomainError.validation(let list) {
                #expect(list.map(\.field).contains("national_id"), "\(list)")
            }
            do {
                _ = try await w.customer("Rahim Third", phone: phone)
                Issue.record("the phone \(phone) slipped past duplicate detection")
            } catch DomainError.validation(let list) {
                #expect(list.map(\.field) == ["phones[0]", "allow_duplicate"], "\(list)")
            }
        }
    }

    @Test func archiveHidesFromListsAndRestoreBringsBack() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let customer = try await w.customer("Rahim Uddin", phone: "01712345678")
            _ = try await Customers.archive(w.ctx, customer.id!.uuidString, services: t.services, on: t.db)
            #expect(try await w.search("rahim").isEmpty)
            #expect(try await w.search("rahim", .init(archived: true)) == ["Rahim Uddin"])
            await #expect(throws: DomainError.self) {
                _ = try await Customers.update(w.ctx, customer.id!.uuidString, .init(displayName: "Z"), services: t.services, on: t.db)
            }
            _ = try await Customers.restore(w.ctx, customer.id!.uuidString, services: t.services, on: t.db)
            #expect(try await w.search("rahim") == ["Rahim Uddin"])
            #expect(try await Customer.query(on: t.db).count() == 1)
        }
    }

    @Test func notesAndCallsGoOnTheTimeline() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let customer = try await w.customer("Rahim Uddin", phone: "01712345678")
            t.clock.advance(by: 5)
            _ = try await Customers.log(w.ctx, customer.id!.uuidString, kind: "call", body: "Link down since morning; sent technician",
                                        services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("kind", "must be note or call")) {
                _ = try await Customers.log(w.ctx, customer.id!.uuidString, kind: "invoice", body: "x", services: t.services, on: t.db)
            }
            let items = try await Customers.timeline(w.ctx, customer.id!.uuidString, page: try CursorRequest(), on: t.db).items
            #expect(items.first?.kind == "call")
            #expect(items.first?.body == "Link down since morning; sent technician")
        }
    }

    @Test func otherTenantsCustomersAreNotFound() async throws {
        try await withApp { t in
            let a = try await CRMWorld.make(t)
            let b = try await CRMWorld.make(t, name: "Beta Broadband")
            let theirs = try await b.customer("Beta Customer", phone: "01712345678")
            await #expect(throws: DomainError.notFound("Customer")) { _ = try await Customers.find(a.ctx, theirs.id!.uuidString, on: t.db) }
            #expect(try await a.search("beta").isEmpty)
            #expect(try await a.search("01712345678").isEmpty)
            // The same phone in another organization is not a duplicate here.
            _ = try await a.customer("Alpha Customer", phone: "01712345678")
        }
    }
}
