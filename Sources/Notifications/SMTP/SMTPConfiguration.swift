/// How to reach and authenticate with an SMTP server.
///
/// The password is never part of `description`, `debugDescription` or the reflection mirror,
/// so logging a configuration does not leak it.
public struct SMTPConfiguration: Sendable {
    public enum Security: String, Sendable, Codable {
        /// Plain TCP. Credentials, if set, travel in clear text.
        case none
        /// Plain TCP upgraded with `STARTTLS` (usually port 587). Fails with
        /// `SMTPError.tlsUnavailable` when the server does not offer it; never falls back to clear text.
        case startTLS = "starttls"
        /// Implicit TLS from the first byte (usually port 465).
        case tls
    }

    public var host: String
    public var port: Int
    public var security: Security
    public var username: String?
    public var password: String?
    /// The name sent with EHLO/HELO.
    public var heloName: String
    /// Limit for establishing the connection and for each single server reply.
    public var timeout: Duration
    /// Verify the server certificate chain and host name. Set to `false` only in tests.
    public var verifyCertificates: Bool

    public init(
        host: String,
        port: Int,
        security: Security,
        username: String? = nil,
        password: String? = nil,
        heloName: String = "localhost",
        timeout: Duration = .seconds(30),
        verifyCertificates: Bool = true
    ) {
        self.host = host
        self.port = port
        self.security = security
        self.username = username
        self.password = password
        self.heloName = heloName
        self.timeout = timeout
        self.verifyCertificates = verifyCertificates
    }
}

extension SMTPConfiguration: CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    public var description: String {
        var parts = ["\(host):\(port)", "security=\(security.rawValue)"]
        if let username { parts.append("username=\(username)") }
        if password != nil { parts.append("password=<redacted>") }
        parts.append("helo=\(heloName)")
        parts.append("timeout=\(timeout)")
        if !verifyCertificates { parts.append("verifyCertificates=false") }
        return "SMTPConfiguration(\(parts.joined(separator: ", ")))"
    }

    public var debugDescription: String { description }

    public var customMirror: Mirror {
        Mirror(
            self,
            children: [
                "host": host,
                "port": port,
                "security": security,
                "username": username as Any,
                "password": (password == nil ? "nil" : "<redacted>") as Any,
                "heloName": heloName,
                "timeout": timeout,
                "verifyCertificates": verifyCertificates,
            ],
            displayStyle: .struct
        )
    }
}
