import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

/// Reseller wallets. A reseller tops up (money paid to the ISP into its wallet account, a
/// liability); when its staff collect from one of their customers, the ISP is paid from the
/// wallet at the reseller's price (what the customer paid less the reseller's commission) and the
/// commission is the ISP's expense. Every change goes through the ledger; the balance is the
/// wallet account's, and a collection beyond it is refused inside the posting transaction under
/// the reseller's row lock, so two at once cannot overdraw it.
public enum Wallets {
    public struct TopUpInput: Sendable {
        public var amount, method, reference, receivedOn, note: String?
        public init(amount: String?, method: String?, reference: String? = nil, receivedOn: String? = nil, note: String? = nil) {
            (self.amount, self.method, self.reference, self.receivedOn, self.note) = (amount, method, reference, receivedOn, note)
        }
    }

    public static func series(year: Int) -> (name: String, prefix: String) { ("wallet:\(year)", "WTU-\(year)-") }

    /// What the wallet holds (positive), from the ledger's cached balance.
    public static func balance(of resellerID: UUID, _ org: UUID, on db: any Database) async throws -> Int64 {
        let key = Chart.resellerWallet(resellerID: resellerID, label: "").key
        return -(try await Ledger.cachedBalances(keys: [key], organizationID: org, on: db)[key] ?? 0)
    }

    /// The reseller's commission on `amount`, rounded half up.
    static func commission(_ amount: Int64, basisPoints: Int) -> Int64 {
        (amount * Int64(basisPoints) + 5_000) / 10_000
    }

    /// Inside a payment's transaction: locks the reseller, checks its wallet covers the payment
    /// at its price, and answers the debit lines (the wallet, the commission).
    static func fund(_ amount: Int64, resellerID: UUID, _ ctx: TenantContext, on tx: any Database) async throws -> [TransferLine] {
        let org = ctx.organizationID
        try await TenantSQL.lockRow("resellers", id: resellerID, organizationID: org, on: tx)
        guard let reseller = try await Reseller.inOrganization(org, on: tx).filter(\.$id == resellerID).first() else { throw DomainError.notFound("Reseller") }
        let commission = commission(amount, basisPoints: reseller.commissionBasisPoints)
        let cost = amount - commission
        let held = try await balance(of: resellerID, org, on: tx)
        let money = { (minor: Int64) in Money(minorUnits: minor, currency: ctx.currency) }
        guard cost <= held else {
            throw DomainError.invalid("amount", "needs \(money(cost).decimalString) from \(reseller.name)'s wallet, which holds \(money(held).decimalString); top it up first")
        }
        var lines: [TransferLine] = [.debit(Chart.resellerWallet(resellerID: resellerID, label: reseller.name), money(cost))]
        if commission > 0 { lines.append(.debit(Chart.commissionExpense, money(commission))) }
        return lines
    }

    /// A payment taken by a reseller's staff (or ISP staff for a reseller's customer), paid to
    /// the ISP from the wallet of the customer's reseller.
    public static func collect(_ ctx: TenantContext, _ input: Payments.Input, services: PlatformServices, on db: any Database) async throws -> Payment {
        try ctx.require(.paymentsWrite)
        return try await Payments.record(ctx, input, wallet: true, services: services, on: db)
    }

    /// A prepaid package sold by a reseller's staff: the recharge's invoice is paid at once from
    /// the reseller's wallet (at its price, with its commission), in one transaction: a wallet
    /// that cannot cover it leaves no invoice and no new validity behind. A suspended prepaid
    /// subscription comes back at once. `payments.write` is what reseller staff need for it
    /// (they cannot otherwise change subscriptions).
    public static func recharge(_ ctx: TenantContext, subscriptionID: String?, services: PlatformServices,
                                on db: any Database) async throws -> (invoice: Invoice, payment: Payment) {
        try ctx.require(.paymentsWrite)
        let subscription = try await Subscription.find(subscriptionID, in: ctx, on: db)
        guard ctx.isResellerScoped else {
            throw DomainError.forbidden("Recharges through a wallet are for reseller staff; the ISP's staff recharge from the subscription.")
        }
        let customer = try await Customer.find(subscription.customerID.uuidString, in: ctx, on: db)
        guard customer.resellerID != nil else { throw DomainError.conflict("\(customer.displayName) is not a reseller's customer.") }
        let sold = try await db.writeTransaction { tx -> (invoice: Invoice, payment: Payment) in
            // Sold now: today's package, paid today.
            let invoice = try await Subscriptions.recharge(paidBy: ctx, subscription.id!.uuidString, on: nil, services: services, on: tx)
            let amount = Money(minorUnits: invoice.total - invoice.paidTotal, currency: invoice.currency).decimalString
            do {
                let payment = try await Payments.record(ctx, .init(customerID: customer.id!.uuidString, amount: amount, receivedOn: invoice.issueOn,
                                                                   note: "Recharge \(invoice.number)",
                                                                   allocations: [.init(invoiceID: invoice.id!.uuidString, amount: amount)]),
                                                        wallet: true, reevaluate: false, services: services, on: tx)
                return (invoice, payment)
            } catch DomainError.validation(let problems) where problems.map(\.field) == ["amount"] {
                throw DomainError.conflict("The package " + problems[0].message)
            }
        }
        await Dunning.reevaluate(customerID: customer.id!, ctx, services: services, on: db)
        let invoice = try await Invoice.inOrganization(ctx.organizationID, on: db).filter(\.$id == sold.invoice.id!).first() ?? sold.invoice
        return (invoice, sold.payment)
    }

