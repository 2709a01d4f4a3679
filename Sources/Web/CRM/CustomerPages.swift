import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The customer page: details, service addresses (add, remove, make primary), contacts (add,
/// remove) and the timeline with its note and call form.
enum CustomerPages {
    /// The page's forms as they come back after an error: what was typed and what was wrong.
    struct Forms {
        var address = FormState()
        var contact = FormState()
        var note = FormState()
    }

    struct Model {
        var details: Customers.Details
        var timeline: [Activity]
        var areas: [Choice]
        var roles: [Choice]
        var forms: Forms
        var canWrite: Bool

        var id: UUID { details.customer.id! }
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.customer, use: show)
        routes.post(CRMRoutes.addAddress, use: addAddress)
        routes.post(CRMRoutes.deleteAddress, use: deleteAddress)
        routes.post(CRMRoutes.primaryAddress, use: makePrimary)
        routes.post(CRMRoutes.addContact, use: addContact)
        routes.post(CRMRoutes.deleteContact, use: deleteContact)
        routes.post(CRMRoutes.customerActivities, use: log)
    }

    // MARK: Handlers

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        try await render(req, id)
    }

    static func addAddress(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            var input = CustomerFormPages.addressInput(values, prefix: "")
            input.isPrimary = values["is_primary"] == "on" ? true : nil
            _ = try await Addresses.create(try req.ctx, customerID: id.uuidString, input, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(id).fragment("addresses"), flash: "Address added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, forms: Forms(address: CRMForms.formState(values, error)), status: .unprocessableEntity)
        }
    }

    static func deleteAddress(_ req: Request, _ id: UUID, _ address: UUID) async throws -> Response {
        try await Addresses.delete(try req.ctx, customerID: id.uuidString, address.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(id).fragment("addresses"), flash: "Address removed.")
    }

    static func makePrimary(_ req: Request, _ id: UUID, _ address: UUID) async throws -> Response {
        _ = try await Addresses.update(try req.ctx, customerID: id.uuidString, address.uuidString, .init(isPrimary: true), services: req.services,
                                       on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(id).fragment("addresses"), flash: "Primary address changed.")
    }

    static func addContact(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            let input = Contacts.Input(name: values["name"], role: values["role"], phones: [values["phone"] ?? ""], email: values["email"] ?? "",
                                       isPrimary: values["is_primary"] == "on" ? true : nil)
            _ = try await Contacts.create(try req.ctx, customerID: id.uuidString, input, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(id).fragment("contacts"), flash: "Contact added.")
        } catch let error as DomainError where error.showsOnForm {
            var state = CRMForms.formState(values, error)
            if let phone = state.errors["contact_phone"] ?? state.errors["phone1"] { state.errors["phone"] = phone }
            return try await render(req, id, forms: Forms(contact: state), status: .unprocessableEntity)
        }
    }

    static func deleteContact(_ req: Request, _ id: UUID, _ contact: UUID) async throws -> Response {
        try await Contacts.delete(try req.ctx, customerID: id.uuidString, contact.uuidString, services: req.services, on: req.db)
        return redirect(req, to: CRMRoutes.customer.link(id).fragment("contacts"), flash: "Contact removed.")
    }

    /// A note or a call on the timeline.
    static func log(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        do {
            _ = try await Customers.log(try req.ctx, id.uuidString, kind: values["kind"], body: values["body"], services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customer.link(id).fragment("timeline"), flash: values["kind"] == "call" ? "Call logged." : "Note added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, id, forms: Forms(note: CRMForms.formState(values, error)), status: .unprocessableEntity)
        }
    }

    // MARK: View

    static func render(_ req: Request, _ id: UUID, forms: Forms = Forms(), status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let details = try await Customers.details(ctx, id.uuidString, on: req.db)
        let timeline = try await Customers.timeline(ctx, id.uuidString, page: try req.pageRequest(), on: req.db)
        let areas = try await Areas.all(ctx, on: req.db)
        let c = details.customer
        let model = Model(
            details: details, timeline: timeline.items,
            areas: Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: forms.address.values["area_id"], blank: "Choose an area"),
            roles: Choice.values(ContactRole.allCases.map(\.rawValue), selected: forms.contact.values["role"] ?? ContactRole.other.rawValue),
            forms: forms, canWrite: ctx.can(.customersWrite) && c.archivedAt == nil)
        let page = try req.page("\(c.numberText) \(c.displayName)")
        var panels: [HTML] = []
        for area in AreaModules.all {
            panels += try await area.customerPanels(req, customer: c, canWrite: c.archivedAt == nil, csrf: page.csrf)
        }
        var html = HTML()
        html.appLayout(page) { h in
            h.customerDetails(model, title: page.title, csrf: page.csrf)
            for panel in panels { h.append(panel) }
            h.addresses(model, csrf: page.csrf)
            h.contacts(model, csrf: page.csrf)
            h.timeline(model.timeline, date: req.shortDate,
                       note: model.canWrite ? .init(action: CRMRoutes.customerActivities.link(model.id), csrf: page.csrf, state: forms.note) : nil)
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func customerDetails(_ m: CustomerPages.Model, title: String, csrf: String) {
        let d = m.details
        let c = d.customer
        let archived = c.archivedAt != nil
        pageHead(title) { h in
            if m.canWrite {
                h.el("a", [.class("btn"), .href(CRMRoutes.editCustomer.link(m.id))], text: "Edit")
                h.raw(" ")
                h.postButton("Archive", to: CRMRoutes.archiveCustomer.link(m.id), csrf: csrf, class: "btn danger",
                             confirm: "Archive \(c.displayName)? They disappear from lists; you can restore them later.")
            }
            if archived {
                h.postButton("Restore", to: CRMRoutes.restoreCustomer.link(m.id), csrf: csrf, class: "btn")
            }
        }
        if archived {
            el("div", [.class("errors"), .attr("role", literal: "status")], text: "This customer is archived.")
        }
        el("div", [.class("panel")]) { h in
            h.el("dl", [.class("facts")]) { h in
                h.raw("<dt>Status</dt><dd>")
                h.badge(c.status.rawValue)
                h.raw(" · ")
                h.text(c.kind.rawValue)
                h.raw(#"</dd><dt>Phones</dt><dd class="phones">"#)
                h.crmPhoneLinks(c.phones.map(CRMForms.displayPhone))
                h.raw("</dd>")
                if let email = c.email.nonEmpty {
                    h.raw("<dt>Email</dt><dd>")
                    h.el("a", [.href(external: .mail(email))], text: email)
                    h.raw("</dd>")
                }
                h.fact("Legal name", c.legalName)
                h.fact("National ID", c.nationalID)
                h.fact("Trade licence", c.tradeLicense)
                h.fact("Joined", c.joinedOn)
                h.fact("Branch", d.branchName)
                if let reseller = d.reseller {
                    h.raw("<dt>Reseller</dt><dd>")
                    h.el("a", [.href(CRMRoutes.reseller.link(reseller.id!))], text: reseller.name)
                    h.raw("</dd>")
                }
                h.fact("Area", d.areaName)
                if !c.tags.isEmpty {
                    h.raw("<dt>Tags</dt><dd>")
                    for tag in c.tags {
                        h.el("a", [.class("badge"), .href(CRMRoutes.customers.link.query([("tag", tag)]))], text: tag)
                        h.raw(" ")
                    }
                    h.raw("</dd>")
                }
                if let lead = d.lead {
                    h.raw("<dt>From lead</dt><dd>")
                    h.el("a", [.href(CRMRoutes.lead.link(lead.id!))], text: lead.numberText)
                    h.raw("</dd>")
                }
            }
            if let notes = c.notes.nonEmpty { h.el("p", [.class("notes")], text: notes) }
        }
    }

    mutating func addresses(_ m: CustomerPages.Model, csrf: String) {
        raw(#"<h2 id="addresses">Service addresses</h2>"#)
        el("div", [.class("cards")]) { h in
            for address in m.details.addresses { h.addressCard(address, m, csrf: csrf) }
            if m.details.addresses.isEmpty { h.el("p", [.class("muted")], text: "No service address yet.") }
        }
        guard m.canWrite else { return }
        let form = m.forms.address
        el("details", [.class("panel"), .flag("open", !form.errors.isEmpty || form.general != nil)]) { h in
            h.raw("<summary>Add a service address</summary>")
            h.postForm(CRMRoutes.addAddress.link(m.id), csrf: csrf, class: "form", id: "address-form") { h in
                h.formError(form.general)
                h.el("div", [.class("grid")]) { h in
                    h.field("Label", "label", form: form, id: "a_label", [.attr("placeholder", literal: "Home, office")])
                    h.field("Address", "line1", form: form, id: "a_line1", [.flag("required")])
                    h.field("Address line 2", "line2", form: form, id: "a_line2")
                    h.field("City", "city", form: form, id: "a_city")
                    h.selectField("Area", "area_id", m.areas, form: form, id: "a_area")
                    h.field("Latitude", "latitude", form: form, id: "a_lat", [.attr("inputmode", literal: "decimal")])
                    h.field("Longitude", "longitude", form: form, id: "a_lon", [.attr("inputmode", literal: "decimal")])
                }
                h.textArea("Installation notes", "installation_notes", form: form, id: "a_notes")
                h.checkbox("Make this the primary address", "is_primary", checked: false)
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add address</button></div>"#)
            }
        }
    }

    mutating func addressCard(_ a: ServiceAddress, _ m: CustomerPages.Model, csrf: String) {
        el("div", [.class("card address")]) { h in
            h.el("div", [.class("card-label")]) { h in
                h.text(a.label.nonEmpty ?? "Address")
                h.raw(" ")
                if a.isPrimary { h.raw(#"<span class="badge on">primary</span>"#) }
            }
            h.el("p") { h in
                h.text(a.line1)
                if let line2 = a.line2.nonEmpty {
                    h.raw("<br>")
                    h.text(line2)
                }
                if let city = a.city.nonEmpty {
                    h.raw("<br>")
                    h.text(city + " " + (a.postcode ?? ""))
                }
            }
            if let area = a.areaID.flatMap({ m.details.areaNames[$0] }) { h.el("p", [.class("muted")], text: area) }
            if let lat = a.latitudeE6.map(Decimal6.format), let lon = a.longitudeE6.map(Decimal6.format) {
                h.el("p", [.class("location")]) { h in
                    h.el("span", [.class("coords")], text: "📍 " + lat + ", " + lon)
                    h.raw("<br>")
                    h.el("a", [.href(external: .geo(latitude: lat, longitude: lon))], text: "Open in a map app")
                    h.raw(" · ")
                    h.el("a", [.href(external: .map(latitude: lat, longitude: lon)), .attr("rel", literal: "noopener"), .attr("target", literal: "_blank")],
                         text: "OpenStreetMap")
                }
            }
            if let notes = a.installationNotes.nonEmpty {
                h.el("p", [.class("muted")]) { h in h.el("small", text: notes) }
            }
            if m.canWrite {
                h.el("div", [.class("actions")]) { h in
                    if !a.isPrimary {
                        h.postButton("Make primary", to: CRMRoutes.primaryAddress.link(m.id, a.id!), csrf: csrf)
                    }
                    h.postButton("Remove", to: CRMRoutes.deleteAddress.link(m.id, a.id!), csrf: csrf, class: "btn small danger",
                                 confirm: "Remove this address?")
                }
            }
        }
    }

    mutating func contacts(_ m: CustomerPages.Model, csrf: String) {
        raw(#"<h2 id="contacts">Contacts</h2>"#)
        el("div", [.class("panel table-wrap")]) { h in
            h.el("table", [.class("data")]) { h in
                h.raw("<thead><tr><th>Name</th><th>Role</th><th>Phone</th><th>Email</th><th></th></tr></thead><tbody>")
                for contact in m.details.contacts {
                    h.raw("<tr><td>")
                    h.text(contact.name)
                    h.raw(" ")
                    if contact.isPrimary { h.raw(#"<span class="badge on">primary</span>"#) }
                    h.raw("</td><td>")
                    h.text(contact.role.rawValue)
                    h.raw("</td><td>")
                    h.crmPhoneLinks(contact.phones.map(CRMForms.displayPhone))
                    h.raw("</td><td>")
                    h.text(contact.email)
                    h.raw("</td><td>")
                    if m.canWrite {
                        h.postButton("Remove", to: CRMRoutes.deleteContact.link(m.id, contact.id!), csrf: csrf, class: "btn small danger",
                                     confirm: "Remove \(contact.name)?")
                    }
                    h.raw("</td></tr>")
                }
                h.raw("</tbody>")
            }
            if m.details.contacts.isEmpty { h.el("p", [.class("muted empty")], text: "No contacts yet.") }
        }
        guard m.canWrite else { return }
        let form = m.forms.contact
        el("details", [.class("panel"), .flag("open", !form.errors.isEmpty)]) { h in
            h.raw("<summary>Add a contact</summary>")
            h.postForm(CRMRoutes.addContact.link(m.id), csrf: csrf, class: "form", id: "contact-form") { h in
                h.el("div", [.class("grid")]) { h in
                    h.field("Name", "name", form: form, id: "c_name", [.flag("required")])
                    h.el("div", [.class("field")]) { h in
                        h.fieldLabel("Role", for: "c_role")
                        h.el("select", [.id("c_role"), .name("role")]) { h in
                            for choice in m.roles { h.option(choice.value, choice.label, selected: choice.checked) }
                        }
                    }
                    h.field("Phone", "phone", form: form, type: "tel", id: "c_phone")
                    h.field("Email", "email", form: form, type: "email", id: "c_email")
                }
                h.checkbox("Primary contact", "is_primary", checked: false)
                h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Add contact</button></div>"#)
            }
        }
    }
}

private extension Optional where Wrapped == String {
    /// The text when there is some: nil and "" alike are nothing to show.
    var nonEmpty: String? {
        switch self {
        case .some(let text) where !text.isEmpty: text
        default: nil
        }
    }
}
