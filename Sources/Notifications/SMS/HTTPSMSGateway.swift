import Foundation
import MeghnaCore

/// A configurable HTTP SMS adapter: pure request building and response interpretation,
/// with the HTTP transport injected.
public struct HTTPSMSGateway: Sendable {
    public typealias Transport = @Sendable (HTTPRequestSpec) async throws -> HTTPResponseSpec

    public let configuration: SMSProviderConfiguration
    private let transport: Transport

    public init(configuration: SMSProviderConfiguration, transport: @escaping Transport) {
        self.configuration = configuration
        self.transport = transport
    }

    // MARK: Request

    /// Builds the provider request for `message`. Pure.
    ///
    /// Duplicate recipients are sent once. A message with more recipients than `batchLimit` is refused:
    /// split it (with a distinct client reference per batch) before sending.
    public func request(for message: SMSMessage) throws(SMSRequestError) -> HTTPRequestSpec {
        let config = configuration
        var recipients: [PhoneNumber] = []
        for phone in message.to where !recipients.contains(phone) { recipients.append(phone) }
        guard !recipients.isEmpty else { throw .noRecipients }
        guard recipients.count <= max(config.batchLimit, 1) else {
            throw .tooManyRecipients(count: recipients.count, limit: max(config.batchLimit, 1))
        }
        guard !message.text.isEmpty else { throw .emptyText }

        let bulk = recipients.count > 1 ? config.bulkEndpoint : nil
        let url = bulk?.url ?? config.url
        let toField = bulk?.toField ?? config.fields.to
        let referenceField = bulk?.clientReferenceField ?? config.fields.clientReference
        let recipientsAsArray = bulk?.recipientsAsArray ?? config.recipientsAsArray

        let numbers = try recipients.map { (phone) throws(SMSRequestError) -> String in
            try format(phone)
        }

        var parameters: [(name: String, value: SMSWire.Value)] = []
        if config.apiKeyHeader == nil, let field = config.fields.apiKey {
            parameters.append((field, .text(config.apiKey)))
        }
        if let field = config.fields.sender, let sender = config.senderID, !sender.isEmpty {
            parameters.append((field, .text(sender)))
        }
        if recipientsAsArray, config.encoding == .json {
            parameters.append((toField, .list(numbers)))
        } else {
            parameters.append((toField, .text(numbers.joined(separator: config.recipientSeparator))))
        }
        parameters.append((config.fields.text, .text(message.text)))
        if let field = referenceField {
            let reference = message.clientReference
            guard !reference.isEmpty else { throw .missingClientReference }
            if let limit = config.clientReferenceMaxLength, reference.count > limit {
                throw .clientReferenceTooLong(length: reference.count, limit: limit)
            }
            parameters.append((field, .text(reference)))
        }
        if let flag = config.unicodeFlag {
            let isUnicode = message.text.unicodeScalars.contains { !$0.isASCII }
            if let value = isUnicode ? flag.unicodeValue : flag.plainValue {
                parameters.append((flag.field, .text(value)))
            }
        }
        for extra in config.extraParameters {
            parameters.append((extra.name, .text(extra.value)))
        }

        guard let components = URLComponents(string: url),
              let scheme = components.scheme?.lowercased(), scheme == "https" || scheme == "http",
              let host = components.host, !host.isEmpty else {
            throw .invalidURL(url)
        }

        var headers: [String: String] = ["Accept": "application/json"]
        var finalURL = url
        var body: [UInt8]?
        switch config.encoding {
        case .query:
            let query = SMSWire.formEncode(parameters)
            finalURL = url + (url.contains("?") ? "&" : "?") + query
        case .form:
            headers["Content-Type"] = "application/x-www-form-urlencoded"
            body = Array(SMSWire.formEncode(parameters).utf8)
        case .json:
            headers["Content-Type"] = "application/json"
            var object: [String: Any] = [:]
            for (name, value) in parameters {
                switch value {
                case .text(let text): object[name] = text
                case .list(let items): object[name] = items
                }
            }
            guard let data = try? JSONSerialization.data(withJSONObject: object, options: SMSWire.jsonOptions) else {
                throw .encodingFailed("JSON serialisation failed")
            }
            body = Array(data)
        }
        if let header = config.apiKeyHeader {
            headers[header.name] = header.prefix + config.apiKey
        }
        for (name, value) in config.extraHeaders {
            headers[name] = value
        }
        return HTTPRequestSpec(method: config.method, url: finalURL, headers: headers, body: body)
    }

    private func format(_ phone: PhoneNumber) throws(SMSRequestError) -> String {
        switch configuration.phoneFormat {
        case .e164:
            return phone.e164
        case .countryCode:
            return String(phone.e164.dropFirst())
        case .local:
            guard phone.isBangladeshMobile else { throw .unsupportedRecipient(phone) }
            return phone.national
        }
    }

    // MARK: Response

