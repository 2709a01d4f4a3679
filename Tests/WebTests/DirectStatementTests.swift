import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit
import Testing
import TestSupport
@testable import Web

/// `CellStatement` binds cells straight to the driver; what it stores must be exactly what
/// `SQLQueryString` stores for the same Swift values, or reads, comparisons and the ledger check
/// would tell rows written by an invoice run from rows written elsewhere.
@Suite("Statements of cells")
struct DirectStatementTests {
    static let id = UUID()
    static let date = Date(timeIntervalSince1970: 1_780_000_000.25)

    /// The columns compared, and on SQLite each one's stored type too.
    static func stored(_ db: any Database, key: String) async throws -> [SQLCell] {
        let types = TestDatabase.isPostgres ? "" : ", typeof(t), typeof(u), typeof(i), typeof(b), typeof(d), typeof(at), typeof(n)"
        let rows = try await db.rows("SELECT t, u, i, b, CAST(d AS TEXT), at, n, n2\(unsafeRaw: types) FROM statement_probe WHERE k = \(bind: key)")
        let row = try #require(rows.first, "no row \(key)")
        let values: [SQLCell] = [SQLCell(try row.optionalString(0)), SQLCell(try row.optionalUUID(1)), SQLCell(try row.optionalInt64(2)),
                                 .bool(try row.bool(3)), SQLCell(try row.optionalString(4)), .date(try row.date(5)), SQLCell(try row.optionalString(6)),
                                 SQLCell(try row.optionalString(7))]
        return try values + (values.count..<row.count).map { .text(try row.string($0)) }
    }

    @Test func cellsAreStoredAsTheSameSwiftValuesBoundThroughSQLKit() async throws {
        try await withApp { t in
            let db = t.db
            try await db.sql.raw("""
                CREATE TABLE statement_probe (k TEXT NOT NULL, t TEXT, u UUID, i BIGINT, b BOOLEAN, d DOUBLE PRECISION, at TIMESTAMPTZ, n TEXT, n2 TEXT)
                """).run()
            let text = "text with ' and ‘বাংলা’ and ? and $1"
            try await db.sql.raw("""
                INSERT INTO statement_probe (k, t, u, i, b, d, at, n, n2) VALUES ('query', \(bind: text), \(bind: Self.id), \(bind: Int64.max), \
                \(bind: true), \(bind: 2.5), \(bind: Self.date), \(bind: String?.none), \(bind: "")) 
                """).run()
            let cells: [SQLCell] = [.text(text), .uuid(Self.id), .int(Int64.max), .bool(true), .double(2.5), .date(Self.date), SQLCell(String?.none), .text("")]
            var statement = CellStatement("INSERT INTO statement_probe (k, t, u, i, b, d, at, n, n2) VALUES ('cells', ", on: db)
            for (i, cell) in cells.enumerated() {
                if i > 0 { statement.append(", ") }
                statement.bind(cell)
            }
            statement.append(") RETURNING k, u")
            let returned = try await db.run(statement)
            #expect(try returned.map { "\(try $0.string(0)) \(try $0.uuid(1))" } == ["cells \(Self.id)"])
            let expected = try await Self.stored(db, key: "query")
            #expect(try await Self.stored(db, key: "cells") == expected)
            if !TestDatabase.isPostgres {
                #expect(Array(expected.suffix(7)) == ["text", "text", "integer", "integer", "real", "real", "null"].map { SQLCell.text($0) },
                        "ids as text, booleans as integers, dates as seconds")
            }

            // The same values as a batch (on PostgreSQL typed arrays, NULL elements included).
            let batch = CellStatement.batches("INSERT INTO statement_probe (k, t, u, i, b, d, at, n, n2) ",
                                              columns: [.text, .text, .uuid, .int, .bool, .double, .date, .text, .text],
                                              rows: [[.text("batch")] + cells, [.text("nulls"), .null, .null, .null, .bool(false), .null, .date(Self.date), .null, .null]],
                                              on: db)
            for statement in batch { try await db.run(statement) }
            #expect(try await Self.stored(db, key: "batch") == expected)
            let nulls = try await Self.stored(db, key: "nulls")
            #expect(Array(nulls.prefix(3)) == [.null, .null, .null] && nulls[4] == .null)

            // A database without the direct path (the driver's own) takes the same statement
            // through SQLKit: placeholders are found by position, not by searching the text.
            let plain = try #require((db as? StatementCountingDatabase)?.inner)
            #expect(!(plain is any DirectStatementDatabase))
            var fallback = CellStatement("INSERT INTO statement_probe (k, t, u, i, b, d, at, n, n2) VALUES ('fallback', ", on: plain)
            for (i, cell) in cells.enumerated() {
                if i > 0 { fallback.append(", ") }
                fallback.bind(cell)
            }
            fallback.append(")")
            try await plain.run(fallback)
            #expect(try await Self.stored(db, key: "fallback") == expected)
        }
    }

    @Test func batchesWriteEveryRowOnBothDatabases() async throws {
        try await withApp { t in
            let db = t.db
            try await db.sql.raw("CREATE TABLE batch_probe (a BIGINT NOT NULL, b TEXT NOT NULL, c TEXT)").run()
            let rows = (1...25).map { [SQLCell.int(Int64($0)), .text("row \($0)"), SQLCell($0.isMultiple(of: 5) ? nil : "x")] }
            let batches = CellStatement.batches("INSERT INTO batch_probe (a, b, c) ", columns: [.int, .text, .text], rows: rows, tail: " RETURNING a", chunk: 10, on: db)
            if TestDatabase.isPostgres {
                // One array per column, whatever the rows: NULLs inside the arrays.
                #expect(batches.count == 1 && batches[0].text == "INSERT INTO batch_probe (a, b, c) SELECT * FROM unnest($1::int8[], $2::text[], $3::text[]) RETURNING a")
                #expect(batches[0].binds[2] == .column(.text, rows.map { $0[2] }))
            } else {
                #expect(batches.map(\.binds.count) == [30, 30, 15])
                #expect(batches[0].text.hasSuffix("(?, ?, ?) RETURNING a"))
            }
            var returned: [Int64] = []
            for statement in batches { returned += try await db.run(statement).map { try $0.int64(0) } }
            #expect(returned.sorted() == Array(1...25))
            let stored = try await db.rows("SELECT a, b, c FROM batch_probe ORDER BY a")
            #expect(try stored.map { "\(try $0.int64(0)) \(try $0.string(1)) \(try $0.optionalString(2) ?? "-")" }
                    == (1...25).map { "\($0) row \($0) \($0.isMultiple(of: 5) ? "-" : "x")" })
        }
    }
}
