import Foundation
import MeghnaCore
import Platform

/// What the platform's API answers with. Each DTO's `schema` is what the document promises;
/// `DTOSchemaTests` encodes samples of every DTO and checks them against it.
struct OrganizationDTO: Encodable {
    var id: UUID
    var name: String
    var slug: String
    var currency: String
    var timeZone: String
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, slug, currency
        case timeZone = "time_zone"
        case createdAt = "created_at"
    }

    init(_ o: Organization) {
        id = o.id!
        name = o.name
        slug = o.slug
        currency = o.currency
        timeZone = o.timeZoneIdentifier
        createdAt = o.createdAt
    }

    static let schema = Schema.named("Organization", .object([
        ("id", .uuid), ("name", .string()), ("slug", .string()), ("currency", .string(description: "ISO 4217 code")),
        ("time_zone", .string(description: "IANA time zone")), ("created_at", .nullable(.dateTime)),
    ], required: ["id", "name", "slug", "currency", "time_zone"]))
}

struct BranchDTO: Encodable {
    var id: UUID
    var name: String
    var code: String
    var address: String?
    var phone: String?
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, name, code, address, phone
        case createdAt = "created_at"
    }

    init(_ b: Branch) {
        id = b.id!
        name = b.name
        code = b.code
        address = b.address
        phone = b.phone
        createdAt = b.createdAt
    }

    static let schema = Schema.named("Branch", .object([
        ("id", .uuid), ("name", .string()), ("code", .string()), ("address", .nullable(.string())),
        ("phone", .nullable(.string(description: "E.164"))), ("created_at", .nullable(.dateTime)),
    ], required: ["id", "name", "code"]))
}

struct RoleDTO: Encodable {
    var id: UUID
    var key: String
    var name: String
    var permissions: [String]
    var isSystem: Bool

    enum CodingKeys: String, CodingKey {
        case id, key, name, permissions
        case isSystem = "is_system"
    }

    init(_ r: Role) {
        id = r.id!
        key = r.key
        name = r.name
        permissions = r.permissions.map(\.rawValue).sorted()
        isSystem = r.isSystem
    }

    static let schema = Schema.named("Role", .object([
        ("id", .uuid), ("key", .string()), ("name", .string()), ("permissions", .array(.choice(Permission.allCases.map(\.rawValue)))),
        ("is_system", .boolean),
    ], required: ["id", "key", "name", "permissions", "is_system"]))
}

struct UserDTO: Encodable {
    var id: UUID
    var email: String
    var name: String
    var status: String
    var roleID: UUID
    var branchIDs: [UUID]?
    var resellerID: UUID?
    var emailVerified: Bool
    var twoFactorEnabled: Bool
    var platformAdmin: Bool
    var lastLoginAt: Date?
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, name, status
        case roleID = "role_id"
        case branchIDs = "branch_ids"
        case resellerID = "reseller_id"
        case emailVerified = "email_verified"
        case twoFactorEnabled = "two_factor_enabled"
        case platformAdmin = "platform_admin"
        case lastLoginAt = "last_login_at"
        case createdAt = "created_at"
    }

    init(_ u: User, branchIDs: [UUID]? = nil) {
        id = u.id!
        email = u.email
        name = u.name
        status = u.status.rawValue
        roleID = u.roleID
        self.branchIDs = branchIDs
        resellerID = u.resellerID
        emailVerified = u.emailVerifiedAt != nil
        twoFactorEnabled = u.twoFactorEnabled
        platformAdmin = u.platformAdmin
        lastLoginAt = u.lastLoginAt
        createdAt = u.createdAt
    }

    static let schema = Schema.named("User", .object([
        ("id", .uuid), ("email", .string(description: "Lowercase email address")), ("name", .string()),
        ("status", .choice(UserStatus.allCases.map(\.rawValue))), ("role_id", .uuid),
        ("branch_ids", .described(.array(.uuid), "The branches the person is limited to; empty: every branch. Only in answers about one person")),
        ("reseller_id", .nullable(.string(format: "uuid", description: "Reseller staff: the reseller whose subtree they see"))),
        ("email_verified", .boolean), ("two_factor_enabled", .boolean), ("platform_admin", .boolean),
        ("last_login_at", .nullable(.dateTime)), ("created_at", .nullable(.dateTime)),
    ], required: ["id", "email", "name", "status", "role_id", "email_verified", "two_factor_enabled", "platform_admin"]))
}

