import NIOCore
import RouterOS
import Testing

@Suite struct FramingTests {
    /// Reference A1, "Prefixes seen on the wire", verified against librouteros.
    @Test(arguments: [
        (0x00, "00"), (0x7F, "7f"), (0x80, "8080"), (0x3FFF, "bfff"), (0x4000, "c04000"),
        (0x1FFFFF, "dfffff"), (0x200000, "e0200000"), (0xFFFFFFF, "efffffff"), (0x10000000, "f010000000"),
    ])
    func lengthPrefixesMatchTheReference(length: Int, hex: String) {
        let bytes = RouterOSWire.encodeLength(length)
        #expect(bytes.map { String(format2: $0) }.joined() == hex)
        #expect(RouterOSWire.decodeLength(bytes) == .length(length, prefixBytes: bytes.count))
        #expect(RouterOSWire.decodeLength(bytes.dropLast()) == .incomplete)
    }

    @Test func controlBytesAreRefusedNotGuessed() {
        for byte: UInt8 in 0xF8...0xFF {
            #expect(RouterOSWire.decodeLength([byte, 0, 0, 0, 0]) == .controlByte(byte))
        }
    }

    /// Reference A3: the bytes librouteros sends for admin/secret.
    @Test func plainLoginBytesMatchLibrouteros() {
        let bytes = RouterOSWire.encode(sentence: ["/login", "=name=admin", "=password=secret"])
        let expected = "06 2f6c6f67696e 0b 3d6e616d653d61646d696e 10 3d70617373776f72643d736563726574 00"
        #expect(bytes.map { String(format2: $0) }.joined() == String(expected.filter { $0 != " " }))
    }

    @Test func sentencesSplitAcrossReadsComeOutWhole() throws {
        var decoder = RouterOSSentenceDecoder()
        let long = String(repeating: "x", count: 0x4001)
        let bytes = RouterOSWire.encode(sentence: ["!re", "=name=\(long)", ".tag=7"]) + [0] + RouterOSWire.encode(sentence: ["!done", ".tag=7"])
        var buffer = ByteBuffer()
        var sentences: [[String]] = []
        for byte in bytes {
            buffer.writeInteger(byte)
            while let sentence = try decoder.next(from: &buffer) { sentences.append(sentence) }
        }
        #expect(sentences == [["!re", "=name=\(long)", ".tag=7"], ["!done", ".tag=7"]])
    }

    @Test func attributesSplitOnTheFirstEqualsSign() {
        let sentence = RouterOSSentence(words: ["!re", "=comment=a=b", "=empty=", ".tag=3", "?name=x", "reason"])
        #expect(sentence["comment"] == "a=b")
        #expect(sentence["empty"] == "")
        #expect(sentence.tag == "3")
        #expect(sentence.queries == ["?name=x"])
        #expect(sentence.other == ["reason"])
        #expect(RouterOSSentence(words: sentence.words) == sentence)
    }

    @Test func textThatIsNotUTF8KeepsItsBytesAsLatin1() {
        #expect(RouterOSWire.text([0x4B, 0xE0, 0xF2]) == "K\u{E0}\u{F2}")
        #expect(RouterOSWire.text(Array("বাংলা".utf8)) == "বাংলা")
    }
}

extension String {
    fileprivate init(format2 byte: UInt8) {
        let digits = String(byte, radix: 16)
        self = digits.count == 1 ? "0" + digits : digits
    }
}
