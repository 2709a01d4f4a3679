import Foundation
import MeghnaCore
import Testing

@Suite("Ids in bulk")
struct UUIDTests {
    @Test func theFastFormsAgreeWithFoundations() {
        var ids = (0..<2_000).map { _ in UUID.random() } + (0..<2_000).map { _ in UUID() }
        ids += [UUID(uuidString: "00000000-0000-0000-0000-000000000000")!, UUID(uuidString: "FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF")!,
                UUID(uuidString: "00000000-0000-0000-FFFF-FFFFFFFFFFFF")!, UUID(uuidString: "00000000-0000-0001-0000-000000000000")!]
        for id in ids {
            #expect(id.lowercasedText == id.uuidString.lowercased())
            #expect(id.uppercasedText == id.uuidString)
        }
        #expect(ids.sorted(by: UUID.byteOrder) == ids.sorted { $0.uuidString < $1.uuidString })
    }

    @Test func randomIdsAreVersionFourAndDistinct() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString
            #expect(text[text.index(text.startIndex, offsetBy: 14)] == "4")
            #expect("89AB".contains(text[text.index(text.startIndex, offsetBy: 19)]))
        }
    }
}
