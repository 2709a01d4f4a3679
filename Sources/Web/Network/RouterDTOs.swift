import Foundation
import MeghnaCore
import MeghnaNetwork

/// A router as the API shows it: never its password.
struct RouterDTO: Encodable {
    var id, branchID: UUID
    var areaID: UUID?
    var name, host, tlsMode, username, status, health: String
    var port, heartbeatSeconds, consecutiveMisses: Int
    var tlsFingerprint, lastError, rosVersion, identity, boardName: String?
    var lastErrorPermanent: Bool
    var serviceTypes: [String]
    var rttMs, cpuLoad: Int?
    var freeMemory, totalMemory, uptimeSeconds: Int64?
    var healthSince, lastCheckAt, lastSeenAt, createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, host, port, username, status, health, identity
        case branchID = "branch_id", areaID = "area_id", tlsMode = "tls_mode", tlsFingerprint = "tls_fingerprint"
        case heartbeatSeconds = "heartbeat_seconds", consecutiveMisses = "consecutive_misses", lastError = "last_error"
        case lastErrorPermanent = "last_error_permanent", rosVersion = "ros_version", boardName = "board_name", serviceTypes = "service_types"
        case rttMs = "rtt_ms", cpuLoad = "cpu_load", freeMemory = "free_memory", totalMemory = "total_memory", uptimeSeconds = "uptime_seconds"
        case healthSince = "health_since", lastCheckAt = "last_check_at", lastSeenAt = "last_seen_at", createdAt = "created_at"
    }

    init(_ r: MeghnaNetwork.Router) {
        (id, branchID, areaID, name, host, port) = (r.id!, r.branchID, r.areaID, r.name, r.host, r.port)
        (tlsMode, tlsFingerprint, username, status, health) = (r.tlsMode.rawValue, r.tlsFingerprint, r.username, r.status.rawValue, r.health.rawValue)
        (heartbeatSeconds, consecutiveMisses, lastError, lastErrorPermanent) = (r.heartbeatSeconds, r.consecutiveMisses, r.lastError, r.lastErrorPermanent)
        (rosVersion, identity, boardName, serviceTypes) = (r.rosVersion, r.identity, r.boardName, r.serviceTypes)
        (rttMs, cpuLoad, freeMemory, totalMemory, uptimeSeconds) = (r.rttMilliseconds, r.cpuLoad, r.freeMemory, r.totalMemory, r.uptimeSeconds)
        (healthSince, lastCheckAt, lastSeenAt, createdAt) = (r.healthSince, r.lastCheckAt, r.lastSeenAt, r.createdAt)
    }

    static let schema = Schema.named("Router", .object([
        ("id", .uuid), ("branch_id", .uuid), ("area_id", .nullable(.uuid)), ("name", .string()), ("host", .string()), ("port", .integer()),
        ("tls_mode", .choice(RouterTLSMode.allCases.map(\.rawValue))), ("tls_fingerprint", .nullable(.string())), ("username", .string()),
        ("status", .choice(RouterStatus.allCases.map(\.rawValue))), ("health", .choice(RouterHealth.allCases.map(\.rawValue))),
        ("heartbeat_seconds", .integer()), ("consecutive_misses", .integer()),
        ("last_error", .nullable(.string(description: "The last failure in words an engineer can act on"))),
        ("last_error_permanent", .described(.boolean, "True when retrying cannot help (a refused login, a certificate that does not match): heartbeats stop until the settings change")),
        ("ros_version", .nullable(.string())), ("identity", .nullable(.string())), ("board_name", .nullable(.string())),
        ("service_types", .array(.choice(["pppoe", "hotspot"]))), ("rtt_ms", .nullable(.integer())), ("cpu_load", .nullable(.integer())),
        ("free_memory", .nullable(.integer())), ("total_memory", .nullable(.integer())), ("uptime_seconds", .nullable(.integer())),
        ("health_since", .nullable(.dateTime)), ("last_check_at", .nullable(.dateTime)), ("last_seen_at", .nullable(.dateTime)),
        ("created_at", .nullable(.dateTime)),
    ], required: ["id", "branch_id", "name", "host", "port", "tls_mode", "username", "status", "health", "heartbeat_seconds", "consecutive_misses",
                  "last_error_permanent", "service_types"]))
}

/// `POST /routers` and `PATCH /routers/{id}`; `POST /routers/test` tries one without saving.
struct RouterRequest: Decodable {
    var name, host, tlsMode, tlsFingerprint, username, password, branchID, areaID, status: String?
    var port, heartbeatSeconds: Int?
    var serviceTypes: [String]?