    /// Classifies a provider response. Pure.
    public func interpret(_ response: HTTPResponseSpec) -> SMSResult {
        let config = configuration
        let rule = config.success
        let json = try? JSONSerialization.jsonObject(with: Data(response.body), options: [.fragmentsAllowed])
        let text = String(decoding: response.body, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)

        let statusOK = rule.httpStatuses.isEmpty
            ? (200..<300).contains(response.status)
            : rule.httpStatuses.contains(response.status)
        let conditionsOK = rule.jsonConditions.allSatisfy { condition in
            guard let json, let value = SMSWire.firstValue(in: json, paths: condition.paths) else { return false }
            return SMSWire.equal(value, condition.equals)
        }
        let prefixOK = rule.textPrefix.map { text.lowercased().hasPrefix($0.lowercased()) } ?? true
        if statusOK, conditionsOK, prefixOK {
            let messageID = json.flatMap { SMSWire.firstValue(in: $0, paths: config.messageIDPaths) }
            return .accepted(providerMessageID: messageID.flatMap { $0.isEmpty ? nil : $0 })
        }

        let code = json.flatMap { SMSWire.firstValue(in: $0, paths: config.errorCodePaths) }
        let providerMessage = json.flatMap { SMSWire.firstValue(in: $0, paths: config.errorMessagePaths) }
            .flatMap { $0.isEmpty ? nil : $0 }
        var detail = "\(config.name)"
        if let code { detail += " code \(code)" }
        detail += " (HTTP \(response.status))"
        if let providerMessage {
            detail += ": \(providerMessage)"
        } else if !text.isEmpty {
            detail += ": \(text.prefix(200))"
        }
        detail = redactSecrets(in: detail)

        if let code, let category = config.errorCategories[code] {
            return .failed(category, detail)
        }
        switch response.status {
        case 401, 403:
            return .failed(.authentication, detail)
        case 429:
            return .failed(.rateLimited, detail)
        case 500..<600:
            if config.clientReferenceIsIdempotencyKey {
                return .failed(.retryable, detail)
            }
            return .failed(.rejected, detail + " — outcome unknown; not retried because \(config.name) has no idempotency key")
        default:
            if statusOK, !conditionsOK, code == nil, json == nil {
                return .failed(.rejected, detail + " — unrecognised response")
            }
            return .failed(.rejected, detail)
        }
    }

    // MARK: Sending

    /// Builds, sends and interprets. Never throws.
    ///
    /// A transport failure is `.retryable` only when retrying cannot send the SMS twice: the transport threw
    /// `SMSTransportError.notSent`, or the provider treats the client reference as an idempotency key
    /// (SSL Wireless `csms_id`). Otherwise the outcome is unknown and it is reported as `.rejected`.
    public func send(_ message: SMSMessage) async -> SMSResult {
        let request: HTTPRequestSpec
        do {
            request = try self.request(for: message)
        } catch {
            return .failed(.rejected, error.description)
        }
        let response: HTTPResponseSpec
        do {
            response = try await transport(request)
        } catch let error as SMSTransportError {
            if case .notSent = error {
                return .failed(.retryable, "\(configuration.name): \(redactSecrets(in: error.description))")
            }
            return unknownOutcome(redactSecrets(in: error.description))
        } catch {
            return unknownOutcome(redactSecrets(in: String(describing: error)))
        }
        return interpret(response)
    }

    private func unknownOutcome(_ reason: String) -> SMSResult {
        if configuration.clientReferenceIsIdempotencyKey {
            return .failed(.retryable, "\(configuration.name): \(reason); safe to retry with the same client reference")
        }
        return .failed(
            .rejected,
            "\(configuration.name): \(reason); delivery unknown, not retried because \(configuration.name) has no idempotency key"
        )
    }

    // MARK: Redaction

    /// The request with secrets (the API key and secret extra parameters) replaced by `***`, for delivery logs.
    public func redacted(_ request: HTTPRequestSpec) -> HTTPRequestSpec {
        let config = configuration
        var secretNames: Set<String> = Set(config.extraParameters.filter(\.isSecret).map(\.name))
        if config.apiKeyHeader == nil, let field = config.fields.apiKey {
            secretNames.insert(field)
        }

        var copy = request
        copy.url = redactURL(request.url, secretNames: secretNames)

        var headers: [String: String] = [:]
        for (name, value) in request.headers {
            if let header = config.apiKeyHeader, header.name.caseInsensitiveCompare(name) == .orderedSame {
                headers[name] = SMSWire.mask
            } else {
                headers[name] = redactSecrets(in: value)
            }
        }
        copy.headers = headers

        if let body = request.body {
            let contentType = request.headers.first { $0.key.lowercased() == "content-type" }?.value.lowercased() ?? ""
            if contentType.contains("json"),
               let object = try? JSONSerialization.jsonObject(with: Data(body), options: [.fragmentsAllowed]),
               let data = try? JSONSerialization.data(
                   withJSONObject: redactJSON(object, secretNames: secretNames),
                   options: SMSWire.jsonOptions.union(.fragmentsAllowed)
               ) {
                copy.body = Array(data)
            } else if contentType.contains("x-www-form-urlencoded") {
                let text = String(decoding: body, as: UTF8.self)
                copy.body = Array(redactSecrets(in: redactForm(text, secretNames: secretNames)).utf8)
            } else {
                let text = String(decoding: body, as: UTF8.self)
                let redactedText = redactSecrets(in: text)
                if redactedText != text { copy.body = Array(redactedText.utf8) }
            }
        }
        return copy
    }

