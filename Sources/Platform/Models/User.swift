import FluentKit
import Foundation
import MeghnaCore

public enum UserStatus: String, Codable, Sendable, CaseIterable {
    case invited, active, disabled

    /// The states staff may put an account in (an invitation is accepted, never set).
    public static let settable: [UserStatus] = [.active, .disabled]
}

/// A staff member. Belongs to one home organization with one role, optionally limited to branches.
public final class User: TenantOwned, @unchecked Sendable {
    public static let schema = "users"
    public static var organizationKey: KeyPath<User, FieldProperty<User, UUID>> { \User.$organizationID }
    public static let displayName = "User"

    @ID(key: .id) public var id: UUID?

    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "role_id") public var roleID: UUID
    @Field(key: "email") public var email: String
    @Field(key: "name") public var name: String
    @OptionalField(key: "password_hash") public var passwordHash: String?
    @Field(key: "status") public var status: UserStatus
    @OptionalField(key: "email_verified_at") public var emailVerifiedAt: Date?
    /// Sealed TOTP seed once 2FA is enabled.
    @OptionalField(key: "totp_secret") public var totpSecret: String?
    /// Sealed TOTP seed during enrolment, before the first code confirms it.
    @OptionalField(key: "totp_pending_secret") public var totpPendingSecret: String?
    @OptionalField(key: "totp_enabled_at") public var totpEnabledAt: Date?
    /// The last accepted time step, so a code cannot be replayed.
    @OptionalField(key: "totp_last_step") public var totpLastStep: Int64?
    /// Bumped on password change; sessions from an older epoch end.
    @Field(key: "session_epoch") public var sessionEpoch: Int
    @OptionalField(key: "last_login_at") public var lastLoginAt: Date?
    /// Set for reseller staff: they see only this reseller's subtree (CRM owns resellers).
    @OptionalField(key: "reseller_id") public var resellerID: UUID?
    /// The operator of the installation: may create organizations and act inside any of them by
    /// naming it (audited). Independent of the role; only a platform administrator can make one.
    @Field(key: "platform_admin") public var platformAdmin: Bool
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public init(organizationID: UUID, roleID: UUID, email: String, name: String, status: UserStatus = .invited) {
        self.organizationID = organizationID
        self.roleID = roleID
        self.email = email
        self.name = name
        self.status = status
        self.sessionEpoch = 0
        self.platformAdmin = false
    }

    public var twoFactorEnabled: Bool { totpEnabledAt != nil && totpSecret != nil }
}

/// Limits a user to some branches. A user with no rows here sees every branch.
public final class UserBranch: TenantOwned, @unchecked Sendable {
    public static let schema = "user_branches"
    public static var organizationKey: KeyPath<UserBranch, FieldProperty<UserBranch, UUID>> { \UserBranch.$organizationID }
    public static let displayName = "User branch"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "branch_id") public var branchID: UUID

    public init() {}

    public init(organizationID: UUID, userID: UUID, branchID: UUID) {
        self.organizationID = organizationID
        self.userID = userID
        self.branchID = branchID
    }
}

/// A single-use 2FA recovery code, stored hashed.
public final class RecoveryCode: Model, @unchecked Sendable {
    public static let schema = "user_recovery_codes"

    @ID(key: .id) public var id: UUID?
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "code_hash") public var codeHash: String
    @OptionalField(key: "used_at") public var usedAt: Date?

    public init() {}

    public init(userID: UUID, codeHash: String) {
        self.userID = userID
        self.codeHash = codeHash
    }
}

public enum UserTokenPurpose: String, Codable, Sendable {
    case invitation, passwordReset = "password_reset", emailVerification = "email_verification"
}

/// Emailed single-use links: invitations, password resets, email verification. Stored hashed.
public final class UserToken: Model, @unchecked Sendable {
    public static let schema = "user_tokens"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "user_id") public var userID: UUID
    @Field(key: "purpose") public var purpose: UserTokenPurpose
    @Field(key: "token_hash") public var tokenHash: String
    @Field(key: "expires_at") public var expiresAt: Date
    @OptionalField(key: "used_at") public var usedAt: Date?
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?

    public init() {}

    public init(organizationID: UUID, userID: UUID, purpose: UserTokenPurpose, tokenHash: String, expiresAt: Date) {
        self.organizationID = organizationID
        self.userID = userID
        self.purpose = purpose
        self.tokenHash = tokenHash
        self.expiresAt = expiresAt
    }
}
