import Foundation
import MeghnaCore
import Notifications

/// A decoded JSON value that can be compared in tests.
enum SMSTestJSON: Decodable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case array([SMSTestJSON])
    case object([String: SMSTestJSON])
    case null

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([SMSTestJSON].self) {
            self = .array(value)
        } else {
            self = .object(try container.decode([String: SMSTestJSON].self))
        }
    }
}

enum SMSTestError: Error {
    case noBody
    case connectionReset
}

func smsPhone(_ text: String) throws -> PhoneNumber {
    try PhoneNumber(parsing: text)
}

func smsJSONBody(_ request: HTTPRequestSpec) throws -> [String: SMSTestJSON] {
    guard let body = request.body else { throw SMSTestError.noBody }
    return try JSONDecoder().decode([String: SMSTestJSON].self, from: Data(body))
}

/// Decodes a form or query string into ordered (name, value) pairs.
func smsFormPairs(_ text: String) -> [(String, String)] {
    text.split(separator: "&").map { pair in
        let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
        func decode(_ part: Substring) -> String {
            let spaced = part.replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return (decode(parts[0]), parts.count > 1 ? decode(parts[1]) : "")
    }
}

func smsFormBody(_ request: HTTPRequestSpec) throws -> [String: String] {
    guard let body = request.body else { throw SMSTestError.noBody }
    return Dictionary(smsFormPairs(String(decoding: body, as: UTF8.self)), uniquingKeysWith: { _, last in last })
}

func smsBodyText(_ request: HTTPRequestSpec) -> String {
    request.body.map { String(decoding: $0, as: UTF8.self) } ?? ""
}

/// A gateway whose transport must not be called.
func smsOfflineGateway(_ configuration: SMSProviderConfiguration) -> HTTPSMSGateway {
    HTTPSMSGateway(configuration: configuration) { _ in
        throw SMSTransportError.notSent("offline test gateway")
    }
}

func smsResponse(_ status: Int, _ text: String) -> HTTPResponseSpec {
    HTTPResponseSpec(status: status, text: text)
}

func smsResponse(_ text: String) -> HTTPResponseSpec {
    HTTPResponseSpec(status: 200, text: text)
}

/// Records requests handed to a transport.
actor SMSRequestLog {
    private(set) var requests: [HTTPRequestSpec] = []
    func record(_ request: HTTPRequestSpec) { requests.append(request) }
}

let smsTestAPIKey = "k3y/With+Specials=="
