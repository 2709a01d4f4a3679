import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import MeghnaCore
import NIOConcurrencyHelpers
import Platform

/// `db.rows(_:)` on the two drivers Meghna runs on. SQLite: a short read outside a transaction
/// runs on the calling thread over `SQLiteReaders`; others run on the driver's thread pool and
/// each row is read into cells there (the driver's own row callback would hop to the event loop
/// once per row). PostgreSQL: the binary cells are read by their column type.
extension StatementCountingDatabase: DirectRowsDatabase {
    func directRows(sql: String, binds: [any Encodable & Sendable], short: Bool) async throws -> [[SQLCell]] {
        StatementCounter.current?.increment()
        if short, let readers, !inner.inTransaction, let rows = try readers.rows(sql: sql, binds: binds) {
            return rows
        }
        return try await DirectDrivers.rows(on: inner, sql: sql, binds: binds)
    }
}

extension StatementCountingDatabase: DirectStatementDatabase {
    func directRows(_ statement: CellStatement) async throws -> [[SQLCell]] {
        StatementCounter.current?.increment()
        return try await DirectDrivers.rows(on: inner, statement)
    }
}

/// A nil optional inside an `any Encodable` (casting the existential to `Optional<Any>` would
/// wrap it, never giving nil).
private protocol OptionalBind { var isNone: Bool { get } }
extension Optional: OptionalBind { var isNone: Bool { self == nil } }

enum DirectDrivers {
    struct Unsupported: Error, CustomStringConvertible {
        let what: String
        var description: String { "Direct row reading does not support \(what)." }
    }

    static func rows(on database: any Database, sql: String, binds: [any Encodable & Sendable]) async throws -> [[SQLCell]] {
        if let sqlite = database as? any SQLiteDatabase {
            let encoder = SQLiteDataEncoder()
            return try await rows(on: sqlite, sql: sql, values: try binds.map { try encoder.encode($0) })
        }
        if let postgres = database as? any PostgresDatabase {
            var bindings = PostgresBindings(capacity: binds.count)
            for bind in binds {
                if let optional = bind as? any OptionalBind, optional.isNone {
                    bindings.appendNull()
                } else if let value = bind as? any PostgresThrowingDynamicTypeEncodable {
                    try bindings.append(value, context: .default)
                } else {
                    throw Unsupported(what: "binding a \(type(of: bind))")
                }
            }
            return try await rows(on: postgres, PostgresQuery(unsafeSQL: sql, binds: bindings))
        }
        throw Unsupported(what: "\(type(of: database))")
    }

    /// A statement whose values are cells: each goes to the driver as the type the encoders
    /// above would have made of the same Swift value (`DirectStatementTests` compares them).
    static func rows(on database: any Database, _ statement: CellStatement) async throws -> [[SQLCell]] {
        if let sqlite = database as? any SQLiteDatabase {
            let values = try statement.binds.map { bound -> SQLiteData in
                guard case .cell(let cell) = bound else { throw CellStatementError(message: "SQLite takes no arrays.") }
                return sqliteData(cell)
            }
            return try await rows(on: sqlite, sql: statement.text, values: values)
        }
        if let postgres = database as? any PostgresDatabase {
            var bindings = PostgresBindings(capacity: statement.binds.count)
            for bound in statement.binds {
                switch bound {
                case .cell(.null): bindings.appendNull()
                case .cell(.int(let value)): bindings.append(value)
                case .cell(.double(let value)): bindings.append(value)
                case .cell(.text(let value)): bindings.append(value)
                case .cell(.bytes(let value)): bindings.append(ByteBuffer(bytes: value))
                case .cell(.bool(let value)): bindings.append(value)
                case .cell(.uuid(let value)): bindings.append(value)
                case .cell(.date(let value)): bindings.append(value)
                case .column(let type, let cells): try bindings.append(CellArray(type: type, cells: cells), context: .default)
                }
            }
            return try await rows(on: postgres, PostgresQuery(unsafeSQL: statement.text, binds: bindings))
        }
        throw Unsupported(what: "\(type(of: database))")
    }

