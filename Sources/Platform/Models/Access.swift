import FluentKit
import Foundation
import MeghnaCore

/// A bearer token for the API. Only its SHA-256 is stored; the token is shown once.
public final class APIToken: TenantOwned, @unchecked Sendable {
    public static let schema = "api_tokens"
    public static var organizationKey: KeyPath<APIToken, FieldProperty<APIToken, UUID>> { \APIToken.$organizationID }
    public static let displayName = "API token"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "name") public var name: String
    @Field(key: "token_hash") public var tokenHash: String
    /// The first characters of the token, to tell tokens apart on a page.
    @Field(key: "prefix") public var prefix: String
    @Field(key: "abilities") public var abilitiesJSON: String
    @OptionalField(key: "last_used_at") public var lastUsedAt: Date?
    @OptionalField(key: "expires_at") public var expiresAt: Date?
    @OptionalField(key: "revoked_at") public var revokedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(organizationID: UUID, userID: UUID, name: String, tokenHash: String, prefix: String, abilities: [String], expiresAt: Date?) {
        self.organizationID = organizationID
        self.userID = userID
        self.name = name
        self.tokenHash = tokenHash
        self.prefix = prefix
        self.abilitiesJSON = JSONColumn.encode(abilities)
        self.expiresAt = expiresAt
    }

    public var abilities: [String] { JSONColumn.decode(abilitiesJSON) }

    /// The permissions this token grants on top of (never beyond) its user's role.
    public func grants(_ permissions: Set<Permission>) -> Set<Permission> {
        let list = abilities
        if list.contains("*") { return permissions }
        return permissions.intersection(list.compactMap(Permission.init(rawValue:)))
    }
}

/// A signed-in browser. The cookie holds a random token; the row holds its SHA-256.
public final class StaffSession: Model, @unchecked Sendable {
    public static let schema = "staff_sessions"

    @ID(key: .id) public var id: UUID?
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "user_id") public var userID: UUID
    /// The organization the session acts in (a platform administrator may switch).
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "epoch") public var epoch: Int
    @Field(key: "two_factor_passed") public var twoFactorPassed: Bool
    /// The branch the person chose to work in (the branch switcher); nil means all they may see.
    @OptionalField(key: "branch_id") public var branchID: UUID?
    @OptionalField(key: "ip") public var ip: String?
    @OptionalField(key: "user_agent") public var userAgent: String?
    @Field(key: "created_at") public var createdAt: Date
    @Field(key: "last_seen_at") public var lastSeenAt: Date

    public init() {}
}

/// Every login attempt, for throttling and the audit trail.
public final class LoginAttempt: Model, @unchecked Sendable {
    public static let schema = "login_attempts"

    @ID(key: .id) public var id: UUID?
    @Field(key: "email") public var email: String
    @Field(key: "ip") public var ip: String
    @Field(key: "succeeded") public var succeeded: Bool
    /// Which step failed: "password" or "second_factor".
    @Field(key: "kind") public var kind: String
    @Field(key: "at") public var at: Date

    public init() {}

    public init(email: String, ip: String, succeeded: Bool, kind: String = LoginAttempt.password, at: Date) {
        self.email = email
        self.ip = ip
        self.succeeded = succeeded
        self.kind = kind
        self.at = at
    }

    public static let password = "password"
    public static let secondFactor = "second_factor"
}

/// One counted request for `RateLimits`.
public final class RateLimitHit: Model, @unchecked Sendable {
    public static let schema = "rate_limit_hits"

    @ID(key: .id) public var id: UUID?
    @Field(key: "key") public var key: String
    @Field(key: "at") public var at: Date

    public init() {}
}

/// An append-only record of a security or administrative event.
public final class AuditEvent: Model, @unchecked Sendable {
    public static let schema = "audit_events"

    @ID(key: .id) public var id: UUID?
    @OptionalField(key: "organization_id") public var organizationID: UUID?
    @OptionalField(key: "actor_user_id") public var actorUserID: UUID?
    @Field(key: "actor_label") public var actorLabel: String
    @Field(key: "action") public var action: String
    @OptionalField(key: "target_type") public var targetType: String?
    @OptionalField(key: "target_id") public var targetID: String?
    @Field(key: "summary") public var summary: String
    @OptionalField(key: "ip") public var ip: String?
    @OptionalField(key: "user_agent") public var userAgent: String?
    @Field(key: "metadata") public var metadata: String
    @Field(key: "created_at") public var createdAt: Date

    public init() {}
}

/// One settings section of an organization: plain values as JSON, secrets sealed separately.
public final class OrganizationSetting: Model, @unchecked Sendable {
    public static let schema = "organization_settings"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "section") public var section: String
    @Field(key: "values") public var values: String
    /// JSON object of field name → SecretBox-sealed text.
    @Field(key: "secrets") public var secrets: String
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}
}
