import FluentKit
import Foundation
import MeghnaCore
import Platform

/// How Meghna reaches a router's API: plain (8728), TLS checked against the system's
/// certificate authorities, or TLS pinned to one certificate (what most ISPs do with the
/// router's self-signed certificate).
public enum RouterTLSMode: String, Codable, Sendable, CaseIterable {
    case off, verify, pinned

    public var title: String {
        switch self {
        case .off: "Off (api, port 8728)"
        case .verify: "TLS, certificate checked (api-ssl, 8729)"
        case .pinned: "TLS, pinned certificate fingerprint (api-ssl, 8729)"
        }
    }
}

/// Whether Meghna talks to the router at all: a disabled router keeps its history but gets no
/// heartbeat and no commands.
public enum RouterStatus: String, Codable, Sendable, CaseIterable {
    case active, disabled
}

/// What the heartbeat last concluded.
public enum RouterHealth: String, Codable, Sendable, CaseIterable {
    case unknown, up, down
}

/// A MikroTik router that serves PPPoE and/or Hotspot customers of one branch.
public final class Router: TenantOwned, @unchecked Sendable {
    public static let schema = "routers"
    public static var organizationKey: KeyPath<Router, FieldProperty<Router, UUID>> { \Router.$organizationID }
    public static let displayName = "Router"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "branch_id") public var branchID: UUID
    @OptionalField(key: "area_id") public var areaID: UUID?
    @Field(key: "name") public var name: String
    @Field(key: "host") public var host: String
    @Field(key: "port") public var port: Int
    @Field(key: "tls_mode") public var tlsMode: RouterTLSMode
    /// SHA-256 of the router's certificate, lower-case hex without separators (pinned mode).
    @OptionalField(key: "tls_fingerprint") public var tlsFingerprint: String?
    @Field(key: "username") public var username: String
    /// The API password, sealed with the installation's secret box; never shown or logged.
    @Field(key: "password_sealed") public var passwordSealed: String
    @Field(key: "serves_pppoe") public var servesPPPoE: Bool
    @Field(key: "serves_hotspot") public var servesHotspot: Bool
    @Field(key: "status") public var status: RouterStatus
    @Field(key: "heartbeat_seconds") public var heartbeatSeconds: Int
    @Field(key: "health") public var health: RouterHealth
    @OptionalField(key: "health_since") public var healthSince: Date?
    @Field(key: "consecutive_misses") public var consecutiveMisses: Int
    @OptionalField(key: "last_check_at") public var lastCheckAt: Date?
    @OptionalField(key: "last_seen_at") public var lastSeenAt: Date?
    /// The last failure in words an engineer can act on, and whether retrying can help.
    @OptionalField(key: "last_error") public var lastError: String?
    @Field(key: "last_error_permanent") public var lastErrorPermanent: Bool
    @OptionalField(key: "ros_version") public var rosVersion: String?
    @OptionalField(key: "identity") public var identity: String?
    @OptionalField(key: "board_name") public var boardName: String?
    @OptionalField(key: "rtt_ms") public var rttMilliseconds: Int?
    @OptionalField(key: "cpu_load") public var cpuLoad: Int?
    @OptionalField(key: "free_memory") public var freeMemory: Int64?
    @OptionalField(key: "total_memory") public var totalMemory: Int64?
    @OptionalField(key: "uptime_seconds") public var uptimeSeconds: Int64?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    /// Branch staff see their branches' routers; reseller staff see none (routers are the ISP's).
    public static func narrow(_ query: QueryBuilder<Router>, to ctx: TenantContext) {
        if let branches = ctx.branchIDs { query.filter(\.$branchID ~~ branches) }
        if ctx.isResellerScoped { query.filter(\.$id ~~ [UUID]()) }
    }

    public var serviceTypes: [String] {
        (servesPPPoE ? ["pppoe"] : []) + (servesHotspot ? ["hotspot"] : [])
    }
}

/// One heartbeat (or, after 7 days, one hour of them): reachability, round trip and load.
public final class RouterSample: TenantOwned, @unchecked Sendable {
    public static let schema = "router_samples"
    public static var organizationKey: KeyPath<RouterSample, FieldProperty<RouterSample, UUID>> { \RouterSample.$organizationID }
    public static let displayName = "Router sample"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "at") public var at: Date
    /// 0 for one heartbeat; 3600 for an hour summarised by the downsampling job.
    @Field(key: "period_seconds") public var periodSeconds: Int
    @Field(key: "checks") public var checks: Int
    @Field(key: "up_checks") public var upChecks: Int
    @OptionalField(key: "rtt_ms") public var rttMilliseconds: Int?
    @OptionalField(key: "cpu_load") public var cpuLoad: Int?
    @OptionalField(key: "free_memory") public var freeMemory: Int64?
    @OptionalField(key: "total_memory") public var totalMemory: Int64?
    @OptionalField(key: "uptime_seconds") public var uptimeSeconds: Int64?

    public init() {}
}

/// A router going down or coming back: what SLA and incident work will read.
public final class RouterEvent: TenantOwned, @unchecked Sendable {
    public static let schema = "router_events"
    public static var organizationKey: KeyPath<RouterEvent, FieldProperty<RouterEvent, UUID>> { \RouterEvent.$organizationID }
    public static let displayName = "Router event"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "kind") public var kind: String
    @Field(key: "at") public var at: Date
    @Field(key: "message") public var message: String

    public init() {}
}

/// One command sent to a router, append-only: who sent it, what (secrets redacted), what came
/// back and how long it took.
public final class RouterCommandEntry: TenantOwned, @unchecked Sendable {
    public static let schema = "router_commands"
    public static var organizationKey: KeyPath<RouterCommandEntry, FieldProperty<RouterCommandEntry, UUID>> { \RouterCommandEntry.$organizationID }
    public static let displayName = "Router command"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "router_id") public var routerID: UUID
    @Field(key: "at") public var at: Date
    @OptionalField(key: "actor_user_id") public var actorUserID: UUID?
    /// "Rahim Uddin (rahim@…)" or "job network.heartbeat".
    @Field(key: "actor_label") public var actorLabel: String
    @Field(key: "menu") public var menu: String
    @Field(key: "action") public var action: String
    /// The attributes and queries sent, as a JSON object of strings, passwords as "••••".
    @Field(key: "arguments") public var arguments: String
    /// done, trap or error.
    @Field(key: "outcome") public var outcome: String
    @OptionalField(key: "message") public var message: String?
    @Field(key: "duration_ms") public var durationMilliseconds: Int
    @OptionalField(key: "customer_id") public var customerID: UUID?

    public init() {}
}