    /// A cell as SQLite keeps Fluent's values: ids as upper-case text, dates as seconds since 1970.
    static func sqliteData(_ cell: SQLCell) -> SQLiteData {
        switch cell {
        case .null: .null
        case .int(let value): .integer(Int(value))
        case .double(let value): .float(value)
        case .text(let value): .text(value)
        case .bytes(let value): .blob(ByteBuffer(bytes: value))
        case .bool(let value): .integer(value ? 1 : 0)
        case .uuid(let value): .text(value.uppercasedText)
        case .date(let value): .float(value.timeIntervalSince1970)
        }
    }

    private static func rows(on sqlite: any SQLiteDatabase, sql: String, values: [SQLiteData]) async throws -> [[SQLCell]] {
        let rows = NIOLockedValueBox<[[SQLCell]]>([])
        try await sqlite.withConnection { connection in
            try await connection.query(sql, values) { row in
                let cells = row.columns.map { column -> SQLCell in
                    switch column.data {
                    case .integer(let value): .int(Int64(value))
                    case .float(let value): .double(value)
                    case .text(let value): .text(value)
                    case .blob(let buffer): .bytes(Array(buffer.readableBytesView))
                    case .null: .null
                    }
                }
                rows.withLockedValue { $0.append(cells) }
            }
        }
        return rows.withLockedValue { $0 }
    }

    private static func rows(on postgres: any PostgresDatabase, _ query: PostgresQuery) async throws -> [[SQLCell]] {
        let result = try await postgres.withConnection { $0.query(query, logger: $0.logger) }.get()
        return try result.rows.map { row in try row.map(cell) }
    }

    static func cell(_ cell: PostgresCell) throws -> SQLCell {
        guard cell.bytes != nil else { return .null }
        switch cell.dataType {
        case .uuid: return .uuid(try cell.decode(UUID.self))
        case .int2, .int4, .int8: return .int(try cell.decode(Int64.self))
        case .bool: return .bool(try cell.decode(Bool.self))
        case .timestamptz, .timestamp, .date: return .date(try cell.decode(Date.self))
        case .float4, .float8: return .double(try cell.decode(Double.self))
        case .numeric: return .text(try cell.decode(Decimal.self).description)
        default: return .text(try cell.decode(String.self))
        }
    }
}

/// A column of cells as a PostgreSQL array in the binary format (one dimension, lower bound 1,
/// NULL elements allowed): what `unnest($1::uuid[])` reads. Each element is written as the
/// driver writes that type on its own.
struct CellArray: PostgresThrowingDynamicTypeEncodable {
    let type: CellType
    let cells: [SQLCell]

    var psqlType: PostgresDataType {
        switch type {
        case .uuid: .uuidArray
        case .text: .textArray
        case .bool: .boolArray
        case .bytes: .byteaArray
        case .int: .int8Array
        case .double: .float8Array
        case .date: .timestamptzArray
        }
    }

    var psqlFormat: PostgresFormat { .binary }

    var elementType: PostgresDataType {
        switch type {
        case .uuid: .uuid
        case .text: .text
        case .bool: .bool
        case .bytes: .bytea
        case .int: .int8
        case .double: .float8
        case .date: .timestamptz
        }
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) throws {
        buffer.writeInteger(1, as: Int32.self)
        buffer.writeInteger(cells.contains(.null) ? 1 : 0, as: Int32.self)
        buffer.writeInteger(elementType.rawValue)
        buffer.writeInteger(Int32(cells.count))
        buffer.writeInteger(1, as: Int32.self)
        for cell in cells {
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(0, as: Int32.self)
            let start = buffer.writerIndex
            switch (type, cell) {
            case (_, .null):
                buffer.setInteger(-1, at: lengthAt, as: Int32.self)
                continue
            case (.uuid, .uuid(let value)): value.encode(into: &buffer, context: context)
            case (.text, .text(let value)): value.encode(into: &buffer, context: context)
            case (.bool, .bool(let value)): value.encode(into: &buffer, context: context)
            case (.bytes, .bytes(let value)): buffer.writeBytes(value)
            case (.int, .int(let value)): value.encode(into: &buffer, context: context)
            case (.double, .double(let value)): value.encode(into: &buffer, context: context)
            case (.date, .date(let value)): value.encode(into: &buffer, context: context)
            default: throw CellStatementError(message: "A \(type.rawValue) column holds \(cell).")
            }
            buffer.setInteger(Int32(buffer.writerIndex - start), at: lengthAt, as: Int32.self)
        }
    }
}
