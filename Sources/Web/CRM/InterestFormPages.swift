import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// The public interest form (`/join/<organization>`): prospects leave their name and number and
/// a lead appears on the board. No sign-in; the form carries the anonymous CSRF token, and the
/// domain limits how often one address may send it (429 with Retry-After).
enum InterestFormPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.interestForm, use: show)
        routes.post(CRMRoutes.interestForm, use: send)
    }

    static func show(_ req: Request, _ slug: String) async throws -> Response {
        let org = try await Leads.intakeOrganization(slug: slug, on: req.db)
        return render(req, org, form: FormState(), done: req.queryValue("done") == "1")
    }

    static func send(_ req: Request, _ slug: String) async throws -> Response {
        let org = try await Leads.intakeOrganization(slug: slug, on: req.db)
        let values = req.formValues()
        do {
            _ = try await Leads.intake(organizationSlug: org.slug, .init(name: values["name"], phones: [values["phone"] ?? ""],
                                                                        email: values["email"] ?? "", address: values["address"] ?? "",
                                                                        interest: values["interest"] ?? "", notes: values["message"] ?? ""),
                                       from: req.clientIP, services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.interestForm.link(org.slug).query([("done", "1")]))
        } catch let error as DomainError where error.showsOnForm {
            var state = CRMForms.formState(values, error)
            if let phone = state.errors["phone1"] { state.errors["phone"] = phone }
            return render(req, org, form: state, status: .unprocessableEntity)
        } catch let error as DomainError {
            guard case .throttled(let after, _) = error else { throw error }
            var state = FormState(values: values, error: error)
            state.general = error.description
            let response = render(req, org, form: state, status: .tooManyRequests)
            response.headers.replaceOrAdd(name: .retryAfter, value: String(after))
            return response
        }
    }

    static func render(_ req: Request, _ org: Organization, form: FormState, done: Bool = false, status: HTTPStatus = .ok) -> Response {
        let page = req.publicPage("Get connected")
        var html = HTML()
        html.publicLayout(page) { h in
            h.el("h1", text: "Get connected with " + org.name)
            if done {
                h.raw(#"<div class="flash ok" role="status">Thank you! We will call you soon.</div>"#)
            } else {
                h.interestForm(org, form: form, csrf: page.csrf)
            }
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func interestForm(_ org: Organization, form: FormState, csrf: String) {
        postForm(CRMRoutes.interestForm.link(org.slug), csrf: csrf, class: "form", id: "interest-form") { h in
            h.formError(form.general)
            h.crmField("Your name", for: "name", key: "name", errorLabel: "Name", form: form) { h in
                h.void("input", [.id("name"), .name("name"), .flag("required"), .attr("maxlength", literal: "160"), .value(form.values["name"] ?? ""),
                                 .attr("autocomplete", literal: "name")])
            }
            h.crmField("Mobile number", for: "phone", key: "phone", errorLabel: "Mobile", form: form) { h in
                h.void("input", [.id("phone"), .name("phone"), .type("tel"), .attr("inputmode", literal: "tel"), .flag("required"),
                                 .value(form.values["phone"] ?? ""), .attr("autocomplete", literal: "tel")])
            }
            h.crmField("Email (optional)", for: "email", key: "email", errorLabel: "Email", form: form) { h in
                h.void("input", [.id("email"), .name("email"), .type("email"), .value(form.values["email"] ?? "")])
            }
            h.field("Where do you need the connection?", "address", form: form)
            h.field("Which package interests you?", "interest", form: form)
            h.textArea("Anything else?", "message", form: form, [.attr("maxlength", literal: "2000")])
            h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Send</button></div>"#)
        }
    }
}
