import Foundation
import MeghnaCore
import Notifications
import Platform
import Vapor

/// The settings page: the organization's profile, then one form per section of
/// `SettingsCatalog`, each saved on its own, and the test email and SMS buttons.
enum SettingsPages {
    struct Section {
        var key: String
        var title: String
        /// Security rules need security.manage on top of settings.manage.
        var canManage: Bool
        var fields: [Field]
    }

    struct Field {
        enum Kind {
            case checkbox, select, multi, secret
            /// An input of this type (`text`, `number`, `email`).
            case input(String)
        }

        var name: String
        var label: String
        var help: String
        var kind: Kind
        var value: String
        var options: [Choice]
        var isSet: Bool
        var checked: Bool
        var error: String?
    }

    struct Model {
        var sections: [Section]
        var form: FormState
        var canManage: Bool
        var organization: Organization
        var organizationForm: FormState
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.settings, use: show)
        routes.post(PlatformRoutes.organizationProfile, use: saveOrganization)
        routes.post(PlatformRoutes.settingsSection, use: saveSection)
        // One route for both tests: the router does not backtrack from a constant to a parameter,
        // so "settings/email/test" beside "settings/:section" would hide POST /settings/email.
        routes.post(PlatformRoutes.settingsTest, use: sendTest)
    }

    // MARK: handlers

    static func show(_ req: Request) async throws -> Response {
        try await render(req, form: FormState())
    }

    static func saveOrganization(_ req: Request) async throws -> Response {
        struct Form: Decodable { var name, currency, time_zone: String? }
        let form = try req.content.decode(Form.self)
        let ctx = try req.ctx
        do {
            _ = try await Organizations.update(ctx, ctx.organizationID.uuidString, .init(name: form.name, currency: form.currency, timeZone: form.time_zone),
                                               services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.settings.link, flash: "Organization saved.")
        } catch let error as DomainError {
            return try await render(req, form: FormState(), organizationForm: FormState(values: req.formValues(), error: error), status: .unprocessableEntity)
        }
    }

    static func saveSection(_ req: Request, _ key: String) async throws -> Response {
        guard let section = SettingsCatalog.section(key) else { throw DomainError.notFound("Settings section") }
        let values = req.formValues()
        let lists = (try? req.content.decode([String: [String]].self)) ?? [:]
        do {
            _ = try await Settings.update(try req.ctx, [key: Settings.formPatch(section, values: values, lists: lists)], services: req.services, on: req.db)
            // Back to the section just saved (the catalog's key, not the typed one).
            return redirect(req, to: PlatformRoutes.settings.link.fragment(named: section.key), flash: "\(section.title) settings saved.")
        } catch let error as DomainError {
            var form = FormState(values: [:], error: error)
            form.values = values.filter { !$0.key.contains("password") && !$0.key.contains("api_key") }
            return try await render(req, form: form, typedIn: section.key, status: .unprocessableEntity)
        }
    }

    static func sendTest(_ req: Request, _ kind: String) async throws -> Response {
        switch kind {
        case "email":
            let message = try await Outbox.sendTestEmail(try req.ctx, services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.outboxMessage.link(message.id!), flash: "Test email queued to \(message.recipient). Its delivery log is below.")
        case "sms":
            struct Form: Decodable { var phone: String? }
            let form = try req.content.decode(Form.self)
            do {
                let message = try await Outbox.sendTestSMS(try req.ctx, to: form.phone, jobs: req.services.jobs, on: req.db)
                return redirect(req, to: PlatformRoutes.outboxMessage.link(message.id!), flash: "Test SMS queued to \(message.recipient).")
            } catch let error as DomainError {
                return redirect(req, to: PlatformRoutes.settings.link.fragment("sms"), flash: error.description, kind: "error")
            }
        default:
            throw DomainError.notFound("Test message kind")
        }
    }

    // MARK: the page

    /// The page; `form` holds what was typed into section `typedIn` and the errors found in it.
    static func render(_ req: Request, form: FormState, typedIn: String? = nil, organizationForm: FormState? = nil,
                       status: HTTPResponseStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let organization = try req.identity.organization
        let settings = try await Settings.read(ctx, services: req.services, on: req.db)
        let roleKeys = try await Roles.all(ctx, on: req.db).map(\.key)
        let sections = SettingsCatalog.sections.map { section in
            Section(key: section.key, title: section.title, canManage: ctx.can(.settingsManage) && (section.key != "security" || ctx.can(.securityManage)),
                    fields: section.fields.map { field in
                        self.field(field, in: section.key, settings: settings, typed: section.key == typedIn ? form.values[field.name] : nil,
                                   error: form.errors["\(section.key).\(field.name)"], roleKeys: roleKeys)
                    })
        }
        let orgForm = organizationForm ?? FormState(values: ["name": organization.name, "currency": organization.currency,
                                                             "time_zone": organization.timeZoneIdentifier])
        let model = Model(sections: sections, form: form, canManage: ctx.can(.settingsManage), organization: organization, organizationForm: orgForm)
        var html = HTML()
        render(model, page: try req.page("Settings"), into: &html)
        return html.response(status: status)
    }

    static func field(_ field: SettingField, in section: String, settings: ResolvedSettings, typed: String?, error: String?, roleKeys: [String]) -> Field {
        let value = settings.value(section, field.name)
        let (kind, options): (Field.Kind, [String]) = switch field.kind {
        case .integer: (.input("number"), [])
        case .boolean: (.checkbox, [])
        case .choice(let o): (.select, o)
        case .roleList: (.multi, roleKeys)
        case .secret: (.secret, [])
        case .email: (.input("email"), [])
        default: (.input("text"), [])
        }
        let text = typed ?? {
            switch value {
            case .int(let i): String(i)
            case .string(let s): s
            case .list(let l): l.joined(separator: ",")
            default: ""
            }
        }()
        let chosen: Set<String>
        if case .multi = kind { chosen = Set(text.split(separator: ",").map(String.init)) } else { chosen = [text] }
        return Field(name: field.name, label: field.label, help: field.help, kind: kind, value: text,
                     options: options.map { Choice(value: $0, label: $0, checked: chosen.contains($0)) },
                     isSet: settings.isSet(section, field.name), checked: value.bool ?? false, error: error)
    }

    static func render(_ m: Model, page: PageContext, into html: inout HTML) {
        html.appLayout(page) { h in
            h.pageHead("Settings")
            h.el("nav", [.class("filters"), .label("Sections")]) { h in
                h.el("a", [.class("btn small"), .href(.anchor("organization"))], text: "Organization")
                for section in m.sections {
                    h.raw(" ")
                    h.el("a", [.class("btn small"), .href(.anchor(section.key))], text: section.title)
                }
            }
            h.formError(m.form.general)
            h.organizationPanel(m, csrf: page.csrf)
            for section in m.sections { h.sectionPanel(section, csrf: page.csrf) }
        }
    }
}

