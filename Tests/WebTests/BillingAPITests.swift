import Billing
import CRM
import Foundation
import Ledger
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Web

@Suite("Billing API")
struct BillingAPITests {
    /// The organization's currency is fixed once the ledger or billing holds amounts in it; each
    /// area answers for its own tables.
    @Test func theCurrencyStaysOnceAnyAreaHoldsAmountsInIt() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let ctx = try await t.context(of: tenant.admin)
            let id = tenant.id.uuidString
            // Nothing priced yet: it may change, and back.
            #expect(try await Organizations.update(ctx, id, .init(currency: "USD"), services: t.services, on: t.db).currency == "USD")
            #expect(try await Organizations.update(ctx, id, .init(currency: "BDT"), services: t.services, on: t.db).currency == "BDT")
            // Only a ledger transfer (no plan, no invoice): the ledger says why.
            let draft = TransferDraft(idempotencyKey: "opening", kind: "opening", memo: "Opening cash", eventAt: Date(), lines: [
                .debit(Chart.cash, Money(minorUnits: 10_000)), .credit(Chart.openingBalances, Money(minorUnits: 10_000)),
            ])
            _ = try await Ledger.post([draft], try await t.context(of: tenant.admin), on: t.db)
            await #expect(throws: DomainError.invalid("currency", "cannot change from BDT: the ledger holds amounts in it")) {
                _ = try await Organizations.update(ctx, id, .init(currency: "USD"), services: t.services, on: t.db)
            }
            #expect(try await Organization.find(tenant.id, on: t.db)?.currency == "BDT")
            // Only a plan: billing says why.
            let other = try await t.makeTenant("Beta Net")
            let otherCtx = try await t.context(of: other.admin)
            var input = Plans.Input()
            (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME", "Home", "pppoe", "20M", "10M", "1000")
            _ = try await Plans.create(otherCtx, input, services: t.services, on: t.db)
            await #expect(throws: DomainError.invalid("currency", "cannot change from BDT: plans are priced in it")) {
                _ = try await Organizations.update(otherCtx, other.id.uuidString, .init(currency: "USD"), services: t.services, on: t.db)
            }
        }
    }

    @Test func moneyIsAnObjectWithTheOrganizationsCurrencyAndItsDecimals() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let plan: [String: Any] = ["code": "home-20", "name": "Home 20", "service_type": "pppoe", "download_speed": "20M", "upload_speed": "10M"]
            func create(_ price: Any) async throws -> APIResult {
                var body = plan
                body["price"] = price
                return try await t.api(.POST, "/api/v1/plans", token: tenant.token, json: body)
            }
            let float = try await create(["amount": 1500.5, "currency": "BDT"])
            #expect(float.status == .unprocessableEntity && float.errorFields == ["price.amount"], "\(float.text)")
            let usd = try await create(["amount": "1500.00", "currency": "USD"])
            #expect(usd.status == .unprocessableEntity && usd.errorFields == ["price.currency"], "\(usd.text)")
            let poisha = try await create(["amount": "1500.005", "currency": "BDT"])
            #expect(poisha.status == .unprocessableEntity && poisha.errorFields == ["price"], "\(poisha.text)")
            let negative = try await create(["amount": "-1.00", "currency": "BDT"])
            #expect(negative.status == .unprocessableEntity && negative.errorFields == ["price"], "\(negative.text)")
            let created = try await create(["amount": "1500", "currency": "BDT"])
            #expect(created.status == .created, "\(created.text)")
            #expect(created.json["price"] as? [String: String] == ["amount": "1500.00", "currency": "BDT"])
            #expect(created.json["code"] as? String == "HOME-20")
            #expect(created.json["rate_limit"] as? String == "10M/20M")
            let list = try await t.api(.GET, "/api/v1/plans", token: tenant.token)
            #expect(list.data.count == 1)
        }
    }

    /// The fuzzer changed the currency under existing prices and the run preview then added BDT
    /// to another currency: the currency now stays once anything is priced in it.
    @Test func theCurrencyStaysOnceAnythingIsPricedInIt() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let path = "/api/v1/organizations/\(tenant.id)"
            let free = try await t.api(.PATCH, path, token: tenant.token, json: ["currency": "USD"])
            #expect(free.status == .ok && free.json["currency"] as? String == "USD", "\(free.text)")
            let back = try await t.api(.PATCH, path, token: tenant.token, json: ["currency": "BDT"])
            #expect(back.status == .ok, "\(back.text)")
            let plan = try await t.api(.POST, "/api/v1/plans", token: tenant.token, json: [
                "code": "HOME", "name": "Home", "service_type": "pppoe", "download_speed": "20M", "upload_speed": "10M",
                "price": ["amount": "1000.00", "currency": "BDT"]])
            #expect(plan.status == .created, "\(plan.text)")
            let refused = try await t.api(.PATCH, path, token: tenant.token, json: ["currency": "USD", "name": "Alpha Net Ltd"])
            #expect(refused.status == .unprocessableEntity && refused.errorFields == ["currency"], "\(refused.text)")
            #expect(refused.text.contains("plans are priced in it"))
            let after = try await t.api(.GET, path, token: tenant.token)
            #expect(after.json["currency"] as? String == "BDT" && after.json["name"] as? String == "Alpha Net", "nothing half-written: \(after.text)")
            let same = try await t.api(.PATCH, path, token: tenant.token, json: ["currency": "bdt", "name": "Alpha Net Ltd"])
            #expect(same.status == .ok && same.json["name"] as? String == "Alpha Net Ltd", "\(same.text)")
        }
    }

    /// A run started through the API is queued (202) and followed by its id until it finishes.
    @Test func aRunStartedThroughTheAPIIsQueuedAndFollowedByItsID() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let plan = try await t.api(.POST, "/api/v1/plans", token: tenant.token, json: [
                "code": "HOME", "name": "Home", "service_type": "pppoe", "download_speed": "20M", "upload_speed": "10M",
                "price": ["amount": "1000.00", "currency": "BDT"]])
            let customer = try await t.api(.POST, "/api/v1/customers", token: tenant.token, json: ["display_name": "Run Customer", "phones": ["01711000077"]])
            let subscription = try await t.api(.POST, "/api/v1/subscriptions", token: tenant.token, json: [
                "customer_id": customer.json["id"] as? String ?? "", "plan_id": plan.json["id"] as? String ?? "", "billing_day": 1,
                "starts_on": "2026-01-01", "activate": true])
            #expect(subscription.status == .created, "\(subscription.text)")
            let future = try await t.api(.POST, "/api/v1/billing-runs", token: tenant.token, json: ["on": "2099-01-01"])
            #expect(future.status == .unprocessableEntity && future.errorFields == ["on"], "\(future.text)")
            let started = try await t.api(.POST, "/api/v1/billing-runs", token: tenant.token, json: ["on": "2026-02-10"])
            #expect(started.status == .accepted && started.json["status"] as? String == "queued", "\(started.text)")
            let id = try #require(started.json["id"] as? String)
            #expect(try await t.drainJobs(queues: ["default"]) == 1)
            let run = try await t.api(.GET, "/api/v1/billing-runs/\(id)", token: tenant.token)
            #expect(run.status == .ok && run.json["status"] as? String == "finished", "\(run.text)")
            #expect(run.json["invoices"] as? Int == 2 && run.json["due"] as? Int == 1 && run.json["subscriptions"] as? Int == 1, "\(run.text)")
            #expect(run.json["total"] as? [String: String] == ["amount": "2000.00", "currency": "BDT"], "\(run.text)")
        }
    }

    @Test func addOnsDiscountsAndVoidsThroughTheAPI() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let plan = try await t.api(.POST, "/api/v1/plans", token: tenant.token, json: [
                "code": "HOME", "name": "Home", "service_type": "pppoe", "download_speed": "20M", "upload_speed": "10M",
                "price": ["amount": "1000.00", "currency": "BDT"]])
            let addon = try await t.api(.POST, "/api/v1/addons", token: tenant.token, json: [
                "code": "IP", "name": "Static IP", "kind": "recurring", "category": "static_ip", "price": ["amount": "300.00", "currency": "BDT"]])
            #expect(addon.status == .created, "\(addon.text)")
            let coupon = try await t.api(.POST, "/api/v1/discounts", token: tenant.token, json: [
                "name": "Eid", "coupon_code": "EID26", "kind": "percent", "percent": "10", "target": "plan"])
            #expect(coupon.status == .created, "\(coupon.text)")
            let customer = try await t.api(.POST, "/api/v1/customers", token: tenant.token, json: ["display_name": "Rahim", "phones": ["01711000001"]])
            let sub = try await t.api(.POST, "/api/v1/subscriptions", token: tenant.token, json: [
                "customer_id": try #require(customer.json["id"] as? String), "plan_id": try #require(plan.json["id"] as? String),
                "starts_on": "2026-02-01", "activate": true, "billing_day": 1])
            let id = try #require(sub.json["id"] as? String)
            let addonID = try #require(addon.json["id"] as? String)
            let preview = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons", token: tenant.token,
                                          json: ["addon_id": addonID, "on": "2026-02-15", "preview": true])
            #expect(preview.status == .ok && preview.json["applied"] as? Bool == false && preview.json["remaining_days"] as? Int == 14, "\(preview.text)")
            #expect(preview.json["charge"] as? [String: String] == ["amount": "150.00", "currency": "BDT"])
            let added = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons", token: tenant.token, json: ["addon_id": addonID, "on": "2026-02-15"])
            #expect(added.status == .ok && added.json["applied"] as? Bool == true, "\(added.text)")
            let twice = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons", token: tenant.token, json: ["addon_id": addonID, "on": "2026-02-16"])
            #expect(twice.status == .unprocessableEntity && twice.errorFields == ["addon_id"], "\(twice.text)")
            let before = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons", token: tenant.token, json: ["addon_id": addonID, "on": "2026-01-01"])
            #expect(before.status == .unprocessableEntity, "\(before.text)")
            let items = try await t.api(.GET, "/api/v1/subscriptions/\(id)/addons", token: tenant.token)
            let item = try #require(items.data.first?["id"] as? String)
            #expect(items.data.first?["from_on"] as? String == "2026-02-15")
            let removed = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons/\(item)/remove", token: tenant.token, json: ["on": "2026-02-20"])
            #expect(removed.status == .ok && removed.json["charge"] as? [String: String] == ["amount": "-96.43", "currency": "BDT"], "\(removed.text)")
            let again = try await t.api(.POST, "/api/v1/subscriptions/\(id)/addons/\(item)/remove", token: tenant.token)
            #expect(again.status == .conflict, "\(again.text)")
            let badCoupon = try await t.api(.POST, "/api/v1/subscriptions/\(id)/discounts", token: tenant.token, json: ["coupon_code": "NOPE"])
            #expect(badCoupon.status == .unprocessableEntity && badCoupon.errorFields == ["coupon_code"], "\(badCoupon.text)")
            let given = try await t.api(.POST, "/api/v1/subscriptions/\(id)/discounts", token: tenant.token, json: ["coupon_code": "eid26"])
            #expect(given.status == .created && given.json["percent"] as? String == "10" && given.json["coupon_code"] as? String == "EID26", "\(given.text)")
            let grant = try #require(given.json["id"] as? String)
            let ended = try await t.api(.POST, "/api/v1/subscriptions/\(id)/discounts/\(grant)/end", token: tenant.token, json: ["on": "2026-03-31"])
            #expect(ended.status == .ok && ended.json["ended_on"] as? String == "2026-03-31", "\(ended.text)")
            let grants = try await t.api(.GET, "/api/v1/subscriptions/\(id)/discounts", token: tenant.token)
            #expect(grants.data.count == 1)

            _ = try await InvoiceRuns.run(organizationID: tenant.id, through: LocalDate("2026-02-01")!, dryRun: false, actor: "test", services: t.services, on: t.db)
            let invoices = try await t.api(.GET, "/api/v1/invoices", token: tenant.token)
            let invoiceID = try #require(invoices.data.first?["id"] as? String)
            let noReason = try await t.api(.POST, "/api/v1/invoices/\(invoiceID)/void", token: tenant.token, json: [String: String]())
            #expect(noReason.status == .unprocessableEntity && noReason.errorFields == ["reason"], "\(noReason.text)")
            let note = try await t.api(.POST, "/api/v1/invoices/\(invoiceID)/void", token: tenant.token, json: ["reason": "Wrong plan"])
            #expect(note.status == .created && note.json["kind"] as? String == "credit_note" && note.json["voids_invoice_id"] as? String == invoiceID,
                    "\(note.text)")
            #expect(note.json["total"] as? [String: String] == ["amount": "-953.57", "currency": "BDT"], "1000 − 10 % + 150.00 − 96.43")
            let voided = try await t.api(.GET, "/api/v1/invoices/\(invoiceID)", token: tenant.token)
            #expect(voided.json["status"] as? String == "void" && voided.json["void_reason"] as? String == "Wrong plan")
            let twiceVoid = try await t.api(.POST, "/api/v1/invoices/\(invoiceID)/void", token: tenant.token, json: ["reason": "Again"])
            #expect(twiceVoid.status == .conflict, "\(twiceVoid.text)")
        }
    }

    @Test func aPlanChangePreviewAnswersTheProrationAndChangesNothing() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            func plan(_ code: String, _ price: String) async throws -> String {
                let r = try await t.api(.POST, "/api/v1/plans", token: tenant.token, json: [
                    "code": code, "name": code, "service_type": "pppoe", "download_speed": "20M", "upload_speed": "10M",
                    "price": ["amount": price, "currency": "BDT"]])
                return try #require(r.json["id"] as? String, "\(r.text)")
            }
            let home = try await plan("HOME", "1000.00"), fast = try await plan("FAST", "1500.00")
            let customer = try await t.api(.POST, "/api/v1/customers", token: tenant.token, json: ["display_name": "Rahim", "phones": ["01711000001"]])
            let customerID = try #require(customer.json["id"] as? String)
            let sub = try await t.api(.POST, "/api/v1/subscriptions", token: tenant.token,
                                      json: ["customer_id": customerID, "plan_id": home, "starts_on": "2026-02-01", "activate": true, "billing_day": 1])
            #expect(sub.status == .created, "\(sub.text)")
            let id = try #require(sub.json["id"] as? String)
            let preview = try await t.api(.POST, "/api/v1/subscriptions/\(id)/change-plan", token: tenant.token,
                                          json: ["plan_id": fast, "effective": "now", "on": "2026-02-15", "preview": true])
            #expect(preview.status == .ok, "\(preview.text)")
            #expect(preview.json["remaining_days"] as? Int == 14)
            let period = try #require(preview.json["period"] as? [String: Any])
            #expect(period["start"] as? String == "2026-02-01" && period["end"] as? String == "2026-02-28" && period["days"] as? Int == 28)
            #expect(preview.json["credit"] as? [String: String] == ["amount": "500.00", "currency": "BDT"])
            #expect(preview.json["charge"] as? [String: String] == ["amount": "750.00", "currency": "BDT"])
            #expect(preview.json["net"] as? [String: String] == ["amount": "250.00", "currency": "BDT"])
            #expect(preview.json["applied"] as? Bool == false)
            let after = try await t.api(.GET, "/api/v1/subscriptions/\(id)", token: tenant.token)
            #expect((after.json["plan_id"] as? String)?.lowercased() == home.lowercased())
            // A read-only person may preview but not change.
            _ = try await t.makeUser(in: tenant, role: .support, email: "support@alpha.test")
            let support = try await t.makeToken(email: "support@alpha.test", abilities: ["*"])
            let quoted = try await t.api(.POST, "/api/v1/subscriptions/\(id)/change-plan", token: support, json: ["plan_id": fast, "preview": true])
            #expect(quoted.status == .ok, "\(quoted.text)")
            let refused = try await t.api(.POST, "/api/v1/subscriptions/\(id)/change-plan", token: support, json: ["plan_id": fast])
            #expect(refused.status == .forbidden)
            let schedule = try await t.api(.GET, "/api/v1/subscriptions/\(id)/schedule?count=2&from=2026-02-10", token: tenant.token)
            #expect(schedule.data.count == 2, "\(schedule.text)")
        }
    }
}
