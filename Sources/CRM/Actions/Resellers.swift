import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// Resellers and sub-resellers. Reseller staff see their own subtree (read only); organization
/// staff with `resellers.manage` create and change them.
public enum Resellers {
    public struct Input: Sendable {
        public var name: String?
        /// "" makes it a top-level reseller; nil leaves it.
        public var parentID: String?
        public var branchID: String?
        public var contactName: String?
        public var phone: String?
        public var email: String?
        public var address: String?
        /// A percentage with up to two decimals: "12.5".
        public var commissionRate: String?
        public var status: String?

        public init(name: String? = nil, parentID: String? = nil, branchID: String? = nil, contactName: String? = nil, phone: String? = nil,
                    email: String? = nil, address: String? = nil, commissionRate: String? = nil, status: String? = nil) {
            self.name = name
            self.parentID = parentID
            self.branchID = branchID
            self.contactName = contactName
            self.phone = phone
            self.email = email
            self.address = address
            self.commissionRate = commissionRate
            self.status = status
        }
    }

    public struct Filter: Sendable {
        public var query: String?
        public var parentID: String?
        public var status: String?
        public var includeArchived: Bool

        public init(query: String? = nil, parentID: String? = nil, status: String? = nil, includeArchived: Bool = false) {
            self.query = query
            self.parentID = parentID
            self.status = status
            self.includeArchived = includeArchived
        }
    }

