import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// A lead: the new-lead form, the lead page with its form, conversion to a customer, the status
/// change from the board, notes and calls on its timeline, archiving.
enum LeadPages {
    struct Model {
        var lead: Lead?
        var form: FormState
        var noteForm: FormState
        var statuses: [Choice]
        var sources: [Choice]
        var assignees: [Choice]
        var areas: [Choice]
        var timeline: [Activity]
        var customerNumber: String?
        var canWrite: Bool
        var canConvert: Bool
        var duplicate: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.newLead, use: new)
        routes.post(CRMRoutes.newLead, use: create)
        routes.get(CRMRoutes.lead, use: show)
        routes.post(CRMRoutes.lead, use: update)
        routes.post(CRMRoutes.leadStatus, use: changeStatus)
        routes.post(CRMRoutes.convertLead, use: convert)
        routes.post(CRMRoutes.leadActivities, use: log)
        routes.post(CRMRoutes.archiveLead, use: archive)
    }

    // MARK: Handlers

    static func new(_ req: Request) async throws -> Response {
        try req.ctx.require(.leadsWrite)
        return try await render(req, lead: nil, form: FormState(values: ["source": "walk_in"]))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let lead = try await Leads.create(try req.ctx, leadInput(values), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.lead.link(lead.id!), flash: "Lead \(lead.numberText) created.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, lead: nil, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let lead = try await Leads.find(try req.ctx, id.uuidString, on: req.db)
        return try await render(req, lead: lead, form: FormState(values: leadValues(lead)))
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let lead = try await Leads.update(ctx, id.uuidString, leadInput(values), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.lead.link(lead.id!), flash: "Saved.")
        } catch let error as DomainError where error.showsOnForm {
            let lead = try await Leads.find(ctx, id.uuidString, on: req.db)
            return try await render(req, lead: lead, form: CRMForms.formState(values, error), status: .unprocessableEntity)
        }
    }

    /// A lead moved to another column of the board.
    static func changeStatus(_ req: Request, _ id: UUID) async throws -> Response {
        struct Form: Decodable { var status: String? }
        let form = try req.content.decode(Form.self)
        do {
            let lead = try await Leads.update(try req.ctx, id.uuidString, .init(status: form.status), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.leads.link, flash: "\(lead.numberText) moved to \(lead.status.title).")
        } catch let error as DomainError where error.showsOnForm {
            return redirect(req, to: CRMRoutes.lead.link(id), flash: error.description, kind: "error")
        }
    }

    static func convert(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let (_, customer) = try await Leads.convert(ctx, id.uuidString, .init(allowDuplicate: values["allow_duplicate"] == "on"),
                                                        services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(customer.id!), flash: "Converted: customer \(customer.numberText) created.")
        } catch let error as DomainError where error.showsOnForm {
            let lead = try await Leads.find(ctx, id.uuidString, on: req.db)
            var state = CRMForms.formState(leadValues(lead), error)
            if case .validation(let list) = error {
                state.general = "Converting would create a duplicate: " + list.filter { $0.field != "allow_duplicate" }.map(\.message)
                    .joined(separator: "; ") + ". Tick “Convert anyway” to keep both."
            }
            return try await render(req, lead: lead, form: state, status: .unprocessableEntity, duplicate: true)
        }
    }

    /// A note or a call on the timeline.
    static func log(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            _ = try await Leads.log(ctx, id.uuidString, kind: values["kind"], body: values["body"], services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.lead.link(id).fragment("timeline"), flash: "Added to the timeline.")
        } catch let error as DomainError where error.showsOnForm {
            let lead = try await Leads.find(ctx, id.uuidString, on: req.db)
            return try await render(req, lead: lead, form: FormState(values: leadValues(lead)), noteForm: CRMForms.formState(values, error),
                                    status: .unprocessableEntity)
        }
    }

    static func archive(_ req: Request, _ id: UUID) async throws -> Response {
        let lead = try await Leads.archive(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.leads.link, flash: "\(lead.numberText) archived.")
    }

    // MARK: Form values

    static func leadValues(_ l: Lead) -> [String: String] {
        var values = ["name": l.name, "email": l.email ?? "", "address": l.address ?? "", "area_id": l.areaID?.uuidString ?? "",
                      "interest": l.interest ?? "", "source": l.source, "tags": l.tags.joined(separator: ", "),
                      "assigned_user_id": l.assignedUserID?.uuidString ?? "", "next_follow_up_on": l.nextFollowUpOn ?? "",
                      "status": l.status.rawValue, "lost_reason": l.lostReason ?? "", "notes": l.notes ?? ""]
        for (i, phone) in l.phones.prefix(2).enumerated() { values["phone\(i + 1)"] = CRMForms.displayPhone(phone) }
        return values
    }

    static func leadInput(_ f: [String: String]) -> Leads.Input {
        // A converted lead's form shows its status, which is not one staff may set: it stays as it is.
        let status = f["status"].flatMap { LeadStatus(rawValue: $0) == .converted ? nil : $0 }
        return Leads.Input(name: f["name"], phones: [f["phone1"] ?? "", f["phone2"] ?? ""], email: f["email"] ?? "", address: f["address"] ?? "",
                           areaID: f["area_id"] ?? "", interest: f["interest"] ?? "", source: f["source"], tags: CRMForms.list(f["tags"]) ?? [],
                           assignedUserID: f["assigned_user_id"], nextFollowUpOn: f["next_follow_up_on"] ?? "",
                           status: status, lostReason: f["lost_reason"] ?? "", notes: f["notes"] ?? "")
    }

    // MARK: View

    static func render(_ req: Request, lead: Lead?, form: FormState, noteForm: FormState = FormState(), status: HTTPStatus = .ok,
                       duplicate: Bool = false) async throws -> Response {
        let ctx = try req.ctx
        let users = try await Leads.assignees(ctx, on: req.db)
        let areas = try await Areas.all(ctx, on: req.db)
        var timeline: [Activity] = []
        var customerNumber: String?
        if let lead {
            timeline = try await Leads.timeline(ctx, lead.id!.uuidString, page: try CursorRequest(limit: 100), on: req.db).items
            // The converted customer's number, for staff who may see that customer.
            if let cid = lead.customerID, ctx.can(.customersRead) {
                do { customerNumber = try await Customers.find(ctx, cid.uuidString, on: req.db).numberText } catch DomainError.notFound {}
            }
        }
        let v = form.values
        let statuses = lead?.status == .converted ? [LeadStatus.converted] : LeadStatus.settable
        let open = lead?.archivedAt == nil
        let model = Model(
            lead: lead, form: form, noteForm: noteForm,
            statuses: Choice.values(statuses.map(\.rawValue), selected: v["status"] ?? LeadStatus.new.rawValue),
            sources: Choice.values(Leads.sources, selected: v["source"]) { $0.replacingOccurrences(of: "_", with: " ").capitalized },
            assignees: Choice.list(users.map { ($0.id!, $0.name) }, selected: v["assigned_user_id"], blank: "Nobody yet"),
            areas: Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: v["area_id"], blank: "Choose an area"),
            timeline: timeline, customerNumber: customerNumber, canWrite: ctx.can(.leadsWrite) && open,
            canConvert: ctx.can(.leadsWrite) && ctx.can(.customersWrite) && lead != nil && lead?.status != .converted && open,
            duplicate: duplicate)
        let page = try req.page(lead.map { "\($0.numberText) \($0.name)" } ?? "New lead")
        var html = HTML()
        html.appLayout(page) { h in
            h.leadHead(model, title: page.title, csrf: page.csrf)
            h.leadForm(model, csrf: page.csrf)
            if let lead {
                h.timeline(model.timeline, date: req.shortDate,
                           note: model.canWrite ? .init(action: CRMRoutes.leadActivities.link(lead.id!), csrf: page.csrf, state: noteForm) : nil)
            }
        }
        return html.response(status: status)
    }
}

