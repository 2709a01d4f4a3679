import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Leads, resellers, areas, imports and the public interest form.
enum CRMMorePages {
    typealias Choice = StaffPages.Choice

    struct LeadCard: Encodable {
        var id, number, name, status: String
        var phone, interest, assignee, followUp, area, source: String?
        var overdue: Bool
        var tags: String
    }

    struct Column: Encodable {
        var status, title: String
        var count: Int
        var cards: [LeadCard]
    }

    struct LeadsPage: Encodable {
        var page: PageContext
        var board: Bool
        var columns: [Column]
        var rows: [LeadCard]
        var nextCursor: String?
        var filterQuery: String
        var q: String
        var tag: String
        var overdue: Bool
        var statuses: [Choice]
        var assignees: [Choice]
        var areas: [Choice]
        var canWrite: Bool
        var error: String?
    }

    struct LeadForm: Encodable {
        var page: PageContext
        var form: FormState
        var lead: LeadCard?
        var statuses: [Choice]
        var sources: [Choice]
        var assignees: [Choice]
        var areas: [Choice]
        var timeline: [CRMPages.ActivityView]
        var noteForm: FormState
        var customerID: String?
        var customerNumber: String?
        var lostReason: String?
        var canWrite: Bool
        var canConvert: Bool
        var duplicate: Bool
        var timelineAction: String
    }

    struct ResellersPage: Encodable {
        struct Row: Encodable {
            var id, name, status, commission, indent: String
            var phone, contact, branch: String?
        }

        var page: PageContext
        var rows: [Row]
        var form: FormState
        var parents: [Choice]
        var branches: [Choice]
        var canManage: Bool
    }

    struct ResellerForm: Encodable {
        var page: PageContext
        var form: FormState
        var reseller: ResellerDTO
        var parents: [Choice]
        var branches: [Choice]
        var statuses: [Choice]
        var children: [ResellerDTO]
        var timeline: [CRMPages.ActivityView]
        var canManage: Bool
        var hasChildren: Bool
    }

    struct AreasPage: Encodable {
        struct Row: Encodable { var id, name, fullName, kind, indent: String }
        var page: PageContext
        var rows: [Row]
        var form: FormState
        var parents: [Choice]
        var canManage: Bool
        var editing: Row?
        var editForm: FormState
    }

    struct ImportPage: Encodable {
        struct Mapping: Encodable {
            var key, label: String
            var columns: [Choice]
        }

        struct Problem: Encodable {
            var line: Int
            var status, errors: String
        }

        var page: PageContext
        var form: FormState
        var recent: [ImportSummary]
        var item: ImportSummary?
        var mappings: [Mapping]
        var branches: [Choice]
        var dryRun: Bool
        var ok, skipped, errors: Int
        var problems: [Problem]
        var moreProblems: Int
        var running: Bool
        var hasProblems: Bool
        var hasMappings: Bool
        var hasRecent: Bool
    }

    struct ImportSummary: Encodable {
        var id, fileName, status, created: String
        var total, processed, imported, skipped, errors, percent: Int
        var finished: Bool
    }

    static func summary(_ i: CustomerImport, req: Request) -> ImportSummary {
        ImportSummary(id: i.id!.uuidString, fileName: i.fileName, status: i.status, created: i.createdAt.map(req.shortDate) ?? "",
                      total: i.totalRows, processed: i.processedRows, imported: i.importedRows, skipped: i.skippedRows, errors: i.errorRows,
                      percent: i.percent, finished: i.status == "completed")
    }

    static func register(_ routes: any RoutesBuilder) {
        registerLeads(routes)
        registerResellers(routes)
        registerAreas(routes)
        registerImports(routes)
    }

    // MARK: Leads

    static func card(_ l: Lead, names: [UUID: String], areas: [UUID: String], today: String) -> LeadCard {
        let open = [LeadStatus.new, .contacted, .qualified].contains(l.status)
        return LeadCard(id: l.id!.uuidString, number: l.numberText, name: l.name, status: l.status.rawValue, phone: l.primaryPhone.map(CRMPages.displayPhone),
                        interest: l.interest, assignee: l.assignedUserID.flatMap { names[$0] }, followUp: l.nextFollowUpOn,
                        area: l.areaID.flatMap { areas[$0] }, source: l.source.replacingOccurrences(of: "_", with: " "),
                        overdue: open && (l.nextFollowUpOn.map { $0 < today } ?? false), tags: l.tags.joined(separator: ", "))
    }

