import Foundation
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
struct JSONOut {
    private(set) var buffer: ByteBuffer
    private var first = true

    init(capacity: Int = 1024) { buffer = ByteBufferAllocator().buffer(capacity: capacity) }

    private mutating func separator() {
        if first { first = false } else { buffer.writeInteger(UInt8(ascii: ",")) }
    }

    mutating func object(_ body: (inout JSONOut) -> Void) {
        separator()
        buffer.writeInteger(UInt8(ascii: "{"))
        first = true
        body(&self)
        buffer.writeInteger(UInt8(ascii: "}"))
        first = false
    }

    mutating func array<S: Sequence>(_ items: S, _ write: (inout JSONOut, S.Element) -> Void) {
        separator()
        buffer.writeInteger(UInt8(ascii: "["))
        first = true
        for item in items { write(&self, item) }
        buffer.writeInteger(UInt8(ascii: "]"))
        first = false
    }

    /// The key of the next member; the value follows (as a value, an object or an array).
    mutating func key(_ name: StaticString) {
        separator()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeStaticString(name)
        buffer.writeStaticString("\":")
        first = true
    }

    mutating func value(_ text: String) {
        separator()
        buffer.writeInteger(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { bytes in
            var start = 0
            for (i, byte) in bytes.enumerated() where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") || byte == UInt8(ascii: "/") {
                if start < i { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start..<i])) }
                switch byte {
                case UInt8(ascii: "\""): buffer.writeStaticString("\\\"")
                case UInt8(ascii: "\\"): buffer.writeStaticString("\\\\")
                case UInt8(ascii: "/"): buffer.writeStaticString("\\/")
                case 0x08: buffer.writeStaticString("\\b")
                case 0x0C: buffer.writeStaticString("\\f")
                case 0x0A: buffer.writeStaticString("\\n")
                case 0x0D: buffer.writeStaticString("\\r")
                case 0x09: buffer.writeStaticString("\\t")
                default:
                    let hex: [UInt8] = Array("0123456789abcdef".utf8)
                    buffer.writeStaticString("\\u00")
                    buffer.writeInteger(hex[Int(byte >> 4)])
                    buffer.writeInteger(hex[Int(byte & 0xF)])
                }
                start = i + 1
            }
            if start < bytes.count { buffer.writeBytes(UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer(bytes)[start...])) }
        }
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func value(_ flag: Bool) {
        separator()
        buffer.writeStaticString(flag ? "true" : "false")
    }

    mutating func value(_ number: some BinaryInteger) {
        separator()
        buffer.writeString(String(number))
    }

    mutating func value(_ id: UUID) {
        separator()
        buffer.writeInteger(UInt8(ascii: "\""))
        buffer.writeString(id.uuidString)
        buffer.writeInteger(UInt8(ascii: "\""))
    }

    mutating func null() {
        separator()
        buffer.writeStaticString("null")
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
