import FluentKit
import Foundation
import MeghnaCore
import Platform

/// The runs page and its preview, for staff.
public enum BillingRuns {
    /// Runs and previews cover every branch: staff limited to some branches, and reseller staff,
    /// see their own invoices instead.
    public static func canSee(_ ctx: TenantContext) -> Bool { ctx.can(.invoicesRead) && ctx.isWholeOrganization }

    static func requireWholeOrganization(_ ctx: TenantContext) throws {
        try ctx.requireWholeOrganization("The invoice run")
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<BillingRun> {
        try ctx.require(.invoicesRead)
        try requireWholeOrganization(ctx)
        return try await BillingRun.scoped(to: ctx, on: db).paginateNewestFirst(page, by: \.$startedAt)
    }

    /// What a run through `on` (default today) would invoice; writes nothing.
    public static func preview(_ ctx: TenantContext, on raw: String?, services: PlatformServices, on db: any Database) async throws -> RunSummary {
        try ctx.require(.invoicesRead)
        try requireWholeOrganization(ctx)
        var v = Validator()
        let day = v.localDate("on", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        try v.check()
        return try await InvoiceRuns.run(organizationID: ctx.organizationID, through: day, dryRun: true, actor: ctx.actor.label, services: services, on: db)
    }

    /// Runs now for the organization (staff's button).
    public static func runNow(_ ctx: TenantContext, on raw: String?, services: PlatformServices, on db: any Database) async throws -> RunSummary {
        try ctx.require(.invoicesWrite)
        try requireWholeOrganization(ctx)
        var v = Validator()
        let day = v.localDate("on", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        let today = LocalDate.today(services.clock.now(), in: ctx.timeZone)
        if day > today { v.add("on", "must not be after today (\(today))") }
        try v.check()
        return try await InvoiceRuns.run(organizationID: ctx.organizationID, through: day, dryRun: false, actor: ctx.actor.label, services: services, on: db)
    }
}
