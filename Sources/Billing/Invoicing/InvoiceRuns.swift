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

    /// Bills through `through`. `resuming` carries on a run that was queued from the page (or
    /// that stopped): its counters continue from what its committed chunks recorded.
    public static func run(organizationID: UUID, through: LocalDate, dryRun: Bool, actor: String, resuming runID: UUID? = nil,
                           services: PlatformServices, on db: any Database) async throws -> RunSummary {
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
            let r: BillingRun
            if let runID {
                guard let found = try await BillingRun.inOrganization(organizationID, on: db).filter(\.$id == runID).first() else {
                    throw DomainError.notFound("Billing run")
                }
                r = found
                (summary.invoices, summary.total, summary.subscriptions) = (r.invoices, r.total, r.subscriptions)
                if r.status == "finished" { return summary }
                if r.status == "queued" { r.startedAt = services.clock.now() }
                (r.errors, r.finishedAt) = (nil, nil)
            } else {
                r = BillingRun(organizationID: organizationID, runOn: through, status: "running", actor: actor, startedAt: services.clock.now())
            }
            r.status = "running"
            try await r.save(on: db)
            run = r
            summary.runID = r.id
        }
        do {
            try await bill(organizationID: organizationID, through: through, dryRun: dryRun, runID: run?.id, ctx: ctx, zone: zone,
                           currency: org.currency, dueDays: dueDays, taxes: taxes, into: &summary, on: db)
        } catch {
            // The chunks written so far stay; the run is marked so that staff and the scheduler
            // see it stopped, and the next run picks up where it did. Its counters are those its
            // committed chunks added.
            if let run {
                run.status = "failed"
                // Staff see a domain error's sentence; anything else (a driver's text) stays in
                // the job's error list and the command's output, not on pages or in the API.
                run.errors = (error as? DomainError)?.description.prefix(2000).description
                    ?? "The run stopped on a database or system error; the next run carries on where it stopped."
                run.finishedAt = services.clock.now()
                try? await run.save(on: db)
            }
            throw error
        }
        summary.seconds = Date().timeIntervalSince(started)
        if let run {
            // The counters are the row's own: each chunk added to them in its transaction.
            run.status = "finished"
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

    /// The subscriptions a run through `through` bills, in id order: monthly ones whose next
    /// period has started (`RunSubscription.isDue` is the same rule for a row already read).
    static func dueIDs(_ organizationID: UUID, through: LocalDate, on db: any Database) async throws -> [UUID] {
        try await db.rows("""
            SELECT id FROM subscriptions WHERE \(TenantSQL.organization(organizationID)) AND next_bill_on <= \(bind: through.description) \
            AND expires_on IS NULL AND status <> \(bind: SubscriptionStatus.pending.rawValue) ORDER BY id
            """).map { try $0.uuid(0) }
    }

    /// The chunks of a run: the ids due are read once (in id order), then billed 500 at a time,
    /// each chunk's rows read again so that one another runner billed meanwhile drops out.
    /// (Asking the database for "the next 500 due after this id" instead scanned and sorted every
    /// subscription still due for each chunk.) Each chunk's transaction also adds its figures to
    /// the run's row, so the progress shown (and the counters a resumed run continues from)
    /// match what was committed.
    static func bill(organizationID: UUID, through: LocalDate, dryRun: Bool, runID: UUID?, ctx: TenantContext, zone: TimeZone, currency: String,
                     dueDays: Int, taxes: [TaxRuleFact], into summary: inout RunSummary, on db: any Database) async throws {
        let due = try await dueIDs(organizationID, through: through, on: db)
        if let runID {
            // The run's size, for its progress: counted when it first starts (a resumed run keeps it).
            try await db.sql.raw("""
                UPDATE billing_runs SET due = \(bind: due.count) WHERE id = \(bind: runID) AND due IS NULL AND \(TenantSQL.organization(organizationID))
                """).run()
        }
        // The next chunk is read while this one is written, over another connection
        // (`besideWrites`: on one SQLite connection the read waited for each commit, and reading
        // and writing took turns): its subscriptions are others, so nothing this chunk writes
        // changes what it reads, and the write checks the billing keys again under the series
        // lock in any case.
        let parts = due.chunked(chunkSize)
        let reader = db.besideWrites()
        // The next chunk is also priced (by the pure generator) while this one is written.
        let read: @Sendable ([UUID]) async throws -> PricedChunk = { part in
            // By id alone (with the due conditions in the query, SQLite scans the due index again).
            let chunk = try await RunSubscription.load(part, organizationID: organizationID, on: reader)
                .filter { $0.isDue(through: through) }
            let facts = chunk.isEmpty ? LoadedFacts() : try await loadFacts(chunk, ctx, currency: currency, on: reader)
            var priced = PricedChunk(chunk: chunk, labels: facts.labels)
            for s in chunk {
                guard let f = facts.facts[s.id] else { continue }
                let (made, next) = try InvoiceGenerator.generate(f, invoiced: facts.invoiced[s.id] ?? [], through: through, taxes: taxes,
                                                                 currency: currency, dueDays: dueDays)
                priced.drafts += made
                // The plan in force by now: a change at period end becomes the current plan here.
                priced.moves[s.id] = (next, f.plans.last { $0.fromOn <= through }?.planID)
            }
            return priced
        }
        var ahead: Task<PricedChunk, any Error>? = parts.first.map { part in Task { try await read(part) } }
        do {
            for index in parts.indices {
                guard let current = ahead else { break }
                let (chunk, drafts, moves, labels) = try await current.value.parts
                ahead = index + 1 < parts.count ? Task { [part = parts[index + 1]] in try await read(part) } : nil
                if chunk.isEmpty { continue }
                summary.subscriptions += chunk.count
                let subscriptions = Dictionary(chunk.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
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
                let (made, moved) = (drafts, moves)
                let looked = chunk.count
                let written = try await db.writeTransaction { tx in
                    let written = try await write(made, subscriptions: subscriptions, moves: moved, labels: labels, runID: runID, ctx, zone: zone, on: tx)
                    if let runID {
                        try await tx.sql.raw("""
                            UPDATE billing_runs SET subscriptions = subscriptions + \(bind: looked), invoices = invoices + \(bind: written.count), \
                            total = total + \(bind: written.total) WHERE id = \(bind: runID) AND \(TenantSQL.organization(organizationID))
                            """).run()
                    }
                    return written
                }
                summary.invoices += written.count
                summary.total += written.total
            }
        } catch {
            // Nothing reads on after the run has failed.
            ahead?.cancel()
            _ = try? await ahead?.value
            throw error
        }
    }

    /// What a run reads of a subscription, as a plain row (decoding the Fluent model by
    /// reflection cost more than the generator).
    struct RunSubscription: Sendable {
        var id, branchID, customerID, planID: UUID
        var resellerID: UUID?
        var status: String
        var anchorDay: Int?
        var activatedOn, terminatedOn, nextBillOn, expiresOn: String?

        init(_ s: Subscription) {
            (id, branchID, customerID, planID, resellerID, status) = (s.id!, s.branchID, s.customerID, s.planID, s.resellerID, s.status.rawValue)
            (anchorDay, activatedOn, terminatedOn, nextBillOn, expiresOn) = (s.anchorDay, s.activatedOn, s.terminatedOn, s.nextBillOn, s.expiresOn)
        }

        init(_ row: DirectRow) throws {
            (id, branchID, customerID, planID) = (try row.uuid(0), try row.uuid(1), try row.uuid(2), try row.uuid(3))
            (resellerID, status, anchorDay) = (try row.optionalUUID(4), try row.string(5), try row.optionalInt64(6).map { Int($0) })
            (activatedOn, terminatedOn) = (try row.optionalString(7), try row.optionalString(8))
            (nextBillOn, expiresOn) = (try row.optionalString(9), try row.optionalString(10))
        }

        /// `dueIDs`'s rule, for a row read again (another runner may have billed it meanwhile).
        func isDue(through: LocalDate) -> Bool {
            nextBillOn.map { $0 <= through.description } == true && expiresOn == nil && status != SubscriptionStatus.pending.rawValue
        }

        static func load(_ ids: [UUID], organizationID: UUID, on db: any Database) async throws -> [RunSubscription] {
            try await db.rows("""
                SELECT id, branch_id, customer_id, plan_id, reseller_id, status, anchor_day, activated_on, terminated_on, next_bill_on, expires_on \
                FROM subscriptions WHERE \(TenantSQL.organization(organizationID)) AND id IN (\(SQLQueryString.binds(ids))) ORDER BY id
                """).map(RunSubscription.init)
        }
    }

    /// A chunk read and priced: its subscriptions, their invoices and next billing days.
    struct PricedChunk: Sendable {
        var chunk: [RunSubscription]
        var drafts: [InvoiceDraft] = []
        var moves: [UUID: (next: LocalDate?, plan: UUID?)] = [:]
        var labels: [UUID: String]

        init(chunk: [RunSubscription], labels: [UUID: String]) { (self.chunk, self.labels) = (chunk, labels) }

        var parts: ([RunSubscription], [InvoiceDraft], [UUID: (next: LocalDate?, plan: UUID?)], [UUID: String]) { (chunk, drafts, moves, labels) }
    }

    struct LoadedFacts: Sendable {
        var facts: [UUID: SubscriptionFacts] = [:]
        var invoiced: [UUID: Set<String>] = [:]
        /// Customer number per customer, for account names.
        var labels: [UUID: String] = [:]
    }

    /// Everything the generator needs for a chunk, a handful of statements whatever its size.
    static func loadFacts(_ chunk: [RunSubscription], _ ctx: TenantContext, currency: String, on db: any Database) async throws -> LoadedFacts {
        let ids = chunk.map(\.id)
        let org = ctx.organizationID
        let idList = SQLQueryString.binds(ids)
        // Plain rows where a chunk reads one or more per subscription: decoding a Fluent model
        // per row (by reflection) was a quarter of a run's time.
        let rows = try await db.rows("""
            SELECT subscription_id, plan_id, price, from_on, prorated FROM subscription_plans WHERE \(TenantSQL.organization(org)) \
            AND subscription_id IN (\(idList)) ORDER BY from_on, created_at
            """).map { row in
                (subscriptionID: try row.uuid(0), planID: try row.uuid(1), price: try row.int64(2), fromOn: try row.string(3), prorated: try row.bool(4))
            }
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
        let invoices = try await db.rows("""
            SELECT subscription_id, billing_key FROM invoices WHERE \(TenantSQL.organization(org)) AND subscription_id IN (\(idList)) \
            AND billing_key IS NOT NULL
            """)
        let customerList = SQLQueryString.binds(Set(chunk.map(\.customerID)))
        let customers = try await db.rows("SELECT id, number_text FROM customers WHERE \(TenantSQL.organization(org)) AND id IN (\(customerList))")
        // Grouped once (grouping keeps each list's order): filtering the chunk's rows per
        // subscription was quadratic in the chunk size.
        let (plansOf, eventsOf, chargesOf) = (Dictionary(grouping: rows, by: \.subscriptionID), Dictionary(grouping: events, by: \.subscriptionID),
                                              Dictionary(grouping: charges, by: \.subscriptionID))
        var out = LoadedFacts()
        for c in customers { out.labels[try c.uuid(0)] = try c.string(1) }
        for i in invoices { out.invoiced[try i.uuid(0), default: []].insert(try i.string(1)) }
        for s in chunk {
            guard let activated = s.activatedOn.flatMap(LocalDate.init), let anchor = s.anchorDay else { continue }
            var pauses: [(from: LocalDate, to: LocalDate?)] = []
            for e in eventsOf[s.id] ?? [] {
                guard let day = LocalDate(e.effectiveOn) else { continue }
                if e.kind == "paused" { pauses.append((day, nil)) } else if let open = pauses.last, open.to == nil { pauses[pauses.count - 1].to = day }
            }
            out.facts[s.id] = SubscriptionFacts(
                subscriptionID: s.id, customerID: s.customerID, activatedOn: activated, anchorDay: anchor,
                terminatedOn: s.terminatedOn.flatMap(LocalDate.init),
                plans: (plansOf[s.id] ?? []).compactMap { row in
                    guard let day = LocalDate(row.fromOn) else { return nil }
                    let plan = plans[row.planID]
                    return .init(fromOn: day, prorated: row.prorated, name: plan?.name ?? "Plan", price: Money(minorUnits: row.price, currency: currency),
                                 taxable: plan?.taxable ?? true, planID: row.planID)
                },
                pauses: pauses,
                openCharges: (chargesOf[s.id] ?? []).compactMap { c in
                    guard let day = LocalDate(c.on) else { return nil }
                    return .init(id: c.id!, on: day, amount: Money(minorUnits: c.amount, currency: c.currency), text: c.text, detail: c.detail,
                                 category: c.category, scope: c.taxScope, taxable: c.taxable)
                },
                addons: (addons[s.id] ?? []).compactMap { a in
                    guard let from = LocalDate(a.fromOn) else { return nil }
                    return .init(fromOn: from, prorated: a.prorated, toOn: a.toOn.flatMap(LocalDate.init), name: a.name,
                                 price: Money(minorUnits: a.price, currency: currency), category: a.category, taxable: a.taxable, addonID: a.addonID)
                },
                discounts: (discounts[s.id] ?? []).compactMap { d in
                    guard let first = LocalDate(d.firstPeriodOn), let term = try? DiscountTerm(value: d.value, cycles: d.cycles, firstPeriodStart: first) else {
                        return nil
                    }
                    return .init(name: d.name, term: term, target: d.target, targetID: d.targetID, endedOn: d.endedOn.flatMap(LocalDate.init))
                })
        }
        return out
    }
}
