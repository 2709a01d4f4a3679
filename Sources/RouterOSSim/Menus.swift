/// What the simulator knows about one RouterOS menu (reference A5): the properties in the order a
/// router prints them, what it fills in, what must be given, what must be unique and the words
/// RouterOS uses when it refuses.
struct MenuSchema: Sendable {
    enum Kind: Sendable {
        /// Rows with `.id`s: add / set / remove / print.
        case list
        /// Sessions (`/ppp/active`, `/ip/hotspot/active`): print and remove (a disconnect), no add or set.
        case sessions
        /// `/system/identity`: print and set, one row without an `.id`.
        case identity
        /// `/system/resource`: print only, one computed row without an `.id`.
        case resource
    }

    var path: String
    var kind: Kind = .list
    /// Printed first, in this order; other properties follow sorted.
    var fields: [String] = []
    /// Properties that can be written; nil: anything goes (menus made up by `insert`).
    var writable: Set<String>? = nil
    var defaults: [String: String] = [:]
    var booleans: Set<String> = ["disabled"]
    /// Properties an `add` must carry.
    var required: [String] = []
    /// Properties whose values together must be unique among the rows.
    var unique: [String] = []
    var duplicateMessage = "failure: item with the same name already exists"
    /// The property `=numbers=` may name a row by.
    var nameField: String? = "name"
    /// Rows a router starts with (given `.id`s from `*0`).
    var initialRows: [[String: String]] = []
    /// `add` without a name picks `<prefix><n>` (queues do this).
    var autoNamePrefix: String? = nil

    var actions: Set<String> {
        switch kind {
        case .list: return ["print", "getall", "add", "set", "unset", "remove", "enable", "disable"]
        case .sessions: return ["print", "getall", "remove"]
        case .identity: return ["print", "getall", "set"]
        case .resource: return ["print", "getall"]
        }
    }

