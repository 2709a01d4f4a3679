import CRM
import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform
import SQLKit

extension Payments {
    /// Whether the viewer may reverse this payment now.
    public static func canReverse(_ ctx: TenantContext, _ payment: Payment) -> Bool {
        ctx.can(.paymentsWrite) && !ctx.isResellerScoped && payment.status == .posted
    }

    /// Reverses a payment recorded by mistake (a bounced cheque, the wrong customer): its shares
    /// come off the invoices, its ledger transfer is reversed (once) and it is marked reversed
    /// with the reason. Nothing is deleted. If what it put on the customer's credit has been
    /// used since, the reversal is refused until that is undone.
    public static func reverse(_ ctx: TenantContext, _ id: String?, reason: String?, services: PlatformServices, on db: any Database) async throws -> Payment {
        try ctx.require(.paymentsWrite)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot reverse payments.") }
        var v = Validator()
        let why = v.text("reason", reason, max: 300)
        try v.check()
        let found = try await Payment.find(id, in: ctx, on: db)
        let (paymentID, customerID, org) = (found.id!, found.customerID, ctx.organizationID)
        let now = services.clock.now()
        let reversed = try await db.writeTransaction { tx in
            try await lockCustomer(customerID, org, on: tx)
            guard let payment = try await Payment.inOrganization(org, on: tx).filter(\.$id == paymentID).first() else { throw DomainError.notFound("Payment") }
            guard payment.status == .posted else { throw DomainError.conflict("Payment \(payment.number) was reversed already.") }
            let customer = try await Customer.inOrganization(org, on: tx).filter(\.$id == customerID).first()
            let label = customer?.numberText ?? "customer"
            if payment.credited > 0 {
                let credit = -(try await Ledger.balance(ofKey: Chart.customerCredit(customerID: customerID, label: label).key, ctx, on: tx).minorUnits)
                guard credit >= payment.credited else {
                    let money = { (minor: Int64) in Money(minorUnits: minor, currency: payment.currency).description }
                    throw DomainError.conflict("Payment \(payment.number) put \(money(payment.credited)) on the customer's credit, and only \(money(max(0, credit))) of it is left; take back what the credit paid first.")
                }
            }
            let shares = try await PaymentAllocation.inOrganization(org, on: tx).filter(\.$paymentID == paymentID).filter(\.$reversedAt == nil).all()
            for share in shares {
                share.reversedAt = now
                try await share.save(on: tx)
                try await settle(share.invoiceID, by: -share.amount, org, on: tx)
            }
            guard let transfer = try await LedgerTransfer.inOrganization(org, on: tx).filter(\.$referenceType == "payment").filter(\.$referenceID == paymentID)
                .filter(\.$kind == "payment").first() else { throw DomainError.conflict("Payment \(payment.number) has no ledger transfer; run meghna ledger check.") }
            _ = try await Ledger.reverse(transfer.id!, memo: "Reversal of \(payment.number)", eventAt: now, ctx, on: tx)
            payment.status = .reversed
            payment.reversalReason = why
            payment.reversedBy = ctx.actor.label
            payment.reversedAt = now
            try await payment.save(on: tx)
            let summary = "Payment \(payment.number) reversed: \(why ?? "")"
            try await Audit.record("payment.reversed", summary, ctx: ctx, target: .init("payment", paymentID),
                                   metadata: ["reason": why ?? "", "amount": payment.amountMoney.decimalString], at: now, on: tx)
            _ = try await Activities.record(ctx, subject: .init("customer", customerID), kind: "payment.reversed", summary: summary,
                                            related: .init("payment", paymentID), at: now, on: tx)
            return payment
        }
        // Money taken back may leave an invoice past its grace: the next daily pass suspends.
        await Dunning.reevaluate(customerID: customerID, ctx, services: services, on: db)
        return reversed
    }
}
