import Foundation
import MeghnaCore
import Platform
import Vapor

/// Platform administrators' organizations: the list and a new organization.
enum OrganizationPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.organizations, use: list)
        routes.post(PlatformRoutes.organizations, use: create)
    }

    static func list(_ req: Request) async throws -> Response {
        try await render(req, form: FormState(values: ["time_zone": "Asia/Dhaka"]))
    }

    static func create(_ req: Request) async throws -> Response {
        struct Form: Decodable { var name, slug, currency, time_zone: String? }
        let form = try req.content.decode(Form.self)
        do {
            let org = try await Organizations.create(try req.ctx, .init(name: form.name, slug: form.slug, currency: form.currency, timeZone: form.time_zone),
                                                     services: req.services, on: req.db)
            return redirect(req, to: PlatformRoutes.organizations.link, flash: "Created \(org.name).")
        } catch let error as DomainError {
            return try await render(req, form: FormState(values: req.formValues(), error: error), status: .unprocessableEntity)
        }
    }

    static func render(_ req: Request, form: FormState, status: HTTPResponseStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.organizationsManage)
        let organizations = try await Organizations.list(ctx, page: try CursorRequest(limit: 200), on: req.db).items
        var html = HTML()
        let page = try req.page("Organizations")
        html.appLayout(page) { h in
            h.pageHead("Organizations")
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw("<thead><tr><th>Name</th><th>Slug</th><th>Currency</th><th>Time zone</th></tr></thead><tbody>")
                    for org in organizations {
                        h.raw("<tr><td>")
                        h.text(org.name)
                        h.raw("</td><td>")
                        h.el("code", text: org.slug)
                        h.raw("</td><td>")
                        h.text(org.currency)
                        h.raw("</td><td>")
                        h.text(org.timeZoneIdentifier)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.el("div", [.class("panel")]) { h in
                h.el("h2", text: "New organization")
                h.formError(form.general)
                h.postForm(PlatformRoutes.organizations.link, csrf: page.csrf, class: "form") { h in
                    h.field("Name", "name", form: form, [.flag("required"), .attr("maxlength", literal: "120")])
                    h.field("Slug", "slug", form: form, [.attr("maxlength", literal: "60")])
                    h.field("Time zone", "time_zone", form: form)
                    h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Create</button></div>"#)
                }
            }
        }
        return html.response(status: status)
    }
}
