/// One `=name=value` word of a command, kept in order because RouterOS reads some in order.
public struct RouterOSAttribute: Sendable, Hashable, CustomStringConvertible {
    public var name: String
    public var value: String

    public init(name: String, value: String) {
        self.name = name
        self.value = value
    }

    public var description: String { "\(name)=\(value)" }
}

/// A command to send: its path, attributes and (for `print`) query words.
public struct RouterOSCommand: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var attributes: [RouterOSAttribute]
    /// Query words as sent: "?name=x", "?#|" (reference A4; only `print` reads them).
    public var queries: [String]

    public init(_ path: String, attributes: [RouterOSAttribute] = [], queries: [String] = []) {
        self.path = path
        self.attributes = attributes
        self.queries = queries
    }

    /// A `print`, with `.proplist` so the router skips computing properties nobody reads.
    public static func print(_ menu: String, proplist: [String]? = nil, queries: [String] = []) -> RouterOSCommand {
        var attributes: [RouterOSAttribute] = []
        if let proplist { attributes.append(.init(name: ".proplist", value: proplist.joined(separator: ","))) }
        return RouterOSCommand(join(menu, "print"), attributes: attributes, queries: queries)
    }

    public static func add(_ menu: String, _ attributes: [(String, String)]) -> RouterOSCommand {
        RouterOSCommand(join(menu, "add"), attributes: attributes.map { RouterOSAttribute(name: $0.0, value: $0.1) })
    }

    public static func set(_ menu: String, id: String, _ attributes: [(String, String)]) -> RouterOSCommand {
        RouterOSCommand(
            join(menu, "set"),
            attributes: [RouterOSAttribute(name: ".id", value: id)] + attributes.map { RouterOSAttribute(name: $0.0, value: $0.1) })
    }

    public static func remove(_ menu: String, id: String) -> RouterOSCommand {
        RouterOSCommand(join(menu, "remove"), attributes: [RouterOSAttribute(name: ".id", value: id)])
    }

    /// The path without its last segment: "/ppp/secret" for "/ppp/secret/print".
    public var menu: String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// The last segment of the path: "print".
    public var action: String {
        guard let slash = path.lastIndex(of: "/") else { return path }
        return String(path[path.index(after: slash)...])
    }

    /// The attributes with secret values replaced, for logs and error pages.
    public var redactedAttributes: [RouterOSAttribute] {
        attributes.map { RouterOSCommand.isSecret($0.name) ? RouterOSAttribute(name: $0.name, value: "••••") : $0 }
    }

    /// The command as a log line: path, redacted attributes and queries.
    public var description: String {
        ([path] + redactedAttributes.map(\.description) + queries).joined(separator: " ")
    }

    /// The words on the wire (without the `.tag`, which the connection adds).
    var words: [String] {
        [path] + attributes.map { "=\($0.name)=\($0.value)" } + queries
    }

    static let secretNames: Set<String> = ["password", "secret", "response", "passphrase", "key", "private-key"]

    static func isSecret(_ name: String) -> Bool {
        let lowered = name.lowercased()
        return secretNames.contains(lowered) || lowered.contains("password")
    }

    private static func join(_ menu: String, _ action: String) -> String {
        var menu = menu
        while menu.hasSuffix("/") { menu.removeLast() }
        return menu + "/" + action
    }
}

/// What the router answered to one command.
public struct RouterOSReply: Sendable, Equatable {
    /// One per `!re`.
    public var rows: [[String: String]]
    /// The attributes of `!done` (`ret` after `add`, the old login challenge).
    public var done: [String: String]
    /// The router said `!empty` (RouterOS 7.18+: the command had nothing to reply with).
    public var sawEmpty: Bool

    public init(rows: [[String: String]] = [], done: [String: String] = [:], sawEmpty: Bool = false) {
        self.rows = rows
        self.done = done
        self.sawEmpty = sawEmpty
    }

    public var ret: String? { done["ret"] }
}
