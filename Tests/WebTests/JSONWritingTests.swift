import CRM
import Foundation
import NIOCore
import Testing
@testable import CRM
@testable import Web

/// DTOs that write their own JSON (`JSONWritable`) answer byte for byte what `JSONEncoder`
/// (`apiJSON`) makes of them: same members, order, escaping, nulls and left-out nils.
@Suite("JSON writing")
struct JSONWritingTests {
    static func written(_ value: some JSONWritable) -> String {
        var out = JSONOut()
        value.writeJSON(&out)
        return String(buffer: out.buffer)
    }

    static func encoded(_ value: some Encodable) throws -> String { String(decoding: try apiJSON(value), as: UTF8.self) }

    /// Every character JSONEncoder treats specially, and some it does not.
    static let awkward = "Rahim \"Bhai\" \\ a/b \u{0}\u{1}\u{8}\u{9}\u{a}\u{b}\u{c}\u{d}\u{1f}\u{7f} é — বাংলা 🇧🇩 </script>"

    @Test func customerRowsAndListsMatchJSONEncoder() throws {
        for full in [true, false] {
            var row = DTOSamples.row(full: full)
            let plain = CustomerRowDTO(row)
            #expect(Self.written(plain) == (try Self.encoded(plain)))
            row.displayName = Self.awkward
            row.tags = full ? [Self.awkward, "", "vip"] : []
            row.areaName = full ? Self.awkward : nil
            let odd = CustomerRowDTO(row)
            #expect(Self.written(odd) == (try Self.encoded(odd)))
            for cursor in [nil, "eyJrIjoiYSJ9/+="] {
                let list = ListBody(data: [plain, odd], nextCursor: cursor)
                #expect(Self.written(list) == (try Self.encoded(list)))
                let empty = ListBody<CustomerRowDTO>(data: [], nextCursor: cursor)
                #expect(Self.written(empty) == (try Self.encoded(empty)))
            }
        }
    }
}
