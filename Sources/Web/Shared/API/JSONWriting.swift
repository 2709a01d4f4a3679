import Foundation
import MeghnaCore
import NIOCore
import Vapor

/// A DTO of a hot list that writes its own JSON instead of going through `JSONEncoder` (whose
/// Codable machinery cost a fifth of an API list call). The bytes must be exactly what
/// `apiJSON` makes of the same value: keys in sorted order, a nil optional left out (as the
/// synthesized `Encodable` does) unless the DTO encodes it as null, ids upper case, dates in
/// ISO 8601, "/" escaped. `JSONWritingTests` compares both for every writable DTO's samples.
protocol JSONWritable: Encodable {
    func writeJSON(_ out: inout JSONOut)
}

/// The writer: `object { }`/`array { }` nest, `field(_:_:)` writes one member; commas come by themselves.
/// Bytes gather in an array (a `ByteBuffer` checks exclusive access on every write, a tenth of
/// the writing) and become the response's buffer once.
struct JSONOut {
    private var bytes: [UInt8] = []
    private var first = true

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    var buffer: ByteBuffer { ByteBuffer(bytes: bytes) }

    private mutating func separator() {
        if first { first = false } else { bytes.append(UInt8(ascii: ",")) }
    }

    mutating func object(_ body: (inout JSONOut) -> Void) {
        separator()
        bytes.append(UInt8(ascii: "{"))
        first = true
        body(&self)
        bytes.append(UInt8(ascii: "}"))
        first = false
    }

    mutating func array<S: Sequence>(_ items: S, _ write: (inout JSONOut, S.Element) -> Void) {
        separator()
        bytes.append(UInt8(ascii: "["))
        first = true
        for item in items { write(&self, item) }
        bytes.append(UInt8(ascii: "]"))
        first = false
    }

    /// The key of the next member; the value follows (as a value, an object or an array).
    mutating func key(_ name: StaticString) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        write(name)
        write("\":")
        first = true
    }

    mutating func value(_ text: String) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            var start = 0
            for (i, byte) in utf8.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") {
                if start < i { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start..<i])) }
                switch byte {
                case UInt8(ascii: "\""): write("\\\"")
                case UInt8(ascii: "\\"): write("\\\\")
                case UInt8(ascii: "/"): write("\\/")
                case 0x08: write("\\b")
                case 0x0C: write("\\f")
                case 0x0A: write("\\n")
                case 0x0D: write("\\r")
                case 0x09: write("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    write("\\u00")
                    bytes.append(hex[Int(byte >> 4)])
                    bytes.append(hex[Int(byte & 0xF)])
                }
                start = i + 1
            }
            if start < utf8.count { bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[start...])) }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    mutating func value(_ flag: Bool) {
        separator()
        write(flag ? "true" : "false")
    }

    mutating func value(_ number: some BinaryInteger) {
        separator()
        bytes.append(contentsOf: String(number).utf8)
    }

    mutating func value(_ id: UUID) {
        separator()
        bytes.append(UInt8(ascii: "\""))
        bytes.append(contentsOf: id.uppercasedText.utf8)
        bytes.append(UInt8(ascii: "\""))
    }

    private mutating func write(_ text: StaticString) {
        bytes.append(contentsOf: UnsafeBufferPointer(start: text.utf8Start, count: text.utf8CodeUnitCount))
    }

    mutating func null() {
        separator()
        write("null")
    }

    /// A member; a nil value leaves the member out (what a synthesized `Encodable` does).
    mutating func field(_ name: StaticString, _ text: String?) {
        guard let text else { return }
        key(name)
        value(text)
    }

    mutating func field(_ name: StaticString, _ flag: Bool) {
        key(name)
        value(flag)
    }

    mutating func field(_ name: StaticString, _ id: UUID) {
        key(name)
        value(id)
    }

    mutating func field(_ name: StaticString, _ texts: [String]) {
        key(name)
        array(texts) { $0.value($1) }
    }
}

extension ListBody: JSONWritable where T: JSONWritable {
    func writeJSON(_ out: inout JSONOut) {
        out.object { out in
            out.key("data")
            out.array(data) { $1.writeJSON(&$0) }
            out.key("next_cursor")
            if let nextCursor { out.value(nextCursor) } else { out.null() }
        }
    }
}

/// The API answer for a value that writes its own JSON.
func apiResponse<T: JSONWritable>(_ value: T, status: HTTPStatus = .ok) throws -> Response {
    var out = JSONOut(capacity: 16 * 1024)
    value.writeJSON(&out)
    let response = Response(status: status, body: .init(buffer: out.buffer))
    response.headers.contentType = .json
    return response
}
