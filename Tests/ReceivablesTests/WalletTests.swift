import Billing
import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Receivables

/// A reseller (10 % commission) with three customers, each billed 1000.00 for March 2026, and
/// a member of its staff.
struct WalletWorld {
    let t: TestApp
    let tenant: Tenant
    let ctx: TenantContext
    let staff: TenantContext
    let reseller: Reseller
    let customers: [Customer]

    static func make(_ t: TestApp) async throws -> WalletWorld {
        let tenant = try await t.makeTenant("Alpha Net")
        let ctx = try await t.context(of: tenant.admin)
        let reseller = try await Resellers.create(ctx, .init(name: "Mirpur Franchise", commissionRate: "10"), services: t.services, on: t.db)
        var input = Plans.Input()
        (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME-20", "Home 20", "pppoe", "20M", "10M", "1000")
        let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
        var customers: [Customer] = []
        for i in 1...3 {
            let c = try await Customers.create(ctx, .init(displayName: "Franchise Customer \(i)", phones: ["0171100000\(i)"], resellerID: reseller.id!.uuidString),
                                               services: t.services, on: t.db)
            _ = try await Subscriptions.create(ctx, .init(customerID: c.id!.uuidString, planID: plan.id!.uuidString, billingDay: "1", startsOn: "2026-03-01",
                                                          activate: "true"), services: t.services, on: t.db)
            customers.append(c)
        }
        _ = try await InvoiceRuns.run(organizationID: tenant.id, through: LocalDate("2026-03-01")!, dryRun: false, actor: "test", services: t.services, on: t.db)
        let user = try await t.makeUser(in: tenant, role: .reseller, email: "franchise@alpha.test")
        user.resellerID = reseller.id
        try await user.save(on: t.db)
        return WalletWorld(t: t, tenant: tenant, ctx: ctx, staff: try await t.context(of: user), reseller: reseller, customers: customers)
    }

    func collect(_ i: Int, _ amount: String = "1000") async throws -> Payment {
        try await Wallets.collect(staff, .init(customerID: customers[i].id!.uuidString, amount: amount, method: nil, receivedOn: "2026-03-05"),
                                  services: t.services, on: t.db)
    }

    func balance() async throws -> Int64 { try await Wallets.balance(of: reseller.id!, tenant.id, on: t.db) }

    func clean() async throws -> Bool {
        let problems = try await Ledger.check(organizationID: tenant.id, on: t.db) + (try await CollectionsChecks.ledgerProblems(organizationID: tenant.id, on: t.db))
            + (try await InvoiceRuns.ledgerProblems(organizationID: tenant.id, on: t.db))
        if !problems.isEmpty { Issue.record("ledger problems: \(problems)") }
        return problems.isEmpty
    }
}

@Suite("Reseller wallets")
struct WalletTests {
    @Test func aCollectionIsPaidFromTheWalletAtTheResellersPriceWithItsCommission() async throws {
        try await withApp { t in
            let w = try await WalletWorld.make(t)
            let top = try await Wallets.topUp(w.ctx, resellerID: w.reseller.id!.uuidString, .init(amount: "1000", method: "bank", reference: "DBBL-77", receivedOn: "2026-03-04"),
                                              services: t.services, on: t.db)
            let held = try await w.balance()
            #expect(top.number.hasPrefix("WTU-") && held == 100_000)
            let p = try await w.collect(0)
            #expect(p.method == .resellerWallet && p.resellerID == w.reseller.id && p.allocated == 100_000)
            #expect(try await w.balance() == 10_000, "900 at the reseller's price")
            #expect(try await Ledger.balance(ofKey: "commission_expense", w.ctx, on: t.db).minorUnits == 10_000)
            let paid = try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$customerID == w.customers[0].id!).first()
            #expect(paid?.status == .paid)

            // Beyond the balance: refused, nothing written.
            let before = try await Payment.scoped(to: w.ctx, on: t.db).count()
            await #expect(throws: DomainError.invalid("amount", "needs 900.00 from Mirpur Franchise's wallet, which holds 100.00; top it up first")) {
                _ = try await w.collect(1)
            }
            #expect(try await Payment.scoped(to: w.ctx, on: t.db).count() == before)
            #expect(try await w.balance() == 10_000)

            // The history, newest first: the collection (with its commission), the top-up.
            let h = try await Wallets.history(w.staff, resellerID: w.reseller.id!.uuidString, on: t.db)
            #expect(h.movements.map(\.amount) == [-90_000, 100_000] && h.movements.map(\.commission) == [10_000, 0])
            #expect(h.movements.map(\.balance) == [10_000, 100_000])

            // Reseller staff neither top up, nor take money outside the wallet, nor reverse.
            await #expect(throws: DomainError.self) {
                _ = try await Wallets.topUp(w.staff, resellerID: w.reseller.id!.uuidString, .init(amount: "5000", method: "cash"), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.self) {
                _ = try await Payments.record(w.staff, .init(customerID: w.customers[1].id!.uuidString, amount: "10", method: "cash"), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.self) { _ = try await Payments.reverse(w.staff, p.id!.uuidString, reason: "x", services: t.services, on: t.db) }
            // Staff reversing it puts the money back in the wallet.
            _ = try await Payments.reverse(w.ctx, p.id!.uuidString, reason: "Collected twice", services: t.services, on: t.db)
            #expect(try await w.balance() == 100_000)
            #expect(try await w.clean())
        }
    }