private extension HTML {
    /// The organization's name, time zone and currency (its short name is fixed).
    mutating func organizationPanel(_ m: SettingsPages.Model, csrf: String) {
        let form = m.organizationForm
        let locked = !m.canManage
        el("div", [.class("panel"), .id("organization")]) { h in
            h.el("h2", text: "Organization")
            h.formError(form.general)
            h.postForm(PlatformRoutes.organizationProfile.link, csrf: csrf, class: "form") { h in
                h.field("Name", "name", form: form, id: "org-name", [.flag("required"), .attr("maxlength", literal: "120"), .flag("disabled", locked)])
                h.el("div", [.class("field")]) { h in
                    h.raw("<label>Short name (slug)</label>")
                    h.void("input", [.value(m.organization.slug), .flag("disabled")])
                }
                let zoneError = form.errors["time_zone"]
                h.el("div", [.classes(zoneError == nil ? "field" : "field invalid")]) { h in
                    h.fieldLabel("Time zone", for: "org-tz")
                    h.void("input", [.id("org-tz"), .name("time_zone"), .flag("required"), .attr("maxlength", literal: "64"),
                                     .value(form.values["time_zone"] ?? ""), .flag("disabled", locked)])
                    h.el("small", [.class("help")], text: "Billing periods and times on every page use it, e.g. Asia/Dhaka")
                    h.fieldError("Time zone", zoneError)
                }
                h.field("Currency", "currency", form: form, id: "org-currency", [.flag("required"), .attr("maxlength", literal: "3"), .flag("disabled", locked)])
                if m.canManage { h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Save organization</button></div>"#) }
            }
        }
    }

    /// One section of the catalog: its form, and the test button where there is one.
    mutating func sectionPanel(_ section: SettingsPages.Section, csrf: String) {
        el("div", [.class("panel"), .attr("id", section.key)]) { h in
            h.el("h2", text: section.title)
            h.postForm(PlatformRoutes.settingsSection.link(section.key), csrf: csrf, class: "form") { h in
                for field in section.fields { h.setting(field, section: section) }
                if section.canManage {
                    h.el("div", [.class("form-actions")]) { h in
                        h.el("button", [.class("btn primary"), .type("submit")], text: "Save " + section.title)
                    }
                }
            }
            guard section.canManage else { return }
            switch section.key {
            case "email":
                h.postButton("Send me a test email", to: PlatformRoutes.settingsTest.link("email"), csrf: csrf)
            case "sms":
                h.postForm(PlatformRoutes.settingsTest.link("sms"), csrf: csrf, class: "filters") { h in
                    h.void("input", [.name("phone"), .type("tel"), .attr("placeholder", literal: "01XXXXXXXXX"), .label("Phone for a test SMS"), .flag("required")])
                    h.raw(#"<button class="btn small" type="submit">Send a test SMS</button>"#)
                }
            default:
                break
            }
        }
    }

    /// One setting, drawn for its kind; ids are "<section>-<field>" (fields of different sections share names).
    mutating func setting(_ field: SettingsPages.Field, section: SettingsPages.Section) {
        let id = section.key + "-" + field.name
        let locked = !section.canManage
        el("div", [.classes(field.error == nil ? "field" : "field invalid")]) { h in
            switch field.kind {
            case .checkbox:
                h.el("label", [.class("check")]) { h in
                    h.void("input", [.type("checkbox"), .attr("name", field.name), .flag("checked", field.checked), .flag("disabled", locked)])
                    h.raw(" ")
                    h.text(field.label)
                }
            case .select:
                h.el("label", [.attr("for", id)], text: field.label)
                h.el("select", [.attr("id", id), .attr("name", field.name), .flag("disabled", locked)]) { h in
                    for option in field.options { h.option(option.value, option.label, selected: option.checked) }
                }
            case .multi:
                h.el("fieldset", [.class("checks")]) { h in
                    h.el("legend", text: field.label)
                    for option in field.options {
                        h.el("label", [.class("check")]) { h in
                            h.void("input", [.type("checkbox"), .attr("name", field.name + "[]"), .value(option.value), .flag("checked", option.checked),
                                             .flag("disabled", locked)])
                            h.raw(" ")
                            h.text(option.label)
                        }
                    }
                }
            case .secret:
                h.el("label", [.attr("for", id)]) { h in
                    h.text(field.label)
                    h.raw(field.isSet ? #" <span class="badge on">set</span>"# : #" <span class="badge off">not set</span>"#)
                }
                h.void("input", [.attr("id", id), .attr("name", field.name), .type("password"), .attr("autocomplete", literal: "new-password"),
                                 .attr("placeholder", field.isSet ? "Leave empty to keep" : nil), .flag("disabled", locked)])
                if field.isSet {
                    h.el("label", [.class("check")]) { h in
                        h.void("input", [.type("checkbox"), .attr("name", field.name + "_clear")])
                        h.raw(" Clear it")
                    }
                }
            case .input(let type):
                h.el("label", [.attr("for", id)], text: field.label)
                h.void("input", [.attr("id", id), .attr("name", field.name), .attr("type", type), .value(field.value), .flag("disabled", locked)])
            }
            if !field.help.isEmpty { h.el("small", [.class("help")], text: field.help) }
            h.fieldError(field.label, field.error)
        }
    }
}
