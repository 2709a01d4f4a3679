import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Plans: the list with search and paging, and one form page to add or change a plan.
enum PlanPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(BillingRoutes.plans, use: list)
        routes.get(BillingRoutes.newPlan, use: new)
        routes.post(BillingRoutes.plans, use: create)
        routes.get(BillingRoutes.plan, use: edit)
        routes.post(BillingRoutes.plan, use: update)
    }

    static func list(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        let filter = Plans.Filter(query: req.queryValue("q"), status: req.queryValue("status"), serviceType: req.queryValue("service_type"))
        let page = try await Plans.list(ctx, filter, page: try req.pageRequest(), on: req.db)
        var html = HTML()
        html.appLayout(try req.page("Plans")) { h in
            h.pageHead("Plans") { h in
                if CatalogAccess.canManage(ctx, wholeOrganization: false) { h.el("a", [.class("btn primary"), .href(BillingRoutes.newPlan.link)], text: "New plan") }
            }
            h.el("form", [.class("filters"), .attr("method", literal: "get"), .action(BillingRoutes.plans.link)]) { h in
                h.void("input", [.name("q"), .type("search"), .attr("placeholder", literal: "Name or code"), .value(filter.query ?? ""), .label("Search")])
                h.select("status", Choice.values(CatalogStatus.allCases.map(\.rawValue), selected: filter.status, blank: "Any status"), label: "Status")
                h.select("service_type", Choice.values(ServiceType.allCases.map(\.rawValue), selected: filter.serviceType, blank: "Any service") {
                    ServiceType(rawValue: $0)?.title ?? $0
                }, label: "Service")
                h.raw(#"<button class="btn" type="submit">Filter</button>"#)
            }
            h.el("div", [.class("panel table-wrap")]) { h in
                h.el("table", [.class("data")]) { h in
                    h.raw(#"<thead><tr><th>Code</th><th>Name</th><th>Service</th><th>Speed (down/up)</th><th class="num">Price</th><th>Billing</th><th>Status</th></tr></thead><tbody>"#)
                    if page.items.isEmpty { h.raw(#"<tr><td colspan="7" class="muted">No plans yet.</td></tr>"#) }
                    for plan in page.items {
                        h.raw("<tr><td>")
                        h.el("a", [.href(BillingRoutes.plan.link(plan.id!))], text: plan.code)
                        h.raw("</td><td>")
                        h.text(plan.name)
                        h.raw("</td><td>")
                        h.text(plan.serviceType.title)
                        h.raw("</td><td>")
                        h.text("\(Plan.speedText(plan.downloadKbps)) / \(Plan.speedText(plan.uploadKbps))")
                        h.raw(#"</td><td class="num">"#)
                        h.text(plan.priceMoney.description)
                        h.raw("</td><td>")
                        h.text(plan.billingKind == .prepaid ? "Prepaid, \(plan.validityDays ?? 0) days" : "Monthly")
                        h.raw("</td><td>")
                        h.badge(plan.status.rawValue)
                        h.raw("</td></tr>")
                    }
                    h.raw("</tbody>")
                }
            }
            h.pager(next: page.nextCursor.map { BillingRoutes.plans.link.query([("cursor", $0), ("q", filter.query), ("status", filter.status),
                                                                                  ("service_type", filter.serviceType)]) })
        }
        return html.response()
    }

    static func new(_ req: Request) async throws -> Response {
        try CatalogPages.requireManage(try req.ctx, wholeOrganization: false)
        return try await form(req, plan: nil, state: FormState(values: ["service_type": "pppoe", "billing_kind": "postpaid_monthly", "taxable": "true"]))
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let plan = try await Plans.find(try req.ctx, id.uuidString, on: req.db)
        return try await form(req, plan: plan, state: FormState(values: values(of: plan)))
    }

    /// The ticked "Sold in" boxes (none: every branch), when the form showed them.
    struct BranchBoxes: Decodable {
        var branches_shown: String?
        var branch_ids: [String]?
        static func read(_ req: Request) -> [String]? {
            guard let boxes = try? req.content.decode(BranchBoxes.self), boxes.branches_shown != nil else { return nil }
            return boxes.branch_ids ?? []
        }
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        let ticked = BranchBoxes.read(req)
        do {
            let plan = try await Plans.create(try req.ctx, input(values, branches: ticked), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.plans.link, flash: "Plan \(plan.code) added.")
        } catch let error as DomainError where error.showsOnForm {
            return try await form(req, plan: nil, state: CRMForms.formState(values, error).keepingCode(from: values), ticked: ticked, status: .unprocessableEntity)
        }
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        let ticked = BranchBoxes.read(req)
        do {
            let plan = try await Plans.update(ctx, id.uuidString, input(values, branches: ticked), services: req.services, on: req.db)
            return redirect(req, to: BillingRoutes.plans.link, flash: "Plan \(plan.code) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let plan = try await Plans.find(ctx, id.uuidString, on: req.db)
            return try await form(req, plan: plan, state: CRMForms.formState(values, error).keepingCode(from: values), ticked: ticked,
                                  status: .unprocessableEntity)
        }
    }

    static func input(_ v: [String: String], branches: [String]?) -> Plans.Input {
        var i = Plans.Input()
        (i.code, i.name, i.serviceType) = (v["code"], v["name"], v["service_type"])
        (i.downloadSpeed, i.uploadSpeed, i.price, i.setupFee) = (v["download_speed"], v["upload_speed"], v["price"], v["setup_fee"] ?? "0")
        (i.billingKind, i.validityDays, i.dataQuotaMB, i.taxable) = (v["billing_kind"], v["validity_days"] ?? "", v["data_quota_mb"] ?? "", v["taxable"])
        (i.burstDownload, i.burstUpload) = (v["burst_download"] ?? "", v["burst_upload"] ?? "")
        (i.burstThresholdDownload, i.burstThresholdUpload, i.burstTime) = (v["burst_threshold_download"] ?? "", v["burst_threshold_upload"] ?? "", v["burst_time_seconds"] ?? "")
        (i.description, i.status) = (v["description"] ?? "", v["status"])
        // The ticked branches (none: every branch); nil when the form did not show them.
        i.branchIDs = branches
        return i
    }

    static func values(of p: Plan) -> [String: String] {
        var v = ["code": p.code, "name": p.name, "service_type": p.serviceType.rawValue, "download_speed": Plan.rate(p.downloadKbps),
                 "upload_speed": Plan.rate(p.uploadKbps), "price": p.priceMoney.decimalString, "setup_fee": p.setupFeeMoney.decimalString,
                 "billing_kind": p.billingKind.rawValue, "validity_days": p.validityDays.map(String.init) ?? "",
                 "data_quota_mb": p.dataQuotaMB.map(String.init) ?? "", "taxable": p.taxable ? "true" : "false", "description": p.details ?? "",
                 "status": p.status.rawValue]
        if let bd = p.burstDownloadKbps, let bu = p.burstUploadKbps, let td = p.burstThresholdDownloadKbps, let tu = p.burstThresholdUploadKbps {
            v["burst_download"] = Plan.rate(bd)
            v["burst_upload"] = Plan.rate(bu)
            v["burst_threshold_download"] = Plan.rate(td)
            v["burst_threshold_upload"] = Plan.rate(tu)
            v["burst_time_seconds"] = p.burstTimeSeconds.map(String.init) ?? ""
        }
        return v
    }

    static func form(_ req: Request, plan: Plan?, state: FormState, ticked: [String]? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let branches = try await Branches.grantable(ctx, on: req.db)
        let title = plan.map { "Plan \($0.code)" } ?? "New plan"
        let canManage = CatalogAccess.canManage(ctx, wholeOrganization: false)
        let page = try req.page(title)
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(title)
            if let plan {
                h.el("p", [.class("muted")], text: "RouterOS rate-limit: \(plan.rateLimit)")
            }
            h.postForm(plan.map { BillingRoutes.plan.link($0.id!) } ?? BillingRoutes.plans.link, csrf: page.csrf, class: "form panel", id: "plan-form") { h in
                h.formError(state.general)
                h.el("div", [.class("grid")]) { h in
                    h.field("Code", "code", form: state, hint: "Unique; also the router profile's name", [.flag("required")])
                    h.field("Name", "name", form: state, [.flag("required")])
                    h.selectField("Service", "service_type", ServiceType.allCases.map { Choice(value: $0.rawValue, label: $0.title, checked: $0.rawValue == state.values["service_type"]) },
                                  form: state)
                    h.field("Download speed", "download_speed", form: state, hint: "20M, 1.5M or 512k", [.flag("required")])
                    h.field("Upload speed", "upload_speed", form: state, hint: "20M, 1.5M or 512k", [.flag("required")])
                    h.field("Price (\(ctx.currency))", "price", form: state, hint: "Per month, or per validity for prepaid", [.flag("required"), .attr("inputmode", literal: "decimal")])
                    h.selectField("Billing", "billing_kind", BillingKind.allCases.map { Choice(value: $0.rawValue, label: $0.title, checked: $0.rawValue == state.values["billing_kind"]) },
                                  form: state)
                    h.field("Validity (days)", "validity_days", form: state, hint: "Prepaid plans only", [.attr("inputmode", literal: "numeric")])
                    h.field("Setup fee (\(ctx.currency))", "setup_fee", form: state, [.attr("inputmode", literal: "decimal")])
                    h.field("Data quota (MB)", "data_quota_mb", form: state, hint: "Empty: unlimited", [.attr("inputmode", literal: "numeric")])
                    h.selectField("Taxable", "taxable", [Choice(value: "true", label: "Yes", checked: state.values["taxable"] != "false"),
                                                         Choice(value: "false", label: "No", checked: state.values["taxable"] == "false")], form: state)
                    if plan != nil {
                        h.selectField("Status", "status", Choice.values(CatalogStatus.allCases.map(\.rawValue), selected: state.values["status"]), form: state)
                    }
                }
                // Sold in: ticked branches (kept as typed after an error), none ticked: every branch.
                let selected = Set(ticked ?? plan?.branchIDs.map(\.pathValue) ?? [])
                let legend = ctx.isWholeOrganization ? "Sold in (none ticked: every branch)" : "Sold in (tick at least one of your branches)"
                let boxes = branches.map { Choice(value: $0.id!.pathValue, label: $0.name, checked: selected.contains($0.id!.pathValue)) }
                h.checkGroup(legend, "branch_ids[]", boxes, error: state.errors["branch_ids"], errorLabel: "Sold in", id: "plan-branches") { h in
                    h.void("input", [.type("hidden"), .name("branches_shown"), .value("1")])
                    if let plan, plan.branchIDs.contains(where: { id in !branches.contains { $0.id == id } }) {
                        // Plans.update refuses these people; say so before they type.
                        h.el("p", [.class("muted")], text: "Also sold in branches you do not work in: only staff of every branch it is sold in can change this plan.")
                    }
                }
                h.el("fieldset") { h in
                    h.el("legend", text: "Burst (optional: all five together)")
                    h.el("div", [.class("grid")]) { h in
                        h.field("Burst download", "burst_download", form: state)
                        h.field("Burst upload", "burst_upload", form: state)
                        h.field("Threshold download", "burst_threshold_download", form: state)
                        h.field("Threshold upload", "burst_threshold_upload", form: state)
                        h.field("Burst time (s)", "burst_time_seconds", form: state)
                    }
                }
                h.textArea("Description", "description", form: state)
                if canManage {
                    h.el("div", [.class("form-actions")]) { h in
                        h.el("button", [.class("btn primary"), .type("submit")], text: plan == nil ? "Add plan" : "Save")
                        h.raw(" ")
                        h.el("a", [.href(BillingRoutes.plans.link)], text: "Cancel")
                    }
                }
            }
        }
        return html.response(status: status)
    }
}
