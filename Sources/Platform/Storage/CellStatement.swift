import FluentKit
import Foundation
import MeghnaCore
import SQLKit

extension SQLCell {
    public init(_ value: String?) { self = value.map { .text($0) } ?? .null }
    public init(_ value: UUID?) { self = value.map { .uuid($0) } ?? .null }
    public init(_ value: Int64?) { self = value.map { .int($0) } ?? .null }
    public init(_ value: Int?) { self = value.map { .int(Int64($0)) } ?? .null }
    public init(_ value: Bool?) { self = value.map { .bool($0) } ?? .null }
    public init(_ value: Date?) { self = value.map { .date($0) } ?? .null }

    /// The cell as `SQLQueryString` would bind it (for a database without `DirectStatementDatabase`).
    var encodable: any Encodable & Sendable {
        switch self {
        case .null: String?.none
        case .int(let value): value
        case .double(let value): value
        case .text(let value): value
        case .bytes(let value): value
        case .bool(let value): value
        case .uuid(let value): value
        case .date(let value): value
        }
    }
}

/// The type of a column of cells, for PostgreSQL's typed arrays (`unnest($1::uuid[], …)`).
public enum CellType: String, Sendable {
    case uuid, text, bool, bytes = "bytea", int = "int8", double = "float8", date = "timestamptz"
}

/// A statement whose values are bound as cells: the hot bulk writes of an invoice run (some
/// twenty values per invoice over several hundred rows per statement) build their SQL and binds
/// here instead of through `SQLQueryString`, whose serializer (a `SQLBind` existential per value,
/// the dialect asked for each placeholder) and the drivers' `Encodable` encoders were a fifth of
/// a run's time, all of it on the writer's path. Values go to the driver as they are: SQLite gets
/// the text, numbers and dates Fluent stores (ids as upper-case text, dates as seconds since
/// 1970), PostgreSQL the same types `SQLQueryString` binds. The SQL text is ours, never a value.
public struct CellStatement: Sendable {
    /// One placeholder's value: a cell, or (PostgreSQL) a whole column as a typed array.
    public enum Bound: Sendable, Equatable {
        case cell(SQLCell)
        case column(CellType, [SQLCell])
    }

    public private(set) var text: String
    public private(set) var binds: [Bound] = []
    /// PostgreSQL numbers its placeholders ($1, $2 …); SQLite takes `?`.
    let numbered: Bool
    /// Where each placeholder starts and ends in `text` (UTF-8 offsets), for `run`'s fallback.
    private(set) var placeholders: [Range<Int>] = []

    public init(_ text: String = "", on db: any Database) {
        self.text = text
        numbered = db.sql.dialect.name == "postgresql"
    }

    public mutating func append(_ sql: String) { text += sql }

    public mutating func bind(_ cell: SQLCell) { placeholder(.cell(cell)) }

    private mutating func placeholder(_ value: Bound) {
        binds.append(value)
        let start = text.utf8.count
        if numbered {
            text += "$"
            text += String(binds.count)
        } else {
            text += "?"
        }
        placeholders.append(start..<text.utf8.count)
    }

    /// `(v1, v2, …)`, after a comma when a row is already there: one row of a `VALUES` list.
    public mutating func row(_ cells: [SQLCell], first: Bool) {
        text += first ? "(" : ", ("
        for (i, cell) in cells.enumerated() {
            if i > 0 { text += ", " }
            bind(cell)
        }
        text += ")"
    }

    /// `head`, the rows, then `tail`. The rows are a `VALUES` list, one statement per `chunk`
    /// rows (under both databases' bind limits for the widths used here), or on PostgreSQL with a
    /// direct driver `SELECT * FROM unnest($1::uuid[], $2::text[], …)`: one array per column,
    /// up to 10,000 rows per statement. PostgreSQL parses, plans and sets up every value of a
    /// `VALUES` list as an expression of its own (8,400 of them for 400 invoices); with arrays
    /// the 100,000-invoice run went from 57.7 to 53.4 s. `columns` gives each column's type (a
    /// column may be all NULL in a chunk); on PostgreSQL a cell of another kind is a programming
    /// error, refused when the statement runs (SQLite binds each cell as it is). Either form fits
    /// where a `VALUES` list does: after `INSERT INTO t (…)` or inside `WITH v (…) AS (…)`.
    public static func batches(_ head: String, columns: [CellType], rows: [[SQLCell]], tail: String = "", chunk: Int = 400,
                               on db: any Database) -> [CellStatement] {
        let arrays = db.sql.dialect.name == "postgresql" && db is any DirectStatementDatabase
        // Arrays have no bind limit: a few large statements.
        return rows.chunked(arrays ? max(chunk, 10_000) : chunk).map { part in
            var statement = CellStatement(head, on: db)
            if arrays {
                statement.append("SELECT * FROM unnest(")
                for (i, type) in columns.enumerated() {
                    if i > 0 { statement.append(", ") }
                    statement.placeholder(.column(type, part.map { $0[i] }))
                    statement.append("::\(type.rawValue)[]")
                }
                statement.append(")")
            } else {
                statement.append("VALUES ")
                for (i, cells) in part.enumerated() { statement.row(cells, first: i == 0) }
            }
            statement.append(tail)
            return statement
        }
    }
}

/// A table's insert as `CellStatement.batches` writes it: the `INSERT INTO t (…)` head and each
/// column's type, stated once for every writer of those rows (a run and the benchmark's floor).
public struct CellInsert: Sendable {
    public let head: String
    public let columns: [CellType]

    public init(_ head: String, _ columns: [CellType]) {
        self.head = head
        self.columns = columns
    }

    public func batches(_ rows: [[SQLCell]], tail: String = "", chunk: Int = 400, on db: any Database) -> [CellStatement] {
        CellStatement.batches(head, columns: columns, rows: rows, tail: tail, chunk: chunk, on: db)
    }
}

/// A statement of cells that cannot be run as built: a programming error, not bad input.
public struct CellStatementError: Error, CustomStringConvertible {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}

/// A database that runs a `CellStatement` straight on its driver (Web's statement-counting
/// database, for SQLite and PostgreSQL).
public protocol DirectStatementDatabase: Sendable {
    func directRows(_ statement: CellStatement) async throws -> [[SQLCell]]
}

extension Database {
    /// Runs the statement and returns its rows (those of a `RETURNING` list, or none).
    @discardableResult
    public func run(_ statement: CellStatement) async throws -> [DirectRow] {
        if let direct = self as? any DirectStatementDatabase {
            return try await direct.directRows(statement).map { DirectRow(storage: .cells($0)) }
        }
        // Another driver or wrapper: the same SQL through SQLKit, each value bound as Encodable.
        let bytes = Array(statement.text.utf8)
        var query = SQLQueryString("")
        var at = 0
        for (range, bound) in zip(statement.placeholders, statement.binds) {
            // `batches` makes columns only for a direct driver.
            guard case .cell(let cell) = bound else { throw CellStatementError(message: "A column of cells needs a direct PostgreSQL driver.") }
            query.appendLiteral(String(decoding: bytes[at..<range.lowerBound], as: UTF8.self))
            query.appendInterpolation(bind: cell.encodable)
            at = range.upperBound
        }
        query.appendLiteral(String(decoding: bytes[at...], as: UTF8.self))
        return try await sql.raw(query).all().map { DirectRow(storage: .sqlRow($0, $0.allColumns)) }
    }
}
