import Foundation
import MeghnaCore

/// One SMS to send: the same text to one or more recipients.
public struct SMSMessage: Sendable {
    public var to: [PhoneNumber]
    public var text: String
    /// Your own unique reference for this send, at most 20 characters. Sent as SSL Wireless `csms_id`
    /// (`batch_csms_id` for several recipients), where it doubles as an idempotency key.
    public var clientReference: String

    public init(to: [PhoneNumber], text: String, clientReference: String) {
        self.to = to
        self.text = text
        self.clientReference = clientReference
    }
}

/// A transport-neutral HTTP request.
public struct HTTPRequestSpec: Sendable, Equatable {
    public var method: String
    public var url: String
    public var headers: [String: String]
    public var body: [UInt8]?

    public init(method: String, url: String, headers: [String: String] = [:], body: [UInt8]? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }
}

/// A transport-neutral HTTP response.
public struct HTTPResponseSpec: Sendable {
    public var status: Int
    public var body: [UInt8]

    public init(status: Int, body: [UInt8]) {
        self.status = status
        self.body = body
    }

    /// Convenience for a UTF-8 text body.
    public init(status: Int, text: String) {
        self.init(status: status, body: Array(text.utf8))
    }
}

/// Why a provider did not accept an SMS.
public enum SMSFailureCategory: String, Sendable, Codable {
    /// Bad API key, unknown sender account, or this server's IP is not allowed.
    case authentication
    /// Not enough credit.
    case balance
    /// The recipient number was refused.
    case invalidNumber
    /// Too many requests; try again later.
    case rateLimited
    /// Refused for another reason (bad sender ID, duplicate reference, content, unknown outcome…). Do not retry as is.
    case rejected
    /// Failed in a way that is safe to retry with the same message and client reference.
    case retryable
}

/// The outcome of one send attempt.
public enum SMSResult: Sendable, Equatable {
    /// The provider accepted the message for delivery (not a delivery report).
    case accepted(providerMessageID: String?)
    case failed(SMSFailureCategory, String)
}

/// Errors an `HTTPSMSGateway.Transport` can throw to say whether the request reached the provider.
/// Any other error is treated like `outcomeUnknown`.
public enum SMSTransportError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request never left this machine (DNS failure, connection refused, TLS handshake failure),
    /// so retrying cannot send the SMS twice.
    case notSent(String)
    /// The request may have reached the provider (timeout, connection reset while waiting for the answer).
    case outcomeUnknown(String)

    public var description: String {
        switch self {
        case .notSent(let reason): return "request not sent: \(reason)"
        case .outcomeUnknown(let reason): return "outcome unknown: \(reason)"
        }
    }
}

/// Why `HTTPSMSGateway.request(for:)` could not build a request.
public enum SMSRequestError: Error, Sendable, Equatable, CustomStringConvertible {
    case noRecipients
    case tooManyRecipients(count: Int, limit: Int)
    case emptyText
    case missingClientReference
    case clientReferenceTooLong(length: Int, limit: Int)
    /// The provider's phone format cannot express this number (e.g. a foreign number in local `01…` form).
    case unsupportedRecipient(PhoneNumber)
    case invalidURL(String)
    case encodingFailed(String)

    public var description: String {
        switch self {
        case .noRecipients:
            return "The message has no recipients."
        case .tooManyRecipients(let count, let limit):
            return "The message has \(count) recipients but the provider accepts at most \(limit) per request; split it into batches."
        case .emptyText:
            return "The message text is empty."
        case .missingClientReference:
            return "The message needs a client reference for this provider."
        case .clientReferenceTooLong(let length, let limit):
            return "The client reference is \(length) characters long but the provider allows at most \(limit)."
        case .unsupportedRecipient(let phone):
            return "The provider's number format cannot express \(phone)."
        case .invalidURL(let url):
            return "The provider URL \"\(url)\" is not a valid URL."
        case .encodingFailed(let reason):
            return "The request body could not be encoded: \(reason)."
        }
    }
}
