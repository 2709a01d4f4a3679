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

    public static func end(_ token: String?, on db: any Database) async throws {
        guard let token, !token.isEmpty else { return }
        try await StaffSession.query(on: db).filter(\.$tokenHash == SecureToken.sha256Hex(token)).delete()
    }
}
