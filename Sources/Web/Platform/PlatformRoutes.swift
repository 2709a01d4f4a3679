import Foundation
import Vapor

/// Every page route of the platform area: sign-in, account, staff, settings and operations.
/// Handlers register on these and pages link through them, so a link cannot miss a route.
enum PlatformRoutes {
    static let dashboard = Route0()
    // Sign-in and first run
    static let setup = Route0("setup")
    static let login = Route0("login")
    static let loginTwoFactor = Route0("login", "two-factor")
    static let logout = Route0("logout")
    static let invitation = Route1<String>("invitations", .parameter("token"))
    static let passwordResetRequest = Route0("password-reset")
    static let passwordReset = Route1<String>("password-reset", .parameter("token"))
    static let verifyEmail = Route1<String>("verify-email", .parameter("token"))
    // Account
    static let account = Route0("account")
    static let accountPassword = Route0("account", "password")
    static let revokeToken = Route1<UUID>("account", "tokens", .id, "revoke")
    static let twoFactor = Route0("account", "two-factor")
    static let twoFactorStart = Route0("account", "two-factor", "start")
    static let twoFactorConfirm = Route0("account", "two-factor", "confirm")
    static let twoFactorDisable = Route0("account", "two-factor", "disable")
    static let apiDescription = Route0("api", "v1", "openapi.json")  // the API document the account page links to
    // Staff
    static let users = Route0("users")
    static let inviteUser = Route0("users", "invite")
    static let user = Route1<UUID>("users", .id)
    static let userSessions = Route1<UUID>("users", .id, "sessions")
    static let userPasswordReset = Route1<UUID>("users", .id, "password-reset")
    static let userInvitation = Route1<UUID>("users", .id, "invitation")
    static let roles = Route0("roles")
    static let newRole = Route0("roles", "new")
    static let role = Route1<UUID>("roles", .id)
    static let branches = Route0("branches")
    static let newBranch = Route0("branches", "new")
    static let branch = Route1<UUID>("branches", .id)
    // Settings and operations
    static let settings = Route0("settings")
    static let organizationProfile = Route0("organization")
    static let settingsSection = Route1<String>("settings", .parameter("section"))
    static let settingsTest = Route1<String>("settings", .parameter("section"), "test")
    static let jobs = Route0("jobs")
    static let jobAction = Route2<UUID, String>("jobs", .id, .parameter("action"))
    static let outbox = Route0("outbox")
    static let outboxSendAllAgain = Route0("outbox", "send-again")
    static let outboxMessage = Route1<UUID>("outbox", .id)
    static let outboxSendAgain = Route1<UUID>("outbox", .id, "send-again")
    static let audit = Route0("audit")
    static let organizations = Route0("organizations")
    static let switchOrganization = Route0("switch-organization")
    static let switchBranch = Route0("switch-branch")
}
