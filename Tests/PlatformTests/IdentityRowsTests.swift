import Fluent
import Foundation
import MeghnaCore
import SQLKit
import Testing
import TestSupport
@testable import Platform

/// The request context reads its joined statement by position and fills Fluent models by hand
/// (`IdentityRows`). A forgotten or shifted column would hand pages a wrong user or role; these
/// tests compare every field with what Fluent itself loads, on SQLite and PostgreSQL.
@Suite("Identity rows", .serialized)
struct IdentityRowsTests {
    /// Every field, by key, as the model encodes itself (Fluent models are Codable by field key).
    static func fields(_ model: some Model) throws -> [String: String] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let object = try JSONSerialization.jsonObject(with: try encoder.encode(model)) as! [String: Any]
        return object.mapValues { "\($0)" }
    }

    @Test func eachReaderFillsEveryFieldOfItsModel() {
        #expect(User.keys.count == IdentityRows.userCount)
        #expect(Role.keys.count == IdentityRows.roleCount)
        #expect(Organization.keys.count == IdentityRows.organizationCount)
        #expect(StaffSession.keys.count == IdentityRows.sessionCount)
        #expect(APIToken.keys.count == IdentityRows.tokenCount)
    }

    @Test func sessionAndTokenRowsEqualWhatFluentLoads() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Rows Net")
            let user = try await User.find(tenant.admin.id!, on: t.db)!
            // Every optional field set, so a shifted column cannot hide behind two nils.
            user.totpSecret = "sealed-secret"
            user.totpPendingSecret = "sealed-pending"
            user.totpEnabledAt = Date(timeIntervalSince1970: 1_800_000_000.123456)
            user.totpLastStep = 60_000_123
            user.lastLoginAt = Date(timeIntervalSince1970: 1_800_000_100.5)
            user.sessionEpoch = 3
            try await user.save(on: t.db)
            let branch = try await Branch.query(on: t.db).filter(\.$organizationID == tenant.id).first()!
            let (_, started) = try await Sessions.start(for: user, twoFactorPassed: true,
                                                        origin: .init(ip: "203.0.113.9", userAgent: "Browser/1.0"), services: t.services, on: t.db)
            started.branchID = branch.id
            try await started.save(on: t.db)
            let token = try await APIToken.query(on: t.db).filter(\.$userID == user.id!).first()!
            token.expiresAt = Date(timeIntervalSince1970: 1_900_000_000)
            token.lastUsedAt = Date(timeIntervalSince1970: 1_800_000_200.25)
            try await token.save(on: t.db)

            let sessionRows = try await t.db.rows("""
                \(unsafeRaw: IdentityRows.joined("staff_sessions", alias: "s", columns: IdentityRows.sessionColumns)) WHERE s.id = \(bind: started.id!)
                """)
            let row = try #require(sessionRows.first)
            let session = try IdentityRows.session(row, at: 0)
            let (readUser, readRole, readOrganization, _) = try IdentityRows.people(row, after: IdentityRows.sessionCount)
            #expect(session.$id.exists && readUser.$id.exists && readRole.$id.exists && readOrganization.$id.exists)
            #expect(try Self.fields(session) == Self.fields(try await StaffSession.find(started.id!, on: t.db)!))
            #expect(try Self.fields(readUser) == Self.fields(try await User.find(user.id!, on: t.db)!))
            #expect(try Self.fields(readRole) == Self.fields(try await Role.find(user.roleID, on: t.db)!))
            #expect(try Self.fields(readOrganization) == Self.fields(try await Organization.find(tenant.id, on: t.db)!))
            #expect(session.branchID == branch.id && readUser.totpLastStep == 60_000_123)

            let tokenRows = try await t.db.rows("""
                \(unsafeRaw: IdentityRows.joined("api_tokens", alias: "t", columns: IdentityRows.tokenColumns)) WHERE t.id = \(bind: token.id!)
                """)
            let tokenRow = try #require(tokenRows.first)
            #expect(try Self.fields(IdentityRows.token(tokenRow, at: 0)) == Self.fields(try await APIToken.find(token.id!, on: t.db)!))
            #expect(try Self.fields(IdentityRows.user(tokenRow, at: IdentityRows.tokenCount)) == Self.fields(try await User.find(user.id!, on: t.db)!))

            // A model read this way is stored: saving it updates the row, it does not insert one.
            session.branchID = nil
            try await session.save(on: t.db)
            #expect(try await StaffSession.find(started.id!, on: t.db)?.branchID == nil)
            #expect(try await StaffSession.query(on: t.db).count() == 1)
        }
    }

    /// The second statement of the request context is skipped while the organization's context
    /// version stands; any write to its settings, branches or branch assignments (here raw SQL,
    /// as another process or a restore script would write) changes the version.
    @Test func settingsAndBranchesAreReadAgainAfterAnyWrite() async throws {
        try await withApp { t in
            let tenant = try await t.makeTenant("Cache Net")
            let user = try await User.find(tenant.admin.id!, on: t.db)!
            let (cookie, _) = try await Sessions.start(for: user, twoFactorPassed: true, origin: .init(ip: "203.0.113.9", userAgent: nil),
                                                       services: t.services, on: t.db)
            let counting = CountingDatabase(t.db)
            func resume() async throws -> Identity {
                counting.reset()
                return try #require(try await Identities.resumeSession(cookie, origin: .init(ip: "203.0.113.9", userAgent: nil),
                                                                      services: t.services, on: counting)).1
            }
            _ = try await resume()
            #expect(counting.count == 2)
            var identity = try await resume()
            #expect(counting.count == 1)
            let branch = try #require(identity.branchChoices.first)
            let sql = t.db as! any SQLDatabase

            try await sql.raw("UPDATE branches SET name = 'Renamed office' WHERE id = \(bind: branch.id)").run()
            identity = try await resume()
            #expect(counting.count == 2 && identity.branchChoices.first?.name == "Renamed office")
            _ = try await resume()
            #expect(counting.count == 1)

            try await sql.raw("""
                INSERT INTO user_branches (id, organization_id, user_id, branch_id) VALUES (\(bind: UUID()), \(bind: tenant.id), \(bind: user.id!), \(bind: branch.id))
                """).run()
            identity = try await resume()
            #expect(counting.count == 2 && identity.allowedBranchIDs == [branch.id])
            try await sql.raw("DELETE FROM user_branches WHERE user_id = \(bind: user.id!)").run()
            identity = try await resume()
            #expect(counting.count == 2 && identity.allowedBranchIDs == nil)

            let before = identity.settings.int("security", "idle_timeout_minutes")
            _ = try await Settings.update(try await t.context(of: user), ["security": ["idle_timeout_minutes": .int(before + 7)]],
                                          services: t.services, on: t.db)
            identity = try await resume()
            #expect(counting.count == 2 && identity.settings.int("security", "idle_timeout_minutes") == before + 7)
            try await sql.raw("DELETE FROM organization_settings WHERE organization_id = \(bind: tenant.id)").run()
            identity = try await resume()
            #expect(counting.count == 2 && identity.settings.int("security", "idle_timeout_minutes") == before)

            // Another organization's writes leave this one's entry alone.
            let other = try await t.makeTenant("Other Net")
            try await sql.raw("UPDATE branches SET name = 'Elsewhere' WHERE organization_id = \(bind: other.id)").run()
            _ = try await resume()
            #expect(counting.count == 1)
        }
    }

    @Test func idsParseAsFoundationParsesThem() {
        for _ in 0..<200 {
            let id = UUID()
            #expect(DirectRow.uuid(id.uuidString) == id && DirectRow.uuid(id.uuidString.lowercased()) == id)
        }
        for bad in ["", "not-an-id", "5FF2D923-41F2-495D-8B60-3F122C5E4B2", "5FF2D923-41F2-495D-8B60-3F122C5E4B2DD", "5FF2D923_41F2-495D-8B60-3F122C5E4B2D",
                    "5FF2D923-41F2-495D-8B60-3F122C5E4B2G", "5FF2D92-341F2-495D-8B60-3F122C5E4B2D"] {
            #expect(DirectRow.uuid(bad) == nil && UUID(uuidString: bad) == nil, "\(bad)")
        }
    }

    @Test func cellsReadByPositionKeepTheirTypes() async throws {
        try await withApp { t in
            let id = UUID()
            let rows = try await t.db.rows("""
                SELECT \(bind: id) AS a, \(bind: "text") AS b, \(bind: Int64(42)) AS c, \(bind: true) AS d, \
                \(bind: Date(timeIntervalSince1970: 1_800_000_000.25)) AS e, NULL AS f
                """)
            let row = try #require(rows.first)
            #expect(row.count == 6)
            #expect(try row.uuid(0) == id)
            #expect(try row.string(1) == "text")
            #expect(try row.int64(2) == 42)
            #expect(try row.bool(3))
            #expect(try row.date(4) == Date(timeIntervalSince1970: 1_800_000_000.25))
            #expect(try row.optionalString(5) == nil && row.optionalUUID(5) == nil && row.optionalDate(5) == nil)
            #expect(throws: DirectRow.Mismatch.self) { try row.uuid(1) }
        }
    }
}
