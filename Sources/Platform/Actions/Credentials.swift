import FluentKit
import Foundation
import Jobs
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

    /// Throws `throttled` when the address failed too often in the window. Failures age out, so
    /// an attacker can only delay a user, never lock them out for good.
    static func checkAddressThrottle(origin: Origin, services: PlatformServices, on db: any Database) async throws {
        let policy = services.policy
        let now = services.clock.now()
        let failures = try await LoginAttempt.query(on: db).filter(\.$ip == origin.ip).filter(\.$succeeded == false)
            .filter(\.$at >= now.addingTimeInterval(-policy.throttleWindowSeconds)).sort(\.$at).all()
        if failures.count >= policy.ipFailureLimit {
            throw throttled(until: failures[failures.count - policy.ipFailureLimit].at.addingTimeInterval(policy.throttleWindowSeconds), now: now)
        }
    }

    /// When the account has too many failures of one `kind` (a wrong password, or a wrong second
    /// factor) in the window: the time they age out, else nil.
    static func accountThrottledUntil(email: String, kind: String, services: PlatformServices, on db: any Database) async throws -> Date? {
        let policy = services.policy
        let now = services.clock.now()
        let failures = try await LoginAttempt.query(on: db).filter(\.$email == email).filter(\.$succeeded == false).filter(\.$kind == kind)
            .filter(\.$at >= now.addingTimeInterval(-policy.throttleWindowSeconds)).sort(\.$at).all()
        guard failures.count >= policy.accountFailureLimit else { return nil }
        return failures[failures.count - policy.accountFailureLimit].at.addingTimeInterval(policy.throttleWindowSeconds)
    }

    static func throttled(until: Date, now: Date) -> DomainError {
        let seconds = max(Int(until.timeIntervalSince(now).rounded(.up)), 1)
        return .throttled(retryAfter: seconds, "Too many failed sign-in attempts. Try again in \(max(seconds / 60, 1)) minute(s).")
    }

    static func recordAttempt(email: String, origin: Origin, succeeded: Bool, kind: String = LoginAttempt.password, services: PlatformServices,
                              on db: any Database) async throws {
        // A successful sign-in clears the account's failure count (the audit trail keeps the history).
        if succeeded { try await LoginAttempt.query(on: db).filter(\.$email == email).filter(\.$succeeded == false).delete() }
        try await LoginAttempt(email: String(email.prefix(254)), ip: origin.ip, succeeded: succeeded, kind: kind, at: services.clock.now())
            .create(on: db)
    }

    // MARK: password login

    /// Checks email and password. Does not decide about the second factor: the caller asks
    /// `user.twoFactorEnabled`. Failed attempts are recorded and audited.
    ///
    /// Too many failures from one address stop that address. Too many wrong passwords for one
    /// account stop wrong *and* right passwords, except that the right password still gets
    /// through when a second factor follows (the account uses 2FA) or the browser signed in to
    /// this account before (`knownDevice`): otherwise anyone could keep the owner out by typing
    /// five wrong passwords every 15 minutes.
    public static func authenticate(email rawEmail: String?, password: String?, origin: Origin, knownDevice: @Sendable (UUID) -> Bool = { _ in false },
                                    services: PlatformServices, on db: any Database) async throws -> User {
        var v = Validator()
        let email = v.text("email", rawEmail, max: 254)?.lowercased()
        if (password ?? "").isEmpty { v.add("password", "is required") }
        try v.check()
        try await checkAddressThrottle(origin: origin, services: services, on: db)
        let throttledUntil = try await accountThrottledUntil(email: email!, kind: LoginAttempt.password, services: services, on: db)
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
            if let throttledUntil { throw throttled(until: throttledUntil, now: services.clock.now()) }
            throw DomainError.unauthorized("The email or password is not correct.")
        }
        if let throttledUntil, !user.twoFactorEnabled, !knownDevice(user.id!) {
            throw throttled(until: throttledUntil, now: services.clock.now())
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

    /// Changes the password after checking the current one; ends every other session and revokes
    /// every API token (a token made by whoever knew the old password must not outlive it).
    /// Returns how many tokens were revoked.
    @discardableResult
    public static func changePassword(_ user: User, current: String?, new: String?, keepSessionID: UUID?, origin: Origin,
                                      services: PlatformServices, on db: any Database) async throws -> Int {
        guard let hash = user.passwordHash, try await services.hasher.verify(current ?? "", hash) else {
            throw DomainError.invalid("current_password", "is not correct")
        }
        try await setPassword(user, to: new, services: services, on: db)
        return try await db.writeTransaction { tx in
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
            return try await revokeTokens(of: user, because: "password changed", origin: origin, services: services, on: tx)
        }
    }

    /// Revokes every live API token of `user`, with one audit entry naming them.
    static func revokeTokens(of user: User, because reason: String, origin: Origin, services: PlatformServices,
                             on db: any Database) async throws -> Int {
        let tokens = try await APIToken.query(on: db).filter(\.$userID == user.id!).filter(\.$revokedAt == nil).all()
        guard !tokens.isEmpty else { return 0 }
        let now = services.clock.now()
        for token in tokens {
            token.revokedAt = now
            try await token.save(on: db)
        }
        try await Audit.record("api_token.revoked", "Revoked \(tokens.count) API token(s): \(reason)", organizationID: user.organizationID,
                               actorUserID: user.id, actorLabel: user.email, target: .init("user", user.id), ip: origin.ip,
                               userAgent: origin.userAgent, metadata: ["tokens": tokens.map(\.name).sorted().joined(separator: ", ")],
                               at: now, on: db)
        return tokens.count
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
        return try await db.writeTransaction { tx in
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

    /// The payload of `platform.send_password_reset`.
    public struct PasswordResetRequest: Codable, Sendable {
        public var email: String
        public var ip: String
        public var userAgent: String?

        public init(email: String, ip: String, userAgent: String?) {
            self.email = email
            self.ip = ip
            self.userAgent = userAgent
        }
    }

    public static let passwordResetJob = JobKind<PasswordResetRequest>("platform.send_password_reset")

    /// Asks for a reset link. Known and unknown addresses get the same answer in the same time:
    /// this only checks the address form and the asking address's limit and queues a job; the
    /// job looks the account up and sends at most a few links per account per hour. Reset
    /// requests are not sign-in failures, so they neither lock nor reveal anything.
    public static func requestPasswordReset(email raw: String?, origin: Origin, services: PlatformServices, on db: any Database) async throws {
        var v = Validator()
        let email = v.email("email", raw)
        try v.check()
        let now = services.clock.now()
        try await RateLimits.check("password-reset:ip:\(origin.ip)", .resetRequestsPerAddress,
                                   message: "Too many reset requests from this address. Try again later.", now: now, on: db)
        try await queuePasswordReset(email: email!, origin: origin, services: services, on: db)
    }

    /// Queues `platform.send_password_reset` (the sign-in page's request and an admin's both go through it).
    static func queuePasswordReset(email: String, origin: Origin, services: PlatformServices, on db: any Database) async throws {
        try await services.jobs.enqueue(passwordResetJob, PasswordResetRequest(email: email, ip: origin.ip, userAgent: origin.userAgent),
                                        queue: "notifications", maxAttempts: 3, on: db)
    }

    /// The job behind `requestPasswordReset`: emails a link when the address belongs to an active
    /// account that has not had `RateLimits.Rule.resetEmailsPerAccount` links this hour.
    public static func sendPasswordReset(_ request: PasswordResetRequest, services: PlatformServices, on db: any Database) async throws {
        guard let user = try await User.query(on: db).filter(\.$email == request.email).first(), user.status == .active else { return }
        let origin = Origin(ip: request.ip, userAgent: request.userAgent)
        try await db.writeTransaction { tx in
            guard try await RateLimits.allow("password-reset:user:\(user.id!)", .resetEmailsPerAccount, now: services.clock.now(), on: tx) else {
                try await Audit.record("auth.password_reset_suppressed", "A reset link was asked for again within the hour; none sent",
                                       organizationID: user.organizationID, actorUserID: user.id, actorLabel: user.email, ip: origin.ip,
                                       userAgent: origin.userAgent, at: services.clock.now(), on: tx)
                return
            }
            let token = try await issueToken(for: user, purpose: .passwordReset, services: services, on: tx)
            let link = "\(services.baseURL)/password-reset/\(token)"
            try await services.outbox.queueEmail(OutgoingEmail(
                organizationID: user.organizationID, to: user.email, toName: user.name, subject: "Reset your \(services.productName) password",
                text: """
                Hello \(user.name),

                Someone (hopefully you) asked to reset the password of your \(services.productName) account.
                Choose a new password here (the link works for one hour):
                \(link)

                If you did not ask for this, ignore this email; your password stays as it is.
                """, purpose: "password_reset", secrets: [link]), tx)
            try await Audit.record("auth.password_reset_requested", "Asked for a password reset link", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
        }
    }

    /// Sets a new password from an emailed link; ends every session and revokes every API token.
    public static func resetPassword(token: String?, password: String?, origin: Origin, services: PlatformServices,
                                     on db: any Database) async throws -> (user: User, revokedTokens: Int) {
        let (record, user) = try await redeemable(token, purpose: .passwordReset, services: services, on: db)
        try await setPassword(user, to: password, services: services, on: db)
        return try await db.writeTransaction { tx in
            try await user.save(on: tx)
            record.usedAt = services.clock.now()
            try await record.save(on: tx)
            try await StaffSession.query(on: tx).filter(\.$userID == user.id!).delete()
            try await Audit.record("auth.password_reset", "Reset the password by emailed link; all sessions ended",
                                   organizationID: user.organizationID, actorUserID: user.id, actorLabel: user.email, ip: origin.ip,
                                   userAgent: origin.userAgent, at: services.clock.now(), on: tx)
            let revoked = try await revokeTokens(of: user, because: "password reset", origin: origin, services: services, on: tx)
            return (user, revoked)
        }
    }

    public static func sendVerification(to user: User, services: PlatformServices, on db: any Database) async throws {
        try await db.writeTransaction { tx in
            let token = try await issueToken(for: user, purpose: .emailVerification, services: services, on: tx)
            let link = "\(services.baseURL)/verify-email/\(token)"
            try await services.outbox.queueEmail(OutgoingEmail(
                organizationID: user.organizationID, to: user.email, toName: user.name,
                subject: "Verify your email for \(services.productName)",
                text: """
                Hello \(user.name),

                Confirm that this address is yours (the link works for 48 hours):
                \(link)
                """, purpose: "email_verification", secrets: [link]), tx)
        }
    }

    public static func verifyEmail(token: String?, origin: Origin, services: PlatformServices, on db: any Database) async throws -> User {
        let (record, user) = try await redeemable(token, purpose: .emailVerification, services: services, on: db)
        return try await db.writeTransaction { tx in
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