struct TokenDTO: Encodable {
    var id: UUID
    var name: String
    var prefix: String
    var abilities: [String]
    var userID: UUID
    var lastUsedAt: Date?
    var createdAt: Date?
    var token: String?

    enum CodingKeys: String, CodingKey {
        case id, name, prefix, abilities, token
        case userID = "user_id"
        case lastUsedAt = "last_used_at"
        case createdAt = "created_at"
    }

    init(_ t: APIToken, plaintext: String? = nil) {
        id = t.id!
        name = t.name
        prefix = t.prefix
        abilities = t.abilities
        userID = t.userID
        lastUsedAt = t.lastUsedAt
        createdAt = t.createdAt
        token = plaintext
    }

    static let abilities = ["*"] + Permission.allCases.map(\.rawValue)

    static let schema = Schema.named("Token", .object([
        ("id", .uuid), ("name", .string()), ("prefix", .string(description: "The first characters, to recognise the token")),
        ("abilities", .array(.choice(abilities))), ("user_id", .uuid), ("last_used_at", .nullable(.dateTime)),
        ("created_at", .nullable(.dateTime)),
        ("token", .string(description: "The bearer token; only in the answer that creates it")),
    ], required: ["id", "name", "prefix", "abilities", "user_id"]))
}

struct AuditEventDTO: Encodable {
    var id: UUID
    var action: String
    var summary: String
    var actor: String
    var actorUserID: UUID?
    var targetType: String?
    var targetID: String?
    var ip: String?
    var userAgent: String?
    var metadata: [String: String]
    var createdAt: Date

    enum CodingKeys: String, CodingKey {
        case id, action, summary, actor, ip, metadata
        case actorUserID = "actor_user_id"
        case targetType = "target_type"
        case targetID = "target_id"
        case userAgent = "user_agent"
        case createdAt = "created_at"
    }

    init(_ e: AuditEvent) {
        id = e.id!
        action = e.action
        summary = e.summary
        actor = e.actorLabel
        actorUserID = e.actorUserID
        targetType = e.targetType
        targetID = e.targetID
        ip = e.ip
        userAgent = e.userAgent
        metadata = (try? JSONDecoder().decode([String: String].self, from: Data(e.metadata.utf8))) ?? [:]
        createdAt = e.createdAt
    }

    static let schema = Schema.named("AuditEvent", .object([
        ("id", .uuid), ("action", .string(description: "e.g. auth.login_succeeded")), ("summary", .string()), ("actor", .string()),
        ("actor_user_id", .nullable(.uuid)), ("target_type", .nullable(.string())), ("target_id", .nullable(.string())),
        ("ip", .nullable(.string())), ("user_agent", .nullable(.string())), ("metadata", .object([], additional: .values(.string()))),
        ("created_at", .dateTime),
    ], required: ["id", "action", "summary", "actor", "metadata", "created_at"]))
}

/// `GET /me`.
struct MeDTO: Encodable {
    var user: UserDTO
    var organization: OrganizationDTO
    var role: RoleDTO
    var permissions: [String]
    var actingAcrossTenants: Bool

    enum CodingKeys: String, CodingKey {
        case user, organization, role, permissions
        case actingAcrossTenants = "acting_across_tenants"
    }

    static let schema = Schema.named("Me", .object([
        ("user", UserDTO.schema), ("organization", OrganizationDTO.schema), ("role", RoleDTO.schema),
        ("permissions", .array(.choice(Permission.allCases.map(\.rawValue)))), ("acting_across_tenants", .boolean),
    ], required: ["user", "organization", "role", "permissions", "acting_across_tenants"]))
}