    private var secretValues: [String] {
        ([configuration.apiKey] + configuration.extraParameters.filter(\.isSecret).map(\.value))
            .filter { !$0.isEmpty }
    }

    /// Replaces every secret value, raw or percent-encoded or JSON-escaped, with `***`.
    private func redactSecrets(in text: String) -> String {
        var result = text
        for secret in secretValues {
            for form in Set([secret, SMSWire.percentEncode(secret), secret.replacingOccurrences(of: "/", with: "\\/")]) {
                result = result.replacingOccurrences(of: form, with: SMSWire.mask)
            }
        }
        return result
    }

    private func redactURL(_ url: String, secretNames: Set<String>) -> String {
        guard let queryStart = url.firstIndex(of: "?") else { return redactSecrets(in: url) }
        let base = url[..<queryStart]
        let query = String(url[url.index(after: queryStart)...])
        return redactSecrets(in: base + "?" + redactForm(query, secretNames: secretNames))
    }

    private func redactForm(_ text: String, secretNames: Set<String>) -> String {
        text.split(separator: "&", omittingEmptySubsequences: false).map { pair -> String in
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = SMSWire.formDecode(String(parts[0]))
            if parts.count == 2, secretNames.contains(name) {
                return "\(parts[0])=\(SMSWire.mask)"
            }
            return String(pair)
        }.joined(separator: "&")
    }

    private func redactJSON(_ value: Any, secretNames: Set<String>) -> Any {
        if let object = value as? [String: Any] {
            var result: [String: Any] = [:]
            for (key, item) in object {
                result[key] = secretNames.contains(key) ? SMSWire.mask : redactJSON(item, secretNames: secretNames)
            }
            return result
        }
        if let array = value as? [Any] {
            return array.map { redactJSON($0, secretNames: secretNames) }
        }
        if let string = value as? String {
            return redactSecrets(in: string)
        }
        return value
    }
}

// MARK: - Wire helpers

enum SMSWire {
    enum Value {
        case text(String)
        case list([String])
    }

    static let mask = "***"
    static var jsonOptions: JSONSerialization.WritingOptions { [.sortedKeys, .withoutEscapingSlashes] }

    /// RFC 3986 unreserved characters stay; everything else is percent-encoded as UTF-8 (space → %20).
    static func percentEncode(_ text: String) -> String {
        var result = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                 UInt8(ascii: "0")...UInt8(ascii: "9"),
                 UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"):
                result.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }

    static func formEncode(_ parameters: [(name: String, value: Value)]) -> String {
        parameters.map { name, value in
            let text: String
            switch value {
            case .text(let single): text = single
            case .list(let items): text = items.joined(separator: ",")
            }
            return percentEncode(name) + "=" + percentEncode(text)
        }.joined(separator: "&")
    }

    static func formDecode(_ text: String) -> String {
        let spaced = text.replacingOccurrences(of: "+", with: " ")
        return spaced.removingPercentEncoding ?? spaced
    }

    /// The value at the first path present (and not null), as text.
    static func firstValue(in json: Any, paths: [String]) -> String? {
        for path in paths {
            if let value = value(in: json, path: path), let text = stringify(value) {
                return text
            }
        }
        return nil
    }

    static func value(in json: Any, path: String) -> Any? {
        let normalised = path.replacingOccurrences(of: "[", with: ".").replacingOccurrences(of: "]", with: "")
        var current: Any = json
        for component in normalised.split(separator: ".") {
            if let object = current as? [String: Any], let next = object[String(component)] {
                current = next
            } else if let array = current as? [Any], let index = Int(component), array.indices.contains(index) {
                current = array[index]
            } else {
                return nil
            }
        }
        return current
    }

    /// Strings as is; numbers without a trailing ".0"; booleans as true/false; null and containers → nil.
    static func stringify(_ value: Any) -> String? {
        if let string = value as? String { return string }
        if let number = value as? NSNumber {
            if String(cString: number.objCType) == "c" {
                return number.boolValue ? "true" : "false"
            }
            let double = number.doubleValue
            if double.rounded() == double, abs(double) < 9_007_199_254_740_992 {
                return String(number.int64Value)
            }
            return "\(double)"
        }
        return nil
    }

    /// Textual comparison that also treats "202" and "202.0" as equal and ignores letter case.
    static func equal(_ actual: String, _ expected: String) -> Bool {
        if actual.caseInsensitiveCompare(expected) == .orderedSame { return true }
        if let a = Double(actual.trimmingCharacters(in: .whitespaces)),
           let b = Double(expected.trimmingCharacters(in: .whitespaces)) {
            return a == b
        }
        return false
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
