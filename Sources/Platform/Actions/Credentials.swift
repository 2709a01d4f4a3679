import FluentKit
import Foundation
import MeghnaCore

/// Passwords, login, throttling, emailed links (invitation, reset, verification).
public enum Credentials {
    /// Who tried to log in, for throttling and the audit trail.
    public struct Origin: Sendable {
        public var ip: String
        public var userAgent: String?

        public init(ip: String, userAgent: String?) {
            self.ip = ip
            self.userAgent = userAgent
        }
    }

    // MARK: throttling

    /// Throws `throttled` when the account or the address failed too often in the window. Failures
    /// age out, so an attacker can only delay a user, never lock them out for good.
    public static func checkThrottle(email: String, origin: Origin, services: PlatformServices, on db: any Database) async throws {
        let policy = services.policy
        let now = services.clock.now()
        let since = now.addingTimeInterval(-policy.throttleWindowSeconds)
        let accountFailures = try await LoginAttempt.query(on: db).filter(\.$email == email).filter(\.$succeeded == false)
            .filter(\.$at >= since).sort(\.$at).all()
        if accountFailures.count >= policy.accountFailureLimit {
            let oldest = accountFailures[accountFailures.count - policy.accountFailureLimit].at
            throw throttled(until: oldest.addingTimeInterval(policy.throttleWindowSeconds), now: now)
        }
        let ipFailures = try await LoginAttempt.query(on: db).filter(\.$ip == origin.ip).filter(\.$succeeded == false)
            .filter(\.$at >= since).sort(\.$at).all()
        if ipFailures.count >= policy.ipFailureLimit {
            let oldest = ipFailures[ipFailures.count - policy.ipFailureLimit].at
            throw throttled(until: oldest.addingTimeInterval(policy.throttleWindowSeconds), now: now)
        }
    }

    static func throttled(until: Date, now: Date) -> DomainError {
        let seconds = max(Int(until.timeIntervalSince(now).rounded(.up)), 1)
        return .throttled(retryAfter: seconds, "Too many failed sign-in attempts. Try again in \(max(seconds / 60, 1)) minute(s).")
    }

    static func recordAttempt(email: String, origin: Origin, succeeded: Bool, services: PlatformServices, on db: any Database) async throws {
        // A successful sign-in clears the account's failure count (the audit trail keeps the history).
        if succeeded { try await LoginAttempt.query(on: db).filter(\.$email == email).filter(\.$succeeded == false).delete() }
        try await LoginAttempt(email: String(email.prefix(254)), ip: origin.ip, succeeded: succeeded, at: services.clock.now()).create(on: db)
    }

    // MARK: password login

    /// Checks email and password. Does not decide about the second factor: the caller asks
    /// `user.twoFactorEnabled`. Failed attempts are recorded and audited.
    public static func authenticate(email rawEmail: String?, password: String?, origin: Origin, services: PlatformServices,
                                    on db: any Database) async throws -> User {
        var v = Validator()
        let email = v.text("email", rawEmail, max: 254)?.lowercased()
        if (password ?? "").isEmpty { v.add("password", "is required") }
        try v.check()
        try await checkThrottle(email: email!, origin: origin, services: services, on: db)
        let user = try await User.query(on: db).filter(\.$email == email!).first()
        let ok: Bool
        if let hash = user?.passwordHash {
            ok = try await services.hasher.verify(password!, hash)
        } else {
            // Spend the same time as a real check so response times do not reveal accounts.
            _ = try? await services.hasher.verify(password!, dummyHash)
            ok = false
        }
        guard ok, let user else {
            try await recordAttempt(email: email!, origin: origin, succeeded: false, services: services, on: db)
            try await Audit.record("auth.login_failed", "Failed sign-in for \(email!)", organizationID: user?.organizationID,
                                   actorUserID: user?.id, actorLabel: email!, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: db)
            throw DomainError.unauthorized("The email or password is not correct.")
        }
        if user.status == .disabled {
            try await recordAttempt(email: email!, origin: origin, succeeded: false, services: services, on: db)
            throw DomainError.unauthorized("This account is disabled. Ask an administrator to enable it.")
        }
        if user.emailVerifiedAt == nil {
            try await sendVerification(to: user, services: services, on: db)
            throw DomainError.forbidden("Verify your email address first: we have sent a new verification link to \(user.email).")
        }
        return user
    }

