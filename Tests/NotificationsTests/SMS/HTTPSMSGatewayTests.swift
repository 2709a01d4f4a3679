import Foundation
import MeghnaCore
import Notifications
import Testing

/// A made-up provider exercising the generic options: query encoding, header key, local numbers,
/// "+" separator, unicode flag, extra and secret parameters, text-prefix success.
private func customConfiguration() -> SMSProviderConfiguration {
    SMSProviderConfiguration(
        name: "Custom",
        method: "GET",
        url: "https://sms.example.com/api/send?version=2",
        encoding: .query,
        apiKey: smsTestAPIKey,
        senderID: "ISP",
        fields: .init(apiKey: "token", sender: "from", to: "to", text: "body", clientReference: "ref"),
        extraParameters: [
            .init(name: "type", value: "sms"),
            .init(name: "password", value: "hunter2secret", isSecret: true),
        ],
        phoneFormat: .local,
        recipientSeparator: "+",
        batchLimit: 3,
        unicodeFlag: .init(field: "unicode", unicodeValue: "1", plainValue: "0"),
        success: .init(httpStatuses: [200], textPrefix: "Ok:"),
        errorCategories: [:]
    )
}

@Suite("HTTPSMSGateway generic behaviour")
struct HTTPSMSGatewayTests {
    @Test func queryEncodingWithLocalNumbersAndPlusSeparator() throws {
        let gateway = smsOfflineGateway(customConfiguration())
        let request = try gateway.request(for: SMSMessage(
            to: [try smsPhone("+8801712345678"), try smsPhone("8801812345678")],
            text: "Hello & bye",
            clientReference: "R-1"
        ))
        #expect(request.method == "GET")
        #expect(request.body == nil)
        #expect(request.headers["Content-Type"] == nil)
        #expect(request.url.hasPrefix("https://sms.example.com/api/send?version=2&"))
        let query = String(request.url.split(separator: "?", maxSplits: 1)[1])
        let pairs = smsFormPairs(query)
        #expect(pairs.map(\.0) == ["version", "token", "from", "to", "body", "ref", "unicode", "type", "password"])
        #expect(Dictionary(pairs, uniquingKeysWith: { a, _ in a }) == [
            "version": "2",
            "token": smsTestAPIKey,
            "from": "ISP",
            "to": "01712345678+01812345678",
            "body": "Hello & bye",
            "ref": "R-1",
            "unicode": "0",
            "type": "sms",
            "password": "hunter2secret",
        ])
        #expect(query.contains("to=01712345678%2B01812345678"))
    }

    @Test func unicodeFlagFollowsTheText() throws {
        let gateway = smsOfflineGateway(customConfiguration())
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "বকেয়া বিল", clientReference: "R"))
        let pairs = Dictionary(smsFormPairs(String(request.url.split(separator: "?")[1])), uniquingKeysWith: { a, _ in a })
        #expect(pairs["unicode"] == "1")
        #expect(pairs["body"] == "বকেয়া বিল")
    }

    @Test func phoneFormats() throws {
        var configuration = customConfiguration()
        configuration.encoding = .json
        configuration.method = "POST"
        let message = SMSMessage(to: [try smsPhone("01712345678")], text: "x", clientReference: "R")

        configuration.phoneFormat = .e164
        #expect(try smsJSONBody(smsOfflineGateway(configuration).request(for: message))["to"] == .string("+8801712345678"))
        configuration.phoneFormat = .countryCode
        #expect(try smsJSONBody(smsOfflineGateway(configuration).request(for: message))["to"] == .string("8801712345678"))
        configuration.phoneFormat = .local
        #expect(try smsJSONBody(smsOfflineGateway(configuration).request(for: message))["to"] == .string("01712345678"))

        let foreign = SMSMessage(to: [try smsPhone("+44 20 7946 0958")], text: "x", clientReference: "R")
        #expect(throws: SMSRequestError.unsupportedRecipient(try smsPhone("+442079460958"))) {
            try smsOfflineGateway(configuration).request(for: foreign)
        }
        configuration.phoneFormat = .e164
        #expect(try smsJSONBody(smsOfflineGateway(configuration).request(for: foreign))["to"] == .string("+442079460958"))
    }

    @Test func refusesInvalidMessages() throws {
        let gateway = smsOfflineGateway(customConfiguration())
        let one = [try smsPhone("01712345678")]
        #expect(throws: SMSRequestError.noRecipients) {
            try gateway.request(for: SMSMessage(to: [], text: "x", clientReference: "R"))
        }
        #expect(throws: SMSRequestError.emptyText) {
            try gateway.request(for: SMSMessage(to: one, text: "", clientReference: "R"))
        }
        let four = try ["01712345678", "01812345678", "01912345678", "01512345678"].map(smsPhone)
        #expect(throws: SMSRequestError.tooManyRecipients(count: 4, limit: 3)) {
            try gateway.request(for: SMSMessage(to: four, text: "x", clientReference: "R"))
        }
        var broken = customConfiguration()
        broken.url = "not a url"
        #expect(throws: SMSRequestError.invalidURL("not a url")) {
            try smsOfflineGateway(broken).request(for: SMSMessage(to: one, text: "x", clientReference: "R"))
        }
    }

    @Test func textPrefixSuccessRule() {
        let gateway = smsOfflineGateway(customConfiguration())
        #expect(gateway.interpret(smsResponse("Ok: 1 message queued")) == .accepted(providerMessageID: nil))
        #expect(gateway.interpret(smsResponse(201, "Ok: queued")) == .failed(.rejected, "Custom (HTTP 201): Ok: queued"))
        #expect(gateway.interpret(smsResponse("Error: invalid token")) == .failed(.rejected, "Custom (HTTP 200): Error: invalid token"))
    }

    @Test func httpStatusFallbacks() {
        let gateway = smsOfflineGateway(customConfiguration())
        #expect(gateway.interpret(smsResponse(401, "denied")) == .failed(.authentication, "Custom (HTTP 401): denied"))
        #expect(gateway.interpret(smsResponse(403, "")) == .failed(.authentication, "Custom (HTTP 403)"))
        #expect(gateway.interpret(smsResponse(429, "slow down")) == .failed(.rateLimited, "Custom (HTTP 429): slow down"))
        guard case .failed(.rejected, _) = gateway.interpret(smsResponse(503, "busy")) else {
            Issue.record("503 without an idempotency key must not be retryable")
            return
        }
    }

    @Test func failureMessagesNeverEchoTheKey() {
        let gateway = smsOfflineGateway(.preset(.bulkSMSBD, apiKey: smsTestAPIKey, senderID: "S"))
        let result = gateway.interpret(smsResponse(#"{"response_code":1003,"error_message":"bad key \#(smsTestAPIKey)"}"#))
        #expect(result == .failed(.rejected, "BulkSMSBD code 1003 (HTTP 200): bad key ***"))
    }

    @Test func jsonPathsAcceptBracketsAndNesting() {
        var configuration = SMSProviderConfiguration.preset(.sslWireless, apiKey: "k", senderID: "s")
        configuration.messageIDPaths = ["smsinfo[0].reference_id"]
        configuration.success.jsonConditions.append(.init(path: "smsinfo[0].sms_status", equals: "success"))
        let gateway = smsOfflineGateway(configuration)
        let body = #"{"status":"SUCCESS","status_code":200.0,"smsinfo":[{"sms_status":"SUCCESS","reference_id":42}]}"#
        #expect(gateway.interpret(smsResponse(body)) == .accepted(providerMessageID: "42"))
        let failed = #"{"status":"SUCCESS","status_code":200,"smsinfo":[{"sms_status":"FAILED"}]}"#
        guard case .failed = gateway.interpret(smsResponse(failed)) else {
            Issue.record("per-recipient failure must not be accepted")
            return
        }
    }

    @Test func redactionCoversURLHeadersAndSecretExtras() throws {
        var configuration = customConfiguration()
        configuration.extraHeaders = ["X-Trace": "trace-1"]
        let gateway = smsOfflineGateway(configuration)
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R"))
        let redacted = gateway.redacted(request)
        #expect(!redacted.url.contains("k3y"))
        #expect(!redacted.url.contains("hunter2secret"))
        let pairs = Dictionary(smsFormPairs(String(redacted.url.split(separator: "?")[1])), uniquingKeysWith: { a, _ in a })
        #expect(pairs["token"] == "***")
        #expect(pairs["password"] == "***")
        #expect(pairs["body"] == "Hi")
        #expect(pairs["to"] == "01712345678")
        #expect(redacted.headers["X-Trace"] == "trace-1")
    }

    @Test func redactionOfHeaderKey() throws {
        var configuration = customConfiguration()
        configuration.fields.apiKey = nil
        configuration.apiKeyHeader = .init(name: "Authorization", prefix: "App ")
        configuration.encoding = .json
        configuration.method = "POST"
        let gateway = smsOfflineGateway(configuration)
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R"))
        #expect(request.headers["Authorization"] == "App \(smsTestAPIKey)")
        #expect(try smsJSONBody(request)["token"] == nil)
        let redacted = gateway.redacted(request)
        #expect(redacted.headers["Authorization"] == "***")
        #expect(try smsJSONBody(redacted)["password"] == .string("***"))
        #expect(!smsBodyText(redacted).contains("hunter2secret"))
    }

    @Test func codableConfigurationDefaultsIsSecret() throws {
        let json = #"{"name":"type","value":"sms"}"#
        let parameter = try JSONDecoder().decode(SMSProviderConfiguration.Parameter.self, from: Data(json.utf8))
        #expect(parameter == .init(name: "type", value: "sms", isSecret: false))
    }
}

@Suite("HTTPSMSGateway sending")
struct HTTPSMSGatewaySendTests {
    @Test func sendPassesTheBuiltRequestAndInterpretsTheAnswer() async throws {
        let log = SMSRequestLog()
        let gateway = HTTPSMSGateway(configuration: .preset(.alphaSMS, apiKey: smsTestAPIKey, senderID: "")) { request in
            await log.record(request)
            return HTTPResponseSpec(status: 200, text: #"{"error":0,"msg":"ok","data":{"request_id":99}}"#)
        }
        let message = SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R")
        #expect(await gateway.send(message) == .accepted(providerMessageID: "99"))
        #expect(await log.requests == [try gateway.request(for: message)])
    }

    @Test func invalidMessageIsRejectedWithoutCallingTheTransport() async throws {
        let log = SMSRequestLog()
        let gateway = HTTPSMSGateway(configuration: .preset(.alphaSMS, apiKey: smsTestAPIKey, senderID: "")) { request in
            await log.record(request)
            return HTTPResponseSpec(status: 200, text: "{}")
        }
        let result = await gateway.send(SMSMessage(to: [], text: "Hi", clientReference: "R"))
        #expect(result == .failed(.rejected, SMSRequestError.noRecipients.description))
        #expect(await log.requests.isEmpty)
    }

    @Test func requestNotSentIsAlwaysRetryable() async throws {
        let gateway = HTTPSMSGateway(configuration: .preset(.bulkSMSBD, apiKey: smsTestAPIKey, senderID: "S")) { _ in
            throw SMSTransportError.notSent("connection refused")
        }
        let result = await gateway.send(SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R"))
        #expect(result == .failed(.retryable, "BulkSMSBD: request not sent: connection refused"))
    }

    @Test func unknownOutcomeIsRetryableOnlyWithIdempotencyKey() async throws {
        let message = SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R")
        let failing: HTTPSMSGateway.Transport = { _ in throw SMSTestError.connectionReset }

        let ssl = HTTPSMSGateway(configuration: .preset(.sslWireless, apiKey: smsTestAPIKey, senderID: "S"), transport: failing)
        guard case .failed(.retryable, _) = await ssl.send(message) else {
            Issue.record("SSL Wireless has csms_id, so a lost answer is safe to retry")
            return
        }

        let bulk = HTTPSMSGateway(configuration: .preset(.bulkSMSBD, apiKey: smsTestAPIKey, senderID: "S"), transport: failing)
        guard case .failed(.rejected, let reason) = await bulk.send(message) else {
            Issue.record("BulkSMSBD has no idempotency key, so a lost answer must not be retried")
            return
        }
        #expect(reason.contains("delivery unknown"))

        let timeout = HTTPSMSGateway(configuration: .preset(.alphaSMS, apiKey: smsTestAPIKey, senderID: "S")) { _ in
            throw SMSTransportError.outcomeUnknown("timed out after 30 s")
        }
        guard case .failed(.rejected, _) = await timeout.send(message) else {
            Issue.record("a timeout without idempotency key must not be retryable")
            return
        }
    }
}
