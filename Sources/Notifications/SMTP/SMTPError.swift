/// Why a delivery failed. No case ever carries the password.
public enum SMTPError: Error, Sendable, CustomStringConvertible {
    /// TCP/TLS connection could not be set up, broke, or the server spoke something that is not SMTP.
    case connectionFailed(String)
    /// The server answered `command` (a verb such as "MAIL FROM", never with credentials) with an unexpected code.
    case unexpectedReply(command: String, code: Int, message: String)
    /// `.startTLS` was configured but the server does not offer or refused STARTTLS.
    case tlsUnavailable
    /// Credentials rejected, or no usable AUTH mechanism offered.
    case authenticationFailed(String)
    /// Connecting or waiting for a reply took longer than the configured timeout.
    case timeout
    /// A malformed address, or CR/LF (header injection) in an address, name, subject or header.
    case invalidAddress(String)

    public var description: String {
        switch self {
        case .connectionFailed(let reason):
            return "SMTP connection failed: \(reason)"
        case .unexpectedReply(let command, let code, let message):
            return "SMTP server replied \(code) to \(command): \(message)"
        case .tlsUnavailable:
            return "SMTP server does not offer STARTTLS"
        case .authenticationFailed(let reason):
            return "SMTP authentication failed: \(reason)"
        case .timeout:
            return "SMTP server did not answer in time"
        case .invalidAddress(let reason):
            return "Invalid email address or header: \(reason)"
        }
    }
}
