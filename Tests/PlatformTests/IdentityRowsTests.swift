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
            let (readUser, readRole, readOrganization) = try IdentityRows.people(row, after: IdentityRows.sessionCount)
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
