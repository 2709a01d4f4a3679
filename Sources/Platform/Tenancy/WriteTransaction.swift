import FluentKit
import SQLKit

extension Database {
    /// A transaction that writes. On SQLite its first statement takes the write lock (waiting up
    /// to the busy timeout for another writer), so the transaction never has to upgrade a read
    /// snapshot to a write later: SQLite refuses that upgrade at once, without waiting, when
    /// another connection committed in between ("database is locked", found by the API fuzzer
    /// while background jobs wrote). PostgreSQL needs nothing extra. Every action that writes
    /// uses this instead of `transaction`.
    ///
    /// SQLite writers of this process also queue at `SQLiteWriteGate` first, in arrival order:
    /// left to SQLite's busy handler (which polls), twenty payments posted at once starved the
    /// ones on one connection while the other connection's writers kept taking the lock, and
    /// some gave up after the busy timeout.
    public func writeTransaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        let locked: @Sendable (any Database) async throws -> T = { tx in
            if let sql = tx as? any SQLDatabase, sql.dialect.name == "sqlite" {
                // A write that changes nothing still takes the lock (`_fluent_migrations` always exists).
                try await sql.raw("UPDATE _fluent_migrations SET batch = batch WHERE 0").run()
            }
            return try await body(tx)
        }
        guard !inTransaction, let sql = self as? any SQLDatabase, sql.dialect.name == "sqlite" else { return try await transaction(locked) }
        let holds = await SQLiteWriteGate.shared.enter()
        do {
            let result = try await transaction(locked)
            if holds { await SQLiteWriteGate.shared.leave() }
            return result
        } catch {
            if holds { await SQLiteWriteGate.shared.leave() }
            throw error
        }
    }
}

/// The queue of this process's SQLite write transactions (see `writeTransaction`). A writer
/// that has waited `patience` goes on without its turn (SQLite's own lock still guards the
/// data): a queue must never hang a request, whatever holds the turn.
actor SQLiteWriteGate {
    static let shared = SQLiteWriteGate()
    static let patience: Duration = .seconds(10)

    private var held = false
    private var waiting: [(id: UInt64, turn: CheckedContinuation<Bool, Never>)] = []
    private var lastID: UInt64 = 0

    /// True when the caller holds the turn (and must `leave`), false when it gave up waiting.
    func enter() async -> Bool {
        guard held else {
            held = true
            return true
        }
        lastID += 1
        let id = lastID
        return await withCheckedContinuation { turn in
            waiting.append((id, turn))
            Task { [weak self] in
                try? await Task.sleep(for: Self.patience)
                await self?.giveUp(id)
            }
        }
    }

    func leave() {
        if waiting.isEmpty { held = false } else { waiting.removeFirst().turn.resume(returning: true) }
    }

    private func giveUp(_ id: UInt64) {
        guard let index = waiting.firstIndex(where: { $0.id == id }) else { return }
        waiting.remove(at: index).turn.resume(returning: false)
    }
}
