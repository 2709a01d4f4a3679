import Foundation
import MeghnaCore
import Platform
import Receivables
import Vapor

/// `/api/v1/payments`: record (with `Idempotency-Key`), list, one payment, reverse.
enum PaymentAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/payments", summary: "Payments, newest first", tag: "payments", permission: .paymentsRead,
                             query: PlatformAPI.pagingParameters + [("customer_id", .uuid, "One customer's"),
                                                                     ("method", .choice(PaymentMethod.allCases.map(\.rawValue)), "Only this method"),
                                                                     ("status", .choice(PaymentStatus.allCases.map(\.rawValue)), "Only this status"),
                                                                     ("from", .date, "Received on or after"), ("to", .date, "Received on or before")],
                             response: .list(PaymentDTO.schema))) { req in
            let filter = Payments.Filter(customerID: req.query[String.self, at: "customer_id"], method: req.query[String.self, at: "method"],
                                         status: req.query[String.self, at: "status"], from: req.query[String.self, at: "from"],
                                         to: req.query[String.self, at: "to"])
            let page = try await Payments.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map { PaymentDTO($0) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/payments",
                             summary: "Record a payment: the oldest open invoices are paid first unless allocations say otherwise; the rest becomes credit",
                             tag: "payments", permission: .paymentsWrite, body: PaymentRequest.schema, success: 201, response: PaymentDTO.schema,
                             rules: PaymentRequest.rules, idempotent: true)) { req in
            let ctx = try req.ctx
            let input = try req.json(PaymentRequest.self).input(currency: ctx.currency)
            // Reseller staff are paid from their reseller's wallet (the method they send is not used).
            let payment = ctx.isResellerScoped ? try await Wallets.collect(ctx, input, services: req.services, on: req.db)
                : try await Payments.record(ctx, input, services: req.services, on: req.db)
            let d = try await Payments.details(ctx, payment.id!.uuidString, on: req.db)
            return try apiResponse(PaymentDTO(d.payment, shares: d.shares), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/payments/{id}", summary: "One payment with its allocations", tag: "payments",
                             permission: .paymentsRead, response: PaymentDTO.schema)) { req in
            let d = try await Payments.details(try req.ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(PaymentDTO(d.payment, shares: d.shares))
        }
        api.add(APIOperation(method: .GET, path: "/payments/{id}/receipt.pdf", summary: "The payment's receipt as a PDF", tag: "payments",
                             permission: .paymentsRead, responseType: "application/pdf")) { req in
            try InvoiceAPI.pdfResponse(try await Receipts.pdf(try req.ctx, req.parameters.get("id"), on: req.db))
        }
        api.add(APIOperation(method: .POST, path: "/payments/{id}/reverse",
                             summary: "Reverse a payment: its allocations come off the invoices and its ledger transfer is reversed",
                             tag: "payments", permission: .paymentsWrite, body: PaymentReverseRequest.schema, response: PaymentDTO.schema,
                             idempotent: true)) { req in
            let ctx = try req.ctx
            let body = try req.json(PaymentReverseRequest.self)
            let payment = try await Payments.reverse(ctx, req.parameters.get("id"), reason: body.reason, services: req.services, on: req.db)
            let d = try await Payments.details(ctx, payment.id!.uuidString, on: req.db)
            return try apiResponse(PaymentDTO(d.payment, shares: d.shares))
        }
    }
}
