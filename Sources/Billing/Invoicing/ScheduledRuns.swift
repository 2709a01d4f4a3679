import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform

extension InvoiceRuns {
    /// The scheduler's check (every ten minutes): each organization whose invoice run schedule
    /// (Settings → Billing, a cron in its time zone) has fired today, and that has no run started
    /// since, is billed through today. Returns the organizations run.
    @discardableResult
    public static func runScheduled(now: Date, services: PlatformServices, on db: any Database) async throws -> [UUID] {
        var ran: [UUID] = []
        var failure: (any Error)?
        for org in try await Organization.query(on: db).sort(\.$createdAt).all() {
            let zone = org.timeZone
            let settings = try await Settings.load(organizationID: org.id!, services: services, on: db)
            guard let cron = try? CronExpression(settings.string("billing", "invoice_run_schedule")) else { continue }
            let today = LocalDate.today(now, in: zone)
            guard let fired = cron.next(after: today.start(in: zone).addingTimeInterval(-1), in: zone), fired <= now else { continue }
            // A run that failed does not count: the next check tries again.
            let since = try await BillingRun.inOrganization(org.id!, on: db).filter(\.$startedAt >= fired).filter(\.$status != "failed").count()
            guard since == 0 else { continue }
            do {
                _ = try await run(organizationID: org.id!, through: today, dryRun: false, actor: "system:schedule", services: services, on: db)
                ran.append(org.id!)
            } catch {
                // One organization's failure does not hold up the others; the job fails afterwards
                // (and is retried) so the failure is seen.
                failure = failure ?? error
            }
        }
        if let failure { throw failure }
        return ran
    }
}
