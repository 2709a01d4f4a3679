import NIOCore
import NIOPosix
import NIOSSL

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns what NIO, the resolver and BoringSSL throw into the errors engineers read.
struct RouterOSErrorMapper: Sendable {
    let host: String
    let port: Int
    let connectSeconds: Int

    init(endpoint: RouterOSEndpoint) {
        host = endpoint.host
        port = endpoint.port
        connectSeconds = max(1, Int(endpoint.connectTimeout.secondsValue.rounded(.up)))
    }

    static let pinMismatch = RouterOSError.tls("certificate does not match the pinned fingerprint")

    /// An error from connecting (before any sentence was exchanged).
    func connectFailure(_ error: any Error) -> RouterOSError {
        if let error = error as? RouterOSError { return error }
        if let error = error as? NIOConnectionError {
            if let first = error.connectionErrors.first {
                if error.connectionErrors.contains(where: { isRefusal($0.error) }) { return .refused(host: host, port: port) }
                return connectFailure(first.error)
            }
            if error.dnsAError != nil || error.dnsAAAAError != nil {
                return .unreachable(host: host, port: port, reason: "the host name is not known")
            }
            return .unreachable(host: host, port: port, reason: "the host name has no address")
        }
        if let error = error as? ChannelError, case .connectTimeout = error {
            return .noAnswer(host: host, port: port, seconds: connectSeconds)
        }
        if let error = error as? IOError {
            if error.errnoCode == ECONNREFUSED { return .refused(host: host, port: port) }
            return .unreachable(host: host, port: port, reason: RouterOSErrorMapper.reason(errno: error.errnoCode))
        }
        if error is SocketAddressError {
            return .unreachable(host: host, port: port, reason: "the host name is not known")
        }
        if let mapped = tlsFailure(error, pinMismatch: false) { return mapped }
        return .unreachable(host: host, port: port, reason: "\(error)")
    }

    /// An error raised in the pipeline of an open channel (TLS handshake, framing, resets).
    func sessionFailure(_ error: any Error, pinMismatch: Bool) -> RouterOSError {
        if let error = error as? RouterOSError { return error }
        if let error = error as? RouterOSProtocolError { return .protocolError(error.description) }
        if let mapped = tlsFailure(error, pinMismatch: pinMismatch) { return mapped }
        return .connectionLost
    }

    private func tlsFailure(_ error: any Error, pinMismatch: Bool) -> RouterOSError? {
        if let error = error as? NIOSSLError {
            switch error {
            case .uncleanShutdown:
                return .connectionLost
            case .handshakeFailed(let cause):
                if pinMismatch { return RouterOSErrorMapper.pinMismatch }
                let text = "\(cause)"
                if text.contains("CERTIFICATE_VERIFY_FAILED") {
                    return .tls("the router's certificate is not trusted (pin its SHA-256 fingerprint or install a trusted certificate)")
                }
                return .tls("handshake failed: \(text)")
            default:
                return .tls("\(error)")
            }
        }
        if let error = error as? NIOSSLExtraError {
            if error == .failedToValidateHostname { return .tls("the certificate is not for \(host)") }
            return .tls("\(error)")
        }
        if error is BoringSSLError {
            return pinMismatch ? RouterOSErrorMapper.pinMismatch : .tls("\(error)")
        }
        return nil
    }

    private func isRefusal(_ error: any Error) -> Bool {
        (error as? IOError)?.errnoCode == ECONNREFUSED
    }

    static func reason(errno code: CInt) -> String {
        switch code {
        case EHOSTUNREACH: return "no route to the host"
        case ENETUNREACH: return "the network is unreachable"
        case ETIMEDOUT: return "the connection timed out"
        default:
            guard let text = strerror(code) else { return "error \(code)" }
            return String(cString: text).lowercased()
        }
    }
}
