import Foundation
import Testing
@testable import MeghnaCore

@Suite("Paging cursors")
struct CursorTests {
    @Test(arguments: ["", "rahim", "Rahim \"Bhai\" \\ a/b \u{0}\u{1f}\n", "বাংলা 🇧🇩", String(repeating: "z", count: 300)])
    func aCursorComesBackAsItWasMade(_ key: String) throws {
        let cursor = CursorRequest.Cursor(key: key, id: UUID())
        let text = cursor.encoded
        #expect(text.allSatisfy { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" })
        if text.count <= 512 { #expect(try CursorRequest.Cursor(encoded: text) == cursor) }
        // What JSONEncoder made before (clients may still hold such cursors) reads the same.
        let old = try JSONEncoder().encode(cursor).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
        if old.count <= 512 { #expect(try CursorRequest.Cursor(encoded: old) == cursor) }
    }

    @Test func somethingElseIsNoCursor() {
        #expect(throws: DomainError.self) { try CursorRequest.Cursor(encoded: "bm90IGEgY3Vyc29y") }
        #expect(throws: DomainError.self) { try CursorRequest.Cursor(encoded: String(repeating: "A", count: 600)) }
    }
}
