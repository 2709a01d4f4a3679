import FluentKit
import Foundation
import MeghnaCore

/// Creating and changing organizations (platform administrators) and their branches and roles.
public enum Organizations {
    public struct Input: Sendable {
        public var name: String?
        public var slug: String?
        public var currency: String?
        public var timeZone: String?

        public init(name: String? = nil, slug: String? = nil, currency: String? = nil, timeZone: String? = nil) {
            self.name = name
            self.slug = slug
            self.currency = currency
            self.timeZone = timeZone
        }
    }

    static func validate(_ input: Input, creating: Bool) throws(DomainError) -> (name: String?, slug: String?, currency: String?, timeZone: String?) {
        var v = Validator()
        let name = v.text("name", input.name, required: creating, max: 120)
        var slug = v.text("slug", input.slug, required: false, max: 60)
        if creating, slug == nil, let name { slug = slugify(name) }
        if let s = slug, s.isEmpty || s != slugify(s) {
            v.add("slug", "may contain only lowercase letters, digits and hyphens")
        }
        let currency = v.text("currency", input.currency, required: false, max: 3)?.uppercased()
        if let c = currency, c.count != 3 || !c.allSatisfy({ $0.isLetter && $0.isASCII }) {
            v.add("currency", "must be a three-letter ISO 4217 code such as BDT")
        }
        let tz = v.text("time_zone", input.timeZone, required: false, max: 64)
        if let tz, TimeZone(identifier: tz) == nil { v.add("time_zone", "is not a known time zone such as Asia/Dhaka") }
        try v.check()
        return (name, slug, currency, tz)
    }

    /// Creates an organization with its system roles and a head-office branch. Used by first-run
    /// setup, the CLI and platform administrators.
    public static func create(_ input: Input, services: PlatformServices, on db: any Database) async throws -> Organization {
        let valid = try validate(input, creating: true)
        if try await Organization.query(on: db).filter(\.$slug == valid.slug!).first() != nil {
            throw DomainError.invalid("slug", "is already used by another organization")
        }
        let org = Organization(name: valid.name!, slug: valid.slug!, currency: valid.currency ?? "BDT", timeZone: valid.timeZone ?? "Asia/Dhaka")
        try await org.create(on: db)
        for role in SystemRole.allCases {
            try await Role(organizationID: org.id!, key: role.rawValue, name: role.displayName, permissions: role.permissions, isSystem: true)
                .create(on: db)
        }
        try await Branch(organizationID: org.id!, name: "Head office", code: "HQ").create(on: db)
        return org
    }

    /// A platform administrator creates another organization.
    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Organization {
        try ctx.require(.organizationsManage)
        return try await db.writeTransaction { tx in
            let org = try await create(input, services: services, on: tx)
            try await Audit.record("organization.created", "Created organization \(org.name)", ctx: ctx,
                                   target: .init("organization", org.id), at: services.clock.now(), on: tx)
            return org
        }
    }

    /// Organizations the actor may see: all for a platform administrator, else its own.
    public static func list(_ ctx: TenantContext, page: CursorRequest, on db: any Database) async throws -> CursorPage<Organization> {
        let query = Organization.query(on: db)
        if !ctx.can(.organizationsManage) { query.filter(\.$id == ctx.organizationID) }
        return try await query.paginate(page, by: \.$name)
    }

    /// Finds an organization the actor may see; others are not found.
    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Organization {
        guard let uuid = id.flatMap(UUID.init(uuidString:)), let org = try await Organization.find(uuid, on: db),
              ctx.can(.organizationsManage) || org.id == ctx.organizationID
        else { throw DomainError.notFound("Organization") }
        return org
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices,
                              on db: any Database) async throws -> Organization {
        let org = try await find(ctx, id, on: db)
        guard ctx.can(.organizationsManage) || ctx.can(.settingsManage) else {
            throw DomainError.forbidden("You need the settings.manage permission for this.")
        }
        let valid = try validate(input, creating: false)
        if let slug = valid.slug, slug != org.slug,
           try await Organization.query(on: db).filter(\.$slug == slug).first() != nil {
            throw DomainError.invalid("slug", "is already used by another organization")
        }
        return try await db.writeTransaction { tx in
            // Prices, invoices and the ledger hold amounts in the currency they were written in;
            // changing it under them would mix currencies on one invoice or account. Asked inside
            // the transaction, so what it finds is what the change is written against.
            if let c = valid.currency, c != org.currency, let reason = try await services.currencyInUse(org.id!, tx) {
                throw DomainError.invalid("currency", "cannot change from \(org.currency): \(reason)")
            }
            var changes: [String: String] = [:]
            if let name = valid.name, name != org.name { changes["name"] = "\(org.name) → \(name)"; org.name = name }
            if let slug = valid.slug, slug != org.slug { changes["slug"] = "\(org.slug) → \(slug)"; org.slug = slug }
            if let c = valid.currency, c != org.currency { changes["currency"] = "\(org.currency) → \(c)"; org.currency = c }
            if let tz = valid.timeZone, tz != org.timeZoneIdentifier {
                changes["time_zone"] = "\(org.timeZoneIdentifier) → \(tz)"
                org.timeZoneIdentifier = tz
            }
            try await org.save(on: tx)
            try await Audit.record("organization.updated", "Changed organization \(org.name)", ctx: ctx, target: .init("organization", org.id),
                                   metadata: changes, at: services.clock.now(), on: tx)
            return org
        }
    }
}

