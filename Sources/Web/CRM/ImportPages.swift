import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Importing customers from another system's CSV: upload (up to 12 MB), which column holds
/// what, a dry run that writes nothing, the import job with a page that refreshes itself every
/// two seconds while it runs, and the rows that were not imported (on the page and as a CSV).
enum ImportPages {
    /// At most this many problem rows are shown; the CSV has them all.
    static let shownProblems = 200

    struct Model {
        var form: FormState
        var item: CustomerImport?
        var recent: [CustomerImport]
        /// For each field, the file's columns with the chosen one checked (before the import starts).
        var mappings: [(key: String, label: String, columns: [Choice])]
        var branches: [Choice]
        var dryRun: CustomerImports.DryRun?
        var problems: [CustomerImports.RowResult]
        var running: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(CRMRoutes.importCustomers, use: overview)
        // A CSV of 50,000 rows is about 10 MB: this route takes bodies up to 12 MB (the CSRF check too).
        routes.upload(CRMRoutes.importCustomers, maxBytes: 12 * 1024 * 1024, use: upload)
        routes.get(CRMRoutes.customerImport, use: show)
        routes.post(CRMRoutes.customerImport, use: mapOrStart)
        routes.get(CRMRoutes.customerImportErrors, use: problemsCSV)
    }

    // MARK: Handlers

    /// The upload form and the recent imports.
    static func overview(_ req: Request) async throws -> Response {
        try req.ctx.require(.customersWrite)
        return try await render(req, item: nil)
    }

    static func upload(_ req: Request) async throws -> Response {
        struct Upload: Decodable { var file: File? }
        let upload = try? req.content.decode(Upload.self)
        do {
            guard let file = upload?.file else { throw DomainError.invalid("file", "is required: choose a CSV file") }
            let item = try await CustomerImports.upload(try req.ctx, fileName: file.filename, bytes: Array(file.data.readableBytesView),
                                                        services: req.services, on: req.db)
            return redirect(req, to: CRMRoutes.customerImport.link(item.id!), flash: "\(item.totalRows) rows read. Check the columns, then run a dry run.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, item: nil, form: FormState(values: [:], error: error), status: .unprocessableEntity)
        }
    }

    static func show(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        // While it runs, the page refreshes every two seconds: read the counters only.
        let progress = try await CustomerImports.progress(ctx, id.uuidString, on: req.db)
        if progress.inProgress { return try await render(req, item: progress) }
        return try await render(req, item: try await CustomerImports.find(ctx, id.uuidString, on: req.db))
    }

    /// Saves the column mapping, then runs a dry run or starts the import (`action=start`).
    static func mapOrStart(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        var mapping: [String: Int] = [:]
        for field in CustomerImports.fields { if let raw = values["map_" + field.key], let index = Int(raw) { mapping[field.key] = index } }
        do {
            let item = try await CustomerImports.setMapping(ctx, id.uuidString, mapping: mapping, branchID: values["branch_id"], on: req.db)
            if values["action"] == "start" {
                _ = try await CustomerImports.start(ctx, id.uuidString, services: req.services, on: req.db)
                return redirect(req, to: CRMRoutes.customerImport.link(item.id!), flash: "Import started. This page shows its progress.")
            }
            let dry = try await CustomerImports.dryRun(ctx, id.uuidString, on: req.db)
            return try await render(req, item: item, dryRun: dry)
        } catch let error as DomainError where error.showsOnForm {
            let item = try await CustomerImports.find(ctx, id.uuidString, on: req.db)
            return try await render(req, item: item, form: FormState(values: values, error: error), status: .unprocessableEntity)
        }
    }

    static func problemsCSV(_ req: Request, _ id: UUID) async throws -> Response {
        let csv = try await CustomerImports.errorReport(try req.ctx, id.uuidString, on: req.db)
        let response = Response(status: .ok, body: .init(string: csv))
        response.headers.contentType = HTTPMediaType(type: "text", subType: "csv", parameters: ["charset": "utf-8"])
        response.headers.contentDisposition = .init(.attachment, filename: "import-problems.csv")
        return response
    }

    // MARK: View

    static func render(_ req: Request, item: CustomerImport?, form: FormState = FormState(), dryRun: CustomerImports.DryRun? = nil,
                       status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        var mappings: [(key: String, label: String, columns: [Choice])] = []
        if let item, item.status == "uploaded" {
            let header = try CustomerImports.header(item)
            mappings = CustomerImports.fields.map { field in
                let chosen = item.mapping[field.key]
                return (field.key, field.label, [Choice(value: "-1", label: "Not in the file", checked: chosen == nil)]
                    + header.enumerated().map { Choice(value: String($0.offset), label: $0.element, checked: $0.offset == chosen) })
            }
        }
        let branches = try req.identity.branchChoices
        // A running import's page has only its counters (`CustomerImports.progress`).
        let running = item?.inProgress ?? false
        let problems = dryRun?.problems ?? item.map { $0.status == "uploaded" || running ? [] : $0.report } ?? []
        let recent = item == nil ? try await CustomerImports.recent(ctx, on: req.db) : []
        let model = Model(form: form, item: item, recent: recent, mappings: mappings,
                          branches: Choice.list(branches.map { ($0.id, $0.name) }, selected: item?.branchID?.uuidString,
                                                blank: "Use the file's branch column"),
                          dryRun: dryRun, problems: problems, running: running)
        let page = try req.page(item.map { "Import \($0.fileName)" } ?? "Import customers")
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(page.title) { h in h.el("a", [.class("btn"), .href(CRMRoutes.importCustomers.link)], text: "All imports") }
            h.formError(form.general)
            if let error = form.errors["file"] { h.el("div", [.class("errors"), .attr("role", literal: "alert")], text: "The file " + error) }
            if let error = form.errors["mapping"] { h.el("div", [.class("errors"), .attr("role", literal: "alert")], text: "Columns: " + error) }
            if let item {
                h.importStatus(item, model)
                if !model.mappings.isEmpty { h.mappingForm(item, model, csrf: page.csrf) }
                if let dry = dryRun {
                    h.el("div", [.class("panel"), .id("dry-run")]) { h in
                        h.raw("<h2>Dry run</h2><p><strong>")
                        h.text(dry.ok)
                        h.raw("</strong> rows will be imported · ")
                        h.text(dry.skipped)
                        h.raw(" skipped (already there) · <strong>")
                        h.text(dry.errors)
                        h.raw("</strong> with errors</p>")
                    }
                }
                h.problems(model.problems)
            } else {
                h.uploadForm(csrf: page.csrf)
                h.recentImports(model.recent, date: req.shortDate)
            }
        }
        return html.response(status: status)
    }
}

