import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Short reads (`db.shortRows`) on a SQLite file run over `SQLiteReaders`: the same cells as the
/// driver's path, the last committed state, the transaction's own writes inside one.
@Suite("SQLite readers")
struct SQLiteReadersTests {
    static func readers(_ t: TestApp) -> SQLiteReaders? {
        (t.db as? StatementCountingDatabase)?.readers
    }

    @Test func shortReadsGiveTheDriversCellsForEveryKindOfBind() async throws {
        try await withApp { t in
            let id = UUID()
            let date = Date(timeIntervalSince1970: 1_780_000_000.25)
            let binds: [any Encodable & Sendable] = ["text with ' and ‘বাংলা’", id, 42, Int64.max, true, false, 2.5, date,
                                                      Optional<String>.none, Optional<UUID>.some(id), "", Optional<Int>.none]
            // Each value bound as itself (its own type), as callers bind them.
            var query: SQLQueryString = "SELECT "
            for (index, value) in binds.enumerated() { query += index == 0 ? "\(bind: value)" : ", \(bind: value)" }
            let short = try await t.db.shortRows(query)
            let long = try await t.db.rows(query)
            #expect(short.count == 1 && long.count == 1)
            // Cell for cell what the driver's path reads.
            let (sql, values) = t.db.sql.serialize(query)
            let direct = try #require(t.db as? any DirectRowsDatabase)
            let shortCells = try await direct.directRows(sql: sql, binds: values, short: true)
            let driverCells = try await direct.directRows(sql: sql, binds: values, short: false)
            #expect(shortCells == driverCells)
            #expect(shortCells.first?.count == binds.count)
            #expect(try short[0].uuid(1) == id && short[0].uuid(9) == id)
            #expect(try short[0].int64(3) == Int64.max && short[0].bool(4) && !short[0].bool(5))
            #expect(try short[0].date(7) == long[0].date(7))
            #expect(try short[0].optionalString(8) == nil && short[0].optionalString(11) == nil)
            if TestDatabase.isPostgres {
                #expect(Self.readers(t) == nil, "PostgreSQL reads through its driver")
            } else {
                #expect(Self.readers(t)?.openedCount == 1, "one reader served the short read")
            }
        }
    }

    @Test func aShortReadSeesWhatWasCommittedAndInATransactionItsOwnWrites() async throws {
        try await withApp { t in
            try await t.db.sql.raw("CREATE TABLE reader_probe (id INTEGER PRIMARY KEY, name TEXT NOT NULL)").run()
            let count: SQLQueryString = "SELECT count(*) FROM reader_probe WHERE name <> \(bind: "")"
            #expect(try await t.db.shortRows(count).first?.int(0) == 0)
            try await t.db.sql.raw("INSERT INTO reader_probe (id, name) VALUES (1, 'one')").run()
            #expect(try await t.db.shortRows(count).first?.int(0) == 1, "committed by the driver's connection, read by a reader")
            try await t.db.transaction { tx in
                try await tx.sql.raw("INSERT INTO reader_probe (id, name) VALUES (2, 'two')").run()
                #expect(try await tx.shortRows(count).first?.int(0) == 2, "inside the transaction: its own write")
                #expect(try await t.db.shortRows(count).first?.int(0) == 1, "outside it: not yet")
            }
            #expect(try await t.db.shortRows(count).first?.int(0) == 2)
            // A column added after the statement was kept: SQLite prepares it again by itself.
            try await t.db.sql.raw("ALTER TABLE reader_probe ADD COLUMN note TEXT").run()
            let all: SQLQueryString = "SELECT * FROM reader_probe ORDER BY id"
            #expect(try await t.db.shortRows(all).first?.count == 3)
        }
    }