    /// A prepaid package reseller staff can sell a customer: its list price (what the customer
    /// pays, before tax) and what comes off the wallet for it.
    public struct Rechargeable: Sendable {
        public var subscription: Subscription
        public var plan: Plan
        public var price: Int64
        public var cost: Int64
    }

    /// The customer's active or suspended prepaid subscriptions, for reseller staff (empty for
    /// anyone else, and for a customer who is not theirs).
    public static func rechargeable(_ ctx: TenantContext, customerID: UUID, on db: any Database) async throws -> [Rechargeable] {
        guard ctx.isResellerScoped, ctx.can(.paymentsWrite),
              let customer = try? await Customer.find(customerID.uuidString, in: ctx, on: db), let resellerID = customer.resellerID,
              let reseller = try await Reseller.inOrganization(ctx.organizationID, on: db).filter(\.$id == resellerID).first() else { return [] }
        let subscriptions = try await Subscription.inOrganization(ctx.organizationID, on: db).filter(\.$customerID == customerID)
            .filter(\.$status ~~ [.active, .suspended]).all()
        let plans = try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$id ~~ subscriptions.map(\.planID)).all()
        return subscriptions.compactMap { s in
            guard let plan = plans.first(where: { $0.id == s.planID }), plan.billingKind == .prepaid else { return nil }
            return Rechargeable(subscription: s, plan: plan, price: plan.price, cost: plan.price - commission(plan.price, basisPoints: reseller.commissionBasisPoints))
        }
    }

    /// Money the reseller paid the ISP, into its wallet. ISP staff only (not the reseller's own).
    public static func topUp(_ ctx: TenantContext, resellerID: String?, _ input: TopUpInput, services: PlatformServices, on db: any Database) async throws -> WalletTopUp {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("A reseller's wallet is topped up by the ISP's staff, who receive the money.") }
        let reseller = try await Reseller.find(resellerID, in: ctx, on: db)
        let now = services.clock.now()
        let today = LocalDate.today(now, in: ctx.timeZone)
        var v = Validator()
        let amount = v.money("amount", input.amount, currency: ctx.currency)
        if let amount, amount <= 0 { v.add("amount", "must be more than zero") }
        let method = v.receivedMethod("method", input.method)
        let reference = v.text("reference", input.reference, required: method?.needsReference ?? false, max: 100)
        let receivedOn = v.localDate("received_on", input.receivedOn) ?? today
        if receivedOn > today { v.add("received_on", "must not be later than today (\(today))") }
        let note = v.text("note", input.note, required: false, max: 500)
        try v.check()
        guard let amount, let method else { throw DomainError.invalid("amount", "is required") }
        let (org, id) = (ctx.organizationID, reseller.id!)
        return try await db.writeTransaction { tx in
            try await TenantSQL.lockRow("resellers", id: id, organizationID: org, on: tx)
            let series = series(year: receivedOn.year)
            try await NumberSequences.lock(series.name, organizationID: org, on: tx)
            let t = WalletTopUp()
            t.id = UUID.timeOrdered()
            t.organizationID = org
            t.resellerID = id
            t.number = NumberSequences.format(try await NumberSequences.take(1, of: series.name, organizationID: org, on: tx), prefix: series.prefix)
            t.method = method
            t.reference = reference
            t.receivedOn = receivedOn.description
            t.amount = amount
            t.currency = ctx.currency
            t.note = note
            t.actor = ctx.actor.label
            t.createdAt = now
            try await t.create(on: tx)
            let money = Money(minorUnits: amount, currency: ctx.currency)
            _ = try await Ledger.post(TransferDraft(idempotencyKey: "wallet_top_up:\(t.id!.lowercasedText)", kind: "wallet_top_up", referenceType: "wallet_top_up",
                                                    referenceID: t.id!, memo: t.number, eventAt: receivedOn.start(in: ctx.timeZone),
                                                    lines: [.debit(Payments.account(of: method), money),
                                                            .credit(Chart.resellerWallet(resellerID: id, label: reseller.name), money)]), ctx, on: tx)
            try await Audit.record("wallet.topped_up", "Topped up \(reseller.name)'s wallet: \(money) (\(t.number))", ctx: ctx,
                                   target: .init("reseller", id), metadata: ["amount": money.decimalString], at: now, on: tx)
            return t
        }
    }

    /// One movement of a wallet: a top-up, a collection (with its commission), a reversal.
    public struct Movement: Sendable {
        public var at: Date
        public var kind: String
        public var document: String
        public var referenceType: String?
        public var referenceID: UUID?
        /// Into the wallet (positive) or out of it.
        public var amount: Int64
        /// The commission the reseller earned on it.
        public var commission: Int64
        public var balance: Int64
    }

    /// The wallet's balance and its movements, newest first (at most `limit`), from the ledger.
    public static func history(_ ctx: TenantContext, resellerID: String?, limit: Int = 100, on db: any Database) async throws
        -> (reseller: Reseller, balance: Int64, movements: [Movement]) {
        try ctx.require(.paymentsRead)
        let reseller = try await Reseller.find(resellerID, in: ctx, on: db)
        let org = ctx.organizationID
        let key = Chart.resellerWallet(resellerID: reseller.id!, label: "").key
        let balance = try await balance(of: reseller.id!, org, on: db)
        let rows = try await db.rows("""
            SELECT t.id, t.event_at, t.kind, t.memo, t.reference_type, t.reference_id, \
            SUM(CASE WHEN a.key = \(bind: key) THEN -e.amount ELSE 0 END), SUM(CASE WHEN a.key = 'commission_expense' THEN e.amount ELSE 0 END) \
            FROM ledger_transfers t JOIN ledger_entries e ON e.transfer_id = t.id AND \(TenantSQL.sameOrganization("e", "t")) \
            JOIN ledger_accounts a ON a.id = e.account_id AND \(TenantSQL.sameOrganization("a", "e")) \
            WHERE \(TenantSQL.organization(org, alias: "t")) AND t.id IN (SELECT e2.transfer_id FROM ledger_entries e2 JOIN ledger_accounts a2 ON a2.id = e2.account_id \
            AND \(TenantSQL.sameOrganization("a2", "e2")) WHERE \(TenantSQL.organization(org, alias: "a2")) AND a2.key = \(bind: key)) \
            GROUP BY t.id, t.event_at, t.kind, t.memo, t.reference_type, t.reference_id ORDER BY t.event_at DESC, t.id DESC LIMIT \(literal: max(1, min(limit, 500)))
            """)
        var running = balance
        var movements: [Movement] = []
        for row in rows {
            let amount = try row.int64(6)
            movements.append(Movement(at: try row.date(1), kind: try row.string(2), document: try row.string(3), referenceType: try row.optionalString(4),
                                      referenceID: try row.optionalString(5).flatMap(UUID.init(uuidString:)), amount: amount, commission: try row.int64(7),
                                      balance: running))
            running -= amount
        }
        return (reseller, balance, movements)
    }
}

extension Wallets {
    /// Every reseller the viewer may see with its wallet's balance, by name.
    public static func list(_ ctx: TenantContext, on db: any Database) async throws -> [(reseller: Reseller, balance: Int64)] {
        try ctx.require(.paymentsRead)
        let resellers = try await Reseller.scoped(to: ctx, on: db).filter(\.$archivedAt == nil).sort(\.$sortName).limit(1_000).all()
        let key = { (r: Reseller) in Chart.resellerWallet(resellerID: r.id!, label: "").key }
        let balances = try await Ledger.cachedBalances(keys: resellers.map(key), organizationID: ctx.organizationID, on: db)
        return resellers.map { ($0, -(balances[key($0)] ?? 0)) }
    }
}
