import FluentKit
import Foundation
import Jobs
import MeghnaCore

/// Hashes and checks passwords. The web layer supplies Bcrypt (cost 12) run off the event loop.
public struct PasswordHashing: Sendable {
    public var hash: @Sendable (String) async throws -> String
    public var verify: @Sendable (_ password: String, _ hash: String) async throws -> Bool

    public init(hash: @escaping @Sendable (String) async throws -> String,
                verify: @escaping @Sendable (String, String) async throws -> Bool) {
        self.hash = hash
        self.verify = verify
    }
}

/// An email the platform wants sent (invitations, resets, verification).
public struct OutgoingEmail: Sendable, Equatable {
    public var organizationID: UUID?
    public var to: String
    public var toName: String?
    public var subject: String
    public var text: String
    /// What the message is for, shown on the Outbox page: "invitation", "password_reset", …
    public var purpose: String
    /// Parts of `text` only the recipient may see (one-time links and codes). The outbox keeps
    /// them sealed for delivery and shows everyone else the text with these parts hidden.
    public var secrets: [String]

    public init(organizationID: UUID?, to: String, toName: String?, subject: String, text: String, purpose: String, secrets: [String] = []) {
        self.organizationID = organizationID
        self.to = to
        self.toName = toName
        self.subject = subject
        self.text = text
        self.purpose = purpose
        self.secrets = secrets
    }
}

/// Puts messages in the notifications outbox inside the caller's transaction.
public struct OutboxClient: Sendable {
    public var queueEmail: @Sendable (OutgoingEmail, any Database) async throws -> Void

    public init(queueEmail: @escaping @Sendable (OutgoingEmail, any Database) async throws -> Void) {
        self.queueEmail = queueEmail
    }
}

/// Session and throttling rules.
public struct SecurityPolicy: Sendable {
    public var absoluteSessionSeconds: TimeInterval = 12 * 3600
    public var accountFailureLimit = 5
    public var ipFailureLimit = 20
    public var throttleWindowSeconds: TimeInterval = 15 * 60
    public var invitationLifetime: TimeInterval = 7 * 24 * 3600
    public var passwordResetLifetime: TimeInterval = 3600
    public var emailVerificationLifetime: TimeInterval = 48 * 3600

    public init() {}
}

/// Everything platform actions need from the outside world, passed explicitly.
public struct PlatformServices: Sendable {
    public var clock: Clock
    public var hasher: PasswordHashing
    public var secrets: SecretBox
    public var outbox: OutboxClient
    public var jobs: JobQueue
    public var policy: SecurityPolicy
    /// Base URL for links in emails, e.g. "http://127.0.0.1:8080".
    public var baseURL: String
    public var productName: String = "Meghna"
    /// Settings and branches of recently seen organizations, checked against their version on every request.
    public let contexts = OrganizationContexts()
    /// The ids of a reseller and every reseller below it, in an organization; empty when the
    /// reseller does not exist there. CRM supplies it (Platform does not know resellers); the
    /// default knows only the reseller itself.
    public var resellerSubtree: @Sendable (_ organizationID: UUID, _ resellerID: UUID, _ db: any Database) async throws -> Set<UUID> = { _, id, _ in [id] }
    /// Why an organization's currency may no longer change (money is recorded in it), or nil.
    /// The areas that keep money supply it; the default knows of none.
    public var currencyInUse: @Sendable (_ organizationID: UUID, _ db: any Database) async throws -> String? = { _, _ in nil }

    public init(clock: Clock, hasher: PasswordHashing, secrets: SecretBox, outbox: OutboxClient, policy: SecurityPolicy = .init(),
                baseURL: String) {
        self.clock = clock
        self.hasher = hasher
        self.secrets = secrets
        self.outbox = outbox
        self.jobs = JobQueue(clock: clock)
        self.policy = policy
        self.baseURL = baseURL
    }
}
