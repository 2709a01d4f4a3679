import Foundation

/// Cursor paging: `limit` (default 50, max 200) and an opaque `cursor` that encodes the last
/// row's sort key and id, so pages stay stable while rows are added.
public struct CursorRequest: Sendable, Equatable {
    public static let defaultLimit = 50
    public static let maximumLimit = 200

    public var limit: Int
    public var cursor: Cursor?

    public struct Cursor: Sendable, Equatable, Codable {
        public var key: String
        public var id: UUID

        public init(key: String, id: UUID) {
            self.key = key
            self.id = id
        }

        /// URL-safe base64 of `{"key":…,"id":…}`, written by hand: every list page makes one.
        public var encoded: String {
            var json = "{\"key\":\""
            for scalar in key.unicodeScalars {
                switch scalar {
                case "\"": json += "\\\""
                case "\\": json += "\\\\"
                case _ where scalar.value < 0x20: json += "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count) + String(scalar.value, radix: 16)
                default: json.unicodeScalars.append(scalar)
                }
            }
            json += "\",\"id\":\"" + id.uuidString + "\"}"
            var out = String.UnicodeScalarView()
            for scalar in Data(json.utf8).base64EncodedString().unicodeScalars {
                switch scalar {
                case "+": out.append("-")
                case "/": out.append("_")
                case "=": break
                default: out.append(scalar)
                }
            }
            return String(out)
        }

        public init(encoded: String) throws(DomainError) {
            var b64 = encoded.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            while b64.count % 4 != 0 { b64 += "=" }
            guard encoded.count <= 512, let data = Data(base64Encoded: b64),
                  let cursor = try? JSONDecoder().decode(Cursor.self, from: data)
            else { throw DomainError.invalid("cursor", "is not a cursor returned by this API") }
            self = cursor
        }
    }

    public init(limit: Int? = nil, cursor: String? = nil) throws(DomainError) {
        let limit = limit ?? Self.defaultLimit
        guard (1...Self.maximumLimit).contains(limit) else {
            throw DomainError.invalid("limit", "must be between 1 and \(Self.maximumLimit)")
        }
        self.limit = limit
        self.cursor = try cursor.flatMap { c throws(DomainError) in c.isEmpty ? nil : try Cursor(encoded: c) }
    }
}

public struct CursorPage<Item: Sendable>: Sendable {
    public var items: [Item]
    public var nextCursor: String?

    public init(items: [Item], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }

    public func map<T>(_ transform: (Item) throws -> T) rethrows -> CursorPage<T> {
        CursorPage<T>(items: try items.map(transform), nextCursor: nextCursor)
    }
}