private extension HTML {
    /// The heading with the customer link and Archive, the status line and the conversion form.
    mutating func leadHead(_ m: LeadPages.Model, title: String, csrf: String) {
        pageHead(title) { h in
            guard let lead = m.lead else { return }
            // The converted customer, for staff who may see it (its number is known then).
            if let customer = lead.customerID, let number = m.customerNumber {
                h.el("a", [.class("btn"), .href(CRMRoutes.customer.link(customer))], text: "Customer " + number)
                h.raw(" ")
            }
            if m.canWrite {
                if lead.status != .converted {
                    h.postForm(NetworkRoutes.onboarding.link, csrf: csrf, id: "onboard-lead") { h in
                        h.void("input", [.type("hidden"), .name("lead_id"), .value(lead.id!.uuidString)])
                        h.el("button", [.class("btn primary"), .type("submit")], text: "Connect (onboarding wizard)")
                    }
                    h.raw(" ")
                }
                h.postButton("Archive", to: CRMRoutes.archiveLead.link(lead.id!), csrf: csrf, class: "btn danger", confirm: "Archive this lead?")
            }
        }
        guard let lead = m.lead else { return }
        el("p") { h in
            h.badge(lead.status.rawValue)
            h.raw(" ")
            h.el("span", [.class("muted")], text: "from " + lead.source.replacingOccurrences(of: "_", with: " "))
            h.raw(" ")
            if let reason = lead.lostReason, !reason.isEmpty { h.text("· lost: " + reason) }
        }
        guard m.canConvert else { return }
        postForm(CRMRoutes.convertLead.link(lead.id!), csrf: csrf, class: "panel convert", id: "convert-form",
                 confirm: "Create a customer from \(lead.name)?") { h in
            if m.duplicate {
                h.el("div", [.class("errors"), .attr("role", literal: "alert")]) { h in
                    h.text(m.form.general)
                    h.raw("<br>")
                    h.checkbox("Convert anyway", "allow_duplicate", checked: false)
                }
            }
            h.raw("<p>Ready to connect? Converting creates the customer with this lead's name, phones, address, area and tags, and links both timelines.</p>")
            h.raw(#"<button class="btn primary" type="submit">Convert to customer</button>"#)
        }
    }

    mutating func leadForm(_ m: LeadPages.Model, csrf: String) {
        let form = m.form
        postForm(m.lead.map { CRMRoutes.lead.link($0.id!) } ?? CRMRoutes.newLead.link, csrf: csrf, class: "form panel", id: "lead-form") { h in
            if !m.duplicate { h.formError(form.general) }
            h.el("div", [.class("grid")]) { h in
                h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "160")])
                h.field("Mobile", "phone1", form: form, type: "tel", [.attr("inputmode", literal: "tel")])
                h.field("Other phone", "phone2", form: form, type: "tel")
                h.field("Email", "email", form: form, type: "email")
                h.field("Address", "address", form: form)
                h.selectField("Area", "area_id", m.areas, form: form)
                h.field("Interested in", "interest", form: form, [.attr("placeholder", literal: "Home 20 Mbps")])
                h.el("div", [.class("field")]) { h in
                    h.fieldLabel("Source", for: "source")
                    h.el("select", [.id("source"), .name("source")]) { h in
                        for choice in m.sources { h.option(choice.value, choice.label, selected: choice.checked) }
                    }
                }
                h.selectField("Assigned to", "assigned_user_id", m.assignees, form: form)
                h.field("Next follow-up", "next_follow_up_on", form: form, type: "date")
                h.selectField("Status", "status", m.statuses, form: form)
                h.crmField("Lost because", for: "lost_reason", key: "lost_reason", errorLabel: "Lost reason", form: form) { h in
                    h.void("input", [.id("lost_reason"), .name("lost_reason"), .value(form.values["lost_reason"] ?? "")])
                }
                h.field("Tags", "tags", form: form)
            }
            h.textArea("Notes", "notes", form: form)
            if m.canWrite {
                h.el("div", [.class("form-actions")]) { h in
                    h.el("button", [.class("btn primary"), .type("submit")], text: m.lead == nil ? "Create lead" : "Save")
                    h.raw(" ")
                    h.el("a", [.href(CRMRoutes.leads.link)], text: "Cancel")
                }
            }
        }
    }
}
