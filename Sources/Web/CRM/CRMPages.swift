import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Customers, leads, resellers, areas and imports: the pages support staff live in.
enum CRMPages {
    typealias Choice = StaffPages.Choice

    // MARK: View contexts

    struct CustomerForm: Encodable {
        var page: PageContext
        var form: FormState
        var customer: CustomerView?
        var kinds: [Choice]
        var statuses: [Choice]
        var branches: [Choice]
        var resellers: [Choice]
        var areas: [Choice]
        var roles: [Choice]
        var duplicate: Bool
        var isNew: Bool
    }

    struct CustomerView: Encodable {
        var id, number, name, kind, status, joinedOn, branch: String
        var legalName, email, nationalID, tradeLicense, notes, reseller, resellerID, area: String?
        var phones: [String]
        var tags: [String]
        var archived: Bool
        var leadID, leadNumber: String?
        var hasTags: Bool
    }

    struct AddressView: Encodable {
        var id, line1: String
        var label, line2, city, postcode, area, notes, latitude, longitude, mapLink, geoLink: String?
        var isPrimary: Bool
    }

    struct ContactView: Encodable {
        var id, name, role: String
        var phones: [String]
        var email: String?
        var isPrimary: Bool
    }

    struct ActivityView: Encodable {
        struct Change: Encodable { var field: String; var before: String; var after: String }
        var kind, summary, actor, at: String
        var body: String?
        var changes: [Change]
        var relatedHref, relatedLabel: String?
        var hasChanges: Bool
    }

    struct CustomerPage: Encodable {
        var page: PageContext
        var customer: CustomerView
        var addresses: [AddressView]
        var contacts: [ContactView]
        var timeline: [ActivityView]
        var timelineCursor: String?
        var areas: [Choice]
        var roles: [Choice]
        var addressForm: FormState
        var contactForm: FormState
        var noteForm: FormState
        var canWrite: Bool
        var noAddresses: Bool
        var noContacts: Bool
        var addressOpen: Bool
        var contactOpen: Bool
        var timelineAction: String
    }

    // MARK: Helpers

    /// Domain field names as page form names: "phones[1]" → "phone2", "address.line1" → "address_line1".
    static func pageField(_ field: String) -> String {
        var f = field
        if f == "phones" { return "phone1" }
        if f.hasPrefix("phones["), let i = Int(f.dropFirst(7).prefix { $0.isNumber }) { return "phone\(i + 1)" }
        if f.hasPrefix("contact.phones") { return "contact_phone" }
        f = f.replacingOccurrences(of: ".", with: "_")
        if f.hasPrefix("tags") { return "tags" }
        return f
    }

    static func formState(_ values: [String: String], _ error: any Error) -> FormState {
        var state = FormState(values: values, error: error)
        var renamed: [String: String] = [:]
        for (key, message) in state.errors {
            let name = pageField(key)
            renamed[name] = renamed[name].map { $0 + "; " + message } ?? message
        }
        state.errors = renamed
        return state
    }

    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        return text.split { $0 == "," || $0 == ";" }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    static func choices(_ items: [(UUID, String)], selected: String?, blank: String? = nil) -> [Choice] {
        (blank.map { [Choice(value: "", label: $0, checked: (selected ?? "").isEmpty)] } ?? [])
            + items.map { Choice(value: $0.0.uuidString, label: $0.1, checked: $0.0.uuidString == selected) }
    }

    static func enumChoices(_ values: [String], selected: String?, blank: String? = nil, label: (String) -> String = { $0.capitalized }) -> [Choice] {
        (blank.map { [Choice(value: "", label: $0, checked: (selected ?? "").isEmpty)] } ?? [])
            + values.map { Choice(value: $0, label: label($0), checked: $0 == selected) }
    }

    static func view(_ d: Customers.Details) -> CustomerView {
        let c = d.customer
        return CustomerView(id: c.id!.uuidString, number: c.numberText, name: c.displayName, kind: c.kind.rawValue, status: c.status.rawValue,
                            joinedOn: c.joinedOn, branch: d.branchName, legalName: c.legalName, email: c.email, nationalID: c.nationalID,
                            tradeLicense: c.tradeLicense, notes: c.notes, reseller: d.reseller?.name, resellerID: d.reseller?.id?.uuidString,
                            area: d.areaName, phones: c.phones.map(displayPhone), tags: c.tags, archived: c.archivedAt != nil,
                            leadID: d.lead?.id?.uuidString, leadNumber: d.lead?.numberText, hasTags: !c.tags.isEmpty)
    }

