import Foundation
import MeghnaCore
import Notifications
import Platform
import Receivables
import Vapor

/// Settings → Messages: the texts customers get about their bills and service, by SMS and
/// email. Each can be rewritten (Mustache, with its documented variables), previewed with
/// sample values (an SMS with its length and segment count), turned off, or reset.
enum MessagePages {
    static let messages = Route0("messages")
    static let edit = Route0("messages", "edit")

    static func register(_ routes: any RoutesBuilder) {
        routes.get(messages, use: list)
        routes.get(edit, use: show)
        routes.post(edit, use: submit)
    }

    static func editLink(_ event: ReminderEvent, _ channel: ReminderChannel) -> Link {
        edit.link.query([("event", event.rawValue), ("channel", channel.rawValue)])
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let all = try await ReminderTemplates.list(ctx, on: req.db)
        let page = try req.page("Messages")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead("Messages to customers")
            h.el("p", [.class("muted")], text: "What customers receive about their bills and service. Email goes once SMTP is set up in Settings → Email "
                + "and the customer has an address; SMS needs an SMS provider and a mobile number.")
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data"), .attr("id", literal: "messages")]) { h in
                    h.raw("<thead><tr><th>Message</th><th>When</th><th>SMS</th><th>Email</th></tr></thead><tbody>")
                    for event in ReminderEvent.allCases {
                        h.raw("<tr><td>")
                        h.text(event.label)
                        h.raw(#"</td><td class="muted">"#)
                        h.text(event.when)
                        for channel in ReminderChannel.allCases {
                            h.raw("</td><td>")
                            if let t = all.first(where: { $0.event == event && $0.channel == channel }) {
                                h.el("a", [.href(editLink(event, channel))], text: t.enabled ? (t.custom ? "Your text" : "Meghna's text") : "Off")
                            }
                        }
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response()
    }

    static func show(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let current = try await ReminderTemplates.find(ctx, event: req.queryValue("event"), channel: req.queryValue("channel"), on: req.db)
        let form = FormState(values: ["subject": current.subject ?? "", "body": current.body, "enabled": current.enabled ? "on" : ""])
        let preview = try? await ReminderTemplates.preview(ctx, event: current.event.rawValue, channel: current.channel.rawValue,
                                                           .init(subject: current.subject, body: current.body), on: req.db)
        return try render(req, current, form: form, preview: preview)
    }

    static func submit(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let values = req.formValues()
        let current = try await ReminderTemplates.find(ctx, event: values["event"], channel: values["channel"], on: req.db)
        let (event, channel) = (current.event.rawValue, current.channel.rawValue)
        let input = ReminderTemplates.Input(subject: current.channel == .email ? values["subject"] ?? "" : nil, body: values["body"] ?? "",
                                            enabled: values["enabled"] == "on")
        let typed = ["subject": values["subject"] ?? "", "body": values["body"] ?? "", "enabled": values["enabled"] ?? ""]
        do {
            switch values["action"] {
            case "reset":
                try await ReminderTemplates.reset(ctx, event: event, channel: channel, services: req.services, on: req.db)
                return redirect(req, to: messages.link, flash: "\(current.event.label) (\(current.channel.label)) is back to Meghna's text.")
            case "save":
                try await ReminderTemplates.save(ctx, event: event, channel: channel, input, services: req.services, on: req.db)
                return redirect(req, to: messages.link, flash: "\(current.event.label) (\(current.channel.label)) saved.")
            default:
                let preview = try await ReminderTemplates.preview(ctx, event: event, channel: channel, input, on: req.db)
                return try render(req, current, form: FormState(values: typed), preview: preview)
            }
        } catch let error as DomainError where error.showsOnForm {
            return try render(req, current, form: CRMForms.formState(typed, error), preview: nil, status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, _ t: ReminderTemplates.Effective, form: FormState, preview: ReminderTemplates.Preview?,
                       status: HTTPResponseStatus = .ok) throws -> Response {
        let ctx = try req.ctx
        let canManage = ctx.can(.settingsManage) && ctx.isWholeOrganization
        let title = "\(t.event.label) (\(t.channel.label))"
        let page = try req.page(title)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(title) { h in h.el("a", [.class("btn"), .href(messages.link)], text: "All messages") }
            h.el("p", [.class("muted")], text: t.event.when + (t.custom ? " Your text, changed by \(t.updatedBy ?? "") on \(t.updatedAt.map { LocalDate.today($0, in: ctx.timeZone).description } ?? "")." : " Meghna's text."))
            h.postForm(edit.link, csrf: page.csrf, class: "form panel", id: "template-form") { h in
                h.formError(form.general)
                h.void("input", [.type("hidden"), .attr("name", literal: "event"), .value(t.event.rawValue)])
                h.void("input", [.type("hidden"), .attr("name", literal: "channel"), .value(t.channel.rawValue)])
                if t.channel == .email { h.field("Subject", "subject", form: form, id: "subject") }
                h.textArea("Text", "body", form: form, id: "body", hint: t.channel == .sms ? "at most \(ReminderTemplates.maxSMS) characters" : nil,
                           [.attr("rows", literal: t.channel == .sms ? "4" : "12")])
                h.checkbox("Send this message", "enabled", checked: form.values["enabled"] == "on", id: "enabled")
                h.el("div", [.class("form-actions")]) { h in
                    h.raw(#"<button class="btn" type="submit" name="action" value="preview">Preview</button>"#)
                    if canManage {
                        h.raw(#" <button class="btn primary" type="submit" name="action" value="save">Save</button>"#)
                        if t.custom {
                            h.raw(#" <button class="btn danger" type="submit" name="action" value="reset" data-confirm="Go back to Meghna's text? Your text is lost.">Reset to Meghna's text</button>"#)
                        }
                    }
                }
            }
            if let preview {
                h.el("div", [.class("panel"), .attr("id", literal: "preview")]) { h in
                    h.raw("<h2>Preview with sample values</h2>")
                    if let subject = preview.subject { h.fact("Subject", subject) }
                    h.el("pre", [.class("message-preview")], text: preview.text)
                    if let s = preview.segments {
                        h.el("p", [.attr("id", literal: "segments")],
                             text: "\(s.units) characters as the SMS counts them, \(s.encoding.rawValue): \(s.parts) SMS "
                                + "(\(s.parts <= 1 ? "up to \(s.singleLimit) in one" : "\(s.partLimit) per part")). Bangla or other non-GSM characters use Unicode.")
                    }
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.raw("<h2>Variables</h2>")
                h.el("p", [.class("muted")], text: "Write {{name}} for a value. {{#name}}…{{/name}} shows its text only when the value is there; "
                    + "{{^name}}…{{/name}} only when it is not.")
                h.el("table", [.class("data"), .attr("id", literal: "variables")]) { h in
                    h.raw("<thead><tr><th>Variable</th><th>Meaning</th><th>Sample</th></tr></thead><tbody>")
                    for v in t.event.variables {
                        h.raw("<tr><td><code>")
                        h.text("{{\(v.name)}}")
                        h.raw("</code></td><td>")
                        h.text(v.meaning)
                        h.raw("</td><td>")
                        h.text(v.sample)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
        }
        return html.response(status: status)
    }
}