    /// The subtree of a reseller in an organization (itself included), or empty when unknown.
    /// Platform uses this to scope reseller staff.
    public static func subtree(organizationID: UUID, resellerID: UUID, on db: any Database) async throws -> Set<UUID> {
        guard let root = try await Reseller.inOrganization(organizationID, on: db).filter(\.$id == resellerID).first()
        else { return [] }
        let rows = try await Reseller.inOrganization(organizationID, on: db)
            .filter(\.$path, .custom("LIKE"), root.path + "%").all()
        return Set(rows.compactMap(\.id))
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Reseller> {
        try ctx.require(.resellersRead)
        let query = Reseller.scoped(to: ctx, on: db)
        if !filter.includeArchived { query.filter(\.$archivedAt == nil) }
        if let text = filter.query.nonBlank { query.filter(\.$sortName, .custom("LIKE"), "%\(SearchText.fold(text))%") }
        if let parent = filter.parentID.nonBlank {
            guard let uuid = UUID(uuidString: parent) else { throw DomainError.invalid("parent_id", "is not a reseller id") }
            query.filter(\.$parentID == uuid)
        }
        if let status = filter.status.nonBlank {
            guard let s = ResellerStatus(rawValue: status) else {
                throw DomainError.invalid("status", "must be one of \(ResellerStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            query.filter(\.$status == s)
        }
        return try await query.paginate(page, by: \.$sortName)
    }

    /// Every reseller the actor may see, in tree order, for pickers and the tree page.
    public static func tree(_ ctx: TenantContext, on db: any Database) async throws -> [Reseller] {
        try ctx.require(.resellersRead)
        return try await Reseller.scoped(to: ctx, on: db).filter(\.$archivedAt == nil).sort(\.$path).limit(5000).all()
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Reseller {
        try ctx.require(.resellersRead)
        return try await Reseller.find(id, in: ctx, on: db)
    }

    static func parseCommission(_ text: String?, into v: inout Validator) -> Int? {
        guard let text = v.text("commission_rate", text, required: false, max: 10) else { return nil }
        guard let micro = Decimal6.parse(text), micro % 10_000 == 0, (0...100_000_000).contains(micro) else {
            v.add("commission_rate", "must be a percentage from 0 to 100 with at most two decimals, such as 12.5")
            return nil
        }
        return Int(micro / 10_000)
    }

    /// Organization staff with `resellers.manage`; never reseller staff, whatever their role.
    public static func canManage(_ ctx: TenantContext) -> Bool { ctx.can(.resellersManage) && !ctx.isResellerScoped }

    static func requireManage(_ ctx: TenantContext, _ verb: String) throws {
        try ctx.require(.resellersManage)
        guard !ctx.isResellerScoped else { throw DomainError.forbidden("Reseller staff cannot \(verb) resellers.") }
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: CRMServices, on db: any Database) async throws -> Reseller {
        try requireManage(ctx, "create")
        var v = Validator()
        let name = v.text("name", input.name, max: 120)
        let contact = v.text("contact_name", input.contactName, required: false, max: 120)
        let email = v.email("email", input.email, required: false)
        let address = v.text("address", input.address, required: false, max: 300)
        var phone: String?
        if let raw = input.phone.nonBlank {
            do { phone = try PhoneNumber(parsing: raw).e164 } catch { v.add("phone", error.description) }
        }
        let commission = parseCommission(input.commissionRate, into: &v)
        var status = ResellerStatus.active
        if let raw = input.status.nonBlank {
            if let s = ResellerStatus(rawValue: raw) { status = s } else { v.add("status", "must be active, suspended or terminated") }
        }
        var parent: Reseller?
        if let parentID = input.parentID.nonBlank {
            parent = try? await Reseller.find(parentID, in: ctx, on: db)
            if parent == nil { v.add("parent_id", "is not a reseller of this organization") }
        }
        let branch = try await resolveBranch(ctx, input.branchID, fallback: parent?.branchID, into: &v, on: db)
        try v.check()
        let (chosenParent, chosenPhone, chosenStatus) = (parent, phone, status)
        return try await db.writeTransaction { tx in
            let (parent, phone, status) = (chosenParent, chosenPhone, chosenStatus)
            let reseller = Reseller()
            reseller.id = UUID()
            reseller.organizationID = ctx.organizationID
            reseller.branchID = branch!
            reseller.parentID = parent?.id
            reseller.path = (parent?.path ?? "/") + reseller.id!.uuidString.lowercased() + "/"
            reseller.depth = (parent?.depth ?? -1) + 1
            reseller.name = name!
            reseller.sortName = SearchText.fold(name!)
            reseller.contactName = contact
            reseller.phone = phone
            reseller.email = email
            reseller.address = address
            reseller.commissionBasisPoints = commission ?? 0
            reseller.status = status
            try await reseller.create(on: tx)
            try await Activities.record(ctx, subject: .init("reseller", reseller.id!), kind: "created", summary: "Created reseller \(reseller.name)",
                                        changes: Activities.diff([:], try await snapshot(reseller, ctx: ctx, on: tx)), at: services.clock.now(), on: tx)
            return reseller
        }
    }

    static func resolveBranch(_ ctx: TenantContext, _ id: String?, fallback: UUID?, into v: inout Validator, on db: any Database) async throws -> UUID? {
        if let id = id.nonBlank {
            guard let branch = try? await Branch.find(id, in: ctx, on: db), ctx.branchIDs?.contains(branch.id!) ?? true else {
                v.add("branch_id", "is not a branch you work in")
                return nil
            }
            return branch.id
        }
        if let fallback { return fallback }
        if let only = ctx.branchIDs, only.count == 1 { return only.first }
        let first = try await Branch.scoped(to: ctx, on: db).sort(\.$createdAt).sort(\.$id).all()
            .first { ctx.branchIDs?.contains($0.id!) ?? true }
        guard let first else {
            v.add("branch_id", "is required")
            return nil
        }
        return first.id
    }

    static func snapshot(_ r: Reseller, ctx: TenantContext, on db: any Database) async throws -> [String: String?] {
        let parentName = try await r.parentID.asyncMap { try await Reseller.find($0, in: ctx, on: db).name }
        let branchName = try await Branch.find(r.branchID, in: ctx, on: db).name
        return ["name": r.name, "parent": parentName, "branch": branchName, "contact_name": r.contactName, "phone": r.phone, "email": r.email,
                "address": r.address, "commission_rate": commissionText(r.commissionBasisPoints), "status": r.status.rawValue,
                "archived": r.archivedAt == nil ? nil : "yes"]
    }

    /// 1250 → "12.50"
    public static func commissionText(_ basisPoints: Int) -> String {
        String(basisPoints / 100) + "." + String(format: "%02d", basisPoints % 100)
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: CRMServices, on db: any Database) async throws -> Reseller {
        try requireManage(ctx, "change")
        let reseller = try await Reseller.find(id, in: ctx, on: db)
        var v = Validator()
        let name = v.text("name", input.name, required: false, max: 120)
        let contact = v.optionalText("contact_name", input.contactName, max: 120)
        var email: String?? = nil
        if let raw = input.email { email = raw.nonBlank == nil ? .some(nil) : v.email("email", raw).map(Optional.some) }
        let address = v.optionalText("address", input.address, max: 300)
        var phone: String?? = nil
        if let raw = input.phone {
            if let text = raw.nonBlank {
                do { phone = .some(try PhoneNumber(parsing: text).e164) } catch { v.add("phone", error.description) }
            } else {
                phone = .some(nil)
            }
        }
        let commission = parseCommission(input.commissionRate, into: &v)
        var status: ResellerStatus?
        if let raw = input.status.nonBlank {
            status = ResellerStatus(rawValue: raw)
            if status == nil { v.add("status", "must be active, suspended or terminated") }
        }
        var newParent: Reseller?? = nil
        if let parentID = input.parentID {
            if parentID.isEmpty {
                newParent = .some(nil)
            } else if let parent = try? await Reseller.find(parentID, in: ctx, on: db) {
                if parent.path.hasPrefix(reseller.path) {
                    v.add("parent_id", "would make a loop: \(parent.name) is \(parent.id == reseller.id ? "this reseller" : "below this reseller")")
                } else {
                    newParent = .some(parent)
                }
            } else {
                v.add("parent_id", "is not a reseller of this organization")
            }
        }
        let branch = input.branchID.nonBlank == nil ? nil : try await resolveBranch(ctx, input.branchID, fallback: nil, into: &v, on: db)
        try v.check()
        let (chosenEmail, chosenPhone, chosenStatus, chosenParent) = (email, phone, status, newParent)
        return try await db.writeTransaction { tx in
            let (email, phone, status, newParent) = (chosenEmail, chosenPhone, chosenStatus, chosenParent)
            let before = try await snapshot(reseller, ctx: ctx, on: tx)
            if let name { reseller.name = name; reseller.sortName = SearchText.fold(name) }
            if let contact { reseller.contactName = contact }
            if let email { reseller.email = email }
            if let address { reseller.address = address }
            if let phone { reseller.phone = phone }
            if let commission { reseller.commissionBasisPoints = commission }
            if let status { reseller.status = status }
            if let branch { reseller.branchID = branch }
            if let newParent {
                let oldPath = reseller.path
                reseller.parentID = newParent?.id
                reseller.path = (newParent?.path ?? "/") + reseller.id!.uuidString.lowercased() + "/"
                let shift = reseller.depth - ((newParent?.depth ?? -1) + 1)
                reseller.depth -= shift
                let below = try await Reseller.scoped(to: ctx, on: tx).filter(\.$path, .custom("LIKE"), oldPath + "%")
                    .filter(\.$id != reseller.id!).all()
                for child in below {
                    child.path = reseller.path + child.path.dropFirst(oldPath.count)
                    child.depth -= shift
                    try await child.save(on: tx)
                }
            }
            try await reseller.save(on: tx)
            let changes = Activities.diff(before, try await snapshot(reseller, ctx: ctx, on: tx))
            if !changes.isEmpty {
                try await Activities.record(ctx, subject: .init("reseller", reseller.id!), kind: "updated", summary: "Changed reseller \(reseller.name)",
                                            changes: changes, at: services.clock.now(), on: tx)
            }
            return reseller
        }
    }

    /// Archives a reseller. One with active sub-resellers or customers must hand them over first.
    public static func archive(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws -> Reseller {
        try requireManage(ctx, "archive")
        let reseller = try await Reseller.find(id, in: ctx, on: db)
        if reseller.archivedAt != nil { return reseller }
        let children = try await Reseller.scoped(to: ctx, on: db).filter(\.$parentID == reseller.id!).filter(\.$archivedAt == nil).count()
        if children > 0 { throw DomainError.conflict("\(reseller.name) still has \(children) sub-resellers; move or archive them first.") }
        let customers = try await Customer.scoped(to: ctx, on: db).filter(\.$resellerID == reseller.id!).filter(\.$archivedAt == nil).count()
        if customers > 0 { throw DomainError.conflict("\(reseller.name) still has \(customers) customers; move them to another reseller first.") }
        return try await db.writeTransaction { tx in
            reseller.archivedAt = services.clock.now()
            reseller.status = .terminated
            try await reseller.save(on: tx)
            try await Activities.record(ctx, subject: .init("reseller", reseller.id!), kind: "archived", summary: "Archived reseller \(reseller.name)",
                                        at: services.clock.now(), on: tx)
            return reseller
        }
    }

    /// Reseller staff pick among their subtree; others any reseller they see.
    static func resolve(_ ctx: TenantContext, _ id: String?, into v: inout Validator, on db: any Database) async throws -> Reseller? {
        guard let id = id.nonBlank else { return nil }
        guard let reseller = try? await Reseller.find(id, in: ctx, on: db), reseller.archivedAt == nil else {
            v.add("reseller_id", ctx.isResellerScoped ? "is not a reseller you work for" : "is not an active reseller of this organization")
            return nil
        }
        return reseller
    }

    /// For reseller staff, the top of their subtree (their own reseller).
    static func home(_ ctx: TenantContext, on db: any Database) async throws -> Reseller? {
        guard let ids = ctx.resellerIDs, !ids.isEmpty else { return nil }
        return try await Reseller.scoped(to: ctx, on: db).sort(\.$depth).first()
    }
}
