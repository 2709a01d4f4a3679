import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Billing

/// Staff's "Run now" queues the run; the worker carries it out chunk by chunk, moving the run's
/// counters in each chunk's transaction, so the page's progress counts what was committed.
@Suite("Queued invoice runs")
struct QueuedRunTests {
    /// Three subscriptions billed monthly from 1 January 2026.
    static func subscriptions(_ w: BillingWorld) async throws -> [Subscription] {
        var out: [Subscription] = []
        for i in 0..<3 {
            let customer = try await Customers.create(w.ctx, .init(displayName: "Queued \(i)", phones: ["0171200020\(i)"]), services: w.t.services, on: w.t.db)
            out.append(try await Subscriptions.create(w.ctx, .init(customerID: customer.id!.uuidString, planID: w.home.id!.uuidString, billingDay: "1",
                                                                   startsOn: "2026-01-01", activate: "true"), services: w.t.services, on: w.t.db))
        }
        return out
    }

    @Test func aRunStartedByStaffIsQueuedAndTheWorkerCarriesItOut() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            _ = try await Self.subscriptions(w)
            let run = try await BillingRuns.start(w.ctx, on: "2026-03-15", services: t.services, on: t.db)
            #expect(run.status == "queued" && run.due == nil && run.runOn == "2026-03-15")
            #expect(try await Invoice.scoped(to: w.ctx, on: t.db).count() == 0, "nothing is billed inside the request")
            #expect(try await BillingRuns.followed([run], on: t.db) == [run.id!])
            #expect(try await AuditEvent.query(on: t.db).filter(\.$action == "billing.run_started").count() == 1)

            #expect(try await t.drainJobs(queues: ["default"]) == 1)
            let done = try #require(try await BillingRun.find(run.id, on: t.db))
            #expect(done.status == "finished" && done.finishedAt != nil)
            #expect(done.due == 3 && done.subscriptions == 3 && done.percent == 100)
            #expect(done.invoices == 9 && done.total == 9 * 100_000)
            #expect(try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$runID == run.id!).count() == 9)
            #expect(try await BillingRuns.followed([done], on: t.db).isEmpty, "the page stops refreshing once the job is done")

            // A second run through the same day finds nothing due and writes nothing.
            let again = try await BillingRuns.start(w.ctx, on: "2026-03-15", services: t.services, on: t.db)
            #expect(try await t.drainJobs(queues: ["default"]) == 1)
            let second = try #require(try await BillingRun.find(again.id, on: t.db))
            #expect(second.status == "finished" && second.due == 0 && second.invoices == 0 && second.percent == 100)
            #expect(try await Invoice.scoped(to: w.ctx, on: t.db).count() == 9)
        }
    }

    @Test func aRunIsForTodayOrEarlierAndForStaffOfEveryBranch() async throws {
        try await withApp { t in
            let w = try await BillingWorld.make(t)
            let tomorrow = LocalDate.today(t.clock.date, in: w.ctx.timeZone).adding(days: 1)
            await #expect(throws: DomainError.invalid("on", "must not be after today (\(LocalDate.today(t.clock.date, in: w.ctx.timeZone)))")) {
                try await BillingRuns.start(w.ctx, on: tomorrow.description, services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.invalid("on", "must be a date written YYYY-MM-DD")) {
                try await BillingRuns.start(w.ctx, on: "2026-02-30", services: t.services, on: t.db)
            }
            let clerk = try await t.makeUser(in: w.tenant, role: .billingOps, email: "clerk@alpha.test")
            let branch = try #require(try await Branch.scoped(to: w.ctx, on: t.db).first())
            try await UserBranch(organizationID: w.tenant.id, userID: clerk.id!, branchID: branch.id!).create(on: t.db)
            let limited = try await t.context(of: clerk)
            do {
                _ = try await BillingRuns.start(limited, on: nil, services: t.services, on: t.db)
                Issue.record("a clerk of one branch started a run")
            } catch let error as DomainError {
                if case .forbidden = error {} else { Issue.record("refused with \(error), not as forbidden") }
            }
            #expect(try await BillingRun.query(on: t.db).count() == 0, "a refused start leaves no run behind")
            #expect(try await t.drainJobs() == 0)
        }
    }
}
