import Testing
@testable import Notifications

@Suite("SMS segments")
struct SMSSegmentTests {
    func count(_ text: String) -> (SMSSegments.Encoding, Int, Int) {
        let s = SMSSegments(text)
        return (s.encoding, s.units, s.parts)
    }

    @Test func gsm7Is160InOneAnd153PerPart() {
        #expect(count("") == (.gsm7, 0, 0))
        #expect(count(String(repeating: "a", count: 160)) == (.gsm7, 160, 1))
        #expect(count(String(repeating: "a", count: 161)) == (.gsm7, 161, 2))
        #expect(count(String(repeating: "a", count: 306)) == (.gsm7, 306, 2))
        #expect(count(String(repeating: "a", count: 307)) == (.gsm7, 307, 3))
        #expect(count("Line one\r\nLine two: £5 @ 10%").0 == .gsm7, "CR LF and £ are in the GSM alphabet")
    }

    @Test func extensionCharactersTakeTwoAndAreNeverSplit() {
        #expect(count(String(repeating: "€", count: 80)) == (.gsm7, 160, 1))
        #expect(count(String(repeating: "€", count: 81)) == (.gsm7, 162, 2))
        // 152 septets, then the euro's escape pair would straddle the first part: it starts the second.
        #expect(count(String(repeating: "a", count: 152) + "€" + String(repeating: "a", count: 10)) == (.gsm7, 164, 2))
        #expect(count("{[~]}").1 == 10)
    }

    @Test func banglaIsUnicodeAt70And67() {
        let word = "আপনার বিল"
        #expect(count(word) == (.ucs2, 9, 1))
        #expect(count(String(repeating: "ক", count: 70)) == (.ucs2, 70, 1))
        #expect(count(String(repeating: "ক", count: 71)) == (.ucs2, 71, 2))
        #expect(count(String(repeating: "ক", count: 134)) == (.ucs2, 134, 2))
        #expect(count(String(repeating: "ক", count: 135)) == (.ucs2, 135, 3))
        // One character outside the GSM alphabet makes the whole text Unicode.
        #expect(count(String(repeating: "a", count: 100) + "ক") == (.ucs2, 101, 2))
    }

    @Test func emojiTakeTwoUnitsAndAreNeverSplit() {
        #expect(count(String(repeating: "😀", count: 35)) == (.ucs2, 70, 1))
        #expect(count(String(repeating: "a", count: 66) + "😀" + String(repeating: "a", count: 5)) == (.ucs2, 73, 2))
        let s = SMSSegments(String(repeating: "a", count: 66) + "😀")
        #expect(s.singleLimit == 70 && s.partLimit == 67)
    }
}
