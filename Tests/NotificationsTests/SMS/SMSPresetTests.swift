import Foundation
import MeghnaCore
import Notifications
import Testing

@Suite("SMS presets: SSL Wireless")
struct SSLWirelessPresetTests {
    let gateway = smsOfflineGateway(.preset(.sslWireless, apiKey: smsTestAPIKey, senderID: "MEGHNAISP"))

    @Test func singleRecipientRequest() throws {
        let message = SMSMessage(to: [try smsPhone("01712345678")], text: "Your bill is 500 BDT", clientReference: "INV-2024-000123")
        let request = try gateway.request(for: message)
        #expect(request.method == "POST")
        #expect(request.url == "https://smsplus.sslwireless.com/api/v3/send-sms")
        #expect(request.headers["Content-Type"] == "application/json")
        #expect(request.headers["Accept"] == "application/json")
        #expect(try smsJSONBody(request) == [
            "api_token": .string(smsTestAPIKey),
            "sid": .string("MEGHNAISP"),
            "msisdn": .string("8801712345678"),
            "sms": .string("Your bill is 500 BDT"),
            "csms_id": .string("INV-2024-000123"),
        ])
    }

    @Test func multipleRecipientsUseBulkEndpointWithArray() throws {
        let message = SMSMessage(
            to: [try smsPhone("01712345678"), try smsPhone("+880 1812-345678"), try smsPhone("01712345678")],
            text: "লাইন রক্ষণাবেক্ষণ আজ রাত ২টায়",
            clientReference: "BATCH-77"
        )
        let request = try gateway.request(for: message)
        #expect(request.url == "https://smsplus.sslwireless.com/api/v3/send-sms/bulk")
        #expect(try smsJSONBody(request) == [
            "api_token": .string(smsTestAPIKey),
            "sid": .string("MEGHNAISP"),
            "msisdn": .array([.string("8801712345678"), .string("8801812345678")]),  // duplicate dropped
            "sms": .string("লাইন রক্ষণাবেক্ষণ আজ রাত ২টায়"),
            "batch_csms_id": .string("BATCH-77"),
        ])
    }

    @Test func clientReferenceIsRequiredAndAtMostTwentyCharacters() throws {
        let to = [try smsPhone("01712345678")]
        #expect(throws: SMSRequestError.clientReferenceTooLong(length: 21, limit: 20)) {
            try gateway.request(for: SMSMessage(to: to, text: "x", clientReference: String(repeating: "A", count: 21)))
        }
        #expect(throws: SMSRequestError.missingClientReference) {
            try gateway.request(for: SMSMessage(to: to, text: "x", clientReference: ""))
        }
        _ = try gateway.request(for: SMSMessage(to: to, text: "x", clientReference: String(repeating: "A", count: 20)))
    }

    @Test func batchLimitIsOneHundred() throws {
        let numbers = try (0..<101).map { try smsPhone(String(format: "0171%07d", $0)) }
        #expect(throws: SMSRequestError.tooManyRecipients(count: 101, limit: 100)) {
            try gateway.request(for: SMSMessage(to: numbers, text: "x", clientReference: "B1"))
        }
        _ = try gateway.request(for: SMSMessage(to: Array(numbers.prefix(100)), text: "x", clientReference: "B1"))
    }

    @Test func successExtractsReferenceID() {
        let body = """
        {"status":"SUCCESS","status_code":200,"error_message":"","smsinfo":[{"sms_status":"SUCCESS",\
        "status_message":"Success","msisdn":"8801712345678","sms_type":"EN","sms_body":"Hi",\
        "csms_id":"INV-2024-000123","reference_id":"5f1a2b3c4d"}]}
        """
        #expect(gateway.interpret(smsResponse(body)) == .accepted(providerMessageID: "5f1a2b3c4d"))
        // String and number forms compare equal; a missing id is fine.
        #expect(gateway.interpret(smsResponse(#"{"status":"SUCCESS","status_code":"200"}"#)) == .accepted(providerMessageID: nil))
    }

    @Test("Mapped error codes", arguments: [
        (4001, SMSFailureCategory.authentication, "Unauthorized"),
        (4003, .authentication, "IP Blacklisted"),
        (4023, .rejected, "Duplicate CSMS ID"),
        (4025, .invalidNumber, "Invalid Cell No."),
        (4029, .rateLimited, "Too many requests"),
        (4031, .rateLimited, "TPS Exceeded"),
    ])
    func mappedErrors(code: Int, category: SMSFailureCategory, text: String) {
        let result = gateway.interpret(smsResponse(#"{"status":"FAILED","status_code":\#(code),"error_message":"\#(text)"}"#))
        guard case .failed(let actual, let message) = result else {
            Issue.record("expected failure, got \(result)")
            return
        }
        #expect(actual == category)
        #expect(message.contains("\(code)"))
        #expect(message.contains(text))
    }

    @Test func successNeedsBothStatusAndCode() {
        let result = gateway.interpret(smsResponse(#"{"status":"SUCCESS","status_code":4025,"error_message":"Invalid Cell No."}"#))
        #expect(result == .failed(.invalidNumber, "SSL Wireless code 4025 (HTTP 200): Invalid Cell No."))
    }

    @Test func serverErrorsAreRetryableBecauseCsmsIDIsIdempotent() {
        guard case .failed(.retryable, _) = gateway.interpret(smsResponse(502, "<html>Bad Gateway</html>")) else {
            Issue.record("502 should be retryable for SSL Wireless")
            return
        }
    }

    @Test func redactionHidesTheToken() throws {
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "R1"))
        let redacted = gateway.redacted(request)
        #expect(!smsBodyText(redacted).contains(smsTestAPIKey))
        #expect(!smsBodyText(redacted).contains("k3y"))
        var expected = try smsJSONBody(request)
        expected["api_token"] = .string("***")
        #expect(try smsJSONBody(redacted) == expected)
        #expect(redacted.url == request.url)
        #expect(redacted.headers == request.headers)
    }
}

@Suite("SMS presets: BulkSMSBD")
struct BulkSMSBDPresetTests {
    let gateway = smsOfflineGateway(.preset(.bulkSMSBD, apiKey: smsTestAPIKey, senderID: "8809617000000"))

    @Test func requestIsFormEncoded() throws {
        let message = SMSMessage(to: [try smsPhone("01712345678")], text: "Hello World", clientReference: "unused")
        let request = try gateway.request(for: message)
        #expect(request.method == "POST")
        #expect(request.url == "https://bulksmsbd.net/api/smsapi")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(smsBodyText(request)
                == "api_key=k3y%2FWith%2BSpecials%3D%3D&senderid=8809617000000&number=8801712345678&message=Hello%20World")
        #expect(try smsFormBody(request) == [
            "api_key": smsTestAPIKey,
            "senderid": "8809617000000",
            "number": "8801712345678",
            "message": "Hello World",
        ])
    }

    @Test func multipleRecipientsAreCommaSeparated() throws {
        let message = SMSMessage(
            to: [try smsPhone("01712345678"), try smsPhone("01812345678"), try smsPhone("01912345678")],
            text: "আপনার বিল ৫০০ টাকা & due",
            clientReference: "unused"
        )
        let request = try gateway.request(for: message)
        #expect(request.url == "https://bulksmsbd.net/api/smsapi")
        #expect(try smsFormBody(request) == [
            "api_key": smsTestAPIKey,
            "senderid": "8809617000000",
            "number": "8801712345678,8801812345678,8801912345678",
            "message": "আপনার বিল ৫০০ টাকা & due",
        ])
    }

    @Test func successWithEitherKeyAndEitherType() {
        let body = #"{"response_code":202,"message_id":13145326,"success_message":"SMS Submitted Successfully 1","error_message":""}"#
        #expect(gateway.interpret(smsResponse(body)) == .accepted(providerMessageID: "13145326"))
        #expect(gateway.interpret(smsResponse(#"{"code":202,"success_message":"ok"}"#)) == .accepted(providerMessageID: nil))
        #expect(gateway.interpret(smsResponse(#"{"response_code":"202"}"#)) == .accepted(providerMessageID: nil))
        #expect(gateway.interpret(smsResponse(#"{"code":"202","message_id":"abc"}"#)) == .accepted(providerMessageID: "abc"))
    }

    @Test("Mapped error codes", arguments: [
        (1001, SMSFailureCategory.invalidNumber, "Invalid Number"),
        (1002, .rejected, "Sender ID not correct or sender ID is disabled"),
        (1007, .balance, "Balance Insufficient"),
        (1032, .authentication, "IP Not whitelisted"),
    ])
    func mappedErrors(code: Int, category: SMSFailureCategory, text: String) {
        for key in ["response_code", "code"] {
            let result = gateway.interpret(smsResponse(#"{"\#(key)":\#(code),"error_message":"\#(text)"}"#))
            #expect(result == .failed(category, "BulkSMSBD code \(code) (HTTP 200): \(text)"))
        }
    }

    @Test func unmappedCodeIsRejectedWithDetails() {
        let result = gateway.interpret(smsResponse(#"{"response_code":1011,"error_message":"User Id not found"}"#))
        #expect(result == .failed(.rejected, "BulkSMSBD code 1011 (HTTP 200): User Id not found"))
    }

    @Test func serverErrorIsNotRetryableWithoutIdempotencyKey() {
        guard case .failed(.rejected, let message) = gateway.interpret(smsResponse(500, "Internal Server Error")) else {
            Issue.record("500 must not be retryable for BulkSMSBD")
            return
        }
        #expect(message.contains("outcome unknown"))
    }

    @Test func redactionHidesTheKey() throws {
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "x"))
        let redacted = gateway.redacted(request)
        #expect(!smsBodyText(redacted).contains("k3y"))
        #expect(try smsFormBody(redacted) == [
            "api_key": "***",
            "senderid": "8809617000000",
            "number": "8801712345678",
            "message": "Hi",
        ])
    }
}