    static func displayPhone(_ e164: String) -> String {
        (try? PhoneNumber(parsing: e164))?.national ?? e164
    }

    static func activityViews(_ items: [Activity], req: Request) -> [ActivityView] {
        items.map { a in
            var href: String?
            var label: String?
            if let id = a.relatedID, let type = a.relatedType {
                href = type == "customer" ? "/customers/\(id)" : type == "lead" ? "/leads/\(id)" : nil
                label = type == "customer" ? "Open the customer" : "Open the lead"
            }
            return ActivityView(kind: a.kind, summary: a.summary, actor: a.actorLabel, at: req.shortDate(a.createdAt), body: a.body,
                                changes: a.changes.map { .init(field: $0.field.replacingOccurrences(of: "_", with: " "), before: $0.before ?? "—",
                                                               after: $0.after ?? "—") },
                                relatedHref: href, relatedLabel: label, hasChanges: !a.changes.isEmpty)
        }
    }

    static func customerInput(_ f: [String: String], withExtras: Bool) -> Customers.Input {
        var input = Customers.Input(
            kind: f["kind"], displayName: f["display_name"], legalName: f["legal_name"] ?? "",
            phones: [f["phone1"] ?? "", f["phone2"] ?? "", f["phone3"] ?? ""], email: f["email"] ?? "", nationalID: f["national_id"] ?? "",
            tradeLicense: f["trade_license"] ?? "", joinedOn: f["joined_on"].flatMap { $0.isEmpty ? nil : $0 }, branchID: f["branch_id"],
            resellerID: f["reseller_id"] ?? "", tags: list(f["tags"]) ?? [], notes: f["notes"] ?? "", status: f["status"],
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

    static func addressInput(_ f: [String: String], prefix: String) -> Addresses.Input {
        .init(label: f[prefix + "label"] ?? "", line1: f[prefix + "line1"], line2: f[prefix + "line2"] ?? "", city: f[prefix + "city"] ?? "",
              postcode: f[prefix + "postcode"] ?? "", areaID: f[prefix + "area_id"] ?? "", latitude: f[prefix + "latitude"] ?? "",
              longitude: f[prefix + "longitude"] ?? "", installationNotes: f[prefix + "installation_notes"] ?? "")
    }

    // MARK: Routes

    static func register(_ routes: any RoutesBuilder) {
        CustomerListPage.register(routes)
        registerCustomerForms(routes)
        registerCustomerPage(routes)
        CRMMorePages.register(routes)
    }

    static func renderCustomerForm(_ req: Request, form: FormState, details: Customers.Details?, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let known = try await CustomerDirectory.choices(ctx, on: req.db)
        let v = form.values
        let context = CustomerForm(
            page: try req.page(details == nil ? "New customer" : "Edit \(details!.customer.numberText)"),
            form: form, customer: details.map(view),
            kinds: enumChoices(CustomerKind.allCases.map(\.rawValue), selected: v["kind"] ?? "individual"),
            statuses: enumChoices(["active", "prospect"], selected: v["status"] ?? "active"),
            branches: choices(known.branches, selected: v["branch_id"]),
            resellers: choices(known.resellers, selected: v["reseller_id"], blank: ctx.isResellerScoped ? nil : "No reseller (direct customer)"),
            areas: choices(known.areas, selected: v["address_area_id"], blank: "Choose an area"),
            roles: enumChoices(ContactRole.allCases.map(\.rawValue), selected: v["contact_role"] ?? "primary"),
            duplicate: form.errors["allow_duplicate"] != nil, isNew: details == nil)
        return try await req.view.render("crm/customer-form", context).encodeResponse(status: status, for: req)
    }

    static func registerCustomerForms(_ routes: any RoutesBuilder) {
        routes.get("customers", "new") { req async throws -> Response in
            try req.ctx.require(.customersWrite)
            let today = CalendarDate.today(req.services.clock.now(), in: try req.ctx.timeZone)
            return try await renderCustomerForm(req, form: FormState(values: ["joined_on": today]), details: nil)
        }
        routes.post("customers", "new") { req async throws -> Response in
            let values = req.formValues()
            do {
                let customer = try await Customers.create(try req.ctx, customerInput(values, withExtras: true), services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(customer.id!)", flash: "Customer \(customer.numberText) \(customer.displayName) created.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderCustomerForm(req, form: formState(values, error), details: nil, status: .unprocessableEntity)
            }
        }
        routes.get("customers", ":id", "edit") { req async throws -> Response in
            let d = try await Customers.details(try req.ctx, req.parameters.get("id"), on: req.db)
            let c = d.customer
            var values = ["kind": c.kind.rawValue, "display_name": c.displayName, "legal_name": c.legalName ?? "", "email": c.email ?? "",
                          "national_id": c.nationalID ?? "", "trade_license": c.tradeLicense ?? "", "joined_on": c.joinedOn,
                          "branch_id": c.branchID.uuidString, "reseller_id": c.resellerID?.uuidString ?? "", "tags": c.tags.joined(separator: ", "),
                          "notes": c.notes ?? "", "status": c.status.rawValue]
            for (i, phone) in c.phones.prefix(3).enumerated() { values["phone\(i + 1)"] = displayPhone(phone) }
            return try await renderCustomerForm(req, form: FormState(values: values), details: d)
        }
        routes.post("customers", ":id", "edit") { req async throws -> Response in
            let values = req.formValues()
            let ctx = try req.ctx
            do {
                let customer = try await Customers.update(ctx, req.parameters.get("id"), customerInput(values, withExtras: false),
                                                          services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(customer.id!)", flash: "Saved.")
            } catch let error as DomainError where error.showsOnForm {
                let d = try await Customers.details(ctx, req.parameters.get("id"), on: req.db)
                return try await renderCustomerForm(req, form: formState(values, error), details: d, status: .unprocessableEntity)
            }
        }
        for (action, archive) in [("archive", true), ("restore", false)] {
            routes.post("customers", ":id", PathComponent(stringLiteral: action)) { req async throws -> Response in
                let ctx = try req.ctx
                let id = req.parameters.get("id")
                let c = archive ? try await Customers.archive(ctx, id, services: req.services, on: req.db)
                    : try await Customers.restore(ctx, id, services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(c.id!)", flash: archive ? "\(c.numberText) is archived." : "\(c.numberText) is restored.")
            }
        }
    }

    static func renderCustomerPage(_ req: Request, id: String?, addressForm: FormState = FormState(), contactForm: FormState = FormState(),
                                   noteForm: FormState = FormState(), status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let d = try await Customers.details(ctx, id, on: req.db)
        let timeline = try await Customers.timeline(ctx, id, page: try req.pageRequest(), on: req.db)
        let areas = try await Areas.all(ctx, on: req.db)
        let addresses = d.addresses.map { a -> AddressView in
            let lat = a.latitudeE6.map(Decimal6.format), lon = a.longitudeE6.map(Decimal6.format)
            var map: String?, geo: String?
            if let lat, let lon {
                map = "https://www.openstreetmap.org/?mlat=\(lat)&mlon=\(lon)#map=18/\(lat)/\(lon)"
                geo = "geo:\(lat),\(lon)"
            }
            return AddressView(id: a.id!.uuidString, line1: a.line1, label: a.label, line2: a.line2, city: a.city, postcode: a.postcode,
                               area: a.areaID.flatMap { d.areaNames[$0] }, notes: a.installationNotes, latitude: lat, longitude: lon,
                               mapLink: map, geoLink: geo, isPrimary: a.isPrimary)
        }
        let contacts = d.contacts.map {
            ContactView(id: $0.id!.uuidString, name: $0.name, role: $0.role.rawValue, phones: $0.phones.map(displayPhone), email: $0.email,
                        isPrimary: $0.isPrimary)
        }
        let context = CustomerPage(
            page: try req.page("\(d.customer.numberText) \(d.customer.displayName)"), customer: view(d),
            addresses: addresses, contacts: contacts, timeline: activityViews(timeline.items, req: req), timelineCursor: timeline.nextCursor,
            areas: choices(areas.map { ($0.id!, $0.fullName) }, selected: addressForm.values["area_id"], blank: "Choose an area"),
            roles: enumChoices(ContactRole.allCases.map(\.rawValue), selected: contactForm.values["role"] ?? "other"),
            addressForm: addressForm, contactForm: contactForm, noteForm: noteForm, canWrite: ctx.can(.customersWrite) && d.customer.archivedAt == nil,
            noAddresses: addresses.isEmpty, noContacts: contacts.isEmpty, addressOpen: !addressForm.errors.isEmpty || addressForm.general != nil,
            contactOpen: !contactForm.errors.isEmpty, timelineAction: "/customers/\(d.customer.id!)/activities")
        return try await req.view.render("crm/customer", context).encodeResponse(status: status, for: req)
    }

    static func registerCustomerPage(_ routes: any RoutesBuilder) {
        routes.get("customers", ":id") { req async throws -> Response in
            try await renderCustomerPage(req, id: req.parameters.get("id"))
        }
        routes.post("customers", ":id", "addresses") { req async throws -> Response in
            let values = req.formValues()
            let id = req.parameters.get("id")
            do {
                var input = addressInput(values, prefix: "")
                input.isPrimary = values["is_primary"] == "on" ? true : nil
                _ = try await Addresses.create(try req.ctx, customerID: id, input, services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(id ?? "")#addresses", flash: "Address added.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderCustomerPage(req, id: id, addressForm: formState(values, error), status: .unprocessableEntity)
            }
        }
        routes.post("customers", ":id", "addresses", ":address", "delete") { req async throws -> Response in
            let id = req.parameters.get("id")
            try await Addresses.delete(try req.ctx, customerID: id, req.parameters.get("address"), services: req.services, on: req.db)
            return redirect(req, to: "/customers/\(id ?? "")#addresses", flash: "Address removed.")
        }
        routes.post("customers", ":id", "addresses", ":address", "primary") { req async throws -> Response in
            let id = req.parameters.get("id")
            _ = try await Addresses.update(try req.ctx, customerID: id, req.parameters.get("address"), .init(isPrimary: true), services: req.services,
                                           on: req.db)
            return redirect(req, to: "/customers/\(id ?? "")#addresses", flash: "Primary address changed.")
        }
        routes.post("customers", ":id", "contacts") { req async throws -> Response in
            let values = req.formValues()
            let id = req.parameters.get("id")
            do {
                _ = try await Contacts.create(try req.ctx, customerID: id, .init(name: values["name"], role: values["role"], phones: [values["phone"] ?? ""],
                                                                             email: values["email"] ?? "", isPrimary: values["is_primary"] == "on" ? true : nil),
                                              services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(id ?? "")#contacts", flash: "Contact added.")
            } catch let error as DomainError where error.showsOnForm {
                var state = formState(values, error)
                if let phone = state.errors["contact_phone"] ?? state.errors["phone1"] { state.errors["phone"] = phone }
                return try await renderCustomerPage(req, id: id, contactForm: state, status: .unprocessableEntity)
            }
        }
        routes.post("customers", ":id", "contacts", ":contact", "delete") { req async throws -> Response in
            let id = req.parameters.get("id")
            try await Contacts.delete(try req.ctx, customerID: id, req.parameters.get("contact"), services: req.services, on: req.db)
            return redirect(req, to: "/customers/\(id ?? "")#contacts", flash: "Contact removed.")
        }
        routes.post("customers", ":id", "activities") { req async throws -> Response in
            let values = req.formValues()
            let id = req.parameters.get("id")
            do {
                _ = try await Customers.log(try req.ctx, id, kind: values["kind"], body: values["body"], services: req.services, on: req.db)
                return redirect(req, to: "/customers/\(id ?? "")#timeline", flash: values["kind"] == "call" ? "Call logged." : "Note added.")
            } catch let error as DomainError where error.showsOnForm {
                return try await renderCustomerPage(req, id: id, noteForm: formState(values, error), status: .unprocessableEntity)
            }
        }
    }
}
