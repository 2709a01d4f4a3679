import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

extension Ledger {
    /// Rows per multi-row statement: under SQLite's and PostgreSQL's bind limits at nine binds a row.
    static let chunk = 400

    /// A transfer's row and its entries' rows, as `CellStatement.batches` inserts them (the
    /// postings here and the billing benchmark's floor).
    public static let transferInsert = CellInsert("""
        INSERT INTO ledger_transfers (id, organization_id, idempotency_key, kind, reference_type, reference_id, memo, event_at, reverses_id, actor, created_at) 
        """, [.uuid, .uuid, .text, .text, .text, .uuid, .text, .date, .uuid, .text, .date])
    public static let entryInsert = CellInsert("INSERT INTO ledger_entries (id, organization_id, transfer_id, account_id, amount, currency, event_at) ",
                                               [.uuid, .uuid, .uuid, .uuid, .int, .text, .date])

    /// The accounts' upsert: an account named for the first time is opened with the balance its
    /// new entries give it; one that exists has its balance and version moved. The row lock the
    /// update takes is the posting's lock on that account (rows go in key order).
    static let accountUpsert = CellInsert(
        "INSERT INTO ledger_accounts (id, organization_id, key, name, type, currency, balance, version, created_at) ",
        [.uuid, .uuid, .text, .text, .text, .text, .int, .int, .date])

