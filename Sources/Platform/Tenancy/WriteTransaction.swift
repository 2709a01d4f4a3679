import FluentKit
import SQLKit

extension Database {
    /// A transaction that writes. On SQLite its first statement takes the write lock (waiting up
    /// to the busy timeout for another writer), so the transaction never has to upgrade a read
    /// snapshot to a write later: SQLite refuses that upgrade at once, without waiting, when
    /// another connection committed in between ("database is locked", found by the API fuzzer
    /// while background jobs wrote). PostgreSQL needs nothing extra. Every action that writes
    /// uses this instead of `transaction`.
    public func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await transaction { tx in
            if let sql = tx as? any SQLDatabase, sql.dialect.name == "sqlite" {
                // A write that changes nothing still takes the lock (`_fluent_migrations` always exists).
                try await sql.raw("UPDATE _fluent_migrations SET batch = batch WHERE 0").run()
            }
            return try await body(tx)
        }
    }
}
