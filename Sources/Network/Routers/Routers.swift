import Billing
import CRM
import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS

/// Routers: add, change, list; the password is sealed and never leaves this target in clear
/// except inside the `RouterOSEndpoint` handed to the client.
public enum Routers {
    /// Text as typed on the form or sent to the API; nil leaves a field as it is (updates).
    /// A blank password on an update keeps the stored one.
    public struct Input: Sendable {
        public var name: String?
        public var host: String?
        public var port: String?
        public var tlsMode: String?
        public var tlsFingerprint: String?
        public var username: String?
        public var password: String?
        public var branchID: String?
        public var areaID: String?
        public var servesPPPoE: String?
        public var servesHotspot: String?
        public var status: String?
        public var heartbeatSeconds: String?

        public init() {}
    }

    public struct Filter: Sendable {
        public var query: String?
        public var health: String?
        public var branchID: String?

        public init(query: String? = nil, health: String? = nil, branchID: String? = nil) {
            self.query = query
            self.health = health
            self.branchID = branchID
        }
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Router> {
        try ctx.require(.routersRead)
        var v = Validator()
        let health = v.choice("health", filter.health, as: RouterHealth.self)
        try v.check()
        let query = Router.scoped(to: ctx, on: db)
        if let health { query.filter(\.$health == health) }
        if let branch = filter.branchID.nonBlank.flatMap(UUID.init(uuidString:)) { query.filter(\.$branchID == branch) }
        if let text = filter.query.nonBlank {
            query.group(.or) { $0.filter(\.$name, .custom("LIKE"), "%\(text)%").filter(\.$host, .custom("LIKE"), "%\(text.lowercased())%") }
        }
        return try await query.paginate(page, by: \.$name)
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Router {
        try ctx.require(.routersRead)
        return try await Router.find(id, in: ctx, on: db)
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Router {
        try requireManage(ctx)
        let router = newRouter(ctx)
        try await apply(input, to: router, creating: true, ctx, services: services, on: db)
        return try await db.writeTransaction { tx in
            try await router.create(on: tx)
            try await Heartbeat.queueNow(router, services: services, on: tx)
            try await Audit.record("router.created", "Added router \(router.name) (\(router.host):\(router.port))", ctx: ctx,
                                   target: .init("router", router.id), at: services.clock.now(), on: tx)
            return router
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Router {
        try requireManage(ctx)
        let router = try await Router.find(id, in: ctx, on: db)
        let before = (router.host, router.port, router.tlsMode, router.tlsFingerprint, router.username, router.passwordSealed)
        try await apply(input, to: router, creating: false, ctx, services: services, on: db)
        let connectionChanged = before != (router.host, router.port, router.tlsMode, router.tlsFingerprint, router.username, router.passwordSealed)
        if connectionChanged {
            // New settings deserve a new verdict: a wrong password fixed must be tried again.
            router.lastError = nil
            router.lastErrorPermanent = false
        }
        return try await db.writeTransaction { tx in
            try await router.save(on: tx)
            if connectionChanged { try await Heartbeat.queueNow(router, services: services, on: tx) }
            let what = connectionChanged ? " (connection settings)" : ""
            try await Audit.record("router.updated", "Changed router \(router.name)\(what)", ctx: ctx, target: .init("router", router.id),
                                   at: services.clock.now(), on: tx)
            return router
        }
    }

    /// A router not yet saved, with the defaults the form starts from.
    static func newRouter(_ ctx: TenantContext) -> Router {
        let router = Router()
        router.id = UUID()
        router.organizationID = ctx.organizationID
        router.status = .active
        router.health = .unknown
        router.consecutiveMisses = 0
        router.lastErrorPermanent = false
        router.heartbeatSeconds = 60
        router.tlsMode = .off
        router.servesPPPoE = true
        router.servesHotspot = false
        return router
    }

    /// How many of the routers the person may see are active, and how many of those are down.
    public static func healthCounts(_ ctx: TenantContext, on db: any Database) async throws -> (active: Int, down: Int) {
        try ctx.require(.routersRead)
        let active = try await Router.scoped(to: ctx, on: db).filter(\.$status == .active).count()
        let down = active == 0 ? 0 : try await Router.scoped(to: ctx, on: db).filter(\.$status == .active).filter(\.$health == .down).count()
        return (active, down)
    }

    /// Organization staff with `routers.manage`; branch staff for their branches' routers only.
    public static func canManage(_ ctx: TenantContext) -> Bool { ctx.can(.routersManage) && !ctx.isResellerScoped }

    static func requireManage(_ ctx: TenantContext) throws {
        try ctx.require(.routersManage)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot manage routers.") }
    }

    /// What the client needs to reach the router; the password is opened here and nowhere else.
    public static func endpoint(_ router: Router, services: PlatformServices, commandTimeout: Duration = .seconds(10)) throws -> RouterOSEndpoint {
        let tls: RouterOSTLS = switch router.tlsMode {
        case .off: .off
        case .verify: .verify
        case .pinned: .pinned(sha256: router.tlsFingerprint ?? "")
        }
        return RouterOSEndpoint(host: router.host, port: router.port, tls: tls, username: router.username,
                                password: try services.secrets.open(router.passwordSealed), commandTimeout: commandTimeout)
    }

    /// Validates the input and writes it onto the router; every problem is reported at once.
    static func apply(_ input: Input, to router: Router, creating: Bool, _ ctx: TenantContext, services: PlatformServices, on db: any Database,
                      checkingName: Bool = true) async throws {
        var v = Validator()
        let name = v.text("name", input.name, required: creating, max: 100)
        let host = RouterFields.host(&v, "host", input.host, required: creating)
        let mode = v.choice("tls_mode", input.tlsMode, as: RouterTLSMode.self)
        let port = v.integer("port", input.port, in: 1...65_535, required: false)
        let username = v.text("username", input.username, required: creating, max: 64)
        let password = input.password.flatMap { $0.isEmpty ? nil : $0 }
        if creating, password == nil { v.add("password", "is required") }
        if let password, password.count > 128 { v.add("password", "must be at most 128 characters") }
        let pppoe = v.flag("serves_pppoe", input.servesPPPoE)
        let hotspot = v.flag("serves_hotspot", input.servesHotspot)
        let status = v.choice("status", input.status, as: RouterStatus.self)
        let interval = v.integer("heartbeat_seconds", input.heartbeatSeconds, in: 60...3600, required: false)
        let newMode = mode ?? router.tlsMode
        var fingerprint: String?? = nil
        if let raw = input.tlsFingerprint {
            if raw.nonBlank == nil { fingerprint = .some(nil) } else if let clean = RouterFields.fingerprint(raw) { fingerprint = .some(clean) } else {
                v.add("tls_fingerprint", "must be the certificate's SHA-256 fingerprint: 64 hexadecimal digits (colons allowed)")
            }
        }
        if newMode == .pinned, (fingerprint ?? router.tlsFingerprint) == nil, !v.errors.contains(where: { $0.field == "tls_fingerprint" }) {
            v.add("tls_fingerprint", "is required when the certificate is pinned")
        }
        if (pppoe ?? router.servesPPPoE) == false, (hotspot ?? router.servesHotspot) == false { v.add("serves_pppoe", "choose at least one service: PPPoE or Hotspot") }
        var branchID: UUID?
        if let raw = input.branchID {
            if let branch = try? await Branch.find(raw, in: ctx, on: db), ctx.allowedBranchIDs?.contains(branch.id!) ?? true {
                branchID = branch.id
            } else {
                v.add("branch_id", raw.nonBlank == nil ? "is required" : "is not a branch you work in")
            }
        } else if creating {
            // One branch to choose from (the person's, or the organization's only one): that one.
            let branches = try await Branch.scoped(to: ctx, on: db).limit(2).all()
            if let only = ctx.allowedBranchIDs, only.count == 1 { branchID = only.first } else if branches.count == 1 { branchID = branches[0].id } else {
                v.add("branch_id", "is required")
            }
        }
        var areaID: UUID?? = nil
        if let raw = input.areaID {
            if raw.nonBlank == nil { areaID = .some(nil) } else if let area = try? await Area.find(raw, in: ctx, on: db) { areaID = .some(area.id) } else {
                v.add("area_id", "is not an area of this organization")
            }
        }
        if checkingName, let name, name != (creating ? nil : router.name),
           try await Router.inOrganization(ctx.organizationID, on: db).filter(\.$name == name).first() != nil {
            v.add("name", "is already used by another router")
        }
        try v.check()
        // Branch staff may change only their branches' routers, and not move one elsewhere.
        if !creating, let allowed = ctx.allowedBranchIDs, !allowed.contains(router.branchID) {
            throw DomainError.forbidden("This router belongs to a branch you do not work in.")
        }
        if let name { router.name = name }
        if let host { router.host = host }
        if let mode {
            // The default port follows the mode unless one was typed.
            if port == nil, input.port.nonBlank == nil, creating || router.port == (router.tlsMode == .off ? 8728 : 8729) {
                router.port = mode == .off ? 8728 : 8729
            }
            router.tlsMode = mode
        }
        if let port { router.port = port } else if creating, mode == nil { router.port = 8728 }
        if let fingerprint { router.tlsFingerprint = fingerprint }
        if router.tlsMode != .pinned, input.tlsFingerprint == nil, mode != nil { router.tlsFingerprint = nil }
        if let username { router.username = username }
        if let password { router.passwordSealed = try services.secrets.seal(password) }
        if let pppoe { router.servesPPPoE = pppoe }
        if let hotspot { router.servesHotspot = hotspot }
        if let status { router.status = status }
        if let interval { router.heartbeatSeconds = interval }
        if let branchID { router.branchID = branchID }
        if let areaID { router.areaID = areaID }
    }
}

/// Field rules of router forms beyond the shared ones (`Validator.integer`, `flag` in Billing).
enum RouterFields {
    static func host(_ v: inout Validator, _ field: String, _ value: String?, required: Bool) -> String? {
        guard let text = v.text(field, value, required: required, max: 253) else { return nil }
        let lower = text.lowercased()
        guard lower.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == ":") }),
              !lower.hasPrefix("-"), !lower.hasPrefix(".") else {
            v.add(field, "must be a host name or an IP address, such as 10.0.0.1 or core1.example.net")
            return nil
        }
        return lower
    }

    /// 64 hex digits, separators (":" or spaces) dropped, lower case.
    static func fingerprint(_ raw: String) -> String? {
        let clean = raw.lowercased().filter { $0 != ":" && $0 != " " }
        guard clean.count == 64, clean.allSatisfy(\.isHexDigit) else { return nil }
        return clean
    }
}
