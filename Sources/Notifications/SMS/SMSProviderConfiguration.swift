import Foundation

/// Built-in provider presets (see `SMSProviderConfiguration.preset(_:apiKey:senderID:)`).
public enum SMSProviderPreset: String, Sendable, Codable, CaseIterable {
    case sslWireless = "ssl_wireless"
    case bulkSMSBD = "bulksmsbd"
    case alphaSMS = "alpha_sms"
}

/// Everything a generic HTTP SMS adapter needs to talk to one provider.
///
/// Request: `method` + `url`, parameters encoded per `encoding` in this order: API key, sender,
/// recipients, text, client reference, unicode flag, extra parameters.
/// Response: accepted when `success` holds; otherwise the error code found at `errorCodePaths`
/// is mapped through `errorCategories`, falling back to the HTTP status.
///
/// JSON paths are dot-separated (`data.request_id`, `smsinfo.0.reference_id`; `smsinfo[0]` also works).
/// Comparisons are textual, so `"202"` equals the JSON number `202`.
public struct SMSProviderConfiguration: Sendable, Codable, Equatable, CustomStringConvertible {
    public enum BodyEncoding: String, Sendable, Codable {
        /// Parameters in the URL query string, no body.
        case query
        /// `application/x-www-form-urlencoded` body.
        case form
        /// JSON object body.
        case json
    }

    public enum PhoneFormat: String, Sendable, Codable {
        /// `01712345678` (Bangladeshi numbers only).
        case local
        /// `8801712345678` (country code, no plus).
        case countryCode
        /// `+8801712345678`.
        case e164
    }

    /// Provider parameter names for the logical fields. `nil` leaves the field out.
    public struct FieldNames: Sendable, Codable, Equatable {
        public var apiKey: String?
        public var sender: String?
        public var to: String
        public var text: String
        public var clientReference: String?

        public init(apiKey: String?, sender: String?, to: String, text: String, clientReference: String? = nil) {
            self.apiKey = apiKey
            self.sender = sender
            self.to = to
            self.text = text
            self.clientReference = clientReference
        }
    }

    /// A fixed parameter sent with every request. Secret ones are redacted in logs.
    public struct Parameter: Sendable, Codable, Equatable {
        public var name: String
        public var value: String
        public var isSecret: Bool

        public init(name: String, value: String, isSecret: Bool = false) {
            self.name = name
            self.value = value
            self.isSecret = isSecret
        }