    static func registerLeads(_ routes: any RoutesBuilder) {
        routes.get("leads") { req async throws -> View in
            let ctx = try req.ctx
            try ctx.require(.leadsRead)
            let now = req.services.clock.now()
            let today = CalendarDate.today(now, in: ctx.timeZone)
            let filter = Leads.Filter(query: req.query[String.self, at: "q"], status: req.query[String.self, at: "status"],
                                      assignedUserID: req.query[String.self, at: "assigned_user_id"], tag: req.query[String.self, at: "tag"],
                                      areaID: req.query[String.self, at: "area_id"], overdue: req.query[String.self, at: "overdue"] == "true")
            let board = req.query[String.self, at: "view"] != "list"
            let users = try await Leads.assignees(ctx, on: req.db)
            let names = Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0.name) })
            let areaRows = try await Areas.all(ctx, on: req.db)
            let areas = Dictionary(uniqueKeysWithValues: areaRows.map { ($0.id!, $0.fullName) })
            var columns: [Column] = []
            var rows: [LeadCard] = []
            var next: String?
            var error: String?
            do {
                if board {
                    columns = try await Leads.board(ctx, filter, now: now, on: req.db).map {
                        Column(status: $0.status.rawValue, title: $0.status.title, count: $0.count,
                               cards: $0.leads.map { card($0, names: names, areas: areas, today: today) })
                    }
                } else {
                    let page = try await Leads.list(ctx, filter, page: try req.pageRequest(), now: now, on: req.db)
                    rows = page.items.map { card($0, names: names, areas: areas, today: today) }
                    next = page.nextCursor
                }
            } catch let e as DomainError {
                error = e.description
            }
            var query = URLComponents()
            query.queryItems = [("q", filter.query), ("status", filter.status), ("assigned_user_id", filter.assignedUserID), ("tag", filter.tag),
                                ("area_id", filter.areaID), ("overdue", filter.overdue ? "true" : nil)]
                .compactMap { k, v in v.flatMap { $0.isEmpty ? nil : URLQueryItem(name: k, value: $0) } }
            return try await req.view.render("crm/leads", LeadsPage(
                page: try req.page("Leads"), board: board, columns: columns, rows: rows, nextCursor: next,
                filterQuery: query.percentEncodedQuery ?? "", q: filter.query ?? "", tag: filter.tag ?? "", overdue: filter.overdue,
                statuses: CRMPages.enumChoices(LeadStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"),
                assignees: [Choice(value: "", label: "Anyone", checked: (filter.assignedUserID ?? "").isEmpty),
                            Choice(value: "none", label: "Nobody yet", checked: filter.assignedUserID == "none")]
                    + users.map { Choice(value: $0.id!.uuidString, label: $0.name, checked: $0.id!.uuidString == filter.assignedUserID) },
                areas: CRMPages.choices(areaRows.map { ($0.id!, $0.fullName) }, selected: filter.areaID, blank: "Any area"),
                canWrite: ctx.can(.leadsWrite), error: error))
        }
        routes.get("leads", "new") { req async throws -> Response in
            try req.ctx.require(.leadsWrite)
            return try await renderLead(req, lead: nil, form: FormState(values: ["source": "walk_in"]))
        }
        routes.post("leads", "new") { req async throws -> Response in
            let values = req.formValues()
            do {
                let lead = try await Leads.create(try req.ctx, leadInput(values), services: req.services, on: req.db)
                return redirect(req, to: "/leads/\(lead.id!)", flash: "Lead \(lead.numberText) created.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderLead(req, lead: nil, form: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.get("leads", ":id") { req async throws -> Response in
            let lead = try await Leads.find(try req.ctx, req.parameters.get("id"), on: req.db)
            return try await renderLead(req, lead: lead, form: FormState(values: leadValues(lead)))
        }
        routes.post("leads", ":id") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            do {
                let lead = try await Leads.update(ctx, req.parameters.get("id"), leadInput(values), services: req.services, on: req.db)
                return redirect(req, to: "/leads/\(lead.id!)", flash: "Saved.")
            } catch let error as DomainError where error.showsOnForm {
                let lead = try await Leads.find(ctx, req.parameters.get("id"), on: req.db)
                return try await renderLead(req, lead: lead, form: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.post("leads", ":id", "status") { req async throws -> Response in
            struct Form: Decodable { var status: String? }
            let form = try req.content.decode(Form.self)
            let ctx = try req.ctx
            do {
                let lead = try await Leads.update(ctx, req.parameters.get("id"), .init(status: form.status), services: req.services, on: req.db)
                return redirect(req, to: "/leads", flash: "\(lead.numberText) moved to \(lead.status.title).")
            } catch let error as DomainError where error.showsOnForm {
                return redirect(req, to: "/leads/\(req.parameters.get("id") ?? "")", flash: error.description, kind: "error")
            }
        }
        routes.post("leads", ":id", "convert") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            do {
                let (_, customer) = try await Leads.convert(ctx, req.parameters.get("id"),
                                                            .init(allowDuplicate: values["allow_duplicate"] == "on"), services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(customer.id!)", flash: "Converted: customer \(customer.numberText) created.")
            } catch let error as DomainError where error.showsOnForm {
                let lead = try await Leads.find(ctx, req.parameters.get("id"), on: req.db)
                var state = CRMPages.formState(leadValues(lead), error)
                if case .validation(let list) = error {
                    state.general = "Converting would create a duplicate: " + list.filter { $0.field != "allow_duplicate" }.map(\.message)
                        .joined(separator: "; ") + ". Tick “Convert anyway” to keep both."
                }
                return try await renderLead(req, lead: lead, form: state, status: .unprocessableEntity, duplicate: true)
            }
        }
        routes.post("leads", ":id", "activities") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            do {
                _ = try await Leads.log(ctx, req.parameters.get("id"), kind: values["kind"], body: values["body"], services: req.services, on: req.db)
                return redirect(req, to: "/leads/\(req.parameters.get("id") ?? "")#timeline", flash: "Added to the timeline.")
            } catch let error as DomainError where error.showsOnForm {
                let lead = try await Leads.find(ctx, req.parameters.get("id"), on: req.db)
                return try await renderLead(req, lead: lead, form: FormState(values: leadValues(lead)), noteForm: CRMPages.formState(values, error),
                                            status: .unprocessableEntity)
            }
        }
        routes.post("leads", ":id", "archive") { req async throws -> Response in
            let lead = try await Leads.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return redirect(req, to: "/leads", flash: "\(lead.numberText) archived.")
        }
    }

    static func leadValues(_ l: Lead) -> [String: String] {
        var values = ["name": l.name, "email": l.email ?? "", "address": l.address ?? "", "area_id": l.areaID?.uuidString ?? "",
                      "interest": l.interest ?? "", "source": l.source, "tags": l.tags.joined(separator: ", "),
                      "assigned_user_id": l.assignedUserID?.uuidString ?? "", "next_follow_up_on": l.nextFollowUpOn ?? "",
                      "status": l.status.rawValue, "lost_reason": l.lostReason ?? "", "notes": l.notes ?? ""]
        for (i, phone) in l.phones.prefix(2).enumerated() { values["phone\(i + 1)"] = CRMPages.displayPhone(phone) }
        return values
    }

    static func leadInput(_ f: [String: String]) -> Leads.Input {
        Leads.Input(name: f["name"], phones: [f["phone1"] ?? "", f["phone2"] ?? ""], email: f["email"] ?? "", address: f["address"] ?? "",
                    areaID: f["area_id"] ?? "", interest: f["interest"] ?? "", source: f["source"], tags: CRMPages.list(f["tags"]) ?? [],
                    assignedUserID: f["assigned_user_id"], nextFollowUpOn: f["next_follow_up_on"] ?? "",
                    status: f["status"] == "converted" ? nil : f["status"], lostReason: f["lost_reason"] ?? "", notes: f["notes"] ?? "")
    }

    static func renderLead(_ req: Request, lead: Lead?, form: FormState, noteForm: FormState = FormState(), status: HTTPStatus = .ok,
                           duplicate: Bool = false) async throws -> Response {
        let ctx = try req.ctx
        let users = try await Leads.assignees(ctx, on: req.db)
        let areaRows = try await Areas.all(ctx, on: req.db)
        let names = Dictionary(uniqueKeysWithValues: users.map { ($0.id!, $0.name) })
        let areas = Dictionary(uniqueKeysWithValues: areaRows.map { ($0.id!, $0.fullName) })
        let today = CalendarDate.today(req.services.clock.now(), in: ctx.timeZone)
        var timeline: [CRMPages.ActivityView] = []
        var customerNumber: String?
        if let lead {
            timeline = CRMPages.activityViews(try await Leads.timeline(ctx, lead.id!.uuidString, page: try CursorRequest(limit: 100), on: req.db).items,
                                              req: req)
            if let cid = lead.customerID { customerNumber = try await Customer.find(cid, in: ctx, on: req.db).numberText }
        }
        let v = form.values
        let statusValues = lead?.status == .converted ? ["converted"] : ["new", "contacted", "qualified", "lost"]
        let context = LeadForm(
            page: try req.page(lead.map { "\($0.numberText) \($0.name)" } ?? "New lead"), form: form,
            lead: lead.map { card($0, names: names, areas: areas, today: today) },
            statuses: CRMPages.enumChoices(statusValues, selected: v["status"] ?? "new"),
            sources: CRMPages.enumChoices(Leads.sources, selected: v["source"]) { $0.replacingOccurrences(of: "_", with: " ").capitalized },
            assignees: [Choice(value: "", label: "Nobody yet", checked: (v["assigned_user_id"] ?? "").isEmpty)]
                + users.map { Choice(value: $0.id!.uuidString, label: $0.name, checked: $0.id!.uuidString == v["assigned_user_id"]) },
            areas: CRMPages.choices(areaRows.map { ($0.id!, $0.fullName) }, selected: v["area_id"], blank: "Choose an area"),
            timeline: timeline, noteForm: noteForm, customerID: lead?.customerID?.uuidString, customerNumber: customerNumber,
            lostReason: lead?.lostReason, canWrite: ctx.can(.leadsWrite) && lead?.archivedAt == nil,
            canConvert: ctx.can(.leadsWrite) && ctx.can(.customersWrite) && lead != nil && lead?.status != .converted && lead?.archivedAt == nil,
            duplicate: duplicate, timelineAction: "/leads/\(lead?.id?.uuidString ?? "")/activities")
        return try await req.view.render("crm/lead", context).encodeResponse(status: status, for: req)
    }

    // MARK: Resellers

    static func resellerInput(_ f: [String: String]) -> Resellers.Input {
        .init(name: f["name"], parentID: f["parent_id"] ?? "", branchID: f["branch_id"], contactName: f["contact_name"] ?? "", phone: f["phone"] ?? "",
              email: f["email"] ?? "", address: f["address"] ?? "", commissionRate: f["commission_rate"], status: f["status"])
    }

    static func renderResellers(_ req: Request, form: FormState, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let tree = try await Resellers.tree(ctx, on: req.db)
        let branches = try await Identities.switchableBranches(try req.identity, on: req.db)
        let branchNames = Dictionary(uniqueKeysWithValues: branches.map { ($0.id!, $0.name) })
        let rows = tree.map {
            ResellersPage.Row(id: $0.id!.uuidString, name: $0.name, status: $0.status.rawValue, commission: Resellers.commissionText($0.commissionBasisPoints) + " %",
                              indent: String(repeating: "— ", count: $0.depth), phone: $0.phone.map(CRMPages.displayPhone), contact: $0.contactName,
                              branch: branchNames[$0.branchID])
        }
        return try await req.view.render("crm/resellers", ResellersPage(
            page: try req.page("Resellers"), rows: rows, form: form,
            parents: CRMPages.choices(tree.map { ($0.id!, String(repeating: "— ", count: $0.depth) + $0.name) }, selected: form.values["parent_id"],
                                      blank: "None (top level)"),
            branches: CRMPages.choices(branches.map { ($0.id!, $0.name) }, selected: form.values["branch_id"]),
            canManage: ctx.can(.resellersManage) && !ctx.isResellerScoped)).encodeResponse(status: status, for: req)
    }

    static func renderReseller(_ req: Request, id: String?, form: FormState?, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let reseller = try await Resellers.find(ctx, id, on: req.db)
        let tree = try await Resellers.tree(ctx, on: req.db)
        let branches = try await Identities.switchableBranches(try req.identity, on: req.db)
        let state = form ?? FormState(values: [
            "name": reseller.name, "parent_id": reseller.parentID?.uuidString ?? "", "branch_id": reseller.branchID.uuidString,
            "contact_name": reseller.contactName ?? "", "phone": reseller.phone.map(CRMPages.displayPhone) ?? "", "email": reseller.email ?? "",
            "address": reseller.address ?? "", "commission_rate": Resellers.commissionText(reseller.commissionBasisPoints),
            "status": reseller.status.rawValue])
        let timeline = try await Activities.list(ctx, subject: .init("reseller", reseller.id!), page: try CursorRequest(limit: 50), on: req.db)
        return try await req.view.render("crm/reseller", ResellerForm(
            page: try req.page(reseller.name), form: state, reseller: ResellerDTO(reseller),
            parents: CRMPages.choices(tree.filter { !$0.path.hasPrefix(reseller.path) }.map { ($0.id!, String(repeating: "— ", count: $0.depth) + $0.name) },
                                      selected: state.values["parent_id"], blank: "None (top level)"),
            branches: CRMPages.choices(branches.map { ($0.id!, $0.name) }, selected: state.values["branch_id"]),
            statuses: CRMPages.enumChoices(ResellerStatus.allCases.map(\.rawValue), selected: state.values["status"]),
            children: tree.filter { $0.parentID == reseller.id }.map(ResellerDTO.init),
            timeline: CRMPages.activityViews(timeline.items, req: req),
            canManage: ctx.can(.resellersManage) && !ctx.isResellerScoped,
            hasChildren: tree.contains { $0.parentID == reseller.id })).encodeResponse(status: status, for: req)
    }

    static func registerResellers(_ routes: any RoutesBuilder) {
        routes.get("resellers") { req async throws -> Response in
            try await renderResellers(req, form: FormState(values: ["commission_rate": "0"]))
        }
        routes.post("resellers") { req async throws -> Response in
            let values = req.formValues()
            do {
                let reseller = try await Resellers.create(try req.ctx, resellerInput(values), services: req.services, on: req.db)
                return redirect(req, to: "/resellers/\(reseller.id!)", flash: "Reseller \(reseller.name) created.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderResellers(req, form: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.get("resellers", ":id") { req async throws -> Response in
            try await renderReseller(req, id: req.parameters.get("id"), form: nil)
        }
        routes.post("resellers", ":id") { req async throws -> Response in
            let values = req.formValues()
            do {
                let reseller = try await Resellers.update(try req.ctx, req.parameters.get("id"), resellerInput(values), services: req.services, on: req.db)
                return redirect(req, to: "/resellers/\(reseller.id!)", flash: "Saved.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderReseller(req, id: req.parameters.get("id"), form: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.post("resellers", ":id", "archive") { req async throws -> Response in
            do {
                let reseller = try await Resellers.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
                return redirect(req, to: "/resellers", flash: "\(reseller.name) archived.")
            } catch DomainError.conflict(let message) {
                return redirect(req, to: "/resellers/\(req.parameters.get("id") ?? "")", flash: message, kind: "error")
            }
        }
    }

    // MARK: Areas

    static func renderAreas(_ req: Request, form: FormState, editing: Area? = nil, editForm: FormState = FormState(),
                            status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let all = try await Areas.all(ctx, on: req.db)
        func row(_ a: Area) -> AreasPage.Row {
            .init(id: a.id!.uuidString, name: a.name, fullName: a.fullName, kind: a.kind ?? "", indent: String(repeating: "— ", count: a.depth))
        }
        let parentsSource = all.filter { a in editing.map { !a.path.hasPrefix($0.path) } ?? true }
        return try await req.view.render("crm/areas", AreasPage(
            page: try req.page("Areas"), rows: all.map(row), form: form,
            parents: CRMPages.choices(parentsSource.map { ($0.id!, $0.fullName) },
                                      selected: editing != nil ? editForm.values["parent_id"] : form.values["parent_id"], blank: "None (top level)"),
            canManage: ctx.can(.areasManage), editing: editing.map(row), editForm: editForm)).encodeResponse(status: status, for: req)
    }

    static func registerAreas(_ routes: any RoutesBuilder) {
        routes.get("areas") { req async throws -> Response in
            try await renderAreas(req, form: FormState())
        }
        routes.post("areas") { req async throws -> Response in
            let values = req.formValues()
            do {
                let area = try await Areas.create(try req.ctx, .init(name: values["name"], kind: values["kind"], parentID: values["parent_id"]),
                                                  services: req.services, on: req.db)
                return redirect(req, to: "/areas", flash: "\(area.fullName) added.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderAreas(req, form: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.get("areas", ":id") { req async throws -> Response in
            let area = try await Areas.find(try req.ctx, req.parameters.get("id"), on: req.db)
            return try await renderAreas(req, form: FormState(), editing: area,
                                         editForm: FormState(values: ["name": area.name, "kind": area.kind ?? "", "parent_id": area.parentID?.uuidString ?? ""]))
        }
        routes.post("areas", ":id") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            do {
                let area = try await Areas.update(ctx, req.parameters.get("id"),
                                                  .init(name: values["name"], kind: values["kind"] ?? "", parentID: values["parent_id"] ?? ""),
                                                  services: req.services, on: req.db)
                return redirect(req, to: "/areas", flash: "\(area.fullName) saved.")
            } catch let error as DomainError where error.showsOnForm {
                let area = try await Areas.find(ctx, req.parameters.get("id"), on: req.db)
                return try await renderAreas(req, form: FormState(), editing: area, editForm: CRMPages.formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.post("areas", ":id", "delete") { req async throws -> Response in
            do {
                try await Areas.delete(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
                return redirect(req, to: "/areas", flash: "Area deleted.")
            } catch DomainError.conflict(let message) {
                return redirect(req, to: "/areas", flash: message, kind: "error")
            }
        }
    }

    // MARK: Imports

    static func renderImport(_ req: Request, item: CustomerImport?, form: FormState = FormState(), dryRun: CustomerImports.DryRun? = nil,
                             status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        var mappings: [ImportPage.Mapping] = []
        if let item, item.status == "uploaded" {
            let header = try CustomerImports.header(item)
            mappings = CustomerImports.fields.map { field in
                let chosen = item.mapping[field.key]
                return ImportPage.Mapping(key: field.key, label: field.label,
                                          columns: [Choice(value: "-1", label: "Not in the file", checked: chosen == nil)]
                                              + header.enumerated().map { Choice(value: String($0.offset), label: $0.element, checked: $0.offset == chosen) })
            }
        }
        let branches = try await Identities.switchableBranches(try req.identity, on: req.db)
        // A running import's page has only its counters (`CustomerImports.progress`).
        let running = item?.inProgress ?? false
        let problems = dryRun?.problems ?? item.map { $0.status == "uploaded" || running ? [] : $0.report } ?? []
        let recent = item == nil ? try await CustomerImports.recent(ctx, on: req.db).map { summary($0, req: req) } : []
        return try await req.view.render("crm/import", ImportPage(
            page: try req.page(item.map { "Import \($0.fileName)" } ?? "Import customers"), form: form,
            recent: recent,
            item: item.map { summary($0, req: req) }, mappings: mappings,
            branches: CRMPages.choices(branches.map { ($0.id!, $0.name) }, selected: item?.branchID?.uuidString, blank: "Use the file's branch column"),
            dryRun: dryRun != nil, ok: dryRun?.ok ?? 0, skipped: dryRun?.skipped ?? 0, errors: dryRun?.errors ?? 0,
            problems: problems.prefix(200).map { .init(line: $0.line, status: $0.status, errors: $0.errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")) },
            moreProblems: max(0, problems.count - 200), running: running,
            hasProblems: !problems.isEmpty, hasMappings: !mappings.isEmpty, hasRecent: !recent.isEmpty))
            .encodeResponse(status: status, for: req)
    }

    static func registerImports(_ routes: any RoutesBuilder) {
        routes.get("customers", "import") { req async throws -> Response in
            try req.ctx.require(.customersWrite)
            return try await renderImport(req, item: nil)
        }
        routes.on(.POST, "customers", "import", body: .collect(maxSize: "12mb")) { req async throws -> Response in
            struct Upload: Decodable { var file: File? }
            let upload = try? req.content.decode(Upload.self)
            do {
                guard let file = upload?.file else { throw DomainError.invalid("file", "is required: choose a CSV file") }
                let item = try await CustomerImports.upload(try req.ctx, fileName: file.filename, bytes: Array(file.data.readableBytesView),
                                                            services: req.services, on: req.db)
                return redirect(req, to: "/customers/import/\(item.id!)", flash: "\(item.totalRows) rows read. Check the columns, then run a dry run.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderImport(req, item: nil, form: FormState(values: [:], error: error), status: .unprocessableEntity)
            }
        }.bodyLimit(12 * 1024 * 1024)
        routes.get("customers", "import", ":id") { req async throws -> Response in
            let ctx = try req.ctx
            let id = req.parameters.get("id")
            // While it runs, the page refreshes every two seconds: read the counters only.
            let progress = try await CustomerImports.progress(ctx, id, on: req.db)
            if progress.inProgress { return try await renderImport(req, item: progress) }
            return try await renderImport(req, item: try await CustomerImports.find(ctx, id, on: req.db))
        }
        routes.get("customers", "import", ":id", "errors.csv") { req async throws -> Response in
            let csv = try await CustomerImports.errorReport(try req.ctx, req.parameters.get("id"), on: req.db)
            let response = Response(status: .ok, body: .init(string: csv))
            response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
            response.headers.contentDisposition = .init(.attachment, filename: "import-problems.csv")
            return response
        }
        routes.post("customers", "import", ":id") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            let id = req.parameters.get("id")
            var mapping: [String: Int] = [:]
            for field in CustomerImports.fields { if let raw = values["map_" + field.key], let index = Int(raw) { mapping[field.key] = index } }
            do {
                let item = try await CustomerImports.setMapping(ctx, id, mapping: mapping, branchID: values["branch_id"], on: req.db)
                if values["action"] == "start" {
                    _ = try await CustomerImports.start(ctx, id, services: req.services, on: req.db)
                    return redirect(req, to: "/customers/import/\(item.id!)", flash: "Import started. This page shows its progress.")
                }
                let dry = try await CustomerImports.dryRun(ctx, id, on: req.db)
                return try await renderImport(req, item: item, dryRun: dry)
            } catch let error as DomainError where error.showsOnForm {
                let item = try await CustomerImports.find(ctx, id, on: req.db)
                return try await renderImport(req, item: item, form: FormState(values: values, error: error), status: .unprocessableEntity)
            }
        }
    }
}

/// The public interest form: prospects leave their name and number; a lead appears on the board.
enum InterestForm {
    struct Page: Encodable {
        var page: PageContext
        var form: FormState
        var organization: String
        var slug: String
        var done: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get("join", ":slug") { req async throws -> View in
            let org = try await organization(req)
            return try await req.view.render("crm/interest", Page(page: req.publicPage("Get connected"), form: FormState(), organization: org.name,
                                                                  slug: org.slug, done: req.query[String.self, at: "done"] == "1"))
        }
        routes.post("join", ":slug") { req async throws -> Response in
            let org = try await organization(req)
            let values = req.formValues()
            do {
                _ = try await Leads.intake(organizationSlug: org.slug, .init(name: values["name"], phones: [values["phone"] ?? ""],
                                                                            email: values["email"] ?? "", address: values["address"] ?? "",
                                                                            interest: values["interest"] ?? "", notes: values["message"] ?? ""),
                                           from: req.clientIP, services: req.services, on: req.db)
                return req.redirect(to: "/join/\(org.slug)?done=1", redirectType: .normal)
            } catch let error as DomainError where error.showsOnForm {
                var state = CRMPages.formState(values, error)
                if let phone = state.errors["phone1"] { state.errors["phone"] = phone }
                return try await req.view.render("crm/interest", Page(page: req.publicPage("Get connected"), form: state, organization: org.name,
                                                                      slug: org.slug, done: false)).encodeResponse(status: .unprocessableEntity, for: req)
            } catch let error as DomainError {
                guard case .throttled(let after, _) = error else { throw error }
                var state = FormState(values: values, error: error)
                state.general = error.description
                let response = try await req.view.render("crm/interest", Page(page: req.publicPage("Get connected"), form: state, organization: org.name,
                                                                              slug: org.slug, done: false)).encodeResponse(status: .tooManyRequests, for: req)
                response.headers.replaceOrAdd(name: .retryAfter, value: String(after))
                return response
            }
        }
    }

    static func organization(_ req: Request) async throws -> Organization {
        try await Leads.intakeOrganization(slug: req.parameters.get("slug") ?? "", on: req.db)
    }
}

extension DomainError {
    /// Errors a form shows beside its fields (bad input, a conflict); others (403, 404) become error pages.
    var showsOnForm: Bool {
        switch self {
        case .validation, .conflict: true
        default: false
        }
    }
}
