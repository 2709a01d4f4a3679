import FluentKit
import Foundation
import MeghnaCore

/// Browser sessions: a random cookie token, idle and absolute timeouts, ended on password change.
public enum Sessions {
    /// Starts a new session (a new id at every login) and returns the cookie token.
    public static func start(for user: User, twoFactorPassed: Bool, origin: Credentials.Origin, services: PlatformServices,
                             on db: any Database) async throws -> (token: String, session: StaffSession) {
        let token = SecureToken.generate()
        let session = StaffSession()
        session.tokenHash = SecureToken.sha256Hex(token)
        session.userID = user.id!
        session.organizationID = user.organizationID
        session.epoch = user.sessionEpoch
        session.twoFactorPassed = twoFactorPassed
        session.ip = origin.ip
        session.userAgent = origin.userAgent.map { String($0.prefix(300)) }
        session.createdAt = services.clock.now()
        session.lastSeenAt = services.clock.now()
        try await session.create(on: db)
        return (token, session)
    }

    /// The live session for a cookie token, or nil when unknown, expired, or from before a password change.
    /// The idle limit is the user's organization's `security.idle_timeout_minutes`.
    public static func resume(_ token: String?, services: PlatformServices, on db: any Database) async throws -> (StaffSession, User)? {
        guard let token, !token.isEmpty, token.count <= 128,
              let session = try await StaffSession.query(on: db).filter(\.$tokenHash == SecureToken.sha256Hex(token)).first()
        else { return nil }
        let now = services.clock.now()
        guard let user = try await User.find(session.userID, on: db) else { return nil }
        let settings = try await Settings.load(organizationID: user.organizationID, services: services, on: db)
        let idle = TimeInterval(settings.int("security", "idle_timeout_minutes") * 60)
        guard user.status == .active,
              session.epoch == user.sessionEpoch,
              now.timeIntervalSince(session.createdAt) < services.policy.absoluteSessionSeconds,
              now.timeIntervalSince(session.lastSeenAt) < idle
        else {
            try await session.delete(on: db)
            return nil
        }
        // Writing on every request would cost a write per page; a minute's precision is enough.
        if now.timeIntervalSince(session.lastSeenAt) > 60 {
            session.lastSeenAt = now
            try await session.save(on: db)
        }
        return (session, user)
    }

    public static func end(_ token: String?, on db: any Database) async throws {
        guard let token, !token.isEmpty else { return }
        try await StaffSession.query(on: db).filter(\.$tokenHash == SecureToken.sha256Hex(token)).delete()
    }
}