        private enum CodingKeys: String, CodingKey { case name, value, isSecret }

        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            value = try container.decode(String.self, forKey: .value)
            isSecret = try container.decodeIfPresent(Bool.self, forKey: .isSecret) ?? false
        }
    }

    /// Sends the API key in a header (e.g. `Authorization: App <key>`) instead of a parameter.
    public struct APIKeyHeader: Sendable, Codable, Equatable {
        public var name: String
        public var prefix: String

        public init(name: String, prefix: String = "") {
            self.name = name
            self.prefix = prefix
        }
    }

    /// A separate endpoint used when a message has more than one recipient.
    public struct BulkEndpoint: Sendable, Codable, Equatable {
        public var url: String
        /// Recipient parameter name on this endpoint; `nil` keeps `fields.to`.
        public var toField: String?
        /// Client-reference parameter name on this endpoint; `nil` keeps `fields.clientReference`.
        public var clientReferenceField: String?
        /// JSON only: send recipients as an array instead of a joined string.
        public var recipientsAsArray: Bool

        public init(url: String, toField: String? = nil, clientReferenceField: String? = nil, recipientsAsArray: Bool = false) {
            self.url = url
            self.toField = toField
            self.clientReferenceField = clientReferenceField
            self.recipientsAsArray = recipientsAsArray
        }
    }

    /// A parameter telling the provider the text is Unicode (e.g. Bangla).
    public struct UnicodeFlag: Sendable, Codable, Equatable {
        public var field: String
        public var unicodeValue: String
        /// Sent for plain ASCII text; `nil` leaves the parameter out.
        public var plainValue: String?

        public init(field: String, unicodeValue: String, plainValue: String? = nil) {
            self.field = field
            self.unicodeValue = unicodeValue
            self.plainValue = plainValue
        }
    }

    /// The value at the first of `paths` present in the JSON response must equal `equals`.
    public struct JSONCondition: Sendable, Codable, Equatable {
        public var paths: [String]
        public var equals: String

        public init(paths: [String], equals: String) {
            self.paths = paths
            self.equals = equals
        }

        public init(path: String, equals: String) {
            self.init(paths: [path], equals: equals)
        }
    }

    /// When a response means "accepted".
    public struct SuccessRule: Sendable, Codable, Equatable {
        /// Accepted HTTP statuses; empty means any 2xx.
        public var httpStatuses: [Int]
        /// All must hold (requires a JSON body when non-empty).
        public var jsonConditions: [JSONCondition]
        /// When set, the trimmed body text must start with this (for plain-text providers).
        public var textPrefix: String?

        public init(httpStatuses: [Int] = [], jsonConditions: [JSONCondition] = [], textPrefix: String? = nil) {
            self.httpStatuses = httpStatuses
            self.jsonConditions = jsonConditions
            self.textPrefix = textPrefix
        }
    }

    /// Shown in result messages and logs, e.g. "SSL Wireless".
    public var name: String
    public var method: String
    public var url: String
    public var encoding: BodyEncoding
    public var apiKey: String
    /// Omitted from the request when nil or empty.
    public var senderID: String?
    public var fields: FieldNames
    public var apiKeyHeader: APIKeyHeader?
    public var extraParameters: [Parameter]
    public var extraHeaders: [String: String]
    public var phoneFormat: PhoneFormat
    public var recipientSeparator: String
    /// JSON only: send recipients as an array instead of a joined string.
    public var recipientsAsArray: Bool
    /// Most recipients per request; larger messages are refused by `request(for:)`.
    public var batchLimit: Int
    public var bulkEndpoint: BulkEndpoint?
    public var unicodeFlag: UnicodeFlag?
    public var success: SuccessRule
    public var messageIDPaths: [String]
    public var errorCodePaths: [String]
    public var errorMessagePaths: [String]
    /// Provider error code (as text) → category.
    public var errorCategories: [String: SMSFailureCategory]
    /// True when the provider rejects a repeated client reference, so a retry cannot send twice.
    public var clientReferenceIsIdempotencyKey: Bool
    public var clientReferenceMaxLength: Int?

    public init(
        name: String,
        method: String = "POST",
        url: String,
        encoding: BodyEncoding,
        apiKey: String,
        senderID: String?,
        fields: FieldNames,
        apiKeyHeader: APIKeyHeader? = nil,
        extraParameters: [Parameter] = [],
        extraHeaders: [String: String] = [:],
        phoneFormat: PhoneFormat = .countryCode,
        recipientSeparator: String = ",",
        recipientsAsArray: Bool = false,
        batchLimit: Int = 100,
        bulkEndpoint: BulkEndpoint? = nil,
        unicodeFlag: UnicodeFlag? = nil,
        success: SuccessRule,
        messageIDPaths: [String] = [],
        errorCodePaths: [String] = [],
        errorMessagePaths: [String] = [],
        errorCategories: [String: SMSFailureCategory] = [:],
        clientReferenceIsIdempotencyKey: Bool = false,
        clientReferenceMaxLength: Int? = nil
    ) {
        self.name = name
        self.method = method
        self.url = url
        self.encoding = encoding
        self.apiKey = apiKey
        self.senderID = senderID
        self.fields = fields
        self.apiKeyHeader = apiKeyHeader
        self.extraParameters = extraParameters
        self.extraHeaders = extraHeaders
        self.phoneFormat = phoneFormat
        self.recipientSeparator = recipientSeparator
        self.recipientsAsArray = recipientsAsArray
        self.batchLimit = batchLimit
        self.bulkEndpoint = bulkEndpoint
        self.unicodeFlag = unicodeFlag
        self.success = success
        self.messageIDPaths = messageIDPaths
        self.errorCodePaths = errorCodePaths
        self.errorMessagePaths = errorMessagePaths
        self.errorCategories = errorCategories
        self.clientReferenceIsIdempotencyKey = clientReferenceIsIdempotencyKey
        self.clientReferenceMaxLength = clientReferenceMaxLength
    }

    /// Never prints the API key or secret parameters.
    public var description: String {
        "SMSProviderConfiguration(name: \(name), method: \(method), url: \(url), encoding: \(encoding.rawValue), apiKey: ***)"
    }

    /// Ready-made configurations, following payments-sms.md §6.
    ///
    /// - SSL Wireless ISMS Plus v3: JSON `{api_token, sid, msisdn, sms, csms_id}` to
    ///   `https://smsplus.sslwireless.com/api/v3/send-sms`; several recipients go to `/send-sms/bulk`
    ///   with an `msisdn` array (≤ 100) and `batch_csms_id`. Success: `status` SUCCESS and `status_code` 200.
    /// - BulkSMSBD: form `{api_key, senderid, number, message}` to `https://bulksmsbd.net/api/smsapi`,
    ///   numbers `8801…` comma-separated. Success: `response_code` (or `code`) 202.
    /// - Alpha SMS (sms.net.bd): form `{api_key, msg, to, sender_id}` to `https://api.sms.net.bd/sendsms`,
    ///   `sender_id` left out when `senderID` is empty. Success: `error` 0, id at `data.request_id`.
    public static func preset(_ preset: SMSProviderPreset, apiKey: String, senderID: String) -> SMSProviderConfiguration {
        switch preset {
        case .sslWireless:
            return SMSProviderConfiguration(
                name: "SSL Wireless",
                method: "POST",
                url: "https://smsplus.sslwireless.com/api/v3/send-sms",
                encoding: .json,
                apiKey: apiKey,
                senderID: senderID,
                fields: FieldNames(apiKey: "api_token", sender: "sid", to: "msisdn", text: "sms", clientReference: "csms_id"),
                phoneFormat: .countryCode,
                batchLimit: 100,
                bulkEndpoint: BulkEndpoint(
                    url: "https://smsplus.sslwireless.com/api/v3/send-sms/bulk",
                    toField: "msisdn",
                    clientReferenceField: "batch_csms_id",
                    recipientsAsArray: true
                ),
                success: SuccessRule(
                    httpStatuses: [],
                    jsonConditions: [
                        JSONCondition(path: "status", equals: "SUCCESS"),
                        JSONCondition(path: "status_code", equals: "200"),
                    ]
                ),
                messageIDPaths: ["smsinfo.0.reference_id"],
                errorCodePaths: ["status_code"],
                errorMessagePaths: ["error_message"],
                errorCategories: [
                    "4001": .authentication,   // Unauthorized
                    "4002": .authentication,   // SID not permitted
                    "4003": .authentication,   // IP blacklisted
                    "4023": .rejected,         // duplicate csms_id: this reference was already accepted
                    "4025": .invalidNumber,    // invalid msisdn
                    "4026": .invalidNumber,    // blocked msisdn
                    "4029": .rateLimited,      // too many requests
                    "4031": .rateLimited,      // TPS exceeded
                ],
                clientReferenceIsIdempotencyKey: true,
                clientReferenceMaxLength: 20
            )
        case .bulkSMSBD:
            return SMSProviderConfiguration(
                name: "BulkSMSBD",
                method: "POST",
                url: "https://bulksmsbd.net/api/smsapi",
                encoding: .form,
                apiKey: apiKey,
                senderID: senderID,
                fields: FieldNames(apiKey: "api_key", sender: "senderid", to: "number", text: "message"),
                phoneFormat: .countryCode,
                recipientSeparator: ",",
                batchLimit: 100,
                success: SuccessRule(
                    httpStatuses: [],
                    jsonConditions: [JSONCondition(paths: ["response_code", "code"], equals: "202")]
                ),
                messageIDPaths: ["message_id"],
                errorCodePaths: ["response_code", "code"],
                errorMessagePaths: ["error_message", "message"],
                errorCategories: [
                    "1001": .invalidNumber,    // invalid number
                    "1002": .rejected,         // sender ID not correct or disabled
                    "1007": .balance,          // balance insufficient
                    "1032": .authentication,   // IP not whitelisted
                ]
            )
        case .alphaSMS:
            return SMSProviderConfiguration(
                name: "Alpha SMS",
                method: "POST",
                url: "https://api.sms.net.bd/sendsms",
                encoding: .form,
                apiKey: apiKey,
                senderID: senderID,
                fields: FieldNames(apiKey: "api_key", sender: "sender_id", to: "to", text: "msg"),
                phoneFormat: .countryCode,
                recipientSeparator: ",",
                batchLimit: 100,
                success: SuccessRule(httpStatuses: [], jsonConditions: [JSONCondition(path: "error", equals: "0")]),
                messageIDPaths: ["data.request_id"],
                errorCodePaths: ["error"],
                errorMessagePaths: ["msg"],
                errorCategories: [
                    "403": .authentication,    // no permission
                    "405": .authentication,    // authorization required
                    "416": .invalidNumber,     // no valid number found
                    "417": .balance,           // insufficient balance
                ]
            )
        }
    }
}
