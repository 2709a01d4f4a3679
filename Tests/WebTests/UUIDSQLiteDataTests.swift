import FluentKit
import FluentSQLiteDriver
import Foundation
import Platform
import SQLKit
import Testing
import TestSupport
@testable import Web

/// Ids bound to SQLite keep the stored form (`uuidString`) and read back as themselves, through
/// the driver's encoder and through Fluent.
@Suite("Ids on SQLite")
struct UUIDSQLiteDataTests {
    @Test func idsAreBoundAsTheirUpperCaseTextAndReadBack() throws {
        for id in (0..<500).map({ _ in UUID() }) + [UUID(uuidString: "00000000-0000-0000-0000-000000000000")!] {
            #expect(try SQLiteDataEncoder().encode(id) == .text(id.uuidString))
            #expect(try SQLiteDataEncoder().encode(Optional(id)) == .text(id.uuidString))
            #expect(UUID(sqliteData: .text(id.uuidString)) == id && UUID(sqliteData: .text(id.uuidString.lowercased())) == id)
        }
        #expect(UUID(sqliteData: .text("not an id")) == nil && UUID(sqliteData: .integer(7)) == nil)
    }

    @Test func fluentStoresAndFindsRowsByTheirIds() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Alpha Net")
            let found = try await Organization.find(tenant.id, on: t.db)
            #expect(found?.id == tenant.id)
            if t.db.sql.dialect.name == "sqlite" {
                let stored = try await t.db.sql.raw("SELECT id FROM organizations WHERE id = \(bind: tenant.id)").first()?.decode(column: "id", as: String.self)
                #expect(stored == tenant.id.uuidString, "the stored text is the upper-case form")
            }
        }
    }
}
