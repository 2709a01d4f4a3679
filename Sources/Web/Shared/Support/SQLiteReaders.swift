import CSQLiteSupport
import FluentSQLiteDriver
import Foundation
import NIOConcurrencyHelpers
import NIOCore
import Platform
import VaporCSQLite

/// Read-only connections to a SQLite file for `db.shortRows(_:)`: a short read (the request
/// context, a page of a list) runs on the calling thread over one of these, with its prepared
/// statement kept for the next time. The driver's path prepares every statement again (about
/// 60 µs for the request context's join against 10 µs prepared once) and hands it to a thread
/// pool and the rows back to the event loop: two thread switches per statement, a quarter of an
/// API list call's CPU. In write-ahead-log mode each statement reads the last committed state,
/// as the driver's connections do; reads inside a transaction keep the transaction's connection.
///
/// Connections are pooled (at most `limit`, opened when first needed); when all are busy, or
/// the file is briefly locked, the read takes the driver's path instead. `close()` (at driver
/// shutdown) finalizes every statement and closes every connection.
final class SQLiteReaders: Sendable {
    let path: String
    let limit: Int
    private let state = NIOLockedValueBox(State())

    private struct State {
        var free: [Reader] = []
        var opened = 0
        var closed = false
    }

    init(path: String, limit: Int = max(2, System.coreCount) + 2) {
        self.path = path
        self.limit = limit
    }

    /// The rows of `sql`, or nil when no reader was free (the caller then uses the driver).
    func rows(sql: String, binds: [any Encodable & Sendable]) throws -> [[SQLCell]]? {
        guard let reader = try acquire() else { return nil }
        defer { release(reader) }
        return try reader.rows(sql: sql, binds: binds)
    }

    private func acquire() throws -> Reader? {
        enum Next { case use(Reader), open, none }
        let limit = self.limit
        let next: Next = state.withLockedValue { s in
            if s.closed { return .none }
            if let reader = s.free.popLast() { return .use(reader) }
            guard s.opened < limit else { return .none }
            s.opened += 1
            return .open
        }
        switch next {
        case .use(let reader): return reader
        case .none: return nil
        case .open:
            do {
                return try Reader(path: path)
            } catch {
                state.withLockedValue { $0.opened -= 1 }
                throw error
            }
        }
    }

    private func release(_ reader: Reader) {
        let closeNow = state.withLockedValue { s -> Bool in
            if s.closed { return true }
            s.free.append(reader)
            return false
        }
        if closeNow { reader.close() }
    }

    /// Closes the free readers now and the busy ones as they are released.
    func close() {
        let free = state.withLockedValue { s -> [Reader] in
            s.closed = true
            defer { s.free = [] }
            return s.free
        }
        for reader in free { reader.close() }
    }

    /// Readers opened so far (tests).
    var openedCount: Int { state.withLockedValue { $0.opened } }

    /// Statements kept by the free readers, and how often SQLite prepared them again (tests).
    var keptStatements: (kept: Int, reprepared: Int) {
        state.withLockedValue { s in
            s.free.reduce((0, 0)) { total, reader in
                let (kept, again) = reader.statementCounts
                return (total.0 + kept, total.1 + again)
            }
        }
    }
}

/// A reader failed for a reason other than a lock (which falls back to the driver).
struct SQLiteReadError: Error, CustomStringConvertible {
    let code: Int32
    let message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// One read-only connection and its prepared statements, used by one caller at a time (the
/// pool hands it out); its statements are reset after every use, so none holds a read open.
private final class Reader: @unchecked Sendable {
    private var handle: OpaquePointer?
    private var statements: [String: (statement: OpaquePointer, used: UInt64)] = [:]
    private var tick: UInt64 = 0
    private let lock = NIOLock()
    static let cached = 64

