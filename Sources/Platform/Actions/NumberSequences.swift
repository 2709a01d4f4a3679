import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// Gapless per-organization numbers for things people read aloud: customers (C-000123),
/// invoices, receipts, purchase orders. A number is taken inside the caller's transaction; the
/// sequence row stays locked until that transaction ends, so a rollback gives the number back
/// and concurrent callers queue instead of skipping or repeating.
public enum NumberSequences {
    /// Takes the next number of `name` (e.g. "customer") for the organization. Pass the caller's transaction.
    public static func next(_ name: String, organizationID: UUID, on db: any Database) async throws -> Int64 {
        let sql = db as! any SQLDatabase
        let row = try await sql.raw("""
            INSERT INTO number_sequences (organization_id, name, last_value) VALUES (\(bind: organizationID), \(bind: name), 1)
            ON CONFLICT (organization_id, name) DO UPDATE SET last_value = number_sequences.last_value + 1
            RETURNING last_value
            """).first()
        guard let row else { throw DomainError.conflict("The \(name) number could not be allocated.") }
        return try row.decode(column: "last_value", as: Int64.self)
    }

    /// Takes `count` consecutive numbers at once (bulk imports); returns the first.
    public static func take(_ count: Int, of name: String, organizationID: UUID, on db: any Database) async throws -> Int64 {
        precondition(count > 0)
        let sql = db as! any SQLDatabase
        let row = try await sql.raw("""
            INSERT INTO number_sequences (organization_id, name, last_value) VALUES (\(bind: organizationID), \(bind: name), \(bind: Int64(count)))
            ON CONFLICT (organization_id, name) DO UPDATE SET last_value = number_sequences.last_value + \(bind: Int64(count))
            RETURNING last_value
            """).first()
        guard let row else { throw DomainError.conflict("The \(name) numbers could not be allocated.") }
        return try row.decode(column: "last_value", as: Int64.self) - Int64(count) + 1
    }

    /// Locks a sequence's row until the caller's transaction ends (creating it at 0), so work
    /// that checks what exists before taking numbers sees every earlier holder's rows.
    public static func lock(_ name: String, organizationID: UUID, on db: any Database) async throws {
        let sql = db as! any SQLDatabase
        try await sql.raw("""
            INSERT INTO number_sequences (organization_id, name, last_value) VALUES (\(bind: organizationID), \(bind: name), 0)
            ON CONFLICT (organization_id, name) DO UPDATE SET last_value = number_sequences.last_value
            """).run()
    }

    /// "INV-2026-000042" → ("INV-2026", 42): the series a formatted number belongs to (all but its
    /// last dash-separated part) and its value; nil for a number not written by `format`.
    public static func parse(_ number: String) -> (series: String, value: Int64)? {
        guard let dash = number.lastIndex(of: "-"), let value = Int64(number[number.index(after: dash)...]) else { return nil }
        return (String(number[..<dash]), value)
    }

    /// Whether `values` are exactly 1…n: a gapless series.
    public static func isGapless(_ values: [Int64]) -> Bool {
        values.sorted().enumerated().allSatisfy { $0.element == Int64($0.offset + 1) }
    }

    /// "C-000123": a prefix and the number zero-padded to `width` digits (wider numbers are not cut).
    public static func format(_ value: Int64, prefix: String, width: Int = 6) -> String {
        let digits = String(value)
        return prefix + String(repeating: "0", count: max(width - digits.count, 0)) + digits
    }
}

struct CreateNumberSequences: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.CreateNumberSequences" }

    func prepare(on database: any Database) async throws {
        try await database.schema("number_sequences")
            .field("organization_id", .uuid, .required, .references("organizations", "id"))
            .field("name", .string, .required)
            .field("last_value", .int64, .required)
            .compositeIdentifier(over: "organization_id", "name")
            .create()
    }

    func revert(on database: any Database) async throws {
        try await database.schema("number_sequences").delete()
    }
}
