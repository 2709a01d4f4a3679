import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// What a run did (or, dry, would do).
public struct RunSummary: Sendable {
    public var runID: UUID?
    public var through: LocalDate
    public var subscriptions = 0
    public var invoices = 0
    public var total: Int64 = 0
    /// Invoices and totals per branch id (for the preview).
    public var perBranch: [UUID: (invoices: Int, total: Int64)] = [:]
    public var seconds: Double = 0
}

/// The invoice run: every monthly subscription whose next period has started by `through` is
/// billed by `InvoiceGenerator`, a few hundred subscriptions per transaction, each invoice with
/// its lines, taxes, gapless number and ledger transfer. The unique billing key per subscription
/// and period is the guard: a run killed at any point leaves whole chunks, and running again
/// (or several runners at once) adds only what is missing.
public enum InvoiceRuns {
    public static let chunkSize = 500

    public static func run(organizationID: UUID, through: LocalDate, dryRun: Bool, actor: String, services: PlatformServices,
                           on db: any Database) async throws -> RunSummary {
        let started = Date()
        guard let org = try await Organization.find(organizationID, on: db) else { throw DomainError.notFound("Organization") }
        let zone = org.timeZone
        let ctx = TenantContext.system("billing-run", organizationID: organizationID, timeZone: zone)
        let settings = try await Settings.load(organizationID: organizationID, services: services, on: db)
        let dueDays = settings.int("billing", "invoice_due_days")
        let taxes = try await taxFacts(organizationID: organizationID, on: db)
        var summary = RunSummary(through: through)
        var run: BillingRun?
        if !dryRun {
            let r = BillingRun()
            r.organizationID = organizationID
            r.runOn = through.description
            r.status = "running"
            (r.invoices, r.total, r.subscriptions) = (0, 0, 0)
            r.startedAt = services.clock.now()
            r.actor = actor
            try await r.create(on: db)
            run = r
            summary.runID = r.id
        }
        do {
            try await bill(organizationID: organizationID, through: through, dryRun: dryRun, runID: run?.id, ctx: ctx, zone: zone,
                           currency: org.currency, dueDays: dueDays, taxes: taxes, into: &summary, on: db)
        } catch {
            // The chunks written so far stay; the run is marked so that staff and the scheduler
            // see it stopped, and the next run picks up where it did.
            if let run {
                run.status = "failed"
                (run.invoices, run.total, run.subscriptions) = (summary.invoices, summary.total, summary.subscriptions)
                run.errors = String(describing: error).prefix(2000).description
                run.finishedAt = services.clock.now()
                try? await run.save(on: db)
            }
            throw error
        }
        summary.seconds = Date().timeIntervalSince(started)
        if let run {
            run.status = "finished"
            (run.invoices, run.total, run.subscriptions) = (summary.invoices, summary.total, summary.subscriptions)
            run.finishedAt = services.clock.now()
            try await run.save(on: db)
        }
        return summary
    }

    /// The organization's active tax rules as the generator reads them.
    static func taxFacts(organizationID: UUID, on db: any Database) async throws -> [TaxRuleFact] {
        try await TaxRules.active(organizationID: organizationID, on: db).compactMap { rule -> TaxRuleFact? in
            guard let rate = rule.rate, let from = LocalDate(rule.effectiveFrom) else { return nil }
            return TaxRuleFact(code: rule.code.lowercased(), rate: rate, scopes: Set(rule.appliesTo.map(\.rawValue)), from: from,
                               to: rule.effectiveTo.flatMap(LocalDate.init))
        }
    }

    /// The chunks of a run: subscriptions due, 500 at a time in id order.
    static func bill(organizationID: UUID, through: LocalDate, dryRun: Bool, runID: UUID?, ctx: TenantContext, zone: TimeZone, currency: String,
                     dueDays: Int, taxes: [TaxRuleFact], into summary: inout RunSummary, on db: any Database) async throws {
        var after: UUID?
        while true {
            var query = Subscription.inOrganization(organizationID, on: db)
                .filter(\.$nextBillOn <= through.description).filter(\.$expiresOn == nil).filter(\.$status != .pending)
            if let after { query = query.filter(\.$id > after) }
            let chunk = try await query.sort(\.$id).limit(chunkSize).all()
            guard let last = chunk.last else { break }
            after = last.id
            let facts = try await loadFacts(chunk, ctx, currency: currency, on: db)
            var drafts: [InvoiceDraft] = []
            var moves: [UUID: (next: LocalDate?, plan: UUID?)] = [:]
            for s in chunk {
                guard let f = facts.facts[s.id!] else { continue }
                let (made, next) = try InvoiceGenerator.generate(f, invoiced: facts.invoiced[s.id!] ?? [], through: through, taxes: taxes,
                                                                 currency: currency, dueDays: dueDays)
                drafts += made
                // The plan in force by now: a change at period end becomes the current plan here.
                moves[s.id!] = (next, f.plans.last { $0.fromOn <= through }?.planID)
            }
            summary.subscriptions += chunk.count
            let subscriptions = Dictionary(chunk.map { ($0.id!, $0) }, uniquingKeysWith: { a, _ in a })
            if dryRun {
                for d in drafts {
                    let branch = subscriptions[d.subscriptionID]!.branchID
                    summary.invoices += 1
                    summary.total += d.total.minorUnits
                    summary.perBranch[branch, default: (0, 0)].invoices += 1
                    summary.perBranch[branch, default: (0, 0)].total += d.total.minorUnits
                }
                continue
            }
            let (made, moved, labels) = (drafts, moves, facts.labels)
            let written = try await db.writeTransaction { tx in
                try await write(made, subscriptions: subscriptions, moves: moved, labels: labels, runID: runID, ctx, zone: zone, on: tx)
            }
            summary.invoices += written.count
            summary.total += written.total
        }
    }

