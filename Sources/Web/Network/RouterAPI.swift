import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// `/api/v1/routers` (CRUD, test, status, history, live sessions) and `/api/v1/router-commands`.
enum RouterAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/routers", summary: "Routers, by name", tag: "routers", permission: .routersRead,
                             query: PlatformAPI.pagingParameters + [("q", .string(maxLength: 100), "Name or address contains"),
                                                                     ("health", .choice(RouterHealth.allCases.map(\.rawValue)), "Only routers up, down or not yet checked"),
                                                                     ("branch_id", .uuid, "One branch's")],
                             response: .list(RouterDTO.schema))) { req in
            let filter = Routers.Filter(query: req.query[String.self, at: "q"], health: req.query[String.self, at: "health"],
                                        branchID: req.query[String.self, at: "branch_id"])
            let page = try await Routers.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(RouterDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/routers", summary: "Add a router (its password is stored encrypted and never returned)", tag: "routers",
                             permission: .routersManage, body: RouterRequest.createSchema, success: 201, response: RouterDTO.schema, rules: RouterRequest.rules)) { req in
            try apiResponse(RouterDTO(try await Routers.create(try req.ctx, try req.json(RouterRequest.self).input, services: req.services, on: req.db)),
                            status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}", summary: "One router", tag: "routers", permission: .routersRead,
                             response: RouterDTO.schema)) { req in
            try apiResponse(RouterDTO(try await Routers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/routers/{id}", summary: "Change a router; a new address or login clears a stopped heartbeat",
                             tag: "routers", permission: .routersManage, body: RouterRequest.patchSchema, response: RouterDTO.schema,
                             rules: RouterRequest.rules)) { req in
            try apiResponse(RouterDTO(try await Routers.update(try req.ctx, req.parameters.get("id"), try req.json(RouterRequest.self).input,
                                                               services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .POST, path: "/routers/{id}/test",
                             summary: "Test the connection with the saved settings: log in, read the resources and identity; says exactly what failed",
                             tag: "routers", permission: .routersManage, response: RouterTestDTO.schema)) { req in
            try apiResponse(RouterTestDTO(try await Routers.test(try req.ctx, req.parameters.get("id"), link: req.meghna.routers, services: req.services, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}/status", summary: "What the heartbeat last found", tag: "routers",
                             permission: .routersRead, response: RouterDTO.schema)) { req in
            try apiResponse(RouterDTO(try await Routers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}/history", summary: "Heartbeat samples in a range (at most 31 days)", tag: "routers",
                             permission: .routersRead,
                             query: [("from", .dateTime, "Start (default: 24 hours ago)"), ("to", .dateTime, "End (default: now)")],
                             response: .list(RouterSampleDTO.schema),
                             rules: [APIRule("to", "must be after from"), APIRule("from", "the range may span at most 31 days")])) { req in
            let now = req.services.clock.now()
            let to = try instant(req, "to") ?? now
            let from = try instant(req, "from") ?? to.addingTimeInterval(-86_400)
            let points = try await RouterHistory.points(try req.ctx, routerID: req.parameters.get("id"), from: from, to: to, on: req.db)
            return try apiResponse(ListBody(data: points.map(RouterSampleDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}/sessions", summary: "PPP and Hotspot sessions online now, read live from the router",
                             tag: "routers", permission: .routersRead, response: .list(RouterSessionDTO.schema), reachesRouter: true)) { req in
            let sessions = try await RouterSessions.online(try req.ctx, routerID: req.parameters.get("id"), link: req.meghna.routers, services: req.services, on: req.db)
            return try apiResponse(ListBody(data: sessions.map(RouterSessionDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .POST, path: "/routers/{id}/sessions/disconnect", summary: "Disconnect one session (audited)", tag: "routers",
                             permission: .routersManage, body: RouterDisconnectRequest.schema, success: 204, reachesRouter: true)) { req in
            let body = try req.json(RouterDisconnectRequest.self)
            try await RouterSessions.disconnect(try req.ctx, routerID: req.parameters.get("id"), kind: body.service, sessionID: body.sessionID, user: body.user,
                                                link: req.meghna.routers, services: req.services, on: req.db)
            return Response(status: .noContent)
        }
        api.add(APIOperation(method: .GET, path: "/router-commands", summary: "Every command sent to a router, newest first (secrets redacted)",
                             tag: "routers", permission: .routersRead,
                             query: PlatformAPI.pagingParameters + [("router_id", .uuid, "One router's"), ("customer_id", .uuid, "Touching one customer"),
                                                                     ("menu", .string(maxLength: 100), "One menu, such as /ppp/secret"),
                                                                     ("outcome", .choice(["done", "trap", "error"]), "Only this outcome"),
                                                                     ("actor", .string(maxLength: 100), "Sent by (email or job) contains")],
                             response: .list(RouterCommandDTO.schema))) { req in
            let filter = RouterCommands.Filter(routerID: req.query[String.self, at: "router_id"], customerID: req.query[String.self, at: "customer_id"],
                                               menu: req.query[String.self, at: "menu"], outcome: req.query[String.self, at: "outcome"],
                                               actor: req.query[String.self, at: "actor"])
            let page = try await RouterCommands.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(RouterCommandDTO.init), nextCursor: page.nextCursor))
        }
    }

    /// An ISO 8601 instant from the query, or a 422 naming the field.
    static func instant(_ req: Request, _ name: String) throws -> Date? {
        guard let raw = req.query[String.self, at: name], !raw.isEmpty else { return nil }
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        if let date = formatter.date(from: raw) { return date }
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        if let date = formatter.date(from: raw) { return date }
        throw DomainError.invalid(name, "must be a date and time such as 2026-12-04T10:00:00Z")
    }
}
