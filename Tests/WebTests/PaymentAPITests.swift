import Billing
import Fluent
import CRM
import Foundation
import Ledger
import MeghnaCore
import Platform
import Receivables
import Testing
import TestSupport
@testable import Web

@Suite("Payments API")
struct PaymentAPITests {
    /// A customer with one issued invoice of 1000.00 and an admin token.
    private func world(_ t: TestApp) async throws -> (tenant: Tenant, customer: Customer, invoice: Invoice) {
        let tenant = try await t.makeTenant("Alpha Net")
        let ctx = try await t.context(of: tenant.admin)
        var input = Plans.Input()
        (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME", "Home", "pppoe", "20M", "10M", "1000")
        let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
        let customer = try await Customers.create(ctx, .init(displayName: "Rahim Uddin", phones: ["01711000001"]), services: t.services, on: t.db)
        let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, activate: "true"),
                                               services: t.services, on: t.db)
        _ = try await InvoiceRuns.run(organizationID: tenant.id, through: LocalDate.today(t.clock.date, in: ctx.timeZone), dryRun: false, actor: "test",
                                      services: t.services, on: t.db)
        let invoice = try #require(try await Invoice.query(on: t.db).filter(\.$subscriptionID == s.id!).first())
        return (tenant, customer, invoice)
    }

    @Test func twentyIdenticalPostsWithOneKeyMakeOnePaymentAndTheSameAnswer() async throws {
        try await withApp { t in
            let (tenant, customer, invoice) = try await world(t)
            let body = #"{"customer_id": "\#(customer.id!.uuidString)", "amount": {"amount": "400.00", "currency": "BDT"}, "method": "cash"}"#
            let answers = try await withThrowingTaskGroup(of: APIResult.self) { group in
                for _ in 0..<20 {
                    group.addTask { try await t.api(.POST, "/api/v1/payments", token: tenant.token, rawBody: body, headers: ["Idempotency-Key": "desk-7-0001"]) }
                }
                return try await group.reduce(into: [APIResult]()) { $0.append($1) }
            }
            #expect(answers.allSatisfy { $0.status == .created }, "\(answers.map { "\($0.status) \($0.text.prefix(200))" })")
            #expect(Set(answers.map(\.text)).count == 1, "all twenty answers are the same")
            #expect(answers.filter { $0.headers.first(name: "Idempotent-Replayed") == "true" }.count == 19)
            let ctx = try await t.context(of: tenant.admin)
            #expect(try await Payment.scoped(to: ctx, on: t.db).count() == 1)
            #expect(try await Invoice.find(invoice.id, on: t.db)?.paidTotal == 40_000)
            #expect(answers[0].json["number"] as? String == "RCT-\(LocalDate.today(t.clock.date, in: ctx.timeZone).year)-000001")
            // The same key with another body is refused; a new key records a second payment.
            let other = body.replacingOccurrences(of: "400.00", with: "500.00")
            let reused = try await t.api(.POST, "/api/v1/payments", token: tenant.token, rawBody: other, headers: ["Idempotency-Key": "desk-7-0001"])
            #expect(reused.status == .unprocessableEntity)
            #expect(reused.text.contains("Idempotency-Key") && reused.text.contains("was used for a different request"))
            let fresh = try await t.api(.POST, "/api/v1/payments", token: tenant.token, rawBody: other, headers: ["Idempotency-Key": "desk-7-0002"])
            #expect(fresh.status == .created && fresh.json["number"] as? String != answers[0].json["number"] as? String)
            #expect(try await Payment.scoped(to: ctx, on: t.db).count() == 2)
            let badKey = try await t.api(.POST, "/api/v1/payments", token: tenant.token, rawBody: body, headers: ["Idempotency-Key": "has space"])
            #expect(badKey.status == .unprocessableEntity && badKey.text.contains("Idempotency-Key"))
            #expect(try await Ledger.check(organizationID: tenant.id, on: t.db).isEmpty)
            #expect(try await CollectionsChecks.ledgerProblems(organizationID: tenant.id, on: t.db).isEmpty)
        }
    }

    @Test func aPaymentIsRecordedReadAndReversedWithClearErrors() async throws {
        try await withApp { t in
            let (tenant, customer, invoice) = try await world(t)
            let cid = customer.id!.uuidString
            func post(_ json: [String: Any]) async throws -> APIResult { try await t.api(.POST, "/api/v1/payments", token: tenant.token, json: json) }
            // A float, another currency, a negative amount, a share beyond the invoice: 422 naming the field.
            let float = try await post(["customer_id": cid, "amount": ["amount": 400.5, "currency": "BDT"], "method": "cash"])
            #expect(float.status == .unprocessableEntity && float.text.contains("amount.amount"))
            let usd = try await post(["customer_id": cid, "amount": ["amount": "400.00", "currency": "USD"], "method": "cash"])
            #expect(usd.status == .unprocessableEntity && usd.text.contains("amount.currency"))
            let negative = try await post(["customer_id": cid, "amount": ["amount": "-1.00", "currency": "BDT"], "method": "cash"])
            #expect(negative.status == .unprocessableEntity && negative.text.contains("must not be negative"))
            let beyond = try await post(["customer_id": cid, "amount": ["amount": "2000.00", "currency": "BDT"], "method": "cash",
                                         "allocations": [["invoice_id": invoice.id!.uuidString, "amount": ["amount": "1000.01", "currency": "BDT"]]]])
            #expect(beyond.status == .unprocessableEntity && beyond.text.contains("allocations[0].amount"))
            // Recorded: 1200.00 pays the invoice and leaves 200.00 of credit.
            let made = try await post(["customer_id": cid, "amount": ["amount": "1200.00", "currency": "BDT"], "method": "mobile_money",
                                       "reference": "BKASH 9XK2"])
            #expect(made.status == .created, "\(made.text)")
            #expect((made.json["credited"] as? [String: Any])?["amount"] as? String == "200.00")
            let id = try #require(made.json["id"] as? String)
            let one = try await t.api(.GET, "/api/v1/payments/\(id)", token: tenant.token)
            #expect(((one.json["allocations"] as? [[String: Any]])?.first?["invoice_number"] as? String) == invoice.number)
            let listed = try await t.api(.GET, "/api/v1/payments?method=mobile_money", token: tenant.token)
            #expect(listed.data.count == 1)
            let reversed = try await t.api(.POST, "/api/v1/payments/\(id)/reverse", token: tenant.token, json: ["reason": "Sent to the wrong account"])
            #expect(reversed.status == .ok && reversed.json["status"] as? String == "reversed")
            let again = try await t.api(.POST, "/api/v1/payments/\(id)/reverse", token: tenant.token, json: ["reason": "Again"])
            #expect(again.status == .conflict && again.text.contains("was reversed already"))
            #expect(try await Invoice.find(invoice.id, on: t.db)?.status == .issued)
            #expect(try await Ledger.check(organizationID: tenant.id, on: t.db).isEmpty)
            #expect(try await CollectionsChecks.ledgerProblems(organizationID: tenant.id, on: t.db).isEmpty)
        }
    }
}
