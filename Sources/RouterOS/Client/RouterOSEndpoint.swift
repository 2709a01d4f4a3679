import NIOCore

/// How the API connection is protected.
public enum RouterOSTLS: Sendable, Hashable {
    /// Plain TCP (api service, 8728): the password crosses the wire in clear.
    case off
    /// TLS with the system trust roots and a host name check (api-ssl service, 8729).
    case verify
    /// TLS trusting exactly one certificate: the SHA-256 of the leaf certificate's DER, in hex
    /// (colons, spaces and case ignored). Routers mostly carry self-signed certificates, so this is
    /// the usual way to get TLS without a CA.
    case pinned(sha256: String)
}

/// Where a router's API is and how to log in to it.
public struct RouterOSEndpoint: Sendable, Hashable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public var tls: RouterOSTLS
    public var username: String
    public var password: String
    /// Covers the TCP connect, the TLS handshake and the login together.
    public var connectTimeout: Duration
    public var commandTimeout: Duration
    /// Tagged commands sent at once on one connection; more wait (FIFO) for a slot.
    public var maximumInFlight: Int

    public init(
        host: String, port: Int? = nil, tls: RouterOSTLS = .off, username: String, password: String,
        connectTimeout: Duration = .seconds(5), commandTimeout: Duration = .seconds(10), maximumInFlight: Int = 16
    ) {
        self.host = host
        self.port = port ?? (tls == .off ? 8728 : 8729)
        self.tls = tls
        self.username = username
        self.password = password
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maximumInFlight = maximumInFlight
    }

    /// Never shows the password: endpoints end up in logs and error pages.
    public var description: String {
        let scheme = tls == .off ? "api" : "api-ssl"
        return "\(scheme)://\(username)@\(host):\(port)"
    }
}

/// Conversions the client, the simulator and Network share.
extension Duration {
    public var timeAmount: TimeAmount {
        let (seconds, attoseconds) = components
        return .nanoseconds(seconds &* 1_000_000_000 &+ attoseconds / 1_000_000_000)
    }

    public var secondsValue: Double {
        let (seconds, attoseconds) = components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// Whole milliseconds, rounded down (audit durations, round trips).
    public var wholeMilliseconds: Int {
        let (seconds, attoseconds) = components
        return Int(seconds) * 1000 + Int(attoseconds / 1_000_000_000_000_000)
    }
}
