import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// What the catalog pages share: who may change the catalog, and the list-with-form page shape
/// that add-ons, discounts and tax rules use (the list, then an add form; editing one shows its
/// form above the list).
enum CatalogPages {
    static func register(_ routes: any RoutesBuilder) {
        AddonPages.register(routes)
        DiscountPages.register(routes)
        TaxRulePages.register(routes)
    }

    static func requireManage(_ ctx: TenantContext, wholeOrganization: Bool = true) throws {
        guard CatalogAccess.canManage(ctx, wholeOrganization: wholeOrganization) else {
            throw DomainError.forbidden("You cannot change this part of the catalog (plans.manage, and for what every branch shares, every branch).")
        }
    }

    /// The page: heading, an edit form when editing, the table with its pager (50 rows a page),
    /// the add form.
    static func render(_ req: Request, title: String, intro: String, status: HTTPStatus = .ok, list: Route0, nextCursor: String?, editing: String? = nil,
                       editForm: (inout HTML, String) -> Void, table: (inout HTML) -> Void, addForm: (inout HTML, String) -> Void) throws -> Response {
        let ctx = try req.ctx
        let page = try req.page(title)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(title)
            h.el("p", [.class("muted")], text: intro)
            if let editing {
                h.el("div", [.class("panel")]) { h in
                    h.el("h2", text: editing)
                    editForm(&h, page.csrf)
                }
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                table(&h)
                h.pager(next: nextCursor.map { list.link.query([("cursor", $0)]) })
            }
            if CatalogAccess.canManage(ctx, wholeOrganization: true), editing == nil {
                h.el("div", [.class("panel")]) { h in addForm(&h, page.csrf) }
            }
        }
        return html.response(status: status)
    }

    static func actions(_ h: inout HTML, cancel: Link, label: String) {
        h.el("div", [.class("form-actions")]) { h in
            h.el("button", [.class("btn primary"), .type("submit")], text: label)
            h.raw(" ")
            h.el("a", [.href(cancel)], text: "Cancel")
        }
    }

    static func yesNo(_ name: String, _ state: FormState, default on: Bool) -> [Choice] {
        let value = state.values[name] ?? (on ? "true" : "false")
        return [Choice(value: "true", label: "Yes", checked: value != "false"), Choice(value: "false", label: "No", checked: value == "false")]
    }
}
