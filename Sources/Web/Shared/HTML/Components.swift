import Foundation
import MeghnaCore
import Vapor

/// The pieces every page is made of. Each writes straight into the page's buffer.
extension HTML {
    /// The signed-in layout: top bar with navigation, organization and branch switchers,
    /// the crossing banner, the flash message, then the page's content.
    mutating func appLayout(_ page: PageContext, _ content: (inout HTML) -> Void) {
        head(page.title)
        raw("<body>")
        el("header", [.classes(page.crossing ? "topbar crossing" : "topbar")]) { h in
            h.el("a", [.class("brand"), .href(PlatformRoutes.dashboard.link)], text: "Meghna")
            h.raw(#"<button class="nav-toggle" type="button" aria-controls="sidebar" aria-expanded="false" aria-label="Menu">☰</button>"#)
            h.el("div", [.class("topbar-right")]) { h in
                if page.canSwitch {
                    h.switcher(PlatformRoutes.switchOrganization.link, name: "organization_id", label: "Organization", csrf: page.csrf) { h in
                        for org in page.organizations { h.option(org.id, org.name, selected: org.current) }
                    }
                } else {
                    h.el("span", [.class("who")], text: page.organizationName ?? "")
                }
                if page.canSwitchBranch {
                    h.switcher(PlatformRoutes.switchBranch.link, name: "branch_id", label: "Branch", csrf: page.csrf) { h in
                        h.option("", "All branches", selected: page.allBranches)
                        for branch in page.branches { h.option(branch.id, branch.name, selected: branch.current) }
                    }
                }
                h.el("span", [.class("who")]) { h in
                    h.el("a", [.href(PlatformRoutes.account.link)], text: page.userName ?? "")
                    h.el("small", text: page.roleName ?? "")
                }
                h.el("form", [.class("inline"), .attr("method", literal: "post"), .action(PlatformRoutes.logout.link)]) { h in
                    h.csrf(page.csrf)
                    h.raw(#"<button class="link" type="submit">Sign out</button>"#)
                }
            }
        }
        if page.crossing {
            el("div", [.class("crossing-banner")]) { h in
                h.raw("You are acting inside ")
                h.el("strong", text: page.organizationName ?? "")
                h.raw(", not your own organization. Everything you do here is audited.")
            }
        }
        el("div", [.class("shell")]) { h in
            h.sidebar(page.nav)
            h.el("main", [.class("container")]) { h in
                h.flash(page)
                content(&h)
            }
        }
        raw(#"<footer class="foot">Meghna ISP management</footer></body></html>"#)
    }

    /// The navigation: ungrouped entries (dashboard, account) and each area group's entries
    /// under its title; the entry of the current route marked.
    private mutating func sidebar(_ items: [PageContext.NavItem]) {
        el("nav", [.class("nav sidebar"), .id("sidebar"), .label("Main")]) { h in
            var index = 0
            while index < items.count {
                guard let group = items[index].group else {
                    h.navLink(items[index])
                    index += 1
                    continue
                }
                h.el("div", [.class("nav-group")]) { h in
                    h.el("p", [.class("nav-title")], text: group)
                    while index < items.count, items[index].group == group {
                        h.navLink(items[index])
                        index += 1
                    }
                }
            }
        }
    }

    private mutating func navLink(_ item: PageContext.NavItem) {
        el("a", [.href(item.href), .attr("class", item.active ? "active" : nil), .attr("aria-current", item.active ? "page" : nil)], text: item.label)
    }

    /// The layout of pages without a signed-in person (sign-in, setup, invitations, the interest form).
    mutating func publicLayout(_ page: PageContext, _ content: (inout HTML) -> Void) {
        head(page.title)
        raw(#"<body class="auth-body"><main class="auth"><div class="brand-big">Meghna</div>"#)
        flash(page)
        content(&self)
        raw("</main></body></html>")
    }

    private mutating func head(_ title: String) {
        raw(#"<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>"#)
        text(title)
        raw(" · Meghna</title>")
        void("link", [.attr("rel", literal: "stylesheet"), .href(.asset("css/app.css"))])
        el("script", [.src(.asset("js/app.js")), .flag("defer")]) { _ in }
        raw("</head>")
    }

    private mutating func flash(_ page: PageContext) {
        guard let flash = page.flash else { return }
        el("div", [.classes("flash " + (page.flashKind ?? "ok")), .attr("role", literal: "status")], text: flash)
    }

    private mutating func switcher(_ action: Link, name: StaticString, label: StaticString, csrf: String, _ options: (inout HTML) -> Void) {
        el("form", [.class("switcher"), .attr("method", literal: "post"), .action(action)]) { h in
            h.csrf(csrf)
            h.el("select", [.attr("name", literal: name), .flag("data-autosubmit"), .attr("aria-label", literal: label)], options)
            h.raw(#"<noscript><button class="btn small">Switch</button></noscript>"#)
        }
    }

    /// The form token every state-changing form carries.
    mutating func csrf(_ token: String) {
        void("input", [.type("hidden"), .name("_csrf"), .value(token)])
    }

    mutating func option(_ value: String, _ label: String, selected: Bool) {
        // Written directly: a filter bar can hold hundreds of options (an area tree).
        raw("<option value=\"")
        text(value)
        raw(selected ? "\" selected>" : "\">")
        text(label)
        raw("</option>")
    }

    /// A `<select>` of choices, the checked one selected.
    mutating func select(_ name: StaticString, _ choices: [Choice], label: StaticString, id: StaticString? = nil) {
        el("select", [.attr("name", literal: name), .attr("aria-label", literal: label), id.map { .attr("id", literal: $0) } ?? .flag("id", false)]) { h in
            for choice in choices { h.option(choice.value, choice.label, selected: choice.checked) }
        }
    }

    /// An error box for the whole form.
    mutating func formError(_ message: String?) {
        guard let message else { return }
        el("div", [.class("errors"), .attr("role", literal: "alert")], text: message)
    }

    /// "Next page" when there is one.
    mutating func pager(next: Link?) {
        guard let next else { return }
        el("nav", [.class("pager")]) { h in h.el("a", [.class("btn"), .href(next)], text: "Next page") }
    }

    /// A coloured status word.
    /// A panel with a titled table; `rows` writes the body's rows.
    mutating func table(_ title: StaticString, header: StaticString, _ rows: (inout HTML) -> Void) {
        el("div", [.class("panel table-wrap")]) { h in
            h.el("h2") { h in h.raw(title) }
            h.el("table", [.class("data")]) { h in
                h.raw("<thead>")
                h.raw(header)
                h.raw("</thead><tbody>")
                rows(&h)
                h.raw("</tbody>")
            }
        }
    }

    /// A chart from `SVGChart`, whose markup is ours and which escapes every label and title it writes.
    mutating func chart(_ svg: String) {
        documentSVG(svg)
    }

    mutating func badge(_ status: String) {
        el("span", [.classes("badge " + status)], text: status)
    }
}

/// One option of a select or radio group.
struct Choice: Encodable, Sendable {
    var value: String
    var label: String
    var checked: Bool

    init(value: String, label: String, checked: Bool) {
        self.value = value
        self.label = label
        self.checked = checked
    }

    /// Options from ids and names, with an optional blank first option.
    static func list(_ items: [(UUID, String)], selected: String?, blank: String? = nil) -> [Choice] {
        (blank.map { [Choice(value: "", label: $0, checked: (selected ?? "").isEmpty)] } ?? [])
            + items.map { let value = $0.0.pathValue; return Choice(value: value, label: $0.1, checked: value == selected) }
    }

    /// Options from raw values, labelled by `label`.
    static func values(_ values: [String], selected: String?, blank: String? = nil, label: (String) -> String = { $0.capitalized }) -> [Choice] {
        (blank.map { [Choice(value: "", label: $0, checked: (selected ?? "").isEmpty)] } ?? [])
            + values.map { Choice(value: $0, label: label($0), checked: $0 == selected) }
    }
}

extension HTML {
    /// `<dt>term</dt><dd>value</dd>` when there is a value.
    mutating func fact(_ term: StaticString, _ value: String?) {
        guard let value, !value.isEmpty else { return }
        raw("<dt>")
        raw(term)
        raw("</dt><dd>")
        text(value)
        raw("</dd>")
    }

    /// `<dt>term</dt><dd>…</dd>` with markup inside (a badge).
    mutating func fact(_ term: StaticString, _ content: (inout HTML) -> Void) {
        raw("<dt>")
        raw(term)
        raw("</dt>")
        el("dd", [], content)
    }
}

extension HTML {
    /// One figure card (a label over a large value), inside a `.cards` row.
    mutating func figure(_ label: StaticString, _ value: String) {
        el("div", [.class("card")]) { h in
            h.el("span", [.class("card-label")]) { h in h.raw(label) }
            h.el("strong", [.class("card-value")], text: value)
        }
    }
}
