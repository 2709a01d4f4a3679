import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// A new customer (with an optional first service address and contact person), editing one,
/// archiving and restoring. A phone or national ID another customer has is a warning the person
/// may overrule ("Save anyway").
enum CustomerFormPages {
    struct Model {
        var form: FormState
        var details: Customers.Details?
        var kinds: [Choice]
        var statuses: [Choice]
        var branches: [Choice]
        var resellers: [Choice]
        var areas: [Choice]
        var roles: [Choice]

        var isNew: Bool { details == nil }
        var duplicate: Bool { form.errors["allow_duplicate"] != nil }
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.newCustomer, use: new)
        routes.post(CRMRoutes.newCustomer, use: create)
        routes.get(CRMRoutes.editCustomer, use: edit)
        routes.post(CRMRoutes.editCustomer, use: update)
        routes.post(CRMRoutes.archiveCustomer, use: archive)
        routes.post(CRMRoutes.restoreCustomer, use: restore)
    }

    // MARK: Handlers

    static func new(_ req: Request) async throws -> Response {
        try req.ctx.require(.customersWrite)
        let today = CalendarDate.today(req.services.clock.now(), in: try req.ctx.timeZone)
        return try await render(req, form: FormState(values: ["joined_on": today]), details: nil)
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        do {
            let customer = try await Customers.create(try req.ctx, customerInput(values, withExtras: true), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(customer.id!), flash: "Customer \(customer.numberText) \(customer.displayName) created.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, form: CRMForms.formState(values, error), details: nil, status: .unprocessableEntity)
        }
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let d = try await Customers.details(try req.ctx, id.uuidString, on: req.db)
        let c = d.customer
        var values = ["kind": c.kind.rawValue, "display_name": c.displayName, "legal_name": c.legalName ?? "", "email": c.email ?? "",
                      "national_id": c.nationalID ?? "", "trade_license": c.tradeLicense ?? "", "joined_on": c.joinedOn,
                      "branch_id": c.branchID.uuidString, "reseller_id": c.resellerID?.uuidString ?? "", "tags": c.tags.joined(separator: ", "),
                      "notes": c.notes ?? "", "status": c.status.rawValue]
        for (i, phone) in c.phones.prefix(3).enumerated() { values["phone\(i + 1)"] = CRMForms.displayPhone(phone) }
        return try await render(req, form: FormState(values: values), details: d)
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            let customer = try await Customers.update(ctx, id.uuidString, customerInput(values, withExtras: false), services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(customer.id!), flash: "Saved.")
        } catch let error as DomainError where error.showsOnForm {
            let d = try await Customers.details(ctx, id.uuidString, on: req.db)
            return try await render(req, form: CRMForms.formState(values, error), details: d, status: .unprocessableEntity)
        }
    }

    static func archive(_ req: Request, _ id: UUID) async throws -> Response {
        let c = try await Customers.archive(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(c.id!), flash: "\(c.numberText) is archived.")
    }

    static func restore(_ req: Request, _ id: UUID) async throws -> Response {
        let c = try await Customers.restore(try req.ctx, id.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(c.id!), flash: "\(c.numberText) is restored.")
    }

    // MARK: Form values

    static func customerInput(_ f: [String: String], withExtras: Bool) -> Customers.Input {
        var input = Customers.Input(
            kind: f["kind"], displayName: f["display_name"], legalName: f["legal_name"] ?? "",
            phones: [f["phone1"] ?? "", f["phone2"] ?? "", f["phone3"] ?? ""], email: f["email"] ?? "", nationalID: f["national_id"] ?? "",
            tradeLicense: f["trade_license"] ?? "", joinedOn: f["joined_on"].flatMap { $0.isEmpty ? nil : $0 }, branchID: f["branch_id"],
            resellerID: f["reseller_id"] ?? "", tags: CRMForms.list(f["tags"]) ?? [], notes: f["notes"] ?? "", status: f["status"],
            allowDuplicate: f["allow_duplicate"] == "on" || f["allow_duplicate"] == "true")
        if withExtras {
            if let line1 = f["address_line1"], !line1.trimmingCharacters(in: .whitespaces).isEmpty {
                input.address = addressInput(f, prefix: "address_")
            }
            if let name = f["contact_name"], !name.trimmingCharacters(in: .whitespaces).isEmpty {
                input.contact = .init(name: name, role: f["contact_role"], phones: [f["contact_phone"] ?? ""], email: f["contact_email"] ?? "")
            }
        }
        return input
    }

    /// A service address from form fields named `prefix` + "line1", "area_id" …
    static func addressInput(_ f: [String: String], prefix: String) -> Addresses.Input {
        .init(label: f[prefix + "label"] ?? "", line1: f[prefix + "line1"], line2: f[prefix + "line2"] ?? "", city: f[prefix + "city"] ?? "",
              postcode: f[prefix + "postcode"] ?? "", areaID: f[prefix + "area_id"] ?? "", latitude: f[prefix + "latitude"] ?? "",
              longitude: f[prefix + "longitude"] ?? "", installationNotes: f[prefix + "installation_notes"] ?? "")
    }

    // MARK: View

    static func render(_ req: Request, form: FormState, details: Customers.Details?, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let known = try await CustomerDirectory.choices(ctx, on: req.db)
        let v = form.values
        let model = Model(
            form: form, details: details,
            kinds: Choice.values(CustomerKind.allCases.map(\.rawValue), selected: v["kind"] ?? CustomerKind.individual.rawValue),
            statuses: Choice.values(CustomerStatus.settable.map(\.rawValue), selected: v["status"] ?? CustomerStatus.active.rawValue),
            branches: Choice.list(known.branches, selected: v["branch_id"]),
            resellers: Choice.list(known.resellers, selected: v["reseller_id"], blank: ctx.isResellerScoped ? nil : "No reseller (direct customer)"),
            areas: Choice.list(known.areas, selected: v["address_area_id"], blank: "Choose an area"),
            roles: Choice.values(ContactRole.allCases.map(\.rawValue), selected: v["contact_role"] ?? ContactRole.primary.rawValue))
        let page = try req.page(details.map { "Edit \($0.customer.numberText)" } ?? "New customer")
        var html = HTML()
        html.appLayout(page) { h in h.customerForm(model, title: page.title, csrf: page.csrf) }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func customerForm(_ m: CustomerFormPages.Model, title: String, csrf: String) {
        let form = m.form
        pageHead(title)
        let action = m.details.map { CRMRoutes.editCustomer.link($0.customer.id!) } ?? CRMRoutes.newCustomer.link
        postForm(action, csrf: csrf, class: "form panel", id: "customer-form") { h in
            h.formError(form.general)
            if m.duplicate {
                h.el("div", [.class("errors"), .attr("role", literal: "alert")]) { h in
                    h.el("p", text: form.errors["allow_duplicate"] ?? "")
                    h.checkbox("Save anyway: this is a different customer", "allow_duplicate", checked: false, id: "allow_duplicate")
                }
            }
            h.raw("<h2>Customer</h2>")
            h.el("div", [.class("grid")]) { h in
                h.el("div", [.class("field")]) { h in
                    h.fieldLabel("Type", for: "kind")
                    h.el("select", [.id("kind"), .name("kind")]) { h in
                        for choice in m.kinds { h.option(choice.value, choice.label, selected: choice.checked) }
                    }
                }
                h.field("Name", "display_name", form: form, [.flag("required"), .attr("maxlength", literal: "160"), .attr("autocomplete", literal: "off")])
                h.field("Legal name", "legal_name", form: form, hint: "(businesses)", [.attr("maxlength", literal: "200")])
                h.field("Mobile", "phone1", form: form, type: "tel", [.attr("inputmode", literal: "tel"), .attr("placeholder", literal: "01712345678")])
                h.field("Other phone", "phone2", form: form, type: "tel", [.attr("inputmode", literal: "tel")])
                h.field("Third phone", "phone3", form: form, type: "tel", [.attr("inputmode", literal: "tel")])
                h.field("Email", "email", form: form, type: "email")
                h.field("National ID", "national_id", form: form, [.attr("inputmode", literal: "numeric")])
                h.field("Trade licence", "trade_license", form: form)
                h.field("Joined on", "joined_on", form: form, type: "date")
                h.selectField("Branch", "branch_id", m.branches, form: form)
                h.selectField("Reseller", "reseller_id", m.resellers, form: form)
                h.selectField("Status", "status", m.statuses, form: form)
                h.field("Tags", "tags", form: form, hint: "(comma separated)")
            }
            h.textArea("Notes", "notes", form: form, [.attr("maxlength", literal: "4000")])
            if m.isNew { h.firstAddressAndContact(m) }
            h.el("div", [.class("form-actions")]) { h in
                h.el("button", [.class("btn primary"), .type("submit")], text: m.isNew ? "Create customer" : "Save")
                h.raw(" ")
                h.el("a", [.href(m.details.map { CRMRoutes.customer.link($0.customer.id!) } ?? CRMRoutes.customers.link)], text: "Cancel")
            }
        }
    }

    /// A new customer's first service address and contact person, both optional.
    mutating func firstAddressAndContact(_ m: CustomerFormPages.Model) {
        let form = m.form
        raw("<h2>Service address</h2>")
        el("div", [.class("grid")]) { h in
            h.field("Address", "address_line1", form: form, [.attr("placeholder", literal: "House, road, flat")])
            h.field("Address line 2", "address_line2", form: form)
            h.field("City", "address_city", form: form)
            h.selectField("Area", "address_area_id", m.areas, form: form)
            h.field("Latitude", "address_latitude", form: form, [.attr("inputmode", literal: "decimal"), .attr("placeholder", literal: "23.810332")])
            h.field("Longitude", "address_longitude", form: form, [.attr("inputmode", literal: "decimal"), .attr("placeholder", literal: "90.412518")])
        }
        textArea("Installation notes", "address_installation_notes", form: form)
        raw("<h2>Contact person</h2>")
        el("div", [.class("grid")]) { h in
            h.field("Name", "contact_name", form: form)
            h.el("div", [.class("field")]) { h in
                h.fieldLabel("Role", for: "contact_role")
                h.el("select", [.id("contact_role"), .name("contact_role")]) { h in
                    for choice in m.roles { h.option(choice.value, choice.label, selected: choice.checked) }
                }
            }
            h.field("Phone", "contact_phone", form: form, type: "tel")
            h.field("Email", "contact_email", form: form, type: "email")
        }
    }
}
