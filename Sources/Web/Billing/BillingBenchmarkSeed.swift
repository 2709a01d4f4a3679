import Billing
import CRM
import Fluent
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit
import Vapor

/// Seeding for `billing benchmark` and the crash test: customers through the CRM seeder, then
/// monthly subscriptions activated on 1 November 2026 (billing day 1) written in bulk.
enum BillingBenchmarkSeed {
    static func seed(_ ctx: TenantContext, subscriptions target: Int, services: PlatformServices, console: any Console, on db: any Database) async throws -> Int {
        var plans = try await Plan.scoped(to: ctx, on: db).sort(\.$code).all()
        if plans.isEmpty {
            for (code, price) in [("B-10", "800"), ("B-20", "1000"), ("B-50", "1500"), ("B-100", "3500")] {
                var input = Plans.Input()
                (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = (code, "Plan \(code)", "pppoe", "20M", "10M", price)
                plans.append(try await Plans.create(ctx, input, services: services, on: db))
            }
            _ = try await TaxRules.create(ctx, .init(code: "VAT", name: "VAT 5 %", rate: "5", inclusive: "false", effectiveFrom: "2026-01-01"),
                                          services: services, on: db)
        }
        let have = try await Subscription.scoped(to: ctx, on: db).count()
        guard have < target else { return 0 }
        let customers = try await Customer.scoped(to: ctx, on: db).count()
        if customers < target {
            let branches = try await Branch.scoped(to: ctx, on: db).all()
            try await CRMSeeder.customers(ctx, count: target - customers, from: customers, branches: branches, areas: [], resellers: [],
                                          now: services.clock.now(), on: db) { done in
                if done % 20_000 == 0 { console.print("  \(done) customers written") }
            }
        }
        // Customers without a subscription get one, 2,000 at a time.
        var written = 0
        while written < target - have {
            let rows = try await db.rows("""
                SELECT c.id, c.branch_id FROM customers c WHERE \(TenantSQL.organization(ctx.organizationID, alias: "c")) \
                AND NOT EXISTS (SELECT 1 FROM subscriptions s WHERE \(TenantSQL.sameOrganization("s", "c")) AND s.customer_id = c.id) ORDER BY c.id LIMIT \(literal: min(2000, target - have - written))
                """)
            if rows.isEmpty { break }
            var subs: [SQLQueryString] = [], prices: [SQLQueryString] = []
            let now = services.clock.now()
            for (i, row) in rows.enumerated() {
                let id = UUID.timeOrdered()
                let plan = plans[(written + i) % plans.count]
                subs.append("(\(bind: id), \(bind: ctx.organizationID), \(bind: try row.uuid(1)), NULL, \(bind: try row.uuid(0)), NULL, \(bind: plan.id!), 'active', 1, 1, '2026-11-01', '2026-11-01', NULL, NULL, '2026-11-01', \(bind: false), \(bind: now), \(bind: now))")
                prices.append("(\(bind: UUID.timeOrdered()), \(bind: ctx.organizationID), \(bind: id), \(bind: plan.id!), \(bind: plan.price), '2026-11-01', \(bind: false), \(bind: now))")
            }
            let (subRows, priceRows) = (subs, prices)
            try await db.writeTransaction { tx in
                for part in subRows.chunked(400) {
                    try await tx.sql.raw("""
                        INSERT INTO subscriptions (id, organization_id, branch_id, reseller_id, customer_id, service_address_id, plan_id, status, billing_day, \
                        anchor_day, starts_on, activated_on, terminated_on, expires_on, next_bill_on, billing_paused, created_at, updated_at) VALUES \(part.joined(separator: ", "))
                        """).run()
                }
                for part in priceRows.chunked(400) {
                    try await tx.sql.raw("""
                        INSERT INTO subscription_plans (id, organization_id, subscription_id, plan_id, price, from_on, prorated, created_at) VALUES \(part.joined(separator: ", "))
                        """).run()
                }
            }
            written += rows.count
            if written % 20_000 == 0 { console.print("  \(written) subscriptions written") }
        }
        try await BenchmarkOrganization.refreshStatistics(on: db)
        return written
    }

    /// Seconds to write `rows` invoices with a line, a tax, a transfer and three entries each as
    /// plain batched SQL on the same tables, in a transaction that is rolled back.
    static func floor(_ ctx: TenantContext, rows: Int, on db: any Database) async throws -> Double {
        struct Rollback: Error {}
        let org = ctx.organizationID
        let customer = try await Customer.scoped(to: ctx, on: db).first()
        let branch = try await Branch.scoped(to: ctx, on: db).first()
        guard let customer, let branch else { return 0 }
        let receivable = try await LedgerAccount.scoped(to: ctx, on: db).filter(\.$key, .custom("LIKE"), "receivable:%").first()
        let revenue = try await LedgerAccount.scoped(to: ctx, on: db).filter(\.$key == "revenue:internet").first()
        let vat = try await LedgerAccount.scoped(to: ctx, on: db).filter(\.$key == "tax_payable:vat").first()
        guard let receivable, let revenue, let vat else { return 0 }
        let accounts = (receivable.id!, revenue.id!, vat.id!)
        let started = ContinuousClock.now
        do {
            try await db.writeTransaction { tx in
                let now = Date()
                for start in stride(from: 0, to: rows, by: 400) {
                    let count = min(400, rows - start)
                    // Written as the run writes them (`CellStatement.batches`).
                    var invoices: [[SQLCell]] = [], lines: [[SQLCell]] = [], taxes: [[SQLCell]] = [], transfers: [[SQLCell]] = [], entries: [[SQLCell]] = []
                    for i in 0..<count {
                        let (invoice, transfer) = (UUID.timeOrdered(), UUID.timeOrdered())
                        invoices.append([.uuid(invoice), .uuid(org), .uuid(branch.id!), .null, .uuid(customer.id!), .null, .text("invoice"), .text("FLOOR-\(start + i)"),
                                         .text("floor:\(start + i)"), .text("issued"), .text("2026-11-01"), .text("2026-11-08"), .text("2026-11-01"),
                                         .text("2026-11-30"), .text("BDT"), .int(100_000), .int(5_000), .int(105_000), .int(0), .null, .date(now)])
                        lines.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(invoice), .int(1), .text("plan"), .text("Plan B-20, 2026-11-01 – 2026-11-30"),
                                      .null, .int(100_000), .int(100_000), .text("internet")])
                        taxes.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(invoice), .text("vat"), .text("VAT 5 %"), .int(500), .bool(false), .int(100_000),
                                      .int(5_000)])
                        transfers.append([.uuid(transfer), .uuid(org), .text("floor:\(start + i)"), .text("invoice"), .text("invoice"), .uuid(invoice),
                                          .text("FLOOR"), .date(now), .null, .text("floor"), .date(now)])
                        for (account, amount) in [(accounts.0, Int64(105_000)), (accounts.1, -100_000), (accounts.2, -5_000)] {
                            entries.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(transfer), .uuid(account), .int(amount), .text("BDT"), .date(now)])
                        }
                    }
                    for (insert, rows) in [(InvoiceRuns.invoiceInsert, invoices), (InvoiceRuns.lineInsert, lines), (InvoiceRuns.taxInsert, taxes),
                                           (Ledger.transferInsert, transfers), (Ledger.entryInsert, entries)] {
                        for statement in insert.batches(rows, on: tx) { try await tx.run(statement) }
                    }
                }
                throw Rollback()
            }
        } catch is Rollback {}
        return (ContinuousClock.now - started).inSeconds
    }
}