private extension HTML {
    mutating func importStatus(_ item: CustomerImport, _ m: ImportPages.Model) {
        el("div", [.class("panel"), .id("import-status"), .attr("data-status", item.status)]) { h in
            h.el("p") { h in
                h.el("strong", text: item.fileName)
                h.raw(" · ")
                h.text(item.totalRows)
                h.raw(" rows · ")
                h.badge(item.status)
            }
            if m.running {
                h.raw(#"<meta http-equiv="refresh" content="2">"#)
                h.el("progress", [.attr("max", literal: "100"), .attr("value", String(item.percent))]) { h in
                    h.text(item.percent)
                    h.raw(" %")
                }
                h.raw(" ")
                h.el("span") { h in
                    h.text(item.processedRows)
                    h.raw(" of ")
                    h.text(item.totalRows)
                    h.raw(" rows")
                }
            }
            if item.status == "completed" {
                h.el("p", [.class("import-result")]) { h in
                    h.raw("Imported <strong>")
                    h.text(item.importedRows)
                    h.raw("</strong> · skipped ")
                    h.text(item.skippedRows)
                    h.raw(" · errors ")
                    h.text(item.errorRows)
                }
                if !m.problems.isEmpty {
                    h.el("p") { h in
                        h.el("a", [.class("btn"), .href(CRMRoutes.customerImportErrors.link(item.id!))], text: "Download the problem rows (CSV)")
                    }
                }
            }
        }
    }

    mutating func mappingForm(_ item: CustomerImport, _ m: ImportPages.Model, csrf: String) {
        postForm(CRMRoutes.customerImport.link(item.id!), csrf: csrf, class: "form panel", id: "mapping-form") { h in
            h.raw("<h2>Which column holds what?</h2>")
            h.el("div", [.class("grid")]) { h in
                for mapping in m.mappings {
                    let name = "map_" + mapping.key
                    h.el("div", [.class("field")]) { h in
                        h.el("label", [.attr("for", name)], text: mapping.label)
                        h.el("select", [.attr("id", name), .attr("name", name)]) { h in
                            for choice in mapping.columns { h.option(choice.value, choice.label, selected: choice.checked) }
                        }
                    }
                }
                h.el("div", [.class("field")]) { h in
                    h.fieldLabel("Branch for rows without one", for: "branch_id")
                    h.el("select", [.id("branch_id"), .name("branch_id")]) { h in
                        for choice in m.branches { h.option(choice.value, choice.label, selected: choice.checked) }
                    }
                }
            }
            h.el("div", [.class("form-actions")]) { h in
                h.raw(#"<button class="btn" type="submit" name="action" value="dry-run">Dry run (writes nothing)</button>"#)
                if let dry = m.dryRun {
                    h.raw(" ")
                    h.el("button", [.class("btn primary"), .type("submit"), .name("action"), .value("start"),
                                    .attr("data-confirm", "Import \(dry.ok) customers now?")], text: "Import \(dry.ok) customers")
                }
            }
        }
    }

    mutating func problems(_ problems: [CustomerImports.RowResult]) {
        guard !problems.isEmpty else { return }
        el("div", [.class("panel table-wrap")]) { h in
            h.raw(#"<h2>Rows that will not be imported</h2><table class="data" id="problems"><thead><tr><th class="num">Line</th><th>Outcome</th>"#)
            h.raw("<th>Problem</th></tr></thead><tbody>")
            for problem in problems.prefix(ImportPages.shownProblems) {
                h.raw(#"<tr><td class="num">"#)
                h.text(problem.line)
                h.raw("</td><td>")
                h.badge(problem.status)
                h.raw("</td><td>")
                h.text(problem.errors.map { "\($0.field): \($0.message)" }.joined(separator: "; "))
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table>")
            let more = problems.count - ImportPages.shownProblems
            if more > 0 { h.el("p", [.class("muted")], text: "… and \(more) more in the downloadable report.") }
        }
    }

    mutating func uploadForm(csrf: String) {
        el("form", [.class("form panel"), .attr("method", literal: "post"), .action(CRMRoutes.importCustomers.link),
                    .attr("enctype", literal: "multipart/form-data"), .id("upload-form")]) { h in
            h.csrf(csrf)
            h.raw("<p>Upload a CSV file (UTF-8, up to 10 MB and 50,000 rows) exported from your old system. You choose which column is which next, ")
            h.raw("and check everything with a dry run before anything is written.</p>")
            h.raw(#"<div class="field"><label for="file">CSV file</label><input id="file" name="file" type="file" accept=".csv,text/csv" required></div>"#)
            h.raw(#"<div class="form-actions"><button class="btn primary" type="submit">Upload</button></div>"#)
        }
    }

    mutating func recentImports(_ recent: [CustomerImport], date: (Date) -> String) {
        guard !recent.isEmpty else { return }
        el("div", [.class("panel table-wrap")]) { h in
            h.raw("<h2>Recent imports</h2><table class=\"data\"><thead><tr><th>File</th><th>When</th><th>Status</th>")
            h.raw(#"<th class="num">Imported</th><th class="num">Skipped</th><th class="num">Errors</th></tr></thead><tbody>"#)
            for item in recent {
                h.raw("<tr><td>")
                h.el("a", [.href(CRMRoutes.customerImport.link(item.id!))], text: item.fileName)
                h.raw("</td><td>")
                h.text(item.createdAt.map(date) ?? "")
                h.raw("</td><td>")
                h.badge(item.status)
                h.raw(#"</td><td class="num">"#)
                h.text(item.importedRows)
                h.raw(#"</td><td class="num">"#)
                h.text(item.skippedRows)
                h.raw(#"</td><td class="num">"#)
                h.text(item.errorRows)
                h.raw("</td></tr>")
            }
            h.raw("</tbody></table>")
        }
    }
}