    /// Marks a completed sign-in (after the second factor when there is one).
    public static func recordSignIn(_ user: User, method: String, origin: Origin, services: PlatformServices, on db: any Database) async throws {
        try await recordAttempt(email: user.email, origin: origin, succeeded: true, services: services, on: db)
        user.lastLoginAt = services.clock.now()
        try await user.save(on: db)
        try await Audit.record("auth.login_succeeded", "Signed in (\(method))", organizationID: user.organizationID, actorUserID: user.id,
                               actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent, at: services.clock.now(), on: db)
    }

    /// A valid bcrypt hash of a random string, verified when the account does not exist.
    static let dummyHash = "$2b$12$UDDVAU8GpAy.KFsUnChcJ.FN3vJvTWcogjKmYsFG8GP9iqBSjG5By"

    // MARK: password changes

    public static func setPassword(_ user: User, to password: String?, services: PlatformServices, on db: any Database) async throws {
        let problems = PasswordPolicy.problems(password: password ?? "", email: user.email, name: user.name)
        if !problems.isEmpty { throw DomainError.validation(problems.map { FieldError("password", $0) }) }
        user.passwordHash = try await services.hasher.hash(password!)
        user.sessionEpoch += 1
    }

    /// Changes the password after checking the current one; ends every other session.
    public static func changePassword(_ user: User, current: String?, new: String?, keepSessionID: UUID?, origin: Origin,
                                      services: PlatformServices, on db: any Database) async throws {
        guard let hash = user.passwordHash, try await services.hasher.verify(current ?? "", hash) else {
            throw DomainError.invalid("current_password", "is not correct")
        }
        try await setPassword(user, to: new, services: services, on: db)
        try await db.transaction { tx in
            try await user.save(on: tx)
            let others = StaffSession.query(on: tx).filter(\.$userID == user.id!)
            if let keepSessionID { others.filter(\.$id != keepSessionID) }
            try await others.delete()
            if let keepSessionID, let session = try await StaffSession.find(keepSessionID, on: tx) {
                session.epoch = user.sessionEpoch
                try await session.save(on: tx)
            }
            try await Audit.record("auth.password_changed", "Changed password; other sessions ended", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
        }
    }

    // MARK: emailed links

    /// Creates a single-use link token; returns the token text (only its hash is stored).
    static func issueToken(for user: User, purpose: UserTokenPurpose, services: PlatformServices, on db: any Database) async throws -> String {
        let token = SecureToken.generate()
        let lifetime: TimeInterval = switch purpose {
        case .invitation: services.policy.invitationLifetime
        case .passwordReset: services.policy.passwordResetLifetime
        case .emailVerification: services.policy.emailVerificationLifetime
        }
        try await UserToken.query(on: db).filter(\.$userID == user.id!).filter(\.$purpose == purpose).filter(\.$usedAt == nil).delete()
        try await UserToken(organizationID: user.organizationID, userID: user.id!, purpose: purpose, tokenHash: SecureToken.sha256Hex(token),
                            expiresAt: services.clock.now().addingTimeInterval(lifetime)).create(on: db)
        return token
    }

    /// Finds the user of a valid, unused, unexpired link token.
    public static func redeemable(_ token: String?, purpose: UserTokenPurpose, services: PlatformServices,
                                  on db: any Database) async throws -> (UserToken, User) {
        let what = purpose == .invitation ? "Invitation" : purpose == .passwordReset ? "Password reset link" : "Verification link"
        guard let token, token.count <= 128,
              let record = try await UserToken.query(on: db).filter(\.$tokenHash == SecureToken.sha256Hex(token))
                .filter(\.$purpose == purpose).first(),
              let user = try await User.find(record.userID, on: db)
        else { throw DomainError.notFound(what) }
        if record.usedAt != nil { throw DomainError.conflict("This link was already used.") }
        if record.expiresAt < services.clock.now() { throw DomainError.conflict("This link has expired. Ask for a new one.") }
        return (record, user)
    }

    /// Accepts an invitation: sets the password, activates the account and verifies the email.
    public static func acceptInvitation(token: String?, password: String?, origin: Origin, services: PlatformServices,
                                        on db: any Database) async throws -> User {
        let (record, user) = try await redeemable(token, purpose: .invitation, services: services, on: db)
        try await setPassword(user, to: password, services: services, on: db)
        return try await db.transaction { tx in
            user.status = .active
            user.emailVerifiedAt = services.clock.now()
            try await user.save(on: tx)
            record.usedAt = services.clock.now()
            try await record.save(on: tx)
            try await Audit.record("user.invitation_accepted", "Accepted the invitation", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
            return user
        }
    }

    /// Emails a reset link when the address belongs to an active account. Says nothing either way.
    public static func requestPasswordReset(email raw: String?, origin: Origin, services: PlatformServices, on db: any Database) async throws {
        var v = Validator()
        let email = v.email("email", raw)
        try v.check()
        try await checkThrottle(email: email!, origin: origin, services: services, on: db)
        guard let user = try await User.query(on: db).filter(\.$email == email!).first(), user.status == .active else {
            try await recordAttempt(email: email!, origin: origin, succeeded: false, services: services, on: db)
            return
        }
        try await db.transaction { tx in
            let token = try await issueToken(for: user, purpose: .passwordReset, services: services, on: tx)
            try await services.outbox.queueEmail(OutgoingEmail(
                organizationID: user.organizationID, to: user.email, toName: user.name, subject: "Reset your \(services.productName) password",
                text: """
                Hello \(user.name),

                Someone (hopefully you) asked to reset the password of your \(services.productName) account.
                Choose a new password here (the link works for one hour):
                \(services.baseURL)/password-reset/\(token)

                If you did not ask for this, ignore this email; your password stays as it is.
                """, purpose: "password_reset"), tx)
            try await Audit.record("auth.password_reset_requested", "Asked for a password reset link", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
        }
    }

    public static func resetPassword(token: String?, password: String?, origin: Origin, services: PlatformServices,
                                     on db: any Database) async throws -> User {
        let (record, user) = try await redeemable(token, purpose: .passwordReset, services: services, on: db)
        try await setPassword(user, to: password, services: services, on: db)
        return try await db.transaction { tx in
            try await user.save(on: tx)
            record.usedAt = services.clock.now()
            try await record.save(on: tx)
            try await StaffSession.query(on: tx).filter(\.$userID == user.id!).delete()
            try await Audit.record("auth.password_reset", "Reset the password by emailed link; all sessions ended",
                                   organizationID: user.organizationID, actorUserID: user.id, actorLabel: user.email, ip: origin.ip,
                                   userAgent: origin.userAgent, at: services.clock.now(), on: tx)
            return user
        }
    }

    public static func sendVerification(to user: User, services: PlatformServices, on db: any Database) async throws {
        try await db.transaction { tx in
            let token = try await issueToken(for: user, purpose: .emailVerification, services: services, on: tx)
            try await services.outbox.queueEmail(OutgoingEmail(
                organizationID: user.organizationID, to: user.email, toName: user.name,
                subject: "Verify your email for \(services.productName)",
                text: """
                Hello \(user.name),

                Confirm that this address is yours (the link works for 48 hours):
                \(services.baseURL)/verify-email/\(token)
                """, purpose: "email_verification"), tx)
        }
    }

    public static func verifyEmail(token: String?, origin: Origin, services: PlatformServices, on db: any Database) async throws -> User {
        let (record, user) = try await redeemable(token, purpose: .emailVerification, services: services, on: db)
        return try await db.transaction { tx in
            user.emailVerifiedAt = services.clock.now()
            if user.status == .invited, user.passwordHash != nil { user.status = .active }
            try await user.save(on: tx)
            record.usedAt = services.clock.now()
            try await record.save(on: tx)
            try await Audit.record("user.email_verified", "Verified the email address", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
            return user
        }
    }
}