    /// A kept statement keeps its plan: SQLite would otherwise prepare it again whenever a new
    /// value is bound where it compared a bound value while planning (a partial index's
    /// condition here), which is every request.
    @Test func keptStatementsAreNotPreparedAgainForNewValues() async throws {
        try await withApp { t in
            guard let readers = Self.readers(t) else {
                #expect(TestDatabase.isPostgres)
                return
            }
            try await t.db.sql.raw("CREATE TABLE plan_probe (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, n INTEGER NOT NULL)").run()
            try await t.db.sql.raw("CREATE INDEX plan_probe_open_idx ON plan_probe (n) WHERE kind = 'open'").run()
            try await t.db.sql.raw("""
                INSERT INTO plan_probe (kind, n) \
                WITH RECURSIVE k(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM k WHERE value < 300) \
                SELECT CASE WHEN value % 3 = 0 THEN 'open' ELSE 'closed' END, value FROM k
                """).run()
            try await t.db.sql.raw("ANALYZE").run()
            for n in 0..<20 {
                let kind = n.isMultiple(of: 2) ? "open" : "closed"
                let rows = try await t.db.shortRows("SELECT count(*) FROM plan_probe WHERE kind = \(bind: kind) AND n > \(bind: n)")
                #expect(try rows.first?.int(0) ?? 0 > 0)
            }
            let counts = readers.keptStatements
            #expect(counts.kept == 1 && counts.reprepared == 0, "\(counts)")
        }
    }

    @Test func moreStatementsThanAreKeptAndBadSQLGiveClearAnswers() async throws {
        try await withApp { t in
            for n in 0..<150 {
                let rows = try await t.db.shortRows("SELECT \(literal: n) + \(bind: 1)")
                #expect(try rows.first?.int(0) == n + 1)
            }
            // Kept statements still answer after others pushed them out.
            #expect(try await t.db.shortRows("SELECT \(literal: 3) + \(bind: 1)").first?.int(0) == 4)
            await #expect(throws: (any Error).self) { try await t.db.shortRows("SELECT * FROM no_such_table") }
            // The reader that failed is usable again.
            #expect(try await t.db.shortRows("SELECT \(bind: "ok")").first?.string(0) == "ok")
            if !TestDatabase.isPostgres { #expect(Self.readers(t)?.openedCount == 1) }
        }
    }

    @Test func closedReadersLeaveShortReadsToTheDriver() async throws {
        try await withApp { t in
            guard let readers = Self.readers(t) else {
                #expect(TestDatabase.isPostgres)
                return
            }
            let seven = try await t.db.shortRows("SELECT \(bind: 7)").first?.int(0)
            #expect(seven == 7)
            readers.close()
            let eight = try await t.db.shortRows("SELECT \(bind: 8)").first?.int(0)
            #expect(eight == 8, "the driver answers once readers are closed")
            #expect(readers.openedCount == 1)
        }
    }

    /// `besideWrites()`: a read while a write transaction is open on the same handle goes over
    /// another connection and sees the last commit. On a SQLite file the writer's own handle has
    /// one connection, so the same read there waits for the commit that the transaction is
    /// itself waiting on; the race below turns that into a failure instead of a hang.
    @Test func aReadBesideAnOpenWriteTransactionDoesNotWaitForIt() async throws {
        try await withApp { t in
            try await t.db.sql.raw("CREATE TABLE beside_probe (id INTEGER PRIMARY KEY)").run()
            try await t.db.sql.raw("INSERT INTO beside_probe (id) VALUES (1)").run()
            let db = t.db
            let beside = db.besideWrites()
            if !TestDatabase.isPostgres, Array(t.app.eventLoopGroup.makeIterator()).count > 1 {
                #expect(beside.eventLoop !== db.eventLoop, "another event loop's connection")
            }
            let count: SQLQueryString = "SELECT count(*) FROM beside_probe"
            try await db.writeTransaction { tx in
                try await tx.sql.raw("INSERT INTO beside_probe (id) VALUES (2)").run()
                let seen = try await withThrowingTaskGroup(of: Int?.self) { group in
                    group.addTask { try await beside.rows(count).first?.int(0) }
                    group.addTask {
                        try await Task.sleep(for: .seconds(10))
                        throw DomainError.conflict("The read beside the open transaction waited for it.")
                    }
                    defer { group.cancelAll() }
                    return try await group.next() ?? nil
                }
                #expect(seen == 1, "the committed state, not the open transaction's row")
            }
            #expect(try await beside.rows(count).first?.int(0) == 2)
            // Inside a transaction the handle is the transaction itself: its own writes count.
            try await db.writeTransaction { tx in
                try await tx.sql.raw("INSERT INTO beside_probe (id) VALUES (3)").run()
                #expect(try await tx.besideWrites().rows(count).first?.int(0) == 3)
            }
        }
    }
}
