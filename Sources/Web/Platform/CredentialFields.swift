import Foundation
import MeghnaCore
import Vapor

/// The fields of the sign-in, invitation, password and two-factor forms. They differ from the
/// shared `field` in three ways those pages rely on: a password is never written back (no
/// `value`), a help line may follow the input, and the error names the field as these forms
/// word it ("Password: …", "The code …", "Repeated password …"), not by its label.
extension HTML {
    mutating func credentialField(_ label: String, _ name: StaticString, form: FormState, error errorName: String, type: StaticString? = nil,
                                  keepValue: Bool = false, help: StaticString? = nil, _ extra: [Attr] = []) {
        let key = name.description
        let error = form.errors[key]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: name)
            var attributes: [Attr] = [.attr("id", literal: name), .attr("name", literal: name)]
            if let type { attributes.append(.attr("type", literal: type)) }
            attributes += extra
            if keepValue { attributes.append(.value(form.values[key] ?? "")) }
            h.void("input", attributes)
            if let help { h.el("small", [.class("help")]) { $0.raw(help) } }
            h.fieldError(errorName, error)
        }
    }

    /// A new password with its rules beneath it.
    mutating func newPasswordField(_ label: String, form: FormState, help: Bool) {
        credentialField(label, "password", form: form, error: "Password:", type: "password",
                        help: help ? "At least 12 characters; not a common password; not containing your name or email." : nil,
                        [.flag("required"), .attr("minlength", literal: "12"), .attr("autocomplete", literal: "new-password")])
    }

    /// The new password typed again.
    mutating func repeatPasswordField(_ label: String, form: FormState) {
        credentialField(label, "password_confirmation", form: form, error: "Repeated password", type: "password",
                        [.flag("required"), .attr("autocomplete", literal: "new-password")])
    }

    /// The hidden `next` a sign-in form carries to its end.
    mutating func nextInput(_ next: String?) {
        void("input", [.type("hidden"), .name("next"), .value(next ?? "")])
    }
}

/// `link?next=…` with the target encoded as the sign-in pages always have (every character but
/// letters and digits), e.g. `/login/two-factor?next=%2Fusers`.
func withNext(_ link: Link, _ next: String) -> String {
    link.path + "?next=" + (next.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "%2F")
}
