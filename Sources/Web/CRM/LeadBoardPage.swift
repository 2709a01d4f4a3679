import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The leads: a board with a column per status (the default) or a paged list, both filtered by
/// search, assignee, area, tag and overdue follow-up; links and paging keep the filter.
enum LeadBoardPage {
    struct Model {
        var board: Bool
        var columns: [Leads.Column]
        var rows: [Lead]
        var nextCursor: String?
        var filter: Leads.Filter
        var statuses: [Choice]
        var assignees: [Choice]
        var areas: [Choice]
        var userNames: [UUID: String]
        var areaNames: [UUID: String]
        var today: String
        var canWrite: Bool
        var error: String?
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.leads, use: list)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.leadsRead)
        let now = req.services.clock.now()
        let filter = Leads.Filter(parameters: req.queryValue)
        let board = req.queryValue("view") != "list"
        let users = try await Leads.assignees(ctx, on: req.db)
        let areas = try await Areas.all(ctx, on: req.db)
        var columns: [Leads.Column] = []
        var rows: [Lead] = []
        var next: String?
        var error: String?
        do {
            if board {
                columns = try await Leads.board(ctx, filter, now: now, on: req.db)
            } else {
                let page = try await Leads.list(ctx, filter, page: try req.pageRequest(), now: now, on: req.db)
                rows = page.items
                next = page.nextCursor
            }
        } catch let e as DomainError {
            error = e.description
        }
        let model = Model(
            board: board, columns: columns, rows: rows, nextCursor: next, filter: filter,
            statuses: Choice.values(LeadStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"),
            assignees: [Choice(value: "", label: "Anyone", checked: (filter.assignedUserID ?? "").isEmpty),
                        Choice(value: "none", label: "Nobody yet", checked: filter.assignedUserID == "none")]
                + Choice.list(users.map { ($0.id!, $0.name) }, selected: filter.assignedUserID),
            areas: Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: filter.areaID, blank: "Any area"),
            userNames: Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0.name) }),
            areaNames: Dictionary(uniqueKeysWithValues: areas.map { ($0.id!, $0.fullName) }),
            today: CalendarDate.today(now, in: ctx.timeZone), canWrite: ctx.can(.leadsWrite), error: error)
        var html = HTML()
        html.appLayout(try req.page("Leads")) { h in h.leads(model) }
        return html.response()
    }
}

private extension HTML {
    mutating func leads(_ m: LeadBoardPage.Model) {
        let filters = m.filter.parameters
        pageHead("Leads") { h in
            if m.canWrite {
                h.el("a", [.class("btn primary"), .href(CRMRoutes.newLead.link)], text: "New lead")
                h.raw(" ")
            }
            if m.board {
                h.el("a", [.class("btn"), .href(CRMRoutes.leads.link.query([("view", "list")] + filters))], text: "List")
            } else {
                h.el("a", [.class("btn"), .href(CRMRoutes.leads.link.query(filters))], text: "Board")
            }
        }
        el("form", [.class("filters"), .attr("method", literal: "get"), .action(CRMRoutes.leads.link), .attr("role", literal: "search")]) { h in
            if !m.board { h.void("input", [.type("hidden"), .name("view"), .value("list")]) }
            h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Name, number or phone"), .value(m.filter.query ?? ""),
                             .label("Search leads")])
            if !m.board { h.select("status", m.statuses, label: "Status") }
            h.select("assigned_user_id", m.assignees, label: "Assigned to")
            h.select("area_id", m.areas, label: "Area")
            h.void("input", [.name("tag"), .attr("placeholder", literal: "Tag"), .value(m.filter.tag ?? ""), .label("Tag"), .attr("size", literal: "8")])
            h.checkbox("Follow-up overdue", "overdue", checked: m.filter.overdue, value: "true")
            h.raw(#"<button class="btn" type="submit">Filter</button> "#)
            h.el("a", [.href(CRMRoutes.leads.link)], text: "Clear")
        }
        formError(m.error)
        if m.board {
            el("div", [.class("board"), .id("lead-board")]) { h in
                for column in m.columns { h.column(column, m) }
            }
        } else {
            el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>Number</th><th>Name</th><th>Phone</th><th>Interest</th><th>Assigned</th><th>Follow-up</th><th>Source</th>")
                    h.raw("<th>Status</th></tr></thead><tbody>")
                    for lead in m.rows { h.row(lead, m) }
                    h.raw("</tbody>")
                }
            }
            pager(next: m.nextCursor.map { CRMRoutes.leads.link.query([("view", "list")] + filters + [("cursor", $0)]) })
        }
    }

    mutating func column(_ column: Leads.Column, _ m: LeadBoardPage.Model) {
        el("section", [.classes("column " + column.status.rawValue), .attr("aria-label", column.status.title)]) { h in
            h.el("h2") { h in
                h.text(column.status.title)
                h.raw(" ")
                h.el("span", [.class("count")]) { h in h.text(column.count) }
            }
            for lead in column.leads { h.card(lead, m) }
        }
    }

    mutating func card(_ lead: Lead, _ m: LeadBoardPage.Model) {
        let overdue = lead.isOverdue(today: m.today)
        el("article", [.classes(overdue ? "lead-card overdue" : "lead-card")]) { h in
            h.el("a", [.href(CRMRoutes.lead.link(lead.id!))]) { h in h.el("strong", text: lead.name) }
            h.raw(" ")
            h.el("small", [.class("muted")], text: lead.numberText)
            h.el("p") { h in
                if let phone = lead.primaryPhone {
                    h.text(CRMForms.displayPhone(phone))
                    h.raw("<br>")
                }
                if let interest = lead.interest, !interest.isEmpty {
                    h.text(interest)
                    h.raw("<br>")
                }
                if let area = lead.areaID.flatMap({ m.areaNames[$0] }) { h.el("span", [.class("muted")], text: area) }
            }
            h.el("p", [.class("meta")]) { h in
                if let assignee = lead.assignedUserID.flatMap({ m.userNames[$0] }) {
                    h.text("👤 " + assignee)
                } else {
                    h.raw(#"<span class="muted">unassigned</span>"#)
                }
                if let followUp = lead.nextFollowUpOn, !followUp.isEmpty {
                    h.raw(" · ")
                    if overdue {
                        h.el("span", [.class("overdue-date")], text: "⚠ " + followUp)
                    } else {
                        h.text(followUp)
                    }
                }
            }
        }
    }

    mutating func row(_ lead: Lead, _ m: LeadBoardPage.Model) {
        let link = CRMRoutes.lead.link(lead.id!)
        el("tr", [.attr("class", lead.isOverdue(today: m.today) ? "overdue" : nil)]) { h in
            h.raw("<td>")
            h.el("a", [.href(link)], text: lead.numberText)
            h.raw("</td><td>")
            h.el("a", [.href(link)], text: lead.name)
            h.raw("</td><td>")
            h.text(lead.primaryPhone.map(CRMForms.displayPhone))
            h.raw("</td><td>")
            h.text(lead.interest)
            h.raw("</td><td>")
            h.text(lead.assignedUserID.flatMap { m.userNames[$0] })
            h.raw("</td><td>")
            h.text(lead.nextFollowUpOn)
            h.raw("</td><td>")
            h.text(lead.source.replacingOccurrences(of: "_", with: " "))
            h.raw("</td><td>")
            h.badge(lead.status.rawValue)
            h.raw("</td>")
        }
    }
}
