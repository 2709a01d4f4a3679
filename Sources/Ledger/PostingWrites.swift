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

    /// The writes of `post`, inside a transaction.
    static func write(_ drafts: [TransferDraft], _ ctx: TenantContext, on db: any Database) async throws -> [PostedTransfer] {
        let org = ctx.organizationID
        let sql = db as! any SQLDatabase
        let postgres = sql.dialect.name == "postgresql"
        let lines = drafts.map(\.netLines)

        // 1. Accounts: created when first named (in key order, so concurrent creators queue the
        //    same way), then read back with their ids.
        var specs: [String: (spec: AccountSpec, currency: String)] = [:]
        for line in lines.joined() where specs[line.account.key] == nil { specs[line.account.key] = (line.account, line.amount.currency) }
        let keys = specs.keys.sorted()
        let now = Date()
        // Rows of cells (`CellStatement`): an invoice run posts a transfer per invoice through here.
        let accountRows = keys.map { key -> [SQLCell] in
            let (spec, currency) = specs[key]!
            return [.uuid(UUID.timeOrdered()), .uuid(org), .text(key), .text(spec.name), .text(spec.type.rawValue), .text(currency), .int(0), .int(0), .date(now)]
        }
        for statement in CellStatement.batches("INSERT INTO ledger_accounts (id, organization_id, key, name, type, currency, balance, version, created_at) ",
                                               columns: [.uuid, .uuid, .text, .text, .text, .text, .int, .int, .date], rows: accountRows,
                                               tail: " ON CONFLICT (organization_id, key) DO NOTHING", chunk: chunk, on: db) {
            try await db.run(statement)
        }
        var accounts: [String: (id: UUID, type: String, currency: String)] = [:]
        for part in keys.chunked(chunk) {
            let list = SQLQueryString.binds(part)
            for row in try await db.rows("SELECT key, id, type, currency FROM ledger_accounts WHERE \(TenantSQL.organization(org)) AND key IN (\(list))") {
                accounts[try row.string(0)] = (try row.uuid(1), try row.string(2), try row.string(3))
            }
        }
        if postgres {
            // Locked in one global id order (chunk by chunk), so concurrent posts queue instead of deadlocking.
            let ids = accounts.values.map(\.id).sorted(by: UUID.byteOrder)
            for part in ids.chunked(chunk) {
                let list = SQLQueryString.binds(part)
                try await sql.raw("SELECT id FROM ledger_accounts WHERE \(TenantSQL.organization(org)) AND id IN (\(list)) ORDER BY id FOR UPDATE").run()
            }
        }
        for key in keys {
            guard let account = accounts[key], let (spec, currency) = specs[key] else { throw DomainError.conflict("The account \(key) could not be opened.") }
            guard account.currency == currency else { throw DomainError.conflict("The account \(key) keeps \(account.currency), not \(currency).") }
            guard account.type == spec.type.rawValue else { throw DomainError.conflict("The account \(key) is a \(account.type) account, not \(spec.type.rawValue).") }
        }

        // 2. Transfers: a key posted before is not written again.
        var created: [String: UUID] = [:]
        let transferRows = drafts.map { d -> [SQLCell] in
            [.uuid(UUID.timeOrdered()), .uuid(org), .text(d.idempotencyKey), .text(d.kind), SQLCell(d.referenceType), SQLCell(d.referenceID), SQLCell(d.memo),
             .date(d.eventAt), SQLCell(d.reverses), .text(ctx.actor.label), .date(now)]
        }
        for statement in transferInsert.batches(transferRows, tail: " ON CONFLICT DO NOTHING RETURNING idempotency_key, id", chunk: chunk, on: db) {
            for row in try await db.run(statement) {
                created[try row.string(0)] = try row.uuid(1)
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

        // 3. Entries, and the balances they move.
        var entries: [[SQLCell]] = []
        var deltas: [UUID: (amount: Int64, count: Int64)] = [:]
        for (index, draft) in drafts.enumerated() where results[index].created {
            for line in lines[index] {
                let account = accounts[line.account.key]!.id
                entries.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(results[index].id), .uuid(account), .int(line.amount.minorUnits),
                                .text(line.amount.currency), .date(draft.eventAt)])
                deltas[account, default: (0, 0)].amount += line.amount.minorUnits
                deltas[account, default: (0, 0)].count += 1
            }
        }
        for statement in entryInsert.batches(entries, chunk: chunk, on: db) {
            try await db.run(statement)
        }
        let balanceRows = deltas.sorted(by: { UUID.byteOrder($0.key, $1.key) }).map { [SQLCell.uuid($0.key), .int($0.value.amount), .int($0.value.count)] }
        for var statement in CellStatement.batches("WITH v (id, delta, n) AS (", columns: [.uuid, .int, .int], rows: balanceRows, chunk: chunk, on: db) {
            statement.append("""
                ) UPDATE ledger_accounts SET balance = ledger_accounts.balance + v.delta, version = ledger_accounts.version + v.n \
                FROM v WHERE ledger_accounts.id = v.id
                """)
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
