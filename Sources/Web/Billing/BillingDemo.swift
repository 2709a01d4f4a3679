import Billing
import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform

/// The billing part of the demo ISP: plans, add-ons, a coupon, Bangladesh's 5 % VAT,
/// subscriptions in every state and four months of issued invoices. Only on the first run.
enum BillingDemo {
    static func seed(_ org: Organization, services: PlatformServices, on db: any Database) async throws {
        let ctx = TenantContext.system("demo", organizationID: org.id!, timeZone: org.timeZone)
        guard try await Plan.scoped(to: ctx, on: db).count() == 0 else { return }
        let today = LocalDate.today(services.clock.now(), in: org.timeZone)
        var plans: [Plan] = []
        for (code, name, type, down, up, price, kind, days) in [
            ("HOME-10", "Home 10 Mbps", "pppoe", "10M", "5M", "800", "postpaid_monthly", ""),
            ("HOME-20", "Home 20 Mbps", "pppoe", "20M", "10M", "1000", "postpaid_monthly", ""),
            ("FAST-50", "Fast 50 Mbps", "pppoe", "50M", "25M", "1500", "postpaid_monthly", ""),
            ("BIZ-100", "Business 100 Mbps", "static_ip", "100M", "100M", "3500", "postpaid_monthly", ""),
            ("HOTSPOT-7", "Hotspot 7 days", "hotspot", "5M", "2M", "150", "prepaid", "7"),
        ] {
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed) = (code, name, type, down, up)
            (input.price, input.billingKind, input.validityDays, input.setupFee) = (price, kind, days, code == "BIZ-100" ? "2000" : "0")
            plans.append(try await Plans.create(ctx, input, services: services, on: db))
        }
        var addons: [Addon] = []
        for (code, name, kind, category, price) in [("STATIC-IP", "Static IPv4 address", "recurring", "static_ip", "300"),
                                                    ("ROUTER-RENT", "Wi-Fi router rent", "recurring", "equipment_rent", "150"),
                                                    ("INSTALL", "Installation and fiber drop", "one_time", "installation", "1000")] {
            addons.append(try await Addons.create(ctx, .init(code: code, name: name, kind: kind, category: category, price: price), services: services, on: db))
        }
        let eid = try await Discounts.create(ctx, .init(name: "Eid offer", couponCode: "EID10", kind: "percent", value: "10", target: "plan", cycles: "2",
                                                  usageLimit: "100", expiresOn: today.adding(days: 60).description), services: services, on: db)
        _ = try await TaxRules.create(ctx, .init(code: "VAT", name: "VAT 5 %", rate: "5", inclusive: "false",
                                                 effectiveFrom: today.adding(months: -12).firstOfMonth.description), services: services, on: db)
        // Sixty customers on monthly plans, signed up over the last four months.
        let all = try await Customer.scoped(to: ctx, on: db).sort(\.$number).limit(64).all()
        let customers = Array(all.prefix(60))
        // Four on the prepaid hotspot package: activation buys the first week, some recharge.
        for (i, customer) in all.dropFirst(60).enumerated() {
            let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plans[4].id!.uuidString,
                                                              startsOn: today.adding(days: -(3 + 4 * i)).description, activate: "true"),
                                                   services: services, on: db)
            if i % 2 == 1 { _ = try await Subscriptions.recharge(ctx, s.id!.uuidString, on: today.adding(days: -1).description, services: services, on: db) }
        }
        var subscriptions: [Subscription] = []
        for (i, customer) in customers.enumerated() {
            let plan = plans[i % 4]
            let start = today.adding(days: -(120 - i))
            subscriptions.append(try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString,
                                                                           startsOn: start.description, activate: i % 15 == 14 ? "false" : "true"),
                                                                services: services, on: db))
        }
        // Every state: upgrades, suspensions with and without billing, a resumption, terminations.
        for (i, s) in subscriptions.enumerated() where s.status == .active {
            let day = today.adding(days: -(i % 20) - 5)
            guard let activated = s.activatedOn.flatMap(LocalDate.init), day > activated else { continue }
            switch i % 10 {
            case 1: _ = try await Subscriptions.changePlan(ctx, s.id!.uuidString, planID: plans[2].id!.uuidString, effective: "now", on: day.description,
                                                          preview: false, services: services, on: db)
            case 3: _ = try await Subscriptions.suspend(ctx, s.id!.uuidString, reason: "Unpaid for two months", on: day.description, pauseBilling: false,
                                                       services: services, on: db)
            case 5:
                _ = try await Subscriptions.suspend(ctx, s.id!.uuidString, reason: "Travelling abroad", on: day.description, pauseBilling: true,
                                                    services: services, on: db)
                if i % 20 == 5 { _ = try await Subscriptions.resume(ctx, s.id!.uuidString, on: day.adding(days: 3).description, services: services, on: db) }
            case 7: _ = try await Subscriptions.terminate(ctx, s.id!.uuidString, reason: "Moved out of the area", on: day.description,
                                                         services: services, on: db)
            default: break
            }
        }
        // Add-ons and the coupon on some of those still active.
        for (i, s) in subscriptions.enumerated() where s.status == .active && [2, 4, 6, 8].contains(i % 10) {
            let id = s.id!.uuidString
            let activated = s.activatedOn ?? today.description
            switch i % 10 {
            case 2: _ = try await Subscriptions.addAddon(ctx, id, addonID: addons[0].id!.uuidString, on: today.adding(days: -(i % 9)).description,
                                                         preview: false, services: services, on: db)
            case 4: _ = try await Subscriptions.addAddon(ctx, id, addonID: addons[1].id!.uuidString, on: activated, preview: false, services: services, on: db)
            case 6: _ = try await Subscriptions.giveDiscount(ctx, id, discountID: nil, couponCode: eid.couponCode, services: services, on: db)
            default: _ = try await Subscriptions.addAddon(ctx, id, addonID: addons[2].id!.uuidString, on: activated, preview: false, services: services, on: db)
            }
        }
        _ = try await InvoiceRuns.run(organizationID: org.id!, through: today, dryRun: false, actor: "demo", services: services, on: db)
        // One mistake put right: an invoice voided by a credit note.
        if let first = subscriptions.first,
           let invoice = try await Invoice.scoped(to: ctx, on: db).filter(\.$subscriptionID == first.id!).filter(\.$kind == "invoice").sort(\.$issueOn).first() {
            _ = try await Invoices.void(ctx, invoice.id!.uuidString, reason: "Billed before the fiber was connected", services: services, on: db)
        }
    }
}