    enum CodingKeys: String, CodingKey {
        case name, host, port, username, password, status
        case tlsMode = "tls_mode", tlsFingerprint = "tls_fingerprint", branchID = "branch_id", areaID = "area_id"
        case heartbeatSeconds = "heartbeat_seconds", serviceTypes = "service_types"
    }

    var input: Routers.Input {
        var i = Routers.Input()
        (i.name, i.host, i.tlsMode, i.tlsFingerprint, i.username, i.password) = (name, host, tlsMode, tlsFingerprint, username, password)
        (i.branchID, i.areaID, i.status) = (branchID, areaID, status)
        i.port = port.map(String.init)
        i.heartbeatSeconds = heartbeatSeconds.map(String.init)
        if let types = serviceTypes {
            i.servesPPPoE = types.contains("pppoe") ? "true" : "false"
            i.servesHotspot = types.contains("hotspot") ? "true" : "false"
        }
        return i
    }

    static let fields: [(String, Schema)] = [
        ("name", .text(max: 100)),
        ("host", .string(minLength: 1, maxLength: 253, pattern: "[A-Za-z0-9][A-Za-z0-9.:-]*", description: "IP address or host name of the router's API",
                         message: "must be a host name or an IP address, such as 10.0.0.1 or core1.example.net")),
        ("port", .integer(minimum: 1, maximum: 65_535)), ("tls_mode", .choice(RouterTLSMode.allCases.map(\.rawValue))),
        ("tls_fingerprint", .anyOf([.string(pattern: "([0-9A-Fa-f]{2}[: ]?){31}[0-9A-Fa-f]{2}", description: "SHA-256 of the router's certificate, 64 hex digits (colons allowed)",
                                            message: "must be the certificate's SHA-256 fingerprint: 64 hexadecimal digits (colons allowed)"), .empty])),
        ("username", .text(max: 64)), ("password", .string(minLength: 1, maxLength: 128, description: "Write-only; stored encrypted, never returned")),
        ("branch_id", .reference("branch", description: "Where the router stands; may be left out when there is only one branch to choose")), ("area_id", .referenceOrEmpty("area")),
        ("service_types", .array(.choice(["pppoe", "hotspot"]), minItems: 1, maxItems: 2)),
        ("status", .choice(RouterStatus.allCases.map(\.rawValue))), ("heartbeat_seconds", .integer(minimum: 60, maximum: 3600)),
    ]
    static let createSchema = Schema.named("RouterInput", .input(fields, required: ["name", "host", "username", "password"]))
    static let patchSchema = Schema.named("RouterPatch", .input(fields))
    static let rules = [APIRule("name", "must not be used by another router"), APIRule("tls_fingerprint", "is required when tls_mode is pinned"),
                        APIRule("branch_id", "must be a branch you work in; required unless you work in one branch or the organization has only one")]
}

/// What a connection test found.
struct RouterTestDTO: Encodable {
    var ok, permanent: Bool
    var message: String
    var version, identity, boardName: String?
    var rttMs, cpuLoad: Int?
    var uptimeSeconds: Int64?

    enum CodingKeys: String, CodingKey {
        case ok, permanent, message, version, identity
        case boardName = "board_name", rttMs = "rtt_ms", cpuLoad = "cpu_load", uptimeSeconds = "uptime_seconds"
    }

    init(_ p: RouterProbe) {
        (ok, permanent, message, version, identity, boardName) = (p.ok, p.permanent, p.message, p.version, p.identity, p.boardName)
        (rttMs, cpuLoad, uptimeSeconds) = (p.rttMilliseconds, p.cpuLoad, p.uptimeSeconds)
    }

    static let schema = Schema.named("RouterTest", .object([
        ("ok", .boolean), ("permanent", .described(.boolean, "The failure will not go away by retrying: fix the settings")),
        ("message", .string(description: "What was found, or exactly what failed (\"login refused: invalid user name or password\")")),
        ("version", .nullable(.string())), ("identity", .nullable(.string())), ("board_name", .nullable(.string())),
        ("rtt_ms", .nullable(.integer())), ("cpu_load", .nullable(.integer())), ("uptime_seconds", .nullable(.integer())),
    ], required: ["ok", "permanent", "message"]))
}

struct RouterSampleDTO: Encodable {
    var at: Date
    var periodSeconds, checks, upChecks: Int
    var rttMs, cpuLoad: Int?
    var freeMemory, totalMemory, uptimeSeconds: Int64?

