import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// The request context's joined statement, read by position (`Database.rows`) instead of
/// through Fluent's joined models: every request pays for it, and Fluent reads each model's
/// fields by reflection. Each reader sets every field of its model, in the order of its column
/// list, and marks the model as stored (so `save` updates it). `IdentityRowsTests` checks that
/// each reader's model equals the one Fluent loads, field by field.
enum IdentityRows {
    static let userColumns = """
        u.id, u.organization_id, u.role_id, u.email, u.name, u.password_hash, u.status, u.email_verified_at, u.totp_secret, \
        u.totp_pending_secret, u.totp_enabled_at, u.totp_last_step, u.session_epoch, u.last_login_at, u.reseller_id, u.platform_admin, \
        u.created_at, u.updated_at
        """
    static let roleColumns = #"r.id, r.organization_id, r."key", r.name, r.permissions, r.is_system, r.created_at, r.updated_at"#
    static let organizationColumns = "o.id, o.name, o.slug, o.currency, o.time_zone, o.created_at, o.updated_at"
    /// After the organization's columns: its `context_version` (see `OrganizationContexts`).
    static let sessionColumns = """
        s.id, s.token_hash, s.user_id, s.organization_id, s.epoch, s.two_factor_passed, s.branch_id, s.ip, s.user_agent, s.created_at, \
        s.last_seen_at
        """
    static let tokenColumns = """
        t.id, t.organization_id, t.user_id, t.name, t.token_hash, t.prefix, t.abilities, t.last_used_at, t.expires_at, t.revoked_at, \
        t.created_at
        """
    static let userCount = columnCount(userColumns), roleCount = columnCount(roleColumns),
               organizationCount = columnCount(organizationColumns), sessionCount = columnCount(sessionColumns),
               tokenCount = columnCount(tokenColumns)

    static func columnCount(_ list: String) -> Int { list.split(separator: ",").count }

    /// `FROM <first> JOIN users u … JOIN roles r … JOIN organizations o …` for a session (`s`) or token (`t`) row.
    static func joined(_ first: String, alias: String, columns: String) -> String {
        """
        SELECT \(columns), \(userColumns), \(roleColumns), \(organizationColumns), o.context_version
          FROM \(first) \(alias) JOIN users u ON u.id = \(alias).user_id JOIN roles r ON r.id = u.role_id
          JOIN organizations o ON o.id = u.organization_id
        """
    }

    static func user(_ row: DirectRow, at o: Int) throws -> User {
        let user = User()
        user.id = try row.uuid(o)
        user.$id.exists = true
        user.organizationID = try row.uuid(o + 1)
        user.roleID = try row.uuid(o + 2)
        user.email = try row.string(o + 3)
        user.name = try row.string(o + 4)
        user.passwordHash = try row.optionalString(o + 5)
        guard let status = UserStatus(rawValue: try row.string(o + 6)) else { throw DomainError.conflict("A user has an unknown status.") }
        user.status = status
        user.emailVerifiedAt = try row.optionalDate(o + 7)
        user.totpSecret = try row.optionalString(o + 8)
        user.totpPendingSecret = try row.optionalString(o + 9)
        user.totpEnabledAt = try row.optionalDate(o + 10)
        user.totpLastStep = try row.optionalInt64(o + 11)
        user.sessionEpoch = try row.int(o + 12)
        user.lastLoginAt = try row.optionalDate(o + 13)
        user.resellerID = try row.optionalUUID(o + 14)
        user.platformAdmin = try row.bool(o + 15)
        user.createdAt = try row.optionalDate(o + 16)
        user.updatedAt = try row.optionalDate(o + 17)
        return user
    }

    static func role(_ row: DirectRow, at o: Int) throws -> Role {
        let role = Role()
        role.id = try row.uuid(o)
        role.$id.exists = true
        role.organizationID = try row.uuid(o + 1)
        role.key = try row.string(o + 2)
        role.name = try row.string(o + 3)
        role.permissionsJSON = try row.string(o + 4)
        role.isSystem = try row.bool(o + 5)
        role.createdAt = try row.optionalDate(o + 6)
        role.updatedAt = try row.optionalDate(o + 7)
        return role
    }

    static func organization(_ row: DirectRow, at o: Int) throws -> Organization {
        let organization = Organization()
        organization.id = try row.uuid(o)
        organization.$id.exists = true
        organization.name = try row.string(o + 1)
        organization.slug = try row.string(o + 2)
        organization.currency = try row.string(o + 3)
        organization.timeZoneIdentifier = try row.string(o + 4)
        organization.createdAt = try row.optionalDate(o + 5)
        organization.updatedAt = try row.optionalDate(o + 6)
        return organization
    }

    static func session(_ row: DirectRow, at o: Int) throws -> StaffSession {
        let session = StaffSession()
        session.id = try row.uuid(o)
        session.$id.exists = true
        session.tokenHash = try row.string(o + 1)
        session.userID = try row.uuid(o + 2)
        session.organizationID = try row.uuid(o + 3)
        session.epoch = try row.int(o + 4)
        session.twoFactorPassed = try row.bool(o + 5)
        session.branchID = try row.optionalUUID(o + 6)
        session.ip = try row.optionalString(o + 7)
        session.userAgent = try row.optionalString(o + 8)
        session.createdAt = try row.date(o + 9)
        session.lastSeenAt = try row.date(o + 10)
        return session
    }

    static func token(_ row: DirectRow, at o: Int) throws -> APIToken {
        let token = APIToken()
        token.id = try row.uuid(o)
        token.$id.exists = true
        token.organizationID = try row.uuid(o + 1)
        token.userID = try row.uuid(o + 2)
        token.name = try row.string(o + 3)
        token.tokenHash = try row.string(o + 4)
        token.prefix = try row.string(o + 5)
        token.abilitiesJSON = try row.string(o + 6)
        token.lastUsedAt = try row.optionalDate(o + 7)
        token.expiresAt = try row.optionalDate(o + 8)
        token.revokedAt = try row.optionalDate(o + 9)
        token.createdAt = try row.optionalDate(o + 10)
        return token
    }

    /// The person, role and home organization following the first model's columns, and the
    /// organization's context version.
    static func people(_ row: DirectRow, after first: Int) throws -> (User, Role, Organization, version: Int64) {
        (try user(row, at: first), try role(row, at: first + userCount), try organization(row, at: first + userCount + roleCount),
         try row.int64(first + userCount + roleCount + organizationCount))
    }
}
