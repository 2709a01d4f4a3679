/// Every way talking to a router can fail, worded for the engineer reading the router page.
public enum RouterOSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Nothing listens on the port: the api (or api-ssl) service is off or firewalled with a reject.
    case refused(host: String, port: Int)
    /// The name is unknown or there is no route to the address.
    case unreachable(host: String, port: Int, reason: String)
    /// Connect, TLS handshake and login did not finish within the connect timeout.
    case noAnswer(host: String, port: Int, seconds: Int)
    case tls(String)
    /// The router's own message, its " (6)" category suffix dropped.
    case loginRefused(String)
    /// The router answered `!trap`.
    case trap(message: String, category: Int?)
    case timeout(command: String, seconds: Double)
    case connectionLost
    /// The router sent `!fatal` and closed the session.
    case fatal(String)
    /// The bytes could not be read as API sentences.
    case protocolError(String)
    /// The connection was closed by this side.
    case closed

    public var description: String {
        switch self {
        case .refused(let host, let port):
            // The case carries no TLS flag (agreed API), so the standard api-ssl port stands for it.
            let service = port == 8729 ? "api-ssl" : "api"
            return "connection refused on \(host):\(port) — is the \(service) service enabled?"
        case .unreachable(let host, let port, let reason):
            return "cannot reach \(host):\(port): \(reason)"
        case .noAnswer(let host, let port, let seconds):
            return "no answer from \(host):\(port) in \(seconds) s"
        case .tls(let what):
            return "TLS: \(what)"
        case .loginRefused(let message):
            return "login refused: \(message)"
        case .trap(let message, let category):
            guard let category else { return "the router refused: \(message)" }
            return "the router refused: \(message) (\(RouterOSError.categoryName(category)))"
        case .timeout(let command, let seconds):
            return "no answer in \(RouterOSError.format(seconds: seconds)) s to \(command)"
        case .connectionLost:
            return "connection lost"
        case .fatal(let reason):
            return "the router closed the session: \(reason)"
        case .protocolError(let what):
            return "unreadable reply from the router: \(what)"
        case .closed:
            return "the connection was closed"
        }
    }

    /// Retrying will not help until someone changes the settings (password, certificate, pin).
    public var isPermanent: Bool {
        switch self {
        case .loginRefused, .tls: return true
        default: return false
        }
    }

    /// `!trap` categories from the API manual (reference A2).
    static func categoryName(_ category: Int) -> String {
        switch category {
        case 0: return "missing item or command"
        case 1: return "bad argument value"
        case 2: return "interrupted"
        case 3: return "scripting failure"
        case 4: return "general failure"
        case 5: return "API failure"
        case 6: return "TTY failure"
        case 7: return "value from :return"
        default: return "category \(category)"
        }
    }

    static func format(seconds: Double) -> String {
        let tenths = (seconds * 10).rounded()
        if tenths.truncatingRemainder(dividingBy: 10) == 0 { return String(Int(tenths / 10)) }
        return String(tenths / 10)
    }

    /// The router's login message without its trailing category, as in
    /// "invalid user name or password (6)".
    static func loginMessage(_ message: String) -> String {
        guard message.hasSuffix(")"), let open = message.lastIndex(of: "(") else { return message }
        let inside = message[message.index(after: open)..<message.index(before: message.endIndex)]
        guard !inside.isEmpty, inside.allSatisfy(\.isNumber) else { return message }
        var trimmed = String(message[..<open])
        while trimmed.hasSuffix(" ") { trimmed.removeLast() }
        return trimmed
    }
}