@Suite("SMS presets: Alpha SMS")
struct AlphaSMSPresetTests {
    let gateway = smsOfflineGateway(.preset(.alphaSMS, apiKey: smsTestAPIKey, senderID: "Meghna"))

    @Test func requestIsFormEncoded() throws {
        let message = SMSMessage(to: [try smsPhone("01712345678"), try smsPhone("01812345678")], text: "OTP 123456", clientReference: "x")
        let request = try gateway.request(for: message)
        #expect(request.method == "POST")
        #expect(request.url == "https://api.sms.net.bd/sendsms")
        #expect(request.headers["Content-Type"] == "application/x-www-form-urlencoded")
        #expect(try smsFormBody(request) == [
            "api_key": smsTestAPIKey,
            "msg": "OTP 123456",
            "to": "8801712345678,8801812345678",
            "sender_id": "Meghna",
        ])
    }

    @Test func senderIDIsOptional() throws {
        let gateway = smsOfflineGateway(.preset(.alphaSMS, apiKey: smsTestAPIKey, senderID: ""))
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "x"))
        #expect(try smsFormBody(request) == ["api_key": smsTestAPIKey, "msg": "Hi", "to": "8801712345678"])
    }

    @Test func successExtractsRequestID() {
        let body = #"{"error":0,"msg":"Request successfully submitted","data":{"request_id":4857896}}"#
        #expect(gateway.interpret(smsResponse(body)) == .accepted(providerMessageID: "4857896"))
        #expect(gateway.interpret(smsResponse(#"{"error":"0","data":{"request_id":"A1"}}"#)) == .accepted(providerMessageID: "A1"))
    }

    @Test func insufficientBalance() {
        let result = gateway.interpret(smsResponse(#"{"error":417,"msg":"Insufficient balance."}"#))
        #expect(result == .failed(.balance, "Alpha SMS code 417 (HTTP 200): Insufficient balance."))
    }

    @Test func otherErrorsAreRejected() {
        let result = gateway.interpret(smsResponse(#"{"error":413,"msg":"Invalid Sender ID."}"#))
        #expect(result == .failed(.rejected, "Alpha SMS code 413 (HTTP 200): Invalid Sender ID."))
    }

    @Test func redactionHidesTheKey() throws {
        let request = try gateway.request(for: SMSMessage(to: [try smsPhone("01712345678")], text: "Hi", clientReference: "x"))
        let redacted = gateway.redacted(request)
        #expect(!smsBodyText(redacted).contains("k3y"))
        #expect(try smsFormBody(redacted)["api_key"] == "***")
        #expect(try smsFormBody(redacted)["msg"] == "Hi")
    }
}

@Suite("SMS presets: common")
struct SMSPresetCommonTests {
    @Test(arguments: SMSProviderPreset.allCases)
    func presetsRoundTripThroughCodableAndHideTheKey(preset: SMSProviderPreset) throws {
        let configuration = SMSProviderConfiguration.preset(preset, apiKey: smsTestAPIKey, senderID: "S")
        let data = try JSONEncoder().encode(configuration)
        #expect(try JSONDecoder().decode(SMSProviderConfiguration.self, from: data) == configuration)
        #expect(!configuration.description.contains("k3y"))
        #expect(!String(describing: configuration).contains("k3y"))
    }

    @Test func presetRawValues() {
        #expect(SMSProviderPreset(rawValue: "ssl_wireless") == .sslWireless)
        #expect(SMSProviderPreset(rawValue: "bulksmsbd") == .bulkSMSBD)
        #expect(SMSProviderPreset(rawValue: "alpha_sms") == .alphaSMS)
    }
}
