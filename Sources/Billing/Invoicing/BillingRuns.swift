import FluentKit
import Foundation
import Jobs
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

    /// The payload of the job that carries out a queued run.
    public struct RunJob: Codable, Sendable {
        public var runID: UUID
    }

    public static let runJob = JobKind<RunJob>("billing.run")

    /// The job's unique key: one job per run.
    static func jobKey(_ runID: UUID) -> String { "billing-run:\(runID)" }

    /// Staff's "Run now": the run is recorded as queued and handed to the worker, which bills in
    /// chunks and moves the run's progress after each one; the page follows it.
    public static func start(_ ctx: TenantContext, on raw: String?, services: PlatformServices, on db: any Database) async throws -> BillingRun {
        let day = try startDay(ctx, raw, services: services)
        let now = services.clock.now()
        return try await db.writeTransaction { tx in
            let run = BillingRun(organizationID: ctx.organizationID, runOn: day, status: "queued", actor: ctx.actor.label, startedAt: now)
            try await run.create(on: tx)
            try await services.jobs.enqueue(runJob, RunJob(runID: run.id!), organizationID: ctx.organizationID, uniqueKey: jobKey(run.id!),
                                            maxAttempts: 5, on: tx)
            try await Audit.record("billing.run_started", "Started an invoice run through \(day)", ctx: ctx, target: .init("billing_run", run.id),
                                   at: now, on: tx)
            return run
        }
    }

    /// The worker's side of `start`: carries the run on from where its committed chunks left it
    /// (a retry after a crash resumes; a finished run is left alone).
    public static func carryOut(_ job: RunJob, services: PlatformServices, on db: any Database) async throws {
        guard let run = try await BillingRun.find(job.runID, on: db) else { throw JobFailure.discard("billing run \(job.runID) is gone") }
        guard run.status != "finished" else { return }
        guard let day = LocalDate(run.runOn) else { throw JobFailure.discard("billing run \(job.runID) has no day") }
        _ = try await InvoiceRuns.run(organizationID: run.organizationID, through: day, dryRun: false, actor: run.actor, resuming: run.id,
                                      services: services, on: db)
    }

    /// Of these runs, those a worker is still carrying out (their job waits, runs or will retry):
    /// the page refreshes only for them, not for a run a killed command left marked running.
    public static func followed(_ runs: [BillingRun], on db: any Database) async throws -> Set<UUID> {
        let runByKey = Dictionary(runs.filter(\.inProgress).map { (jobKey($0.id!), $0.id!) }, uniquingKeysWith: { a, _ in a })
        guard !runByKey.isEmpty else { return [] }
        let live = try await JobRecord.query(on: db).filter(\.$organizationID ~~ Set(runs.map { Optional($0.organizationID) }))
            .filter(\.$uniqueKey ~~ Array(runByKey.keys))
            .filter(\.$state ~~ [JobState.available.rawValue, JobState.running.rawValue, JobState.retryable.rawValue]).all()
        return Set(live.compactMap { $0.uniqueKey.flatMap { runByKey[$0] } })
    }

    /// One run, for its page or the API.
    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> BillingRun {
        try ctx.require(.invoicesRead)
        try requireWholeOrganization(ctx)
        return try await BillingRun.find(id, in: ctx, on: db)
    }

    /// The day a staff run bills through: given (not after today) or today.
    static func startDay(_ ctx: TenantContext, _ raw: String?, services: PlatformServices) throws -> LocalDate {
        try ctx.require(.invoicesWrite)
        try requireWholeOrganization(ctx)
        var v = Validator()
        let day = v.localDate("on", raw) ?? LocalDate.today(services.clock.now(), in: ctx.timeZone)
        let today = LocalDate.today(services.clock.now(), in: ctx.timeZone)
        if day > today { v.add("on", "must not be after today (\(today))") }
        try v.check()
        return day
    }
}
