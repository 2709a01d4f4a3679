import Billing
import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Receivables

/// The collections part of the demo ISP (first run only): most customers paid each invoice a
/// few days after it was issued, by cash, bKash or bank, to two collectors; some paid part, one
/// overpaid into credit, some did not pay and are overdue or suspended by the day's dunning pass;
/// a promise to pay, a VIP, a credit note on a part-paid invoice and a refund.
enum CollectionsDemo {
    static func seed(_ org: Organization, services: PlatformServices, on db: any Database) async throws {
        let orgID = org.id!
        let system = TenantContext.system("demo", organizationID: orgID, timeZone: org.timeZone)
        guard try await Payment.scoped(to: system, on: db).count() == 0 else { return }
        let collectors = try await User.inOrganization(orgID, on: db).filter(\.$email ~~ ["billing@demo.test", "branch@demo.test"])
            .sort(\.$email).all()
        let contexts = collectors.isEmpty ? [system] : collectors.map {
            TenantContext(organizationID: orgID, actor: .user(id: $0.id!, email: $0.email), permissions: Set(Permission.allCases), timeZone: org.timeZone)
        }
        _ = try await Settings.update(system, ["dunning": ["late_fee": .int(50)]], services: services, on: db)
        let today = LocalDate.today(services.clock.now(), in: org.timeZone)
        try await resellerWallets(org, system: system, staff: contexts[0], today: today, services: services, on: db)
        let customers = try await Customer.scoped(to: system, on: db).sort(\.$number).all()
        let methods: [(String, String?)] = [("cash", nil), ("mobile_money", "BK"), ("cash", nil), ("bank", "DBBL"), ("mobile_money", "NG")]
        var creditNoteDone = false
        for (i, customer) in customers.enumerated() {
            let ctx = contexts[i % contexts.count]
            let open = try await Payments.due(system, customerID: customer.id!, on: db).invoices.sorted { $0.issueOn < $1.issueOn }
            guard !open.isEmpty else { continue }
            let id = customer.id!.uuidString
            func pay(_ invoice: OpenInvoice, _ amount: Int64, k: Int) async throws {
                let (method, prefix) = methods[(i + k) % methods.count]
                let issued = LocalDate(invoice.issueOn) ?? today
                let day = min(issued.adding(days: 2 + (i + k) % 6), today)
                _ = try await Payments.record(ctx, .init(customerID: id, amount: Money(minorUnits: amount, currency: org.currency).decimalString, method: method,
                                                         reference: prefix.map { "\($0)\(100_000 + i * 37 + k)" }, receivedOn: day.description),
                                              services: services, on: db)
            }
            switch i % 10 {
            case 6: // pays all but the newest invoice
                for (k, inv) in open.dropLast().enumerated() { try await pay(inv, inv.open, k: k) }
            case 7: // pays nothing: overdue, then suspended
                break
            case 8: // pays half of the oldest and promises the rest
                try await pay(open[0], open[0].open / 2, k: 0)
                _ = try await Exclusions.add(ctx, .init(customerID: id, kind: "promise_to_pay", until: today.adding(days: 5).description,
                                                        reason: "Salary comes on the 5th"), services: services, on: db)
            case 9: // overpays the newest by 200 into credit
                for (k, inv) in open.enumerated() { try await pay(inv, inv.open + (k == open.count - 1 ? 20_000 : 0), k: k) }
            case 3 where !creditNoteDone && open.count > 1:
                // A part-paid invoice credited for an outage; the rest goes to credit and is refunded.
                try await pay(open[0], open[0].open - 30_000, k: 0)
                _ = try await CreditNotes.issue(system, .init(invoiceID: open[0].id.uuidString, reason: "Fiber cut: 6 days without service",
                                                              lines: nil), services: services, on: db)
                let credit = try await Refunds.credit(of: customer.id!, orgID, on: db)
                if credit > 0 {
                    _ = try await Refunds.record(ctx, .init(customerID: id, amount: Money(minorUnits: credit, currency: org.currency).decimalString,
                                                            method: "cash", reason: "Outage credit paid back"), services: services, on: db)
                }
                creditNoteDone = true
            case 5 where i % 20 == 5:
                _ = try await Exclusions.add(system, .init(customerID: id, kind: "vip", reason: "Upazila health complex"), services: services, on: db)
            default:
                for (k, inv) in open.enumerated() { try await pay(inv, inv.open, k: k) }
            }
        }
        // The "due soon" SMS in the organization's own words, in Bangla (Settings → Messages).
        try await ReminderTemplates.save(system, event: ReminderEvent.dueSoon.rawValue, channel: ReminderChannel.sms.rawValue,
                                         .init(body: "{{organization_name}}: প্রিয় {{customer_name}}, আপনার বিল {{currency}} {{amount_due}} "
                                                   + "{{due_date}} তারিখের মধ্যে পরিশোধ করুন। ধন্যবাদ।"),
                                         services: services, on: db)
        // Today's pass: reminders, and suspension of what is unpaid past its grace.
        _ = try await Dunning.run(organizationID: orgID, today: today, actor: "system:demo", services: services, on: db)
    }

    /// Each reseller with customers gets a top-up; the one with demo staff (reseller@demo.test)
    /// collects from up to four of its customers through its wallet, earning its commission.
    static func resellerWallets(_ org: Organization, system: TenantContext, staff: TenantContext, today: LocalDate, services: PlatformServices,
                                on db: any Database) async throws {
        let orgID = org.id!
        guard let user = try await User.inOrganization(orgID, on: db).filter(\.$email == "reseller@demo.test").first(), let resellerID = user.resellerID else { return }
        let resellerStaff = TenantContext(organizationID: orgID, actor: .user(id: user.id!, email: user.email), permissions: SystemRole.reseller.permissions,
                                          resellerIDs: [resellerID], timeZone: org.timeZone, currency: org.currency)
        _ = try await Wallets.topUp(staff, resellerID: resellerID.uuidString, .init(amount: "5000", method: "mobile_money", reference: "BK-WALLET-1",
                                                                                  receivedOn: today.adding(days: -20).description, note: "Opening float"),
                                    services: services, on: db)
        var collected = 0
        for customer in try await Customer.scoped(to: resellerStaff, on: db).sort(\.$number).all() where collected < 4 {
            let due = try await Payments.due(system, customerID: customer.id!, on: db)
            guard let oldest = due.invoices.first else { continue }
            // Keep the float ahead of the collections (the reseller's price is at most the amount).
            if try await Wallets.balance(of: resellerID, orgID, on: db) < oldest.open {
                _ = try await Wallets.topUp(staff, resellerID: resellerID.uuidString, .init(amount: Money(minorUnits: max(oldest.open, 100_000) * 2, currency: org.currency).decimalString,
                                                                                          method: "cash", receivedOn: today.adding(days: -10).description),
                                            services: services, on: db)
            }
            _ = try await Wallets.collect(resellerStaff, .init(customerID: customer.id!.uuidString, amount: Money(minorUnits: oldest.open, currency: org.currency).decimalString,
                                                               receivedOn: (LocalDate(oldest.issueOn).map { min($0.adding(days: 3), today) } ?? today).description),
                                          services: services, on: db)
            collected += 1
        }
    }
}
