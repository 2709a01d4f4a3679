import CRM
import Fluent
import Foundation
import MeghnaCore
import Notifications
import Platform
import Testing
import TestSupport

@Suite("Leads")
struct LeadTests {
    /// A lead's address may be longer than a service address's first line: conversion puts the
    /// rest on the second line instead of refusing a field the caller never sent.
    @Test func aLongLeadAddressConvertsOntoTwoLines() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let long = (1...30).map { "Road\($0)" }.joined(separator: " ") + " " + String(repeating: "x", count: 80)
            #expect(long.count > 200 && long.count <= 300)
            let lead = try await Leads.create(w.ctx, .init(name: "Long Address", phones: ["01812345679"], address: long), services: t.services, on: t.db)
            let (_, customer) = try await Leads.convert(w.ctx, lead.id!.uuidString, .init(), services: t.services, on: t.db)
            let address = try #require(try await ServiceAddress.query(on: t.db).filter(\.$customerID == customer.id!).first())
            #expect(address.line1.count <= 200 && (address.line2?.count ?? 0) <= 200)
            #expect(address.line1 + " " + (address.line2 ?? "") == long, "nothing lost: \(address.line1) | \(address.line2 ?? "")")
        }
    }

    @Test func assignmentNotifiesAndConversionLinksBothTimelines() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let agent = try await t.makeUser(in: w.tenant, role: .support, email: "agent@alpha.test", name: "Sadia Islam")
            let lead = try await Leads.create(w.ctx, .init(name: "Jamal Hossain", phones: ["01812345678"], address: "Flat 3B, Road 10 Tower",
                                                           areaID: w.tower.id!.uuidString, interest: "Home 20 Mbps", source: "facebook",
                                                           tags: ["Fiber"], nextFollowUpOn: "2026-11-20"), services: t.services, on: t.db)
            #expect(lead.numberText == "L-000001")
            #expect(lead.status == .new)
            _ = try await Leads.update(w.ctx, lead.id!.uuidString, .init(assignedUserID: agent.id!.uuidString, status: "qualified"),
                                       services: t.services, on: t.db)
            let mail = try #require(try await OutboxMessage.query(on: t.db).filter(\.$purpose == "lead_assigned").first())
            #expect(mail.recipient == "agent@alpha.test")
            #expect(mail.subject?.contains("L-000001") == true)

            let (converted, customer) = try await Leads.convert(w.ctx, lead.id!.uuidString, .init(), services: t.services, on: t.db)
            #expect(converted.status == .converted)
            #expect(converted.customerID == customer.id)
            #expect(customer.displayName == "Jamal Hossain")
            #expect(customer.phones == ["+8801812345678"])
            #expect(customer.tags == ["fiber"])
            #expect(customer.areaID == w.tower.id)
            let details = try await Customers.details(w.ctx, customer.id!.uuidString, on: t.db)
            #expect(details.addresses.first?.line1 == "Flat 3B, Road 10 Tower")
            #expect(details.contacts.first?.name == "Jamal Hossain")
            #expect(details.lead?.id == lead.id)

            let leadTimeline = try await Leads.timeline(w.ctx, lead.id!.uuidString, page: try CursorRequest(), on: t.db).items
            let customerTimeline = try await Customers.timeline(w.ctx, customer.id!.uuidString, page: try CursorRequest(), on: t.db).items
            #expect(leadTimeline.first?.kind == "converted")
            #expect(leadTimeline.first?.relatedID == customer.id)
            #expect(leadTimeline.contains { $0.kind == "assigned" && $0.changes.contains { $0.field == "assigned_to" && $0.after == "Sadia Islam" } })
            #expect(customerTimeline.contains { $0.kind == "converted" && $0.relatedID == lead.id })

            await #expect(throws: DomainError.conflict("L-000001 is already converted.")) {
                _ = try await Leads.convert(w.ctx, lead.id!.uuidString, .init(), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.self) {
                _ = try await Leads.update(w.ctx, lead.id!.uuidString, .init(status: "new"), services: t.services, on: t.db)
            }
        }
    }

    @Test func pipelineRulesFiltersAndBoard() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let now = t.clock.date
            let today = CalendarDate.today(now, in: w.ctx.timeZone)
            func make(_ name: String, _ phone: String, status: String? = nil, followUp: String? = nil, tags: [String]? = nil,
                      lost: String? = nil) async throws -> Lead {
                try await Leads.create(w.ctx, .init(name: name, phones: [phone], tags: tags, nextFollowUpOn: followUp, status: status, lostReason: lost),
                                       services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.invalid("lost_reason", "is required when a lead is lost")) {
                _ = try await make("No Reason", "01711111110", status: "lost")
            }
            await #expect(throws: DomainError.invalid("status", "a lead becomes converted by converting it into a customer")) {
                _ = try await make("Shortcut", "01711111119", status: "converted")
            }
            _ = try await make("Overdue Lead", "01711111111", status: "contacted", followUp: "2020-01-01", tags: ["corporate"])
            _ = try await make("Future Lead", "01711111112", followUp: "2099-01-01")
            _ = try await make("Lost Lead", "01711111113", status: "lost", followUp: "2020-01-01", lost: "Chose another ISP")
            func names(_ filter: Leads.Filter) async throws -> [String] {
                try await Leads.list(w.ctx, filter, page: try CursorRequest(), now: now, on: t.db).items.map(\.name).sorted()
            }
            #expect(try await names(.init(overdue: true)) == ["Overdue Lead"])
            #expect(try await names(.init(tag: "corporate")) == ["Overdue Lead"])
            #expect(try await names(.init(status: "lost")) == ["Lost Lead"])
            #expect(try await names(.init(query: "future")) == ["Future Lead"])
            #expect(try await names(.init(query: "01711111112")) == ["Future Lead"])
            #expect(try await names(.init(assignedUserID: "none")).count == 3)
            let board = try await Leads.board(w.ctx, .init(), now: now, on: t.db)
            #expect(board.map(\.status) == [.new, .contacted, .qualified, .converted, .lost])
            #expect(board.map(\.count) == [1, 1, 0, 0, 1])
            #expect(today.count == 10)
        }
    }

    @Test func thePublicInterestFormCreatesAWebLead() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let lead = try await Leads.intake(organizationSlug: w.tenant.organization.slug,
                                              .init(name: "Web Visitor", phones: ["01612345678"], interest: "Business 50 Mbps", status: "qualified"),
                                              from: "203.0.113.7", services: t.services, on: t.db)
            #expect(lead.source == "web_form")
            #expect(lead.status == .new)
            await #expect(throws: DomainError.notFound("Organization")) {
                _ = try await Leads.intake(organizationSlug: "nope", .init(name: "X", phones: ["01612345678"]), from: "203.0.113.7",
                                           services: t.services, on: t.db)
            }
        }
    }

    @Test func thePublicInterestFormTakesOnlyAFewLeadsAnHourFromOneAddress() async throws {
        try await withApp { t in
            // setup
            let w = try await CRMWorld.make(t)
            let slug = w.tenant.organization.slug
            let limit = RateLimits.Rule.interestFormPerAddress.limit
            for index in 0..<limit {
                _ = try await Leads.intake(organizationSlug: slug, .init(name: "Visitor \(index)", phones: ["0161234\(String(format: "%04d", index))"]),
                                           from: "203.0.113.7", services: t.services, on: t.db)
            }
            // MUT
            let refused: DomainError? = await {
                do {
                    _ = try await Leads.intake(organizationSlug: slug, .init(name: "Flood", phones: ["01712345678"]), from: "203.0.113.7",
                                               services: t.services, on: t.db)
                    return nil
                } catch let error as DomainError { return error } catch { return nil }
            }()
            // validate
            guard case .throttled = refused else {
                Issue.record("expected throttled, got \(String(describing: refused))")
                return
            }
            _ = try await Leads.intake(organizationSlug: slug, .init(name: "Neighbour", phones: ["01812345678"]), from: "203.0.113.8",
                                       services: t.services, on: t.db)
            t.clock.advance(by: 3601)
            _ = try await Leads.intake(organizationSlug: slug, .init(name: "Later", phones: ["01912345678"]), from: "203.0.113.7",
                                       services: t.services, on: t.db)
        }
    }
}
