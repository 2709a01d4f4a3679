import NIOCore
import RouterOS
import Testing

/// Framing bugs broke many RouterOS clients (reference A7), so the decoder is fed garbage.
@Suite struct DecoderFuzzTests {
    /// Random and mangled byte streams in random chunks: no crash, no hang, only `RouterOSProtocolError`.
    @Test func randomStreamsNeverCrashOrHang() {
        var random = SplitMix64(seed: 0x5EED_1234)
        let valid = RouterOSWire.encode(sentence: ["!re", "=name=alice", "=comment=" + String(repeating: "x", count: 150), ".tag=7"])
            + RouterOSWire.encode(sentence: ["!done", ".tag=7"])
        var unexpectedErrors = 0
        var protocolErrors = 0
        var sentences = 0
        for round in 0..<20_000 {
            var bytes: [UInt8]
            if round % 2 == 0 {
                bytes = (0..<random.next(below: 96)).map { _ in UInt8(truncatingIfNeeded: random.next()) }
            } else {
                // A real reply, cut short and with a few bytes changed.
                bytes = Array(valid.prefix(random.next(below: valid.count + 1)))
                for _ in 0..<random.next(below: 4) where !bytes.isEmpty {
                    bytes[random.next(below: bytes.count)] = UInt8(truncatingIfNeeded: random.next())
                }
            }
            // Half the rounds with a small word limit, so over-long words are refused too.
            var decoder = round % 4 < 2 ? RouterOSSentenceDecoder() : RouterOSSentenceDecoder(maximumWordLength: 64, maximumWordsPerSentence: 8)
            var buffer = ByteBuffer()
            var offset = 0
            var calls = 0
            feeding: while offset < bytes.count {
                let size = 1 + random.next(below: 16)
                buffer.writeBytes(bytes[offset..<min(bytes.count, offset + size)])
                offset += size
                do {
                    while try decoder.next(from: &buffer) != nil {
                        sentences += 1
                        calls += 1
                        // Each sentence consumes at least one byte, so this bounds the loop.
                        if calls > bytes.count + 1 { Issue.record("the decoder did not progress in round \(round)"); break feeding }
                    }
                } catch is RouterOSProtocolError {
                    protocolErrors += 1
                    break feeding
                } catch {
                    unexpectedErrors += 1
                    break feeding
                }
            }
        }
        #expect(unexpectedErrors == 0)
        // The streams exercised both outcomes.
        #expect(protocolErrors > 100)
        #expect(sentences > 100)
    }

    /// Whole sentences split at every byte offset come out once the rest arrives.
    @Test func sentencesCutAtEveryOffsetDecodeOnceTheRestArrives() throws {
        let expected: [[String]] = [
            ["!re", "=.id=*1", "=name=" + String(repeating: "n", count: 200), "=comment=", ".tag=12"],
            ["!empty", ".tag=12"],
            ["!trap", "=category=1", "=message=failure: a=b", ".tag=12"],
            ["!done", "=ret=*1A", ".tag=12"],
            ["!fatal", "bad reason"],
        ]
        let bytes = expected.flatMap { RouterOSWire.encode(sentence: $0) }
        for cut in 0...bytes.count {
            var decoder = RouterOSSentenceDecoder()
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            var got: [[String]] = []
            while let sentence = try decoder.next(from: &buffer) { got.append(sentence) }
            buffer.writeBytes(bytes[cut...])
            while let sentence = try decoder.next(from: &buffer) { got.append(sentence) }
            #expect(got == expected, "cut at \(cut)")
            if got != expected { break }
        }
    }

    /// The three-byte length form, cut at a sample of offsets (every offset would copy 16 KiB 16 000 times).
    @Test func aLongWordCutAnywhereDecodes() throws {
        let word = "=comment=" + String(repeating: "é", count: 0x2000)
        let bytes = RouterOSWire.encode(sentence: ["!re", word])
        #expect(bytes[4] & 0xE0 == 0xC0)
        for cut in Array(0..<12) + Array(stride(from: 12, through: bytes.count, by: 257)) + [bytes.count - 1, bytes.count] {
            var decoder = RouterOSSentenceDecoder()
            var buffer = ByteBuffer(bytes: bytes[..<cut])
            #expect(try decoder.next(from: &buffer) == nil || cut == bytes.count)
            buffer.writeBytes(bytes[cut...])
            if cut == bytes.count { continue }
            #expect(try decoder.next(from: &buffer) == ["!re", word])
        }
    }
}

/// A small seeded generator, so a failing round can be replayed.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func next(below bound: Int) -> Int {
        bound <= 0 ? 0 : Int(next() % UInt64(bound))
    }
}