    /// The writes of `post`, inside a transaction.
    static func write(_ drafts: [TransferDraft], _ ctx: TenantContext, on db: any Database) async throws -> [PostedTransfer] {
        let org = ctx.organizationID
        let lines = drafts.map(\.netLines)
        let now = Date()

        // 1. Transfers, in key order: a key posted before is not written again (one another
        //    posting holds uncommitted is waited for; both wait in the same order).
        var created: [String: UUID] = [:]
        let transferRows = drafts.sorted { $0.idempotencyKey < $1.idempotencyKey }.map { d -> [SQLCell] in
            [.uuid(UUID.timeOrdered()), .uuid(org), .text(d.idempotencyKey), .text(d.kind), SQLCell(d.referenceType), SQLCell(d.referenceID), SQLCell(d.memo),
             .date(d.eventAt), SQLCell(d.reverses), .text(ctx.actor.label), .date(now)]
        }
        for statement in transferInsert.batches(transferRows, tail: " ON CONFLICT DO NOTHING RETURNING idempotency_key, id", chunk: chunk, on: db) {
            for row in try await db.run(statement) {
                created[try row.string(0)] = try row.uuid(1)
            }
        }

        // 2. Accounts, in key order (so concurrent posts lock them in the same order and queue
        //    instead of deadlocking): opened when first named, each balance moved by the new
        //    transfers' lines in the same statement, read back with their ids.
        var specs: [String: (spec: AccountSpec, currency: String, delta: Int64, count: Int64)] = [:]
        for (index, draft) in drafts.enumerated() {
            let moves = created[draft.idempotencyKey] != nil
            for line in lines[index] {
                var spec = specs[line.account.key] ?? (line.account, line.amount.currency, 0, 0)
                if moves { (spec.delta, spec.count) = (spec.delta + line.amount.minorUnits, spec.count + 1) }
                specs[line.account.key] = spec
            }
        }
        let accountRows = specs.keys.sorted().map { key -> [SQLCell] in
            let s = specs[key]!
            return [.uuid(UUID.timeOrdered()), .uuid(org), .text(key), .text(s.spec.name), .text(s.spec.type.rawValue), .text(s.currency), .int(s.delta),
                    .int(s.count), .date(now)]
        }
        var accounts: [String: (id: UUID, type: String, currency: String)] = [:]
        for statement in accountUpsert.batches(accountRows, tail: """
             ON CONFLICT (organization_id, key) DO UPDATE SET balance = ledger_accounts.balance + excluded.balance, \
            version = ledger_accounts.version + excluded.version RETURNING key, id, type, currency
            """, chunk: chunk, on: db) {
            for row in try await db.run(statement) {
                accounts[try row.string(0)] = (try row.uuid(1), try row.string(2), try row.string(3))
            }
        }
        // A mismatch throws, and the caller's transaction takes the moved balance back with it.
        for (key, s) in specs {
            guard let account = accounts[key] else { throw DomainError.conflict("The account \(key) could not be opened.") }
            guard account.currency == s.currency else { throw DomainError.conflict("The account \(key) keeps \(account.currency), not \(s.currency).") }
            guard account.type == s.spec.type.rawValue else {
                throw DomainError.conflict("The account \(key) is a \(account.type) account, not \(s.spec.type.rawValue).")
            }
        }

        var results: [PostedTransfer] = []
        var earlier: [Int] = []
        for (index, draft) in drafts.enumerated() {
            if let id = created[draft.idempotencyKey] {
                results.append(PostedTransfer(id: id, idempotencyKey: draft.idempotencyKey, created: true))
            } else {
                earlier.append(index)
                results.append(PostedTransfer(id: UUID.timeOrdered(), idempotencyKey: draft.idempotencyKey, created: false))
            }
        }
        if !earlier.isEmpty { try await resolveEarlier(earlier, drafts: drafts, lines: lines, accounts: accounts, into: &results, ctx, on: db) }

        // 3. Entries (the balances they move were moved above).
        var entries: [[SQLCell]] = []
        for (index, draft) in drafts.enumerated() where results[index].created {
            for line in lines[index] {
                entries.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(results[index].id), .uuid(accounts[line.account.key]!.id),
                                .int(line.amount.minorUnits), .text(line.amount.currency), .date(draft.eventAt)])
            }
        }
        for statement in entryInsert.batches(entries, chunk: chunk, on: db) {
            try await db.run(statement)
        }
        return results
    }

    /// Fills in the transfers whose keys were posted before, after checking each holds the same
    /// entries as its draft (the same key for different money is a caller's bug, not a repeat).
    private static func resolveEarlier(_ indices: [Int], drafts: [TransferDraft], lines: [[TransferLine]],
                                       accounts: [String: (id: UUID, type: String, currency: String)],
                                       into results: inout [PostedTransfer], _ ctx: TenantContext, on db: any Database) async throws {
        for part in indices.chunked(chunk) {
            let list = SQLQueryString.binds(part.map { drafts[$0].idempotencyKey })
            var ids: [String: UUID] = [:]
            for row in try await db.rows("""
                SELECT idempotency_key, id FROM ledger_transfers WHERE \(TenantSQL.organization(ctx.organizationID)) AND idempotency_key IN (\(list))
                """) {
                ids[try row.string(0)] = try row.uuid(1)
            }
            let idList = SQLQueryString.binds(ids.values)
            var stored: [UUID: [String]] = [:]
            if !ids.isEmpty {
                for row in try await db.rows("SELECT transfer_id, account_id, amount, currency FROM ledger_entries WHERE \(TenantSQL.organization(ctx.organizationID)) AND transfer_id IN (\(idList))") {
                    stored[try row.uuid(0), default: []].append("\(try row.uuid(1)) \(try row.int64(2)) \(try row.string(3))")
                }
            }
            for index in part {
                let key = drafts[index].idempotencyKey
                // A key another posting inserted but has not committed yet waits above and is
                // found here; one that is missing means that posting rolled back: a retry's job.
                guard let id = ids[key] else { throw DomainError.conflict("The transfer \(key) is being posted by someone else; try again.") }
                let wanted = lines[index].map { "\(accounts[$0.account.key]!.id) \($0.amount.minorUnits) \($0.amount.currency)" }.sorted()
                guard (stored[id] ?? []).sorted() == wanted else {
                    throw DomainError.conflict("The idempotency key \(key) was already used for a different transfer.")
                }
                results[index] = PostedTransfer(id: id, idempotencyKey: key, created: false)
            }
        }
    }
}