struct TwoFactorStartDTO: Encodable {
    var otpauthURI: String
    var secret: String

    enum CodingKeys: String, CodingKey {
        case secret
        case otpauthURI = "otpauth_uri"
    }

    static let schema = Schema.named("TwoFactorEnrolment", .object([
        ("otpauth_uri", .string(description: "For a QR code")), ("secret", .string(description: "Base32, to type in by hand")),
    ], required: ["otpauth_uri", "secret"]))
}

struct RecoveryCodesDTO: Encodable {
    var recoveryCodes: [String]

    enum CodingKeys: String, CodingKey { case recoveryCodes = "recovery_codes" }

    static let schema = Schema.named("RecoveryCodes", .object([("recovery_codes", .array(.string()))], required: ["recovery_codes"]))
}

// MARK: Settings

/// Settings as the API shows them: values, and secrets only as `<name>_set`.
func settingsBody(_ settings: ResolvedSettings) -> [String: [String: SettingValue]] {
    var out: [String: [String: SettingValue]] = [:]
    for section in SettingsCatalog.sections {
        var fields: [String: SettingValue] = [:]
        for field in section.fields {
            if field.isSecret { fields[field.name + "_set"] = .bool(settings.isSet(section.key, field.name)) } else {
                fields[field.name] = settings.value(section.key, field.name)
            }
        }
        out[section.key] = fields
    }
    return out
}

/// The settings document from the catalog: what `GET` answers, or what `PATCH` takes (every
/// field optional, secrets writable, unknown sections and fields refused).
func settingsSchema(forPatch: Bool) -> Schema {
    let sections = SettingsCatalog.sections.map { section -> (String, Schema) in
        let fields = section.fields.map { field -> (String, Schema) in
            var schema: Schema = switch field.kind {
            case .integer(let range): .integer(minimum: range.lowerBound, maximum: range.upperBound)
            case .boolean: .boolean
            case .text(let max): .string(maxLength: max, pattern: #"[^\n\r\u000B\u000C\u0085\u2028\u2029]*"#, message: "must be one line")
            case .email: forPatch ? .emailOrEmpty : .string(maxLength: 254, description: "An email address, or empty: not set")
            case .hostname: .string(maxLength: 253, pattern: "[A-Za-z0-9.:-]*", description: "Host name or address; empty: keep mail in the outbox",
                                    message: "is not a valid host name or address")
            case .choice(let options): .choice(options)
            case .roleList: .array(.string(maxLength: 80, description: "A role key such as billing_ops"))
            case .cron: .string(pattern: #"\S+( +\S+){4}"#, description: "Five-field cron expression: minute hour day month weekday",
                                message: "must be a cron expression such as 0 2 * * *")
            case .secret: .string(maxLength: 500, description: "Write-only; null or empty clears it")
            case .dayOffsets: .string(maxLength: 40, pattern: #" *(-?[0-9]{1,2} *(, *-?[0-9]{1,2} *)*)?"#, description: "Days, comma-separated, e.g. -3,0,3",
                                      message: "must be whole numbers of days separated by commas, such as -3,0,3")
            }
            if !field.help.isEmpty || !field.label.isEmpty { schema = .described(schema, field.help.isEmpty ? field.label : "\(field.label): \(field.help)") }
            if field.isSecret { return forPatch ? (field.name, .nullable(schema)) : (field.name + "_set", .boolean) }
            switch field.kind {
            case .text, .email, .hostname: if forPatch { return (field.name, .nullable(schema)) }
            default: break
            }
            return (field.name, schema)
        }
        let names = fields.map(\.0)
        return (section.key, .object(fields, required: forPatch ? [] : names, additional: .forbidden))
    }
    return .named(forPatch ? "SettingsPatch" : "Settings",
                  .object(sections, required: forPatch ? [] : sections.map(\.0), additional: .forbidden))
}
