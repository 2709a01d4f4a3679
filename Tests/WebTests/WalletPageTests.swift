import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Receivables
import Testing
import TestSupport
@testable import Web

@Suite("Wallet pages")
struct WalletPageTests {
    /// A reseller's staff sell a prepaid package from the customer page: refused with the
    /// wallet's balance while it is empty, sold once the ISP has topped it up.
    @Test func resellerStaffRechargeFromTheCustomerPage() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let reseller = try await Resellers.create(ctx, .init(name: "Mirpur Franchise", commissionRate: "10"), services: t.services, on: t.db)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed) = ("HS-30", "Hotspot 30 days", "hotspot", "5M", "2M")
            (input.price, input.billingKind, input.validityDays) = ("500", "prepaid", "30")
            let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
            let customer = try await Customers.create(ctx, .init(displayName: "Franchise Customer", phones: ["01711000031"], resellerID: reseller.id!.uuidString),
                                                      services: t.services, on: t.db)
            let today = LocalDate.today(t.services.clock.now(), in: ctx.timeZone)
            let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, startsOn: today.description,
                                                              activate: "true"), services: t.services, on: t.db)
            let user = try await t.makeUser(in: tenant, role: .reseller, email: "franchise@alpha.test")
            user.resellerID = reseller.id
            try await user.save(on: t.db)
            let browser = Browser(t.app)
            try await browser.signIn("franchise@alpha.test")
            let page = try await browser.get("/customers/\(customer.id!.uuidString)")
            #expect(page.text.contains("Recharge from wallet") && page.text.contains("450.00 comes off your wallet"))
            #expect(!page.text.contains("Hold suspension until then"), "holds are the ISP's to give")
            let refused = try await browser.post("/subscriptions/\(s.id!.uuidString)/wallet-recharge", [])
            #expect(refused.status == .seeOther)
            #expect(try await browser.get("/customers/\(customer.id!.uuidString)").text
                .contains("Not recharged: The package needs 450.00 from Mirpur Franchise&#39;s wallet, which holds 0.00; top it up first"))
            _ = try await Wallets.topUp(ctx, resellerID: reseller.id!.uuidString, .init(amount: "450", method: "cash"), services: t.services, on: t.db)
            _ = try await browser.post("/subscriptions/\(s.id!.uuidString)/wallet-recharge", [])
            let sold = try await browser.get("/customers/\(customer.id!.uuidString)")
            #expect(sold.text.contains("Recharged: service through \(today.adding(days: 59))"), "\(sold.text.count)")
            #expect(try await Wallets.balance(of: reseller.id!, tenant.id, on: t.db) == 0)
            // The ISP's own staff recharge from the subscription, not the wallet.
            let boss = Browser(t.app)
            try await boss.signIn(tenant.admin.email)
            #expect(try await boss.get("/customers/\(customer.id!.uuidString)").text.contains("Recharge from wallet") == false)
            #expect(try await boss.post("/subscriptions/\(s.id!.uuidString)/wallet-recharge", []).status == .forbidden)
        }
    }
}