    init(path: String) throws {
        var db: OpaquePointer?
        let flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX
        let opened = sqlite_nio_sqlite3_open_v2(path, &db, flags, nil)
        guard opened == SQLITE_OK, let db else {
            let message = db.flatMap { sqlite_nio_sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "cannot open"
            sqlite_nio_sqlite3_close_v2(db)
            throw SQLiteReadError(code: opened, message: message)
        }
        handle = db
        // Plans chosen once per statement: with STAT4 statistics (after ANALYZE or `PRAGMA
        // optimize`) SQLite would otherwise prepare a kept statement again whenever a value is
        // bound to a column it has statistics for, which is every time.
        let planned = meghna_sqlite_enable_qpsg(UnsafeMutableRawPointer(db))
        guard planned == SQLITE_OK else {
            sqlite_nio_sqlite3_close_v2(db)
            handle = nil
            throw SQLiteReadError(code: planned, message: "cannot keep query plans")
        }
        // The same page cache and memory map as the driver's connections; no waiting on locks
        // (the caller falls back to the driver instead of blocking its thread).
        for pragma in ["query_only = 1", "cache_size = -16384", "mmap_size = 268435456", "temp_store = MEMORY"] {
            _ = sqlite_nio_sqlite3_exec(db, "PRAGMA \(pragma)", nil, nil, nil)
        }
    }

    var statementCounts: (kept: Int, reprepared: Int) {
        lock.withLock {
            (statements.count, statements.values.reduce(0) { $0 + Int(sqlite_nio_sqlite3_stmt_status($1.statement, SQLITE_STMTSTATUS_REPREPARE, 0)) })
        }
    }

    func close() {
        lock.withLock {
            for (_, entry) in statements { sqlite_nio_sqlite3_finalize(entry.statement) }
            statements = [:]
            sqlite_nio_sqlite3_close_v2(handle)
            handle = nil
        }
    }

    /// The rows of `sql`; nil when the database was locked (SQLITE_BUSY or SQLITE_LOCKED).
    func rows(sql: String, binds: [any Encodable & Sendable]) throws -> [[SQLCell]]? {
        try lock.withLock {
            guard let db = handle else { return nil }
            let statement = try prepared(sql, on: db)
            defer {
                sqlite_nio_sqlite3_reset(statement)
                sqlite_nio_sqlite3_clear_bindings(statement)
            }
            for (index, value) in binds.enumerated() {
                let code = try bind(value, at: Int32(index + 1), to: statement)
                guard code == SQLITE_OK else { throw error(code, db) }
            }
            var rows: [[SQLCell]] = []
            var columns: Int32 = 0
            while true {
                let code = sqlite_nio_sqlite3_step(statement)
                if code == SQLITE_DONE { return rows }
                guard code == SQLITE_ROW else {
                    let primary = code & 0xFF
                    if primary == SQLITE_BUSY || primary == SQLITE_LOCKED, rows.isEmpty { return nil }
                    throw error(code, db)
                }
                // Counted after the first step: a statement SQLite prepared again for a changed
                // schema (`SELECT *` after a column was added) may have more columns than before.
                if rows.isEmpty { columns = sqlite_nio_sqlite3_column_count(statement) }
                var row: [SQLCell] = []
                row.reserveCapacity(Int(columns))
                for column in 0..<columns { row.append(cell(statement, column)) }
                rows.append(row)
            }
        }
    }

    private func prepared(_ sql: String, on db: OpaquePointer) throws -> OpaquePointer {
        tick &+= 1
        if let entry = statements[sql] {
            statements[sql]!.used = tick
            return entry.statement
        }
        if statements.count >= Self.cached, let oldest = statements.min(by: { $0.value.used < $1.value.used }) {
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements[oldest.key] = nil
        }
        var statement: OpaquePointer?
        let code = sqlite_nio_sqlite3_prepare_v3(db, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard code == SQLITE_OK, let statement else { throw error(code, db) }
        statements[sql] = (statement, tick)
        return statement
    }

    /// Binds what the driver's own `SQLiteDataEncoder` makes of the value (ids included: they
    /// are `SQLiteDataConvertible`), so both paths bind alike (`SQLiteReadersTests`).
    private func bind(_ value: any Encodable & Sendable, at index: Int32, to statement: OpaquePointer) throws -> Int32 {
        switch try SQLiteDataEncoder().encode(value) {
        case .integer(let number): return sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
        case .float(let number): return sqlite_nio_sqlite3_bind_double(statement, index, number)
        case .text(let text): return bindText(text, index, statement)
        case .null: return sqlite_nio_sqlite3_bind_null(statement, index)
        case .blob(let buffer):
            return buffer.withUnsafeReadableBytes {
                sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), transient)
            }
        }
    }

    private func bindText(_ text: String, _ index: Int32, _ statement: OpaquePointer) -> Int32 {
        var text = text
        return text.withUTF8 { bytes in
            bytes.withMemoryRebound(to: CChar.self) {
                sqlite_nio_sqlite3_bind_text64(statement, index, $0.baseAddress, UInt64($0.count), transient, UInt8(SQLITE_UTF8))
            }
        }
    }

    private func cell(_ statement: OpaquePointer, _ column: Int32) -> SQLCell {
        switch sqlite_nio_sqlite3_column_type(statement, column) {
        case SQLITE_INTEGER: return .int(sqlite_nio_sqlite3_column_int64(statement, column))
        case SQLITE_FLOAT: return .double(sqlite_nio_sqlite3_column_double(statement, column))
        case SQLITE_TEXT:
            guard let text = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            return .text(String(decoding: UnsafeBufferPointer(start: text, count: count), as: UTF8.self))
        case SQLITE_BLOB:
            let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
            guard let blob = sqlite_nio_sqlite3_column_blob(statement, column), count > 0 else { return .bytes([]) }
            return .bytes(Array(UnsafeRawBufferPointer(start: blob, count: count)))
        default: return .null
        }
    }

    private func error(_ code: Int32, _ db: OpaquePointer) -> SQLiteReadError {
        SQLiteReadError(code: code, message: sqlite_nio_sqlite3_errmsg(db).map { String(cString: $0) } ?? "unknown")
    }

    deinit {
        if handle != nil { close() }
    }
}

private let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
