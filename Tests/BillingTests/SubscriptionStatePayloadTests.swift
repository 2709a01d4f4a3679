import Foundation
import Jobs
import Platform
import Testing
@testable import Billing

@Suite("Router job payloads")
struct SubscriptionStatePayloadTests {
    /// The hand-written JSON of the router job is the encoder's, byte for byte, whatever the text.
    @Test(arguments: ["non_payment", "Unpaid: \"BDT 1,000\" \\ due 2026/03/08", "line\nbreak\ttab\u{1}\u{8}\u{C}\r", "বকেয়া বিল 😀", ""])
    func handWrittenJSONIsTheEncoders(reason: String) throws {
        let payload = SubscriptionStatePayload(subscriptionID: UUID(), status: "suspended", reason: reason)
        #expect(payload.jobJSON == String(decoding: try JSONEncoder.jobs.encode(payload), as: UTF8.self))
        #expect(try JSONDecoder.jobs.decode(SubscriptionStatePayload.self, from: Data(payload.jobJSON.utf8)) == payload)
    }
}