    static let all: [MenuSchema] = [
        MenuSchema(
            path: "/ppp/secret",
            fields: ["name", "service", "caller-id", "password", "profile", "local-address", "remote-address", "routes",
                     "ipv6-routes", "limit-bytes-in", "limit-bytes-out", "last-logged-out", "disabled", "comment"],
            writable: ["name", "service", "caller-id", "password", "profile", "local-address", "remote-address", "routes",
                       "ipv6-routes", "limit-bytes-in", "limit-bytes-out", "disabled", "comment", "remote-ipv6-prefix"],
            defaults: ["service": "any", "caller-id": "", "password": "", "profile": "default", "routes": "",
                       "limit-bytes-in": "0", "limit-bytes-out": "0", "disabled": "false"],
            required: ["name"], unique: ["name"],
            duplicateMessage: "failure: secret with the same name already exists"),
        MenuSchema(
            path: "/ppp/profile",
            fields: ["name", "local-address", "remote-address", "rate-limit", "address-list", "dns-server", "bridge",
                     "only-one", "change-tcp-mss", "use-compression", "use-encryption", "use-mpls", "use-upnp",
                     "session-timeout", "idle-timeout", "parent-queue", "queue-type", "insert-queue-before",
                     "incoming-filter", "outgoing-filter", "on-up", "on-down", "default", "comment"],
            writable: ["name", "local-address", "remote-address", "rate-limit", "address-list", "dns-server", "bridge",
                       "only-one", "change-tcp-mss", "use-compression", "use-encryption", "use-mpls", "use-upnp",
                       "session-timeout", "idle-timeout", "parent-queue", "queue-type", "insert-queue-before",
                       "incoming-filter", "outgoing-filter", "on-up", "on-down", "comment", "wins-server", "interface-list"],
            defaults: ["address-list": "", "only-one": "default", "change-tcp-mss": "default", "use-compression": "default",
                       "use-encryption": "default", "use-mpls": "default", "use-upnp": "default", "on-up": "", "on-down": "",
                       "default": "false"],
            booleans: ["default"],
            required: ["name"], unique: ["name"],
            duplicateMessage: "failure: profile with the same name already exists",
            initialRows: [["name": "default", "default": "true", "change-tcp-mss": "yes", "use-compression": "default",
                           "use-encryption": "default", "only-one": "default"]]),
        MenuSchema(
            path: "/ppp/active", kind: .sessions,
            fields: ["name", "service", "caller-id", "address", "uptime", "encoding", "session-id", "limit-bytes-in",
                     "limit-bytes-out", "radius", "comment"],
            writable: [],
            defaults: ["encoding": "", "limit-bytes-in": "0", "limit-bytes-out": "0", "radius": "false"],
            booleans: ["radius"]),
        MenuSchema(
            path: "/ip/hotspot/user",
            fields: ["server", "name", "password", "profile", "mac-address", "address", "email", "limit-uptime",
                     "limit-bytes-in", "limit-bytes-out", "limit-bytes-total", "uptime", "bytes-in", "bytes-out",
                     "packets-in", "packets-out", "dynamic", "disabled", "comment"],
            writable: ["server", "name", "password", "profile", "mac-address", "address", "email", "limit-uptime",
                       "limit-bytes-in", "limit-bytes-out", "limit-bytes-total", "disabled", "comment", "routes"],
            defaults: ["server": "all", "profile": "default", "uptime": "0s", "bytes-in": "0", "bytes-out": "0",
                       "packets-in": "0", "packets-out": "0", "dynamic": "false", "disabled": "false"],
            booleans: ["disabled", "dynamic"],
            required: ["name"], unique: ["name"],
            duplicateMessage: "failure: already have user with this name"),
        MenuSchema(
            path: "/ip/hotspot/user/profile",
            fields: ["name", "address-pool", "idle-timeout", "keepalive-timeout", "status-autorefresh", "shared-users",
                     "rate-limit", "session-timeout", "address-list", "transparent-proxy", "open-status-page",
                     "on-login", "on-logout", "add-mac-cookie", "mac-cookie-timeout", "default", "comment"],
            writable: ["name", "address-pool", "idle-timeout", "keepalive-timeout", "status-autorefresh", "shared-users",
                       "rate-limit", "session-timeout", "address-list", "transparent-proxy", "open-status-page",
                       "on-login", "on-logout", "add-mac-cookie", "mac-cookie-timeout", "comment", "parent-queue",
                       "queue-type", "incoming-filter", "outgoing-filter", "advertise"],
            defaults: ["address-pool": "none", "idle-timeout": "none", "keepalive-timeout": "2m", "status-autorefresh": "1m",
                       "shared-users": "1", "transparent-proxy": "true", "open-status-page": "always",
                       "add-mac-cookie": "true", "mac-cookie-timeout": "3d", "default": "false"],
            booleans: ["transparent-proxy", "add-mac-cookie", "default"],
            required: ["name"], unique: ["name"],
            duplicateMessage: "failure: already have profile with this name",
            initialRows: [["name": "default", "default": "true"]]),
        MenuSchema(
            path: "/ip/hotspot/active", kind: .sessions,
            fields: ["server", "user", "domain", "address", "mac-address", "login-by", "uptime", "idle-time",
                     "session-time-left", "idle-timeout", "keepalive-timeout", "bytes-in", "bytes-out", "packets-in",
                     "packets-out", "radius", "comment"],
            writable: [],
            defaults: ["server": "hotspot1", "login-by": "http-chap", "idle-time": "0s", "keepalive-timeout": "2m",
                       "bytes-in": "0", "bytes-out": "0", "packets-in": "0", "packets-out": "0", "radius": "false"],
            booleans: ["radius"],
            nameField: "user"),
        MenuSchema(
            path: "/ip/firewall/address-list",
            fields: ["list", "address", "creation-time", "timeout", "dynamic", "disabled", "comment"],
            writable: ["list", "address", "timeout", "disabled", "comment"],
            defaults: ["dynamic": "false", "disabled": "false"],
            booleans: ["disabled", "dynamic"],
            required: ["list", "address"], unique: ["list", "address"],
            duplicateMessage: "failure: already have such entry",
            nameField: "address"),
        MenuSchema(
            path: "/queue/simple",
            fields: ["name", "target", "parent", "packet-marks", "priority", "queue", "limit-at", "max-limit",
                     "burst-limit", "burst-threshold", "burst-time", "bucket-size", "bytes", "packets", "dynamic",
                     "disabled", "comment"],
            writable: ["name", "target", "dst", "parent", "packet-marks", "priority", "queue", "limit-at", "max-limit",
                       "burst-limit", "burst-threshold", "burst-time", "bucket-size", "disabled", "comment", "time"],
            defaults: ["parent": "none", "packet-marks": "", "priority": "8/8", "queue": "default-small/default-small",
                       "limit-at": "0/0", "max-limit": "0/0", "burst-limit": "0/0", "burst-threshold": "0/0",
                       "burst-time": "0s/0s", "bucket-size": "0.1/0.1", "bytes": "0/0", "packets": "0/0",
                       "dynamic": "false", "disabled": "false"],
            booleans: ["disabled", "dynamic"],
            required: ["target"], unique: ["name"],
            duplicateMessage: "failure: already have queue with such name",
            autoNamePrefix: "queue"),
        MenuSchema(path: "/system/resource", kind: .resource, writable: [], booleans: [], nameField: nil),
        MenuSchema(path: "/system/identity", kind: .identity, fields: ["name"], writable: ["name"], booleans: [],
                   nameField: nil),
    ]

    /// A menu made up by `RouterOSSimulator.insert` for a path the simulator does not model.
    static func adHoc(_ path: String) -> MenuSchema {
        MenuSchema(path: path, defaults: [:], booleans: ["disabled", "dynamic"], duplicateMessage: "failure: already exists")
    }
}
