import Billing
import CRM
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport
@testable import Web

@Suite("Billing API")
struct BillingAPITests {
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
