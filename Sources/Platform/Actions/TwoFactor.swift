import FluentKit
import Foundation
import MeghnaCore
import SQLKit

/// TOTP two-factor authentication (RFC 6238: SHA-1, 6 digits, 30 s, ±1 step) with recovery codes.
public enum TwoFactor {
    public struct Enrolment: Sendable {
        public var secret: String
        public var otpauthURI: String
    }

    static func totp(_ sealed: String, services: PlatformServices) throws -> TOTP {
        guard let secret = Base32.decode(try services.secrets.open(sealed)) else { throw DomainError.conflict("The stored 2FA secret is unreadable.") }
        return TOTP(secret: secret)
    }

    /// Starts enrolment: a new secret, not active until a code confirms it.
    public static func begin(_ user: User, issuer: String, services: PlatformServices, on db: any Database) async throws -> Enrolment {
        if user.twoFactorEnabled { throw DomainError.conflict("Two-factor authentication is already on. Turn it off first to enrol again.") }
        let secret = Base32.encode(TOTP.generateSecret())
        user.totpPendingSecret = try services.secrets.seal(secret)
        try await user.save(on: db)
        let uri = TOTP(secret: Base32.decode(secret)!).provisioningURI(issuer: issuer, account: user.email)
        return Enrolment(secret: secret, otpauthURI: uri)
    }

    /// The pending enrolment, to show its QR code again.
    public static func pending(_ user: User, issuer: String, services: PlatformServices) throws -> Enrolment? {
        guard let sealed = user.totpPendingSecret else { return nil }
        let secret = try services.secrets.open(sealed)
        guard let bytes = Base32.decode(secret) else { return nil }
        return Enrolment(secret: secret, otpauthURI: TOTP(secret: bytes).provisioningURI(issuer: issuer, account: user.email))
    }

    /// Confirms enrolment with a code from the authenticator; returns 10 recovery codes, shown once.
    public static func confirm(_ user: User, code: String?, origin: Credentials.Origin, services: PlatformServices,
                               on db: any Database) async throws -> [String] {
        guard let pending = user.totpPendingSecret else {
            throw DomainError.conflict("Start two-factor enrolment first.")
        }
        guard let code, let step = try totp(pending, services: services).verify(code, at: services.clock.now()) else {
            throw DomainError.invalid("code", "is not the current code from your authenticator app")
        }
        let codes = RecoveryCodes.generate()
        try await db.writeTransaction { tx in
            user.totpSecret = pending
            user.totpPendingSecret = nil
            user.totpEnabledAt = services.clock.now()
            user.totpLastStep = Int64(step)
            try await user.save(on: tx)
            try await RecoveryCode.query(on: tx).filter(\.$userID == user.id!).delete()
            for code in codes { try await RecoveryCode(userID: user.id!, codeHash: RecoveryCodes.hash(code)).create(on: tx) }
            try await Audit.record("auth.two_factor_enabled", "Turned on two-factor authentication", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
        }
        return codes
    }

    /// Checks a sign-in code: a TOTP code (each step usable once) or an unused recovery code.
    /// Wrong codes count as second-factor failures: a few per account (and the address limit)
    /// in the window, apart from wrong passwords. A time step or a recovery code is taken by one
    /// conditional update, so the same code sent twice at once is accepted once.
    public static func verifySignIn(_ user: User, code raw: String?, origin: Credentials.Origin, services: PlatformServices,
                                    on db: any Database) async throws -> String {
        try await Credentials.checkAddressThrottle(origin: origin, services: services, on: db)
        if let until = try await Credentials.accountThrottledUntil(email: user.email, kind: LoginAttempt.secondFactor, services: services, on: db) {
            throw Credentials.throttled(until: until, now: services.clock.now())
        }
        let code = (raw ?? "").trimmingCharacters(in: .whitespaces)
        guard let sealed = user.totpSecret, !code.isEmpty, code.count <= 40 else {
            throw DomainError.invalid("code", "is required")
        }
        let sql = db as! any SQLDatabase
        let digits = code.replacingOccurrences(of: " ", with: "")
        if digits.count == 6, digits.allSatisfy({ $0.isASCII && $0.isNumber }) {
            if let step = try totp(sealed, services: services).verify(digits, at: services.clock.now()) {
                let taken = try await sql.raw("""
                    UPDATE users SET totp_last_step = \(bind: Int64(step))
                    WHERE id = \(bind: user.id!) AND (totp_last_step IS NULL OR totp_last_step < \(bind: Int64(step))) RETURNING id
                    """).all()
                if !taken.isEmpty {
                    user.totpLastStep = Int64(step)
                    return "totp"
                }
            }
        } else {
            let taken = try await sql.raw("""
                UPDATE user_recovery_codes SET used_at = \(bind: services.clock.now())
                WHERE user_id = \(bind: user.id!) AND code_hash = \(bind: RecoveryCodes.hash(code)) AND used_at IS NULL RETURNING id
                """).all()
            if !taken.isEmpty {
                try await Audit.record("auth.recovery_code_used", "Signed in with a recovery code", organizationID: user.organizationID,
                                       actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                       at: services.clock.now(), on: db)
                return "recovery code"
            }
        }
        try await Credentials.recordAttempt(email: user.email, origin: origin, succeeded: false, kind: LoginAttempt.secondFactor,
                                            services: services, on: db)
        try await Audit.record("auth.two_factor_failed", "Wrong two-factor code", organizationID: user.organizationID, actorUserID: user.id,
                               actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent, at: services.clock.now(), on: db)
        throw DomainError.invalid("code", "is not correct or was already used")
    }

    /// Turns 2FA off; needs the password and a current code (or a recovery code).
    public static func disable(_ user: User, password: String?, code: String?, origin: Credentials.Origin, services: PlatformServices,
                               on db: any Database) async throws {
        guard user.twoFactorEnabled else { throw DomainError.conflict("Two-factor authentication is not on.") }
        guard let hash = user.passwordHash, try await services.hasher.verify(password ?? "", hash) else {
            throw DomainError.invalid("password", "is not correct")
        }
        _ = try await verifySignIn(user, code: code, origin: origin, services: services, on: db)
        try await db.writeTransaction { tx in
            user.totpSecret = nil
            user.totpEnabledAt = nil
            user.totpPendingSecret = nil
            user.totpLastStep = nil
            try await user.save(on: tx)
            try await RecoveryCode.query(on: tx).filter(\.$userID == user.id!).delete()
            try await Audit.record("auth.two_factor_disabled", "Turned off two-factor authentication", organizationID: user.organizationID,
                                   actorUserID: user.id, actorLabel: user.email, ip: origin.ip, userAgent: origin.userAgent,
                                   at: services.clock.now(), on: tx)
        }
    }

    public static func remainingRecoveryCodes(_ user: User, on db: any Database) async throws -> Int {
        try await RecoveryCode.query(on: db).filter(\.$userID == user.id!).filter(\.$usedAt == nil).count()
    }
}
