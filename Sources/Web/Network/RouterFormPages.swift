import CRM
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// Adding and changing a router, with "Test connection" on the form: it tries what was typed
/// (a blank password keeps the stored one) and says exactly what failed, without saving.
enum RouterFormPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.get(NetworkRoutes.newRouter, use: new)
        routes.post(NetworkRoutes.newRouter, use: create)
        routes.get(NetworkRoutes.editRouter, use: edit)
        routes.post(NetworkRoutes.editRouter, use: update)
    }

    static func new(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        guard Routers.canManage(ctx) else { throw DomainError.forbidden("Adding routers needs the routers.manage permission.") }
        let branches = try req.identity.branchChoices
        return try await render(req, router: nil, form: FormState(values: [
            "port": "8728", "tls_mode": "off", "username": "meghna", "serves_pppoe": "true", "serves_hotspot": "false", "heartbeat_seconds": "60",
            "branch_id": branches.count == 1 ? branches[0].id.uuidString : "",
        ]))
    }

    static func edit(_ req: Request, _ id: UUID) async throws -> Response {
        let ctx = try req.ctx
        let router = try await Routers.find(ctx, id.uuidString, on: req.db)
        guard Routers.canManage(ctx) else { throw DomainError.forbidden("Changing routers needs the routers.manage permission.") }
        return try await render(req, router: router, form: FormState(values: values(of: router)))
    }

    static func create(_ req: Request) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            if values["action"] == "test" {
                let probe = try await Routers.test(ctx, editing: nil, input(values), link: req.meghna.routers, services: req.services, on: req.db)
                return try await render(req, router: nil, form: FormState(values: values.filter { $0.key != "password" }), probe: probe)
            }
            let router = try await Routers.create(ctx, input(values), services: req.services, on: req.db)
            return redirect(req, to: NetworkRoutes.router.link(router.id!), flash: "Router \(router.name) added. Test its connection below.")
        } catch let error as DomainError where error.showsOnForm {
            return try await render(req, router: nil, form: CRMForms.formState(values.filter { $0.key != "password" }, error), status: .unprocessableEntity)
        }
    }

    static func update(_ req: Request, _ id: UUID) async throws -> Response {
        let values = req.formValues()
        let ctx = try req.ctx
        do {
            if values["action"] == "test" {
                let probe = try await Routers.test(ctx, editing: id.uuidString, input(values), link: req.meghna.routers, services: req.services, on: req.db)
                let router = try await Routers.find(ctx, id.uuidString, on: req.db)
                return try await render(req, router: router, form: FormState(values: values.filter { $0.key != "password" }), probe: probe)
            }
            let router = try await Routers.update(ctx, id.uuidString, input(values), services: req.services, on: req.db)
            return redirect(req, to: NetworkRoutes.router.link(router.id!), flash: "Router \(router.name) saved.")
        } catch let error as DomainError where error.showsOnForm {
            let router = try await Routers.find(ctx, id.uuidString, on: req.db)
            return try await render(req, router: router, form: CRMForms.formState(values.filter { $0.key != "password" }, error), status: .unprocessableEntity)
        }
    }

    static func input(_ v: [String: String]) -> Routers.Input {
        var i = Routers.Input()
        i.name = v["name"]
        i.host = v["host"]
        i.port = v["port"]
        i.tlsMode = v["tls_mode"]
        i.tlsFingerprint = v["tls_fingerprint"] ?? ""
        i.username = v["username"]
        i.password = v["password"]
        i.branchID = v["branch_id"]
        i.areaID = v["area_id"] ?? ""
        // Unticked boxes send nothing: on this form that means "no".
        i.servesPPPoE = v["serves_pppoe"] ?? "false"
        i.servesHotspot = v["serves_hotspot"] ?? "false"
        i.status = v["status"]
        i.heartbeatSeconds = v["heartbeat_seconds"]
        return i
    }

    static func values(of r: MeghnaNetwork.Router) -> [String: String] {
        ["name": r.name, "host": r.host, "port": String(r.port), "tls_mode": r.tlsMode.rawValue, "tls_fingerprint": r.tlsFingerprint ?? "",
         "username": r.username, "branch_id": r.branchID.uuidString, "area_id": r.areaID?.uuidString ?? "",
         "serves_pppoe": r.servesPPPoE ? "true" : "false", "serves_hotspot": r.servesHotspot ? "true" : "false",
         "status": r.status.rawValue, "heartbeat_seconds": String(r.heartbeatSeconds)]
    }

    static func render(_ req: Request, router: MeghnaNetwork.Router?, form: FormState, probe: RouterProbe? = nil, status: HTTPStatus = .ok) async throws -> Response {
        let ctx = try req.ctx
        let branches = try req.identity.branchChoices
        let areas = try await Areas.all(ctx, on: req.db)
        let title = router.map { "Edit \($0.name)" } ?? "Add a router"
        let page = try req.page(title)
        let action = router.map { NetworkRoutes.editRouter.link($0.id!) } ?? NetworkRoutes.newRouter.link
        let v = form.values
        var html = HTML()
        html.appLayout(page) { h in
            h.pageHead(title) { h in
                h.el("a", [.class("btn"), .href(router.map { NetworkRoutes.router.link($0.id!) } ?? NetworkRoutes.routers.link)], text: "Back")
            }
            if let probe {
                h.el("div", [.classes(probe.ok ? "flash ok" : "flash error"), .attr("id", literal: "test-result"), .attr("role", literal: "status")]) { h in
                    h.text(probe.ok ? probe.message : "Test failed: \(probe.message)")
                }
            }
            h.postForm(action, csrf: page.csrf, class: "form panel", id: "router-form") { h in
                h.formError(form.general)
                h.el("div", [.class("grid")]) { h in
                    h.field("Name", "name", form: form, hint: "How staff call it: Mirpur core", [.flag("required"), .attr("maxlength", literal: "100")])
                    h.field("Address", "host", form: form, hint: "IP address or host name of the router's API", [.flag("required")])
                    h.selectField("TLS", "tls_mode", RouterTLSMode.allCases.map { Choice(value: $0.rawValue, label: $0.title, checked: $0.rawValue == (v["tls_mode"] ?? "off")) },
                                  form: form, hint: "Plain API sends the password in clear: use TLS across networks you do not own")
                    h.field("Port", "port", form: form, type: "number", hint: "8728 plain, 8729 TLS", [.attr("min", literal: "1"), .attr("max", literal: "65535")])
                    h.field("Certificate fingerprint (SHA-256)", "tls_fingerprint", form: form,
                            hint: "For a pinned certificate: /certificate print detail on the router shows it")
                    h.field("API user", "username", form: form, [.flag("required"), .attr("autocomplete", literal: "off")])
                    h.field("API password", "password", form: form, type: "password",
                            hint: router == nil ? "Kept encrypted; never shown again" : "Leave empty to keep the stored password",
                            [.attr("autocomplete", literal: "new-password")] + (router == nil ? [.flag("required")] : []))
                    h.selectField("Branch", "branch_id", Choice.list(branches.map { ($0.id, $0.name) }, selected: v["branch_id"], blank: "Choose a branch"),
                                  form: form, [.flag("required")])
                    h.selectField("Area", "area_id", Choice.list(areas.map { ($0.id!, $0.fullName) }, selected: v["area_id"], blank: "Any area"), form: form)
                    h.field("Heartbeat every (seconds)", "heartbeat_seconds", form: form, type: "number", hint: "60 to 3600",
                            [.attr("min", literal: "60"), .attr("max", literal: "3600")])
                    if router != nil {
                        h.selectField("Status", "status", Choice.values(RouterStatus.allCases.map(\.rawValue), selected: v["status"]), form: form,
                                      hint: "A disabled router gets no heartbeat and no commands")
                    }
                }
                h.el("fieldset", [.class("checks")]) { h in
                    h.raw("<legend>Serves</legend>")
                    h.checkbox("PPPoE", "serves_pppoe", checked: v["serves_pppoe"] == "true" || v["serves_pppoe"] == "on", value: "true")
                    h.checkbox("Hotspot", "serves_hotspot", checked: v["serves_hotspot"] == "true" || v["serves_hotspot"] == "on", value: "true")
                    if let error = form.errors["serves_pppoe"] { h.el("p", [.class("field-error")], text: error) }
                }
                h.el("div", [.class("form-actions")]) { h in
                    h.raw(#"<button class="btn primary" type="submit" name="action" value="save">Save router</button> "#)
                    h.raw(#"<button class="btn" type="submit" name="action" value="test" id="test-connection">Test connection</button>"#)
                }
            }
        }
        return html.response(status: status)
    }
}
