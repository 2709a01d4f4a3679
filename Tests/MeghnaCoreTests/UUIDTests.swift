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

    @Test func timeOrderedIdsAreVersionSevenAndSortByTheirTime() {
        // Half a millisecond past each millisecond, so floating point cannot round one onto another.
        let ids = (0..<2_000).map { UUID.timeOrdered(at: Date(timeIntervalSince1970: (1_780_000_000_000 + Double($0) + 0.5) / 1000)) }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(200) {
            let text = id.uuidString
            #expect(text[text.index(text.startIndex, offsetBy: 14)] == "7")
            #expect("89AB".contains(text[text.index(text.startIndex, offsetBy: 19)]))
        }
        // One millisecond apart: in order as bytes and as text (the order SQLite's text ids keep).
        let inByteOrder = ids.sorted(by: UUID.byteOrder) == ids
        let inTextOrder = ids.map(\.uuidString).sorted() == ids.map(\.uuidString)
        #expect(inByteOrder && inTextOrder)
        // The first 48 bits are the time: 1,780,000,000,000 ms.
        let hex = String(1_780_000_000_000, radix: 16, uppercase: true)
        #expect(String(ids[0].uuidString.filter { $0 != "-" }.prefix(12)) == String(repeating: "0", count: 12 - hex.count) + hex)
    }

    @Test func idsMadeAtOnceFromManyTasksAreDistinct() async {
        // The random bits come from one shared pool: tasks drawing at once never share a draw.
        let ids = await withTaskGroup(of: [UUID].self) { group in
            for _ in 0..<8 { group.addTask { (0..<5_000).map { _ in UUID.timeOrdered() } + (0..<1_000).map { _ in UUID.random() } } }
            return await group.reduce(into: [UUID]()) { $0 += $1 }
        }
        #expect(ids.count == 48_000)
        #expect(Set(ids).count == ids.count)
    }
}
