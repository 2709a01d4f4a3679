import FluentKit
import Foundation
import SQLKit

extension SQLQueryString {
    /// One bind per value, comma-separated: the inside of an `IN (…)` list.
    public static func binds<S: Sequence>(_ values: S) -> SQLQueryString where S.Element: Encodable & Sendable {
        values.map { "\(bind: $0)" as SQLQueryString }.joined(separator: ", ")
    }
}

/// One cell of a row read by position.
public enum SQLCell: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)
    case bytes([UInt8])
    case bool(Bool)
    case uuid(UUID)
    case date(Date)
}

/// A database that runs an already serialized statement straight on its driver connection and
/// returns the rows' cells in SELECT-list order. Web's statement-counting database implements it
/// for SQLite and PostgreSQL (counting the statement like any other). `short` promises a read of
/// a few rows through an index, which SQLite may run on the calling thread (see `shortRows`).
public protocol DirectRowsDatabase: Sendable {
    func directRows(sql: String, binds: [any Encodable & Sendable], short: Bool) async throws -> [[SQLCell]]
}

/// The cheap way to read a hot, fixed-shape query: `db.rows(query)` serializes the SQL as usual
/// (`SQLQueryString`, so the tenancy and filter helpers stay the same) but runs it on the driver
/// directly and reads each column by its position in the SELECT list, without Codable decoding
/// per cell, column-name lookups or one event-loop hop per row. List pages and the request
/// context use it; everything else keeps Fluent and `sql.raw`.
extension Database {
    public func rows(_ query: SQLQueryString) async throws -> [DirectRow] {
        try await rows(query, short: false)
    }

    /// `rows(_:)` for a short read: a handful of rows found through an index (the request
    /// context, one page of a list), never a scan of a table or a report. Outside a transaction
    /// on a SQLite file it runs on the calling thread over a read-only connection that keeps its
    /// prepared statements, instead of preparing it again on the driver's thread pool; anything
    /// longer would hold up the other requests of the calling event loop, so it uses `rows(_:)`.
    public func shortRows(_ query: SQLQueryString) async throws -> [DirectRow] {
        try await rows(query, short: true)
    }

    private func rows(_ query: SQLQueryString, short: Bool) async throws -> [DirectRow] {
        let sql = self as! any SQLDatabase
        let (text, binds) = sql.serialize(query)
        if let direct = self as? any DirectRowsDatabase {
            return try await direct.directRows(sql: text, binds: binds, short: short).map { DirectRow(storage: .cells($0)) }
        }
        // Another driver or wrapper: through SQLKit, decoding each cell when it is read.
        return try await sql.raw(query).all().map { DirectRow(storage: .sqlRow($0, $0.allColumns)) }
    }
}

/// A row whose columns are read by position: 0 is the first expression of the SELECT list.
public struct DirectRow: @unchecked Sendable {
    enum Storage {
        case cells([SQLCell])
        case sqlRow(any SQLRow, [String])
    }

    let storage: Storage

    public var count: Int {
        switch storage {
        case .cells(let cells): cells.count
        case .sqlRow(_, let names): names.count
        }
    }

    public struct Mismatch: Error, CustomStringConvertible {
        public let column: Int
        public let expected: String
        public let found: String
        public var description: String { "Column \(column) holds \(found), not \(expected)." }
    }

    /// The cell at `i` (nil when the row is read through SQLKit instead); past the last column
    /// is a mismatch, not a NULL.
    private func cell(_ i: Int) throws -> SQLCell? {
        guard case .cells(let cells) = storage else { return nil }
        guard cells.indices.contains(i) else { throw Mismatch(column: i, expected: "a column", found: "no column") }
        return cells[i]
    }

    private func decoded<T: Decodable>(_ i: Int, _ type: T.Type) throws -> T {
        guard case .sqlRow(let row, let names) = storage, i < names.count else { throw Mismatch(column: i, expected: "\(T.self)", found: "no column") }
        return try row.decode(column: names[i], as: T.self)
    }

    public func isNull(_ i: Int) throws -> Bool {
        if let cell = try cell(i) { return cell == .null }
        guard case .sqlRow(let row, let names) = storage, i < names.count else { throw Mismatch(column: i, expected: "a column", found: "no column") }
        return try row.decodeNil(column: names[i])
    }

    public func string(_ i: Int) throws -> String {
        guard let cell = try cell(i) else { return try decoded(i, String.self) }
        switch cell {
        case .text(let value): return value
        case .bytes(let bytes): return String(decoding: bytes, as: UTF8.self)
        case .int(let value): return String(value)
        case .uuid(let value): return value.uuidString
        default: throw Mismatch(column: i, expected: "text", found: "\(cell)")
        }
    }

    public func optionalString(_ i: Int) throws -> String? { try isNull(i) ? nil : string(i) }