public enum Branches {
    public struct Input: Sendable {
        public var name: String?
        public var code: String?
        public var address: String?
        public var phone: String?

        public init(name: String? = nil, code: String? = nil, address: String? = nil, phone: String? = nil) {
            self.name = name
            self.code = code
            self.address = address
            self.phone = phone
        }
    }

    public static func list(_ ctx: TenantContext, page: CursorRequest, query text: String? = nil, on db: any Database) async throws -> CursorPage<Branch> {
        try ctx.require(.branchesRead)
        let query = visible(ctx, on: db)
        if let text, !text.isEmpty { query.filter(\.$name, .custom("LIKE"), "%\(text)%") }
        return try await query.paginate(page, by: \.$name)
    }

    /// The branches the actor may see: the organization's, narrowed by the context's branch set.
    static func visible(_ ctx: TenantContext, on db: any Database) -> QueryBuilder<Branch> {
        let query = Branch.scoped(to: ctx, on: db)
        if let branches = ctx.branchIDs { query.filter(\.$id ~~ branches) }
        return query
    }

    /// Every branch the actor may see, by name, for labels and choosers.
    public static func all(_ ctx: TenantContext, on db: any Database) async throws -> [Branch] {
        try await visible(ctx, on: db).sort(\.$name).all()
    }

    /// Branches the actor may grant to staff: every branch they may see before any branch switch
    /// (the user form lists these, so a narrowed view never drops someone's other branches).
    public static func grantable(_ ctx: TenantContext, on db: any Database) async throws -> [Branch] {
        let query = Branch.scoped(to: ctx, on: db).sort(\.$name)
        if let allowed = ctx.allowedBranchIDs { query.filter(\.$id ~~ allowed) }
        return try await query.all()
    }

    public static func count(_ ctx: TenantContext, on db: any Database) async throws -> Int {
        try await visible(ctx, on: db).count()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Branch {
        try ctx.require(.branchesRead)
        let branch = try await Branch.find(id, in: ctx, on: db)
        if let allowed = ctx.branchIDs, !allowed.contains(branch.id!) { throw DomainError.notFound(Branch.displayName) }
        return branch
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Branch {
        try ctx.require(.branchesManage)
        var v = Validator()
        let name = v.text("name", input.name, max: 120)
        let code = v.text("code", input.code, required: false, max: 20)?.uppercased() ?? name.map { String(slugify($0).prefix(8)).uppercased() }
        let address = v.text("address", input.address, required: false, max: 500)
        let phone = try normalizedPhone(input.phone, into: &v)
        try v.check()
        if try await Branch.scoped(to: ctx, on: db).filter(\.$code == code!).first() != nil {
            throw DomainError.invalid("code", "is already used by another branch")
        }
        return try await db.writeTransaction { tx in
            let branch = Branch(organizationID: ctx.organizationID, name: name!, code: code!, address: address, phone: phone)
            try await branch.create(on: tx)
            try await Audit.record("branch.created", "Created branch \(branch.name)", ctx: ctx, target: .init("branch", branch.id),
                                   at: services.clock.now(), on: tx)
            return branch
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices,
                              on db: any Database) async throws -> Branch {
        try ctx.require(.branchesManage)
        let branch = try await find(ctx, id, on: db)
        var v = Validator()
        let name = v.text("name", input.name, required: false, max: 120)
        let code = v.text("code", input.code, required: false, max: 20)?.uppercased()
        let address = v.text("address", input.address, required: false, max: 500)
        let phone = try normalizedPhone(input.phone, into: &v)
        try v.check()
        if let code, code != branch.code, try await Branch.scoped(to: ctx, on: db).filter(\.$code == code).first() != nil {
            throw DomainError.invalid("code", "is already used by another branch")
        }
        return try await db.writeTransaction { tx in
            if let name { branch.name = name }
            if let code { branch.code = code }
            if input.address != nil { branch.address = address }
            if input.phone != nil { branch.phone = phone }
            try await branch.save(on: tx)
            try await Audit.record("branch.updated", "Changed branch \(branch.name)", ctx: ctx, target: .init("branch", branch.id),
                                   at: services.clock.now(), on: tx)
            return branch
        }
    }

    static func normalizedPhone(_ raw: String?, into v: inout Validator) throws -> String? {
        guard let raw, !raw.trimmingCharacters(in: .whitespaces).isEmpty else { return nil }
        do {
            return try PhoneNumber(parsing: raw).e164
        } catch {
            v.add("phone", error.description)
            return nil
        }
    }
}
