import Billing
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `meghna billing run [--date YYYY-MM-DD] [--organization slug] [--dry-run]`: bills every
/// monthly subscription whose period has started by the date (default today in each
/// organization's time zone). Safe to run again, to kill and re-run, and to run on several
/// machines at once on PostgreSQL.
struct BillingRunCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "date", help: "Bill periods that start on or before this day (YYYY-MM-DD; default today)") var date: String?
        @Option(name: "organization", help: "Only this organization (its slug); default every organization") var organization: String?
        @Flag(name: "dry-run", help: "Count what would be invoiced; write nothing") var dryRun: Bool
    }

    var help: String { "Issues the invoices that are due (exactly once per subscription and period)" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        var day: LocalDate?
        if let raw = signature.date {
            guard let parsed = LocalDate(raw) else { throw CommandFailure("--date must be a date written YYYY-MM-DD, such as 2026-12-01.") }
            day = parsed
        }
        try await app.prepareDatabase()
        let query = Organization.query(on: app.db).sort(\.$createdAt)
        if let slug = signature.organization { query.filter(\.$slug == slug) }
        let organizations = try await query.all()
        if let slug = signature.organization, organizations.isEmpty { throw CommandFailure("No organization has the slug \"\(slug)\".") }
        for org in organizations {
            let through = day ?? LocalDate.today(app.meghna.services.clock.now(), in: org.timeZone)
            let summary = try await InvoiceRuns.run(organizationID: org.id!, through: through, dryRun: signature.dryRun, actor: "cli:billing-run",
                                                    services: app.meghna.services, on: app.db)
            let verb = signature.dryRun ? "would issue" : "issued"
            context.console.print("\(org.slug): \(verb) \(summary.invoices) invoices, total \(Money(minorUnits: summary.total, currency: org.currency)), "
                                  + "\(summary.subscriptions) subscriptions due through \(through), \(String(format: "%.1f", summary.seconds)) s")
        }
    }
}