    enum CodingKeys: String, CodingKey {
        case at, checks
        case periodSeconds = "period_seconds", upChecks = "up_checks", rttMs = "rtt_ms", cpuLoad = "cpu_load", freeMemory = "free_memory"
        case totalMemory = "total_memory", uptimeSeconds = "uptime_seconds"
    }

    init(_ p: RouterHistory.Point) {
        (at, periodSeconds, checks, upChecks, rttMs, cpuLoad) = (p.at, p.periodSeconds, p.checks, p.upChecks, p.rttMilliseconds, p.cpuLoad)
        (freeMemory, totalMemory, uptimeSeconds) = (p.freeMemory, p.totalMemory, p.uptimeSeconds)
    }

    static let schema = Schema.named("RouterSample", .object([
        ("at", .dateTime), ("period_seconds", .described(.integer(), "0: one heartbeat; 3600: an hour of them (older than 7 days)")),
        ("checks", .integer()), ("up_checks", .integer()), ("rtt_ms", .nullable(.integer())), ("cpu_load", .nullable(.integer())),
        ("free_memory", .nullable(.integer())), ("total_memory", .nullable(.integer())), ("uptime_seconds", .nullable(.integer())),
    ], required: ["at", "period_seconds", "checks", "up_checks"]))
}

struct RouterSessionDTO: Encodable {
    var kind, id, user: String
    var address, callerID, uptime, service: String?

    enum CodingKeys: String, CodingKey {
        case kind, id, user, address, uptime, service
        case callerID = "caller_id"
    }

    init(_ s: RouterSessions.Session) {
        (kind, id, user, address, callerID, uptime, service) = (s.kind.rawValue, s.id, s.user, s.address, s.callerID, s.uptime, s.service)
    }

    static let schema = Schema.named("RouterSession", .object([
        ("kind", .choice(RouterSessions.Kind.allCases.map(\.rawValue))), ("id", .string(description: "The router's id of the session, such as *1A")),
        ("user", .string()), ("address", .nullable(.string())), ("caller_id", .nullable(.string(description: "The device's MAC address"))),
        ("uptime", .nullable(.string())), ("service", .nullable(.string())),
    ], required: ["kind", "id", "user"]))
}

struct RouterDisconnectRequest: Decodable {
    var service, sessionID, user: String?

    enum CodingKeys: String, CodingKey {
        case service, user
        case sessionID = "session_id"
    }

    static let schema = Schema.named("RouterDisconnect", .input([
        ("service", .choice(RouterSessions.Kind.allCases.map(\.rawValue), description: "ppp or hotspot, as /sessions gives it under kind")),
        ("session_id", .string(pattern: #"\*[0-9A-Fa-f]{1,8}"#, description: "The session's id from /sessions, such as *1A", message: "must be a router id such as *1A")),
        ("user", .optionalText(max: 100, description: "The user, for the audit trail")),
    ], required: ["service", "session_id"]))
}

struct RouterCommandDTO: Encodable {
    var id, routerID: UUID
    var customerID, actorUserID: UUID?
    var at: Date
    var actor, menu, action, outcome: String
    var arguments: [String: String]
    var message: String?
    var durationMs: Int

    enum CodingKeys: String, CodingKey {
        case id, at, actor, menu, action, outcome, arguments, message
        case routerID = "router_id", customerID = "customer_id", actorUserID = "actor_user_id", durationMs = "duration_ms"
    }

    init(_ c: RouterCommandEntry) {
        (id, routerID, customerID, actorUserID, at, actor) = (c.id!, c.routerID, c.customerID, c.actorUserID, c.at, c.actorLabel)
        (menu, action, outcome, message, durationMs) = (c.menu, c.action, c.outcome, c.message, c.durationMilliseconds)
        arguments = (try? JSONDecoder().decode([String: String].self, from: Data(c.arguments.utf8))) ?? [:]
    }

    static let schema = Schema.named("RouterCommand", .object([
        ("id", .uuid), ("router_id", .uuid), ("customer_id", .nullable(.uuid)), ("actor_user_id", .nullable(.uuid)), ("at", .dateTime),
        ("actor", .string(description: "The person's email, or \"job <kind>\"")), ("menu", .string(description: "/ppp/secret")),
        ("action", .string(description: "print, add, set, remove…")),
        ("arguments", .described(.object([], additional: .values(.string())), "Attributes and queries sent; passwords and other secrets as ••••")),
        ("outcome", .choice(["done", "trap", "error"])), ("message", .nullable(.string())), ("duration_ms", .integer()),
    ], required: ["id", "router_id", "at", "actor", "menu", "action", "arguments", "outcome", "duration_ms"]))
}