    /// Two collections at once that the wallet can pay only one of: exactly one is taken (on
    /// PostgreSQL the reseller's row lock orders them; on SQLite the writer lock).
    @Test func twoCollectionsAtOnceCannotOverdrawTheWallet() async throws {
        try await withApp { t in
            let w = try await WalletWorld.make(t)
            _ = try await Wallets.topUp(w.ctx, resellerID: w.reseller.id!.uuidString, .init(amount: "1500", method: "cash"), services: t.services, on: t.db)
            for round in 0..<3 {
                let outcomes = await withTaskGroup(of: Bool.self) { group in
                    for i in [1, 2] { group.addTask { (try? await w.collect(i, "1000")) != nil } }
                    return await group.reduce(into: [Bool]()) { $0.append($1) }
                }
                #expect(outcomes.filter { $0 }.count == (round == 0 ? 1 : 0), "round \(round): \(outcomes)")
                #expect(try await w.balance() >= 0)
            }
            #expect(try await w.balance() == 60_000)
            #expect(try await w.clean())
        }
    }

    /// Reseller staff sell prepaid packages from their wallet: the recharge's invoice is paid at
    /// the reseller's price in the same transaction. Two at once that the wallet covers only one
    /// of: one is sold, the other leaves no invoice and no new validity. A package that ran out
    /// (suspended by dunning) comes back when recharged.
    @Test func rechargesFromTheWalletPayTheirPackageAndTwoAtOnceCannotOverdrawIt() async throws {
        try await withApp { t in
            let w = try await WalletWorld.make(t)
            t.clock.set(LocalDate("2026-03-05")!.start(in: w.ctx.timeZone).addingTimeInterval(3_600 * 10))
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed) = ("HS-30", "Hotspot 30 days", "hotspot", "5M", "2M")
            (input.price, input.billingKind, input.validityDays) = ("500", "prepaid", "30")
            let plan = try await Plans.create(w.ctx, input, services: t.services, on: t.db)
            var subscriptions: [Subscription] = []
            for i in [1, 2] {
                subscriptions.append(try await Subscriptions.create(w.ctx, .init(customerID: w.customers[i].id!.uuidString, planID: plan.id!.uuidString,
                                                                                 startsOn: "2026-03-01", activate: "true"), services: t.services, on: t.db))
            }
            _ = try await Wallets.topUp(w.ctx, resellerID: w.reseller.id!.uuidString, .init(amount: "500", method: "cash"), services: t.services, on: t.db)
            let outcomes = await withTaskGroup(of: String.self) { group in
                for s in subscriptions {
                    group.addTask {
                        do { return try await Wallets.recharge(w.staff, subscriptionID: s.id!.uuidString, services: t.services, on: t.db).invoice.status.rawValue }
                        catch { return "\(error)" }
                    }
                }
                return await group.reduce(into: [String]()) { $0.append($1) }
            }
            #expect(Set(outcomes) == ["paid", "The package needs 450.00 from Mirpur Franchise's wallet, which holds 50.00; top it up first"], "\(outcomes)")
            #expect(try await w.balance() == 5_000)
            let expiries = try await Subscription.query(on: t.db).filter(\.$id ~~ subscriptions.map { $0.id! }).all().compactMap(\.expiresOn).sorted()
            #expect(expiries == ["2026-03-30", "2026-04-29"], "one package added, the other untouched")
            let rechargeInvoices = try await Invoice.scoped(to: w.ctx, on: t.db).filter(\.$subscriptionID ~~ subscriptions.map { $0.id! }).count()
            #expect(rechargeInvoices == 3, "two activations and the one recharge sold")

            // Who may: reseller staff through the wallet; the ISP's staff recharge from the
            // subscription; reseller staff cannot recharge outside the wallet, nor a monthly plan.
            await #expect(throws: DomainError.self) { _ = try await Wallets.recharge(w.ctx, subscriptionID: subscriptions[0].id!.uuidString, services: t.services, on: t.db) }
            await #expect(throws: DomainError.self) { _ = try await Subscriptions.recharge(w.staff, subscriptions[0].id!.uuidString, on: nil, services: t.services, on: t.db) }
            let monthly = try #require(try await Subscription.query(on: t.db).filter(\.$customerID == w.customers[0].id!).first())
            await #expect(throws: DomainError.conflict("Home 20 is a monthly plan; monthly subscriptions are billed by the invoice run.")) {
                _ = try await Wallets.recharge(w.staff, subscriptionID: monthly.id!.uuidString, services: t.services, on: t.db)
            }

            // Run out, suspended by the daily pass, and back at once when recharged.
            let lapsedID = try #require(try await Subscription.query(on: t.db).filter(\.$id ~~ subscriptions.map { $0.id! })
                .filter(\.$expiresOn == "2026-03-30").first()?.id)
            t.clock.set(LocalDate("2026-04-02")!.start(in: w.ctx.timeZone).addingTimeInterval(3_600 * 10))
            _ = try await Dunning.run(organizationID: w.tenant.id, today: LocalDate("2026-04-02"), services: t.services, on: t.db)
            #expect(try await Subscription.find(lapsedID, on: t.db)?.status == .suspended)
            _ = try await Wallets.topUp(w.ctx, resellerID: w.reseller.id!.uuidString, .init(amount: "1000", method: "cash"), services: t.services, on: t.db)
            let sold = try await Wallets.recharge(w.staff, subscriptionID: lapsedID.uuidString, services: t.services, on: t.db)
            #expect(sold.invoice.status == .paid && sold.invoice.periodStart == "2026-04-02" && sold.payment.method == .resellerWallet)
            #expect(try await Subscription.find(lapsedID, on: t.db)?.status == .active, "restored at once")
            #expect(try await w.balance() == 5_000 + 100_000 - 45_000)
            #expect(try await w.clean())
        }
    }
}
