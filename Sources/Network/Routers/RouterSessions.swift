import Billing
import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS

/// Who is online on a router now: PPP sessions (`/ppp/active`) and Hotspot sessions
/// (`/ip/hotspot/active`), read live; disconnecting one removes it there (audited).
public enum RouterSessions {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case ppp, hotspot

        var menu: String { self == .ppp ? "/ppp/active" : "/ip/hotspot/active" }
    }

    public struct Session: Sendable, Equatable {
        public var kind: Kind
        public var id: String
        /// The PPP secret's name or the Hotspot user.
        public var user: String
        public var address: String?
        public var callerID: String?
        public var uptime: String?
        public var service: String?
    }

    static let pppProperties = [".id", "name", "service", "caller-id", "address", "uptime"]
    static let hotspotProperties = [".id", "user", "address", "mac-address", "uptime", "server"]

    public static func online(_ ctx: TenantContext, routerID: String?, link: RouterLink, services: PlatformServices, on db: any Database) async throws -> [Session] {
        let router = try await Routers.find(ctx, routerID, on: db)
        var sessions: [Session] = []
        let actor = RouterActor(ctx)
        if router.servesPPPoE {
            let reply = try await RouterCommands.run(.print(Kind.ppp.menu, proplist: pppProperties), on: router, by: actor, link: link, services: services, on: db)
            sessions += reply.rows.compactMap { row in
                row[".id"].map { Session(kind: .ppp, id: $0, user: row["name"] ?? "", address: row["address"], callerID: row["caller-id"],
                                         uptime: row["uptime"], service: row["service"]) }
            }
        }
        if router.servesHotspot {
            let reply = try await RouterCommands.run(.print(Kind.hotspot.menu, proplist: hotspotProperties), on: router, by: actor, link: link, services: services, on: db)
            sessions += reply.rows.compactMap { row in
                row[".id"].map { Session(kind: .hotspot, id: $0, user: row["user"] ?? "", address: row["address"], callerID: row["mac-address"],
                                         uptime: row["uptime"], service: row["server"]) }
            }
        }
        return sessions.sorted { ($0.user, $0.id) < ($1.user, $1.id) }
    }

    /// Disconnects one session (the customer's device dials again at once if its account is
    /// still enabled). `sessionID` is the router's `.id` such as `*1A`.
    public static func disconnect(_ ctx: TenantContext, routerID: String?, kind: String?, sessionID: String?, user: String? = nil,
                                  link: RouterLink, services: PlatformServices, on db: any Database) async throws {
        try Routers.requireManage(ctx)
        // Another organization's router is not found, whatever else is wrong with the request.
        let router = try await Routers.find(ctx, routerID, on: db)
        var v = Validator()
        let kind = v.choice("service", kind, as: Kind.self, required: true)
        let id = v.text("session_id", sessionID, max: 20)
        if let id, !(id.hasPrefix("*") && id.dropFirst().allSatisfy(\.isHexDigit) && id.count > 1) { v.add("session_id", "must be a router id such as *1A") }
        try v.check()
        _ = try await RouterCommands.run(.remove(kind!.menu, id: id!), on: router, by: RouterActor(ctx), link: link, services: services, on: db)
        let who = user.nonBlank.map { " (\($0))" } ?? ""
        try await Audit.record("router.session_disconnected", "Disconnected \(kind!.rawValue) session \(id!)\(who) on \(router.name)", ctx: ctx,
                               target: .init("router", router.id), at: services.clock.now(), on: db)
    }
}
