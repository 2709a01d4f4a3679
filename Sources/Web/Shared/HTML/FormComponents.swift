import Foundation
import MeghnaCore
import Vapor

/// Form pieces: a field keeps what was typed and shows its error beside it, in the markup the
/// stylesheet and the browser tests know (`.field`, `.invalid`, `.field-error`).
extension HTML {
    /// An input with its label and error. `name` is also the id unless `id` is given. The error
    /// reads "<label> <message>" ("Mobile must be 11 digits"), as the domain words its messages.
    mutating func field(_ label: String, _ name: StaticString, form: FormState, type: StaticString = "text", id: StaticString? = nil,
                        hint: String? = nil, _ extra: [Attr] = []) {
        let key = name.description
        let error = form.errors[key]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: id ?? name, hint: hint)
            h.void("input", [.attr("id", literal: id ?? name), .attr("name", literal: name), .attr("type", literal: type),
                             .value(form.values[key] ?? "")] + extra)
            h.fieldError(label, error)
        }
    }

    /// A textarea with its label and error.
    mutating func textArea(_ label: String, _ name: StaticString, form: FormState, id: StaticString? = nil, hint: String? = nil, _ extra: [Attr] = []) {
        let key = name.description
        let error = form.errors[key]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: id ?? name, hint: hint)
            h.el("textarea", [.attr("id", literal: id ?? name), .attr("name", literal: name)] + extra, text: form.values[key] ?? "")
            h.fieldError(label, error)
        }
    }

    /// A select with its label and error; the checked choice is selected.
    mutating func selectField(_ label: String, _ name: StaticString, _ choices: [Choice], form: FormState, id: StaticString? = nil,
                              hint: String? = nil, _ extra: [Attr] = []) {
        let error = form.errors[name.description]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: id ?? name, hint: hint)
            h.el("select", [.attr("id", literal: id ?? name), .attr("name", literal: name)] + extra) { h in
                for choice in choices { h.option(choice.value, choice.label, selected: choice.checked) }
            }
            h.fieldError(label, error)
        }
    }

    /// A checkbox with its label after it.
    mutating func checkbox(_ label: String, _ name: StaticString, checked: Bool, value: String = "on", id: StaticString? = nil) {
        el("label", [.class("check")]) { h in
            h.void("input", [.type("checkbox"), .attr("name", literal: name), .value(value), .flag("checked", checked)]
                + (id.map { [.attr("id", literal: $0)] } ?? []))
            h.raw(" ")
            h.text(label)
        }
    }

    /// A fieldset of checkboxes sending the ticked values under one list name (`branch_ids[]`),
    /// its error beneath (after `errorLabel`); `extra` adds notes or hidden inputs inside the set.
    mutating func checkGroup(_ legend: String, _ name: StaticString, _ choices: [Choice], error: String?, errorLabel: String, id: StaticString? = nil,
                             extra: (inout HTML) -> Void = { _ in }) {
        el("fieldset", [.class("checks")] + (id.map { [.attr("id", literal: $0)] } ?? [])) { h in
            h.el("legend", text: legend)
            for choice in choices { h.checkbox(choice.label, name, checked: choice.checked, value: choice.value) }
            extra(&h)
            h.fieldError(errorLabel, error)
        }
    }

    mutating func fieldLabel(_ label: String, for id: StaticString, hint: String? = nil) {
        el("label", [.attr("for", literal: id)]) { h in
            h.text(label)
            if let hint {
                h.raw(" ")
                h.el("small", [.class("muted")], text: hint)
            }
        }
    }

    mutating func fieldError(_ label: String, _ error: String?) {
        guard let error else { return }
        el("p", [.class("field-error")], text: label + " " + error)
    }

    /// A form that posts to `action` with the CSRF token: `fields` adds hidden inputs or
    /// controls, then the button. With `confirm`, the browser asks first (app.js reads
    /// `data-confirm`), for destructive actions.
    mutating func postForm(_ action: Link, csrf: String, class cls: StaticString = "inline", id: StaticString? = nil, confirm: String? = nil,
                           _ fields: (inout HTML) -> Void) {
        el("form", [.attr("class", literal: cls), .attr("method", literal: "post"), .action(action), .attr("data-confirm", confirm)]
            + (id.map { [.attr("id", literal: $0)] } ?? [])) { h in
            h.csrf(csrf)
            fields(&h)
        }
    }

    /// One button that posts to `action` (archive, delete, retry…), with an optional confirmation.
    mutating func postButton(_ label: String, to action: Link, csrf: String, class cls: StaticString = "btn small", confirm: String? = nil) {
        postForm(action, csrf: csrf, confirm: confirm) { h in
            h.el("button", [.attr("class", literal: cls), .type("submit")], text: label)
        }
    }

    /// A page heading with optional actions at its right.
    mutating func pageHead(_ title: String, _ actions: ((inout HTML) -> Void)? = nil) {
        el("div", [.class("page-head")]) { h in
            h.el("h1", text: title)
            if let actions { h.el("div", [.class("actions")], actions) }
        }
    }
}
