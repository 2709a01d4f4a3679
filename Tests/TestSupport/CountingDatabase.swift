import FluentKit
import Foundation
import Logging
import NIOCore
import MeghnaCore
import Platform
import SQLKit

/// Wraps a database and counts every statement sent through it (Fluent queries and raw SQL),
/// so tests can prove a page needs a fixed number of statements.
public final class CountingDatabase: Database, SQLDatabase, @unchecked Sendable {
    let inner: any Database
    var sql: any SQLDatabase { inner as! any SQLDatabase }
    private let lock = NSLock()
    private var _statements: [String] = []

    public init(_ inner: any Database) { self.inner = inner }

    public var statements: [String] { lock.withLock { _statements } }
    public var count: Int { statements.count }
    public func reset() { lock.withLock { _statements = [] } }

    func note(_ text: String) { lock.withLock { _statements.append(text) } }

    public var context: DatabaseContext { inner.context }
    public var inTransaction: Bool { inner.inTransaction }

    public func execute(query: DatabaseQuery, onOutput: @escaping @Sendable (any DatabaseOutput) -> ()) -> EventLoopFuture<Void> {
        note("\(query)")
        return inner.execute(query: query, onOutput: onOutput)
    }

    public func execute(schema: DatabaseSchema) -> EventLoopFuture<Void> {
        note("schema")
        return inner.execute(schema: schema)
    }

    public func execute(enum: DatabaseEnum) -> EventLoopFuture<Void> {
        note("enum")
        return inner.execute(enum: `enum`)
    }

    public func transaction<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        inner.transaction(closure)
    }

    public func withConnection<T>(_ closure: @escaping @Sendable (any Database) -> EventLoopFuture<T>) -> EventLoopFuture<T> {
        inner.withConnection(closure)
    }

    public var logger: Logger { inner.context.logger }
    public var eventLoop: any EventLoop { inner.context.eventLoop }
    public var dialect: any SQLDialect { sql.dialect }
    public var version: (any SQLDatabaseReportedVersion)? { sql.version }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) -> EventLoopFuture<Void> {
        note(sql.serialize(query).sql)
        return sql.execute(sql: query, onRow)
    }

    public func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> ()) async throws {
        note(sql.serialize(query).sql)
        try await sql.execute(sql: query, onRow)
    }

    public func withSession<R>(_ closure: @escaping @Sendable (any SQLDatabase) async throws -> R) async throws -> R {
        try await sql.withSession(closure)
    }
}

extension CountingDatabase: DirectRowsDatabase {
    public func directRows(sql: String, binds: [any Encodable & Sendable], short: Bool) async throws -> [[SQLCell]] {
        guard let direct = inner as? any DirectRowsDatabase else { throw DomainError.conflict("The wrapped database cannot read rows directly.") }
        note(sql)
        return try await direct.directRows(sql: sql, binds: binds, short: short)
    }
}
