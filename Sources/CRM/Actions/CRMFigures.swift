import FluentKit
import Foundation
import MeghnaCore
import Platform

/// The CRM's figures for the dashboard, counted inside what the person may see.
public enum CRMFigures {
    public struct Figures: Sendable {
        /// Customers not archived, by status; nil without `customers.read`.
        public var customersByStatus: [(CustomerStatus, Int)]?
        /// Open leads not contacted yet and open leads whose follow-up date passed; nil without `leads.read`.
        public var newLeads: Int?
        public var overdueFollowUps: Int?
        /// Imports queued or running; nil without `customers.write`.
        public var runningImports: Int?
    }

    public static func current(_ ctx: TenantContext, now: Date, on db: any Database) async throws -> Figures {
        var figures = Figures()
        if ctx.can(.customersRead) {
            var counts: [(CustomerStatus, Int)] = []
            for status in CustomerStatus.allCases {
                counts.append((status, try await Customer.scoped(to: ctx, on: db).filter(\.$archivedAt == nil).filter(\.$status == status).count()))
            }
            figures.customersByStatus = counts
        }
        if ctx.can(.leadsRead) {
            let today = CalendarDate.today(now, in: ctx.timeZone)
            figures.newLeads = try await Leads.filtered(ctx, .init(status: LeadStatus.new.rawValue), today: today, on: db).count()
            figures.overdueFollowUps = try await Leads.filtered(ctx, .init(overdue: true), today: today, on: db).count()
        }
        if ctx.can(.customersWrite) {
            figures.runningImports = try await CustomerImport.scoped(to: ctx, on: db).filter(\.$status ~~ ["queued", "running"]).count()
        }
        return figures
    }
}
