import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The customer list: search, filters, sort, paging and the export button.
enum CustomerListPage {
    struct Model {
        var rows: [CustomerDirectory.Row]
        var nextCursor: String?
        var filter: CustomerDirectory.Filter
        var branches: [Choice]
        var areas: [Choice]
        var resellers: [Choice]
        var canWrite: Bool
        var showBranch: Bool
        var error: String?
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.customers, use: list)
        // The list's Export button: the same CSV as the API, for the signed-in person.
        routes.get(CRMRoutes.exportCustomers) { req in
            try req.ctx.require(.customersRead)
            return try await CSVExport.customers(req, filter: CRMAPI.directoryFilter(req))
        }
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.customersRead)
        let filter = CRMAPI.directoryFilter(req)
        var error: String?
        var page = CursorPage<CustomerDirectory.Row>(items: [], nextCursor: nil)
        do {
            page = try await CustomerDirectory.search(ctx, filter, page: try req.pageRequest(), on: req.db)
        } catch let e as DomainError {
            error = e.description
        }
        let known = try await CustomerDirectory.choices(ctx, on: req.db)
        let model = Model(rows: page.items, nextCursor: page.nextCursor, filter: filter,
                          branches: Choice.list(known.branches, selected: filter.branchID, blank: "Any branch"),
                          areas: Choice.list(known.areas, selected: filter.areaID, blank: "Any area"),
                          resellers: Choice.list(known.resellers, selected: filter.resellerID, blank: "Any reseller"),
                          canWrite: ctx.can(.customersWrite), showBranch: known.branches.count > 1, error: error)
        var html = HTML()
        render(model, page: try req.page("Customers"), into: &html)
        return html.response()
    }

    static let sorts: [(String, String)] = [("name", "Name"), ("newest", "Newest"), ("number", "Customer number"), ("joined", "Date joined")]

    static func render(_ m: Model, page: PageContext, into html: inout HTML) {
        let filters = m.filter.parameters
        html.appLayout(page) { h in
            h.el("div", [.class("page-head")]) { h in
                h.el("h1", text: "Customers")
                h.el("div", [.class("actions")]) { h in
                    if m.canWrite {
                        h.el("a", [.class("btn primary"), .href(CRMRoutes.newCustomer.link)], text: "New customer")
                        h.raw(" ")
                        h.el("a", [.class("btn"), .href(CRMRoutes.importCustomers.link)], text: "Import CSV")
                        h.raw(" ")
                    }
                    h.el("a", [.class("btn"), .href(CRMRoutes.exportCustomers.link.query(filters)), .flag("data-export")], text: "Export CSV")
                }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(CRMRoutes.customers.link), .attr("role", literal: "search")]) { h in
                h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Name, number, phone, email, NID or address"),
                                 .value(m.filter.query ?? ""), .label("Search customers"), .flag("autofocus")])
                h.select("status", Choice.values(CustomerStatus.allCases.map(\.rawValue), selected: m.filter.status, blank: "Any status"), label: "Status")
                if m.showBranch { h.select("branch_id", m.branches, label: "Branch") }
                h.select("area_id", m.areas, label: "Area")
                h.select("reseller_id", m.resellers, label: "Reseller")
                h.void("input", [.name("tag"), .attr("placeholder", literal: "Tag"), .value(m.filter.tag ?? ""), .label("Tag"), .attr("size", literal: "8")])
                h.el("select", [.name("sort"), .label("Sort by")]) { h in
                    let current = m.filter.sort ?? "name"
                    for (value, label) in sorts { h.option(value, "Sort: " + label, selected: value == current) }
                }
                h.el("label", [.class("check")]) { h in
                    h.void("input", [.type("checkbox"), .name("archived"), .value("true"), .flag("checked", m.filter.archived)])
                    h.raw(" Archived")
                }
                h.raw(#"<button class="btn" type="submit">Search</button> "#)
                h.el("a", [.href(CRMRoutes.customers.link)], text: "Clear")
            }
            h.formError(m.error)
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .id("customer-table")]) { h in
                    h.raw("<thead><tr><th>Number</th><th>Name</th><th>Phone</th><th>Area</th><th>Reseller</th>")
                    if m.showBranch { h.raw("<th>Branch</th>") }
                    h.raw("<th>Status</th></tr></thead><tbody>")
                    for row in m.rows { h.row(row, showBranch: m.showBranch) }
                    h.raw("</tbody>")
                }
                if m.rows.isEmpty {
                    h.el("p", [.class("muted empty")]) { h in
                        h.raw("No customers match. ")
                        if m.canWrite {
                            h.el("a", [.href(CRMRoutes.newCustomer.link)], text: "Add one")
                            h.raw(".")
                        }
                    }
                }
            }
            h.pager(next: m.nextCursor.map { CRMRoutes.customers.link.query(filters + [("cursor", $0)]) })
        }
    }
}

private extension HTML {
    mutating func row(_ row: CustomerDirectory.Row, showBranch: Bool) {
        let link = CRMRoutes.customer.link(row.id)
        raw("<tr><td>")
        el("a", [.href(link)], text: row.numberText)
        raw("</td><td>")
        el("a", [.href(link)], text: row.displayName)
        if !row.tags.isEmpty {
            raw("<br>")
            el("small", [.class("muted")], text: row.tags.joined(separator: ", "))
        }
        raw("</td><td>")
        text(row.primaryPhone.map(CRMForms.displayPhone))
        raw("</td><td>")
        text(row.areaName)
        raw("</td><td>")
        text(row.resellerName)
        raw("</td>")
        if showBranch {
            raw("<td>")
            text(row.branchName)
            raw("</td>")
        }
        raw("<td>")
        badge(row.status)
        raw("</td></tr>")
    }
}
