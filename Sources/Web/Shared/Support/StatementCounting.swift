import FluentKit
import Foundation
import Logging
import NIOCore
import Platform
import SQLKit

/// Counts the SQL statements a request sends. `configure` wraps the database driver, so every
/// statement (Fluent queries, raw SQL, inside transactions or not) passes `StatementCounter`;
/// the request middleware gives each request its own counter through a task local. The count
/// goes into the request's log line (`sql_statements`) and, outside production, into the
/// `X-SQL-Statements` response header that tests and `meghna web benchmark` read.
final class StatementCounter: @unchecked Sendable {
    @TaskLocal static var current: StatementCounter?

    private let lock = NSLock()
    private var _count = 0

    var count: Int { lock.withLock { _count } }
    func increment() { lock.withLock { _count += 1 } }
}

/// A database configuration whose databases count their statements (and, on a SQLite file,
/// run short reads over `SQLiteReaders`).
struct CountingDatabaseConfiguration: DatabaseConfiguration {
    var inner: any DatabaseConfiguration
    var readers: SQLiteReaders?

    var middleware: [any AnyModelMiddleware] {
        get { inner.middleware }
        set { inner.middleware = newValue }
    }

    func makeDriver(for databases: Databases) -> any DatabaseDriver {
        CountingDriver(inner: inner.makeDriver(for: databases), readers: readers, group: databases.eventLoopGroup)
    }

    /// `sqliteFile`: the path of the SQLite file whose short reads go through `SQLiteReaders`.
    static func wrapping(_ factory: DatabaseConfigurationFactory, sqliteFile: String? = nil) -> DatabaseConfigurationFactory {
        DatabaseConfigurationFactory { CountingDatabaseConfiguration(inner: factory.make(), readers: sqliteFile.map { SQLiteReaders(path: $0) }) }
    }
}

struct CountingDriver: DatabaseDriver {
    let inner: any DatabaseDriver
    let readers: SQLiteReaders?
    let group: any EventLoopGroup

    func makeDatabase(with context: DatabaseContext) -> any Database {
        StatementCountingDatabase(inner.makeDatabase(with: context), driver: self)
    }

    /// A database on another event loop's connection pool than `context`'s, or nil with one loop.
    func databaseBeside(_ context: DatabaseContext) -> (any Database)? {
        guard let loop = group.makeIterator().first(where: { $0 !== context.eventLoop }) else { return nil }
        return makeDatabase(with: DatabaseContext(configuration: context.configuration, logger: context.logger, eventLoop: loop,
                                                  history: context.history, pageSizeLimit: context.pageSizeLimit, shouldTrace: context.shouldTrace))
    }

    func shutdown() {
        readers?.close()
        inner.shutdown()
    }

    func shutdownAsync() async {
        readers?.close()
        await inner.shutdownAsync()
    }
}

/// Passes everything to the driver's database, counting each statement for the current request.
struct StatementCountingDatabase: Database, SQLDatabase, ReadsBesideWritesDatabase {
    let inner: any Database
    let driver: CountingDriver
    /// `inner` as SQLKit's database, cast once: SQLKit's serializer asks for the dialect once
    /// per bound value, and a cast there (a protocol conformance lookup) was 3 % of an invoice run.
    private let sql: any SQLDatabase

    init(_ inner: any Database, driver: CountingDriver) {
        self.inner = inner
        self.driver = driver
        sql = inner as! any SQLDatabase
    }

    /// The SQLite file's short-read connections (nil for PostgreSQL and in-memory SQLite).
    var readers: SQLiteReaders? { driver.readers }

    /// Another event loop's connection, on a SQLite file only (`readers` is set for files, not
    /// for an in-memory database; PostgreSQL lends another connection from the same pool), and
    /// never from inside a transaction, whose own uncommitted writes another connection would
    /// not see.
    func databaseBesideWrites() -> (any Database)? {
        guard readers != nil, !inner.inTransaction else { return nil }
        return driver.databaseBeside(inner.context)
    }

    var context: DatabaseContext { inner.context }
    var inTransaction: Bool { inner.inTransaction }

    func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        StatementCounter.current?.increment()
        return inner.execute(query: query, onOutput: onOutput)
    }

    func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        StatementCounter.current?.increment()
        return inner.execute(schema: schema)
    }

    func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        StatementCounter.current?.increment()
        return inner.execute(enum: `enum`)
    }

    func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        inner.transaction { [driver] in closure(StatementCountingDatabase($0, driver: driver)) }
    }

    func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        inner.withConnection { [driver] in closure(StatementCountingDatabase($0, driver: driver)) }
    }

    var logger: Logger { inner.context.logger }
    var eventLoop: any EventLoop { inner.context.eventLoop }
    var dialect: any SQLDialect { sql.dialect }
    var version: (any SQLDatabaseReportedVersion)? { sql.version }
    var queryLogLevel: Logger.Level? { sql.queryLogLevel }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        StatementCounter.current?.increment()
        return sql.execute(sql: query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        StatementCounter.current?.increment()
        try await sql.execute(sql: query, onRow)
    }

    func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withSession(closure)
    }
}
