import Foundation
import MeghnaCore
import Platform

struct OrganizationDTO: Codable {
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

    static let schema = Schema.object([("id", .uuid), ("name", .string()), ("slug", .string()), ("currency", .string()),
                                       ("time_zone", .string()), ("created_at", .nullable(.dateTime))],
                                      required: ["id", "name", "slug", "currency", "time_zone"])
}

struct BranchDTO: Codable {
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

    static let schema = Schema.object([("id", .uuid), ("name", .string()), ("code", .string()), ("address", .nullable(.string())),
                                       ("phone", .nullable(.string())), ("created_at", .nullable(.dateTime))],
                                      required: ["id", "name", "code"])
}

struct RoleDTO: Codable {
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

    static let schema = Schema.object([("id", .uuid), ("key", .string()), ("name", .string()),
                                       ("permissions", .array(.string(enumValues: Permission.allCases.map(\.rawValue)))),
                                       ("is_system", .boolean)], required: ["id", "key", "name", "permissions", "is_system"])
}

struct UserDTO: Codable {
    var id: UUID
    var email: String
    var name: String
    var status: String
    var roleID: UUID
    var branchIDs: [UUID]?
    var emailVerified: Bool
    var twoFactorEnabled: Bool
    var platformAdmin: Bool
    var lastLoginAt: Date?
    var createdAt: Date?

    enum CodingKeys: String, CodingKey {
        case id, email, name, status
        case roleID = "role_id"
        case branchIDs = "branch_ids"
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
        emailVerified = u.emailVerifiedAt != nil
        twoFactorEnabled = u.twoFactorEnabled
        platformAdmin = u.platformAdmin
        lastLoginAt = u.lastLoginAt
        createdAt = u.createdAt
    }

    static let schema = Schema.object([("id", .uuid), ("email", .email), ("name", .string()),
                                       ("status", .string(enumValues: UserStatus.allCases.map(\.rawValue))), ("role_id", .uuid),
                                       ("branch_ids", .array(.uuid)), ("email_verified", .boolean), ("two_factor_enabled", .boolean),
                                       ("platform_admin", .boolean), ("last_login_at", .nullable(.dateTime)), ("created_at", .nullable(.dateTime))],
                                      required: ["id", "email", "name", "status", "role_id", "email_verified", "two_factor_enabled",
                                                 "platform_admin"])
}

struct TokenDTO: Codable {
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

    static let schema = Schema.object([("id", .uuid), ("name", .string()), ("prefix", .string()), ("abilities", .array(.string())),
                                       ("user_id", .uuid), ("last_used_at", .nullable(.dateTime)), ("created_at", .nullable(.dateTime)),
                                       ("token", .string(description: "Only in the response that creates the token"))],
                                      required: ["id", "name", "prefix", "abilities", "user_id"])
}

struct AuditEventDTO: Codable {
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

    static let schema = Schema.object([("id", .uuid), ("action", .string()), ("summary", .string()), ("actor", .string()),
                                       ("actor_user_id", .nullable(.uuid)), ("target_type", .nullable(.string())),
                                       ("target_id", .nullable(.string())), ("ip", .nullable(.string())), ("user_agent", .nullable(.string())),
                                       ("metadata", .object([], additional: .string())), ("created_at", .dateTime)],
                                      required: ["id", "action", "summary", "actor", "metadata", "created_at"])
}

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

func settingsSchema(forPatch: Bool) -> Schema {
    .object(SettingsCatalog.sections.map { section in
        (section.key, Schema.object(section.fields.flatMap { field -> [(String, Schema)] in
            let schema: Schema = switch field.kind {
            case .integer(let range): .integer(minimum: range.lowerBound, maximum: range.upperBound)
            case .boolean: .boolean
            case .text(let max): .string(maxLength: max)
            case .email: .string(format: "email")
            case .hostname: .string(maxLength: 253)
            case .choice(let options): .string(enumValues: options)
            case .roleList: .array(.string())
            case .cron: .string(maxLength: 100, description: "Five-field cron expression")
            case .secret: .nullable(.string(maxLength: 500, description: "Write-only; null or empty clears it"))
            }
            if field.isSecret { return forPatch ? [(field.name, schema)] : [(field.name + "_set", .boolean)] }
            return [(field.name, schema)]
        }))
    })
}
