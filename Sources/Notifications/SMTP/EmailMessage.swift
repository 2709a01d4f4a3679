/// A mailbox: an address plus an optional display name (which may be any Unicode text).
public struct EmailAddress: Sendable, Hashable {
    public var address: String
    public var name: String?

    public init(_ address: String, name: String? = nil) {
        self.address = address
        self.name = name
    }
}

/// One email to deliver. `textBody` is always sent; when `htmlBody` is set the message
/// becomes `multipart/alternative` with both parts.
///
/// `headers` are extra header fields (for example `Reply-To` or `X-Meghna-Invoice`). Names must be
/// printable ASCII without `:`; the fields the client writes itself (Date, From, To, Subject,
/// Message-ID, MIME-Version, Content-*) cannot be overridden here. Values may be Unicode and are
/// encoded as RFC 2047 words when needed.
public struct EmailMessage: Sendable {
    public var from: EmailAddress
    public var to: [EmailAddress]
    public var subject: String
    public var textBody: String
    public var htmlBody: String?
    /// With or without angle brackets; generated (`<uuid@sender-domain>`) when nil.
    public var messageID: String?
    public var headers: [String: String]

    public init(
        from: EmailAddress,
        to: [EmailAddress],
        subject: String,
        textBody: String,
        htmlBody: String? = nil,
        messageID: String? = nil,
        headers: [String: String] = [:]
    ) {
        self.from = from
        self.to = to
        self.subject = subject
        self.textBody = textBody
        self.htmlBody = htmlBody
        self.messageID = messageID
        self.headers = headers
    }
}