    struct LoadedFacts {
        var facts: [UUID: SubscriptionFacts] = [:]
        var invoiced: [UUID: Set<String>] = [:]
        /// Customer number per customer, for account names.
        var labels: [UUID: String] = [:]
    }

    /// Everything the generator needs for a chunk, a handful of statements whatever its size.
    static func loadFacts(_ chunk: [Subscription], _ ctx: TenantContext, currency: String, on db: any Database) async throws -> LoadedFacts {
        let ids = chunk.map { $0.id! }
        let org = ctx.organizationID
        let rows = try await SubscriptionPlanPeriod.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).sort(\.$fromOn).sort(\.$createdAt).all()
        let plans = Dictionary(try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(rows.map(\.planID))).all().map { ($0.id!, $0) },
                               uniquingKeysWith: { a, _ in a })
        let events = try await SubscriptionEvent.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).filter(\.$kind ~~ ["paused", "resumed", "terminated"])
            .sort(\.$at).all()
        let charges = try await BillingCharge.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).filter(\.$invoiceID == nil)
            .sort(\.$on).sort(\.$createdAt).all()
        let addons = Dictionary(grouping: try await SubscriptionAddon.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).sort(\.$fromOn).all(),
                                by: \.subscriptionID)
        let discounts = Dictionary(grouping: try await SubscriptionDiscount.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).sort(\.$createdAt).all(),
                                   by: \.subscriptionID)
        let invoices = try await Invoice.inOrganization(org, on: db).filter(\.$subscriptionID ~~ ids).field(\.$subscriptionID).field(\.$billingKey).all()
        let customers = try await Customer.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ Set(chunk.map(\.customerID)))
            .field(\.$id).field(\.$numberText).all()
        var out = LoadedFacts()
        for c in customers { out.labels[c.id!] = c.numberText }
        for i in invoices { if let s = i.subscriptionID, let key = i.billingKey { out.invoiced[s, default: []].insert(key) } }
        for s in chunk {
            guard let activated = s.activatedOn.flatMap(LocalDate.init), let anchor = s.anchorDay else { continue }
            var pauses: [(from: LocalDate, to: LocalDate?)] = []
            for e in events where e.subscriptionID == s.id {
                guard let day = LocalDate(e.effectiveOn) else { continue }
                if e.kind == "paused" { pauses.append((day, nil)) } else if let open = pauses.last, open.to == nil { pauses[pauses.count - 1].to = day }
            }
            out.facts[s.id!] = SubscriptionFacts(
                subscriptionID: s.id!, customerID: s.customerID, activatedOn: activated, anchorDay: anchor,
                terminatedOn: s.terminatedOn.flatMap(LocalDate.init),
                plans: rows.filter { $0.subscriptionID == s.id }.compactMap { row in
                    guard let day = LocalDate(row.fromOn) else { return nil }
                    let plan = plans[row.planID]
                    return .init(fromOn: day, prorated: row.prorated, name: plan?.name ?? "Plan", price: Money(minorUnits: row.price, currency: currency),
                                 taxable: plan?.taxable ?? true, planID: row.planID)
                },
                pauses: pauses,
                openCharges: charges.filter { $0.subscriptionID == s.id }.compactMap { c in
                    guard let day = LocalDate(c.on) else { return nil }
                    return .init(id: c.id!, on: day, amount: Money(minorUnits: c.amount, currency: c.currency), text: c.text, detail: c.detail,
                                 category: c.category, scope: c.taxScope, taxable: c.taxable)
                },
                addons: (addons[s.id!] ?? []).compactMap { a in
                    guard let from = LocalDate(a.fromOn) else { return nil }
                    return .init(fromOn: from, prorated: a.prorated, toOn: a.toOn.flatMap(LocalDate.init), name: a.name,
                                 price: Money(minorUnits: a.price, currency: currency), category: a.category, taxable: a.taxable, addonID: a.addonID)
                },
                discounts: (discounts[s.id!] ?? []).compactMap { d in
                    guard let first = LocalDate(d.firstPeriodOn), let term = try? DiscountTerm(value: d.value, cycles: d.cycles, firstPeriodStart: first) else {
                        return nil
                    }
                    return .init(name: d.name, term: term, target: d.target, targetID: d.targetID, endedOn: d.endedOn.flatMap(LocalDate.init))
                })
        }
        return out
    }
}