    public func int64(_ i: Int) throws -> Int64 {
        guard let cell = try cell(i) else { return try decoded(i, Int64.self) }
        switch cell {
        case .int(let value): return value
        case .bool(let value): return value ? 1 : 0
        case .double(let value) where value.rounded() == value && abs(value) < 9e18: return Int64(value)
        case .text(let text): if let value = Int64(text) { return value }
        default: break
        }
        throw Mismatch(column: i, expected: "an integer", found: "\(cell)")
    }

    public func int(_ i: Int) throws -> Int { Int(try int64(i)) }

    public func optionalInt64(_ i: Int) throws -> Int64? { try isNull(i) ? nil : int64(i) }

    public func data(_ i: Int) throws -> Data {
        guard let cell = try cell(i) else { return try decoded(i, Data.self) }
        switch cell {
        case .bytes(let bytes): return Data(bytes)
        case .text(let text): return Data(text.utf8)
        default: throw Mismatch(column: i, expected: "bytes", found: "\(cell)")
        }
    }

    public func optionalData(_ i: Int) throws -> Data? { try isNull(i) ? nil : data(i) }

    public func bool(_ i: Int) throws -> Bool {
        guard let cell = try cell(i) else { return try decoded(i, Bool.self) }
        switch cell {
        case .bool(let value): return value
        case .int(let value): return value != 0
        case .text("true"), .text("t"), .text("1"): return true
        case .text("false"), .text("f"), .text("0"): return false
        default: throw Mismatch(column: i, expected: "a boolean", found: "\(cell)")
        }
    }

    public func uuid(_ i: Int) throws -> UUID {
        guard let cell = try cell(i) else { return try decoded(i, UUID.self) }
        switch cell {
        case .uuid(let value): return value
        case .bytes(let b) where b.count == 16:
            return UUID(uuid: (b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14], b[15]))
        case .text(let text): if let value = Self.uuid(text) { return value }
        default: break
        }
        throw Mismatch(column: i, expected: "an id", found: "\(cell)")
    }

    public func optionalUUID(_ i: Int) throws -> UUID? { try isNull(i) ? nil : uuid(i) }

    /// An id as SQLite holds Fluent's UUIDs: 36 characters, 8-4-4-4-12 hex digits. Foundation's
    /// parser goes through `sscanf`, a tenth of a list page's time with an id per row.
    static func uuid(_ text: String) -> UUID? {
        var text = text
        return text.withUTF8 { chars -> UUID? in
            guard chars.count == 36, chars[8] == 0x2D, chars[13] == 0x2D, chars[18] == 0x2D, chars[23] == 0x2D else { return nil }
            var bytes = [UInt8](repeating: 0, count: 16)
            var index = 0
            var high: UInt8?
            for char in chars where char != 0x2D {
                let nibble: UInt8
                switch char {
                case 0x30...0x39: nibble = char - 0x30
                case 0x41...0x46: nibble = char - 0x41 + 10
                case 0x61...0x66: nibble = char - 0x61 + 10
                default: return nil
                }
                if let h = high {
                    guard index < 16 else { return nil }
                    bytes[index] = h << 4 | nibble
                    index += 1
                    high = nil
                } else {
                    high = nibble
                }
            }
            guard index == 16 else { return nil }
            return UUID(uuid: (bytes[0], bytes[1], bytes[2], bytes[3], bytes[4], bytes[5], bytes[6], bytes[7],
                               bytes[8], bytes[9], bytes[10], bytes[11], bytes[12], bytes[13], bytes[14], bytes[15]))
        }
    }

    /// SQLite keeps Fluent's dates as seconds since 1970 (rounded here to the microsecond as
    /// its driver does, so dates compare equal however they were read); PostgreSQL as timestamps.
    public func date(_ i: Int) throws -> Date {
        guard let cell = try cell(i) else { return try decoded(i, Date.self) }
        switch cell {
        case .date(let value): return value
        case .double(let seconds): return Self.date(secondsSince1970: seconds)
        case .int(let seconds): return Self.date(secondsSince1970: Double(seconds))
        case .text(let text):
            if let value = (try? Date(text, strategy: .iso8601)) ?? (try? Date(text, strategy: .iso8601.dateTimeSeparator(.space))) {
                return value
            }
        default: break
        }
        throw Mismatch(column: i, expected: "a date", found: "\(cell)")
    }

    public func optionalDate(_ i: Int) throws -> Date? { try isNull(i) ? nil : date(i) }

    static func date(secondsSince1970 value: Double) -> Date {
        let sinceReference = value - Date.timeIntervalBetween1970AndReferenceDate
        return Date(timeIntervalSinceReferenceDate: (sinceReference * 1e6).rounded() / 1e6)
    }
}

extension Database {
    /// The database as SQLKit sees it (both drivers are SQL databases).
    public var sql: any SQLDatabase { self as! any SQLDatabase }
}
