import CRM
import Foundation
import MeghnaCore

/// What the CRM pages share: domain field names as form names, the form state after an error,
/// comma lists and phone numbers as people read them.
enum CRMForms {
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

    /// What was typed and what was wrong with it, each error under the page's name of its field,
    /// once: "phones[1]" is "phone2" only (not also "phones", which would be "phone1").
    static func formState(_ values: [String: String], _ error: any Error) -> FormState {
        var state = FormState(values: values, error: error)
        guard case DomainError.validation(let list) = error else { return state }
        var errors: [String: [String]] = [:]
        for item in list {
            let name = pageField(item.field)
            // A list's item ("branch_ids[1]") also shows beside its list, as FormState does.
            for key in [name] + (FormState.listName(of: name).map { [$0] } ?? []) where !(errors[key] ?? []).contains(item.message) {
                errors[key, default: []].append(item.message)
            }
        }
        state.errors = errors.mapValues { $0.joined(separator: "; ") }
        return state
    }

    /// "vip, fiber; home" → ["vip", "fiber", "home"].
    static func list(_ text: String?) -> [String]? {
        guard let text else { return nil }
        return text.split { $0 == "," || $0 == ";" }.map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    /// "+8801712345678" → "01712345678".
    static func displayPhone(_ e164: String) -> String {
        (try? PhoneNumber(parsing: e164))?.national ?? e164
    }

}

extension HTML {
    /// A field whose error names it otherwise than its label does ("Commission %" → "Commission
    /// must be …", "Lost because" → "Lost reason is required …"): the label, the control that
    /// `control` writes, and the error of `key` under `errorLabel`.
    mutating func crmField(_ label: String, for id: StaticString, key: String, errorLabel: String, form: FormState,
                           _ control: (inout HTML) -> Void) {
        let error = form.errors[key]
        el("div", [.classes(error == nil ? "field" : "field invalid")]) { h in
            h.fieldLabel(label, for: id)
            control(&h)
            h.fieldError(errorLabel, error)
        }
    }

    /// `<a href="tel:…">` for each phone, as the customer and contact lists show them.
    mutating func crmPhoneLinks(_ phones: [String]) {
        for phone in phones {
            el("a", [.href(external: .tel(phone))], text: phone)
            raw(" ")
        }
    }
}
