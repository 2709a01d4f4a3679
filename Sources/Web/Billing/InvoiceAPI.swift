import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1/invoices`: lists, one invoice with its lines and taxes, and its PDF; the runs.
enum InvoiceAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/invoices", summary: "Invoices and credit notes, newest first", tag: "invoices",
                             permission: .invoicesRead,
                             query: PlatformAPI.pagingParameters + [("customer_id", .uuid, "One customer's"),
                                                                     ("status", .choice(InvoiceStatus.allCases.map(\.rawValue)), "Only this status"),
                                                                     ("from", .date, "Issued on or after"), ("to", .date, "Issued on or before")],
                             response: .list(InvoiceDTO.schema))) { req in
            let filter = Invoices.Filter(customerID: req.query[String.self, at: "customer_id"], status: req.query[String.self, at: "status"],
                                         from: req.query[String.self, at: "from"], to: req.query[String.self, at: "to"])
            let page = try await Invoices.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map { InvoiceDTO($0) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .GET, path: "/invoices/{id}", summary: "One invoice with its lines and taxes", tag: "invoices",
                             permission: .invoicesRead, response: InvoiceDTO.schema)) { req in
            let d = try await Invoices.details(try req.ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(InvoiceDTO(d.invoice, lines: d.lines, taxes: d.taxes))
        }
        api.add(APIOperation(method: .GET, path: "/invoices/{id}/pdf", summary: "The invoice as a PDF", tag: "invoices",
                             permission: .invoicesRead, responseType: "application/pdf")) { req in
            try pdfResponse(try await Invoices.pdf(try req.ctx, req.parameters.get("id"), on: req.db))
        }
        api.add(APIOperation(method: .POST, path: "/invoices/{id}/void",
                             summary: "Void an issued invoice without payments: answers the credit note that takes its amount back",
                             tag: "invoices", permission: .invoicesWrite, body: VoidRequest.schema, success: 201, response: InvoiceDTO.schema)) { req in
            let body = try req.json(VoidRequest.self)
            let ctx = try req.ctx
            let note = try await Invoices.void(ctx, req.parameters.get("id"), reason: body.reason, services: req.services, on: req.db)
            let d = try await Invoices.details(ctx, note.id!.uuidString, on: req.db)
            return try apiResponse(InvoiceDTO(d.invoice, lines: d.lines, taxes: d.taxes), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/billing-runs", summary: "Invoice runs, newest first", tag: "billing-runs",
                             permission: .invoicesRead, query: PlatformAPI.pagingParameters, response: .list(BillingRunDTO.schema))) { req in
            let ctx = try req.ctx
            let page = try await BillingRuns.list(ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map { BillingRunDTO($0, currency: ctx.currency) }, nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/billing-runs",
                             summary: "Start an invoice run through a day (default today): queued for the worker; follow it with GET /billing-runs/{id}",
                             tag: "billing-runs", permission: .invoicesWrite, body: RunRequest.schema, success: 202,
                             response: BillingRunDTO.schema, rules: RunRequest.rules)) { req in
            let body = try req.json(RunRequest.self)
            let ctx = try req.ctx
            let run = try await BillingRuns.start(ctx, on: body.on, services: req.services, on: req.db)
            return try apiResponse(BillingRunDTO(run, currency: ctx.currency), status: .accepted)
        }
        api.add(APIOperation(method: .GET, path: "/billing-runs/{id}", summary: "One invoice run with its progress", tag: "billing-runs",
                             permission: .invoicesRead, response: BillingRunDTO.schema)) { req in
            let ctx = try req.ctx
            return try apiResponse(BillingRunDTO(try await BillingRuns.find(ctx, req.parameters.get("id"), on: req.db), currency: ctx.currency))
        }
        api.add(APIOperation(method: .GET, path: "/billing-runs/preview", summary: "What a run through a day would invoice, per branch",
                             tag: "billing-runs", permission: .invoicesRead,
                             query: [("on", .date, "Bill periods starting on or before this day (default today)")],
                             response: RunPreviewDTO.schema)) { req in
            let ctx = try req.ctx
            let summary = try await BillingRuns.preview(ctx, on: req.query[String.self, at: "on"], services: req.services, on: req.db)
            return try apiResponse(RunPreviewDTO(summary, currency: ctx.currency))
        }
    }

    struct RunRequest: Decodable {
        var on: String?
        static let schema = Schema.named("BillingRunStart", .input([("on", .date)], required: []))
        static let rules = [APIRule("on", "must not be after today in the organization's time zone")]
    }

    struct VoidRequest: Decodable {
        var reason: String?
        static let schema = Schema.named("InvoiceVoid", .input([("reason", .text(max: 300, description: "Shown on the credit note and the customer's timeline"))],
                                                               required: ["reason"]))
    }

    static func pdfResponse(_ file: (fileName: String, bytes: [UInt8])) throws -> Response {
        var headers = HTTPHeaders()
        headers.contentType = HTTPMediaType(type: "application", subType: "pdf")
        headers.contentDisposition = .init(.inline, filename: file.fileName)
        return Response(status: .ok, headers: headers, body: .init(data: Data(file.bytes)))
    }
}
