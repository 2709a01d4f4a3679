import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// The organization's area tree (zone → area → building). Everyone with customer or lead
/// access reads it; `areas.manage` edits it.
public enum Areas {
    public struct Input: Sendable {
        public var name: String?
        public var kind: String?
        /// "" makes it a root; nil leaves it where it is.
        public var parentID: String?

        public init(name: String? = nil, kind: String? = nil, parentID: String? = nil) {
            self.name = name
            self.kind = kind
            self.parentID = parentID
        }
    }

    static func requireRead(_ ctx: TenantContext) throws {
        guard ctx.can(.customersRead) || ctx.can(.leadsRead) || ctx.can(.areasManage) else {
            throw DomainError.forbidden("You need the customers.read permission for this.")
        }
    }

    /// The whole tree in display order (each area after its parent).
    public static func all(_ ctx: TenantContext, on db: any Database) async throws -> [Area] {
        try requireRead(ctx)
        return try await Area.scoped(to: ctx, on: db).sort(\.$fullName).limit(5000).all()
    }

    public static func list(_ ctx: TenantContext, query text: String? = nil, parentID: String? = nil, page: CursorRequest,
                            on db: any Database) async throws -> CursorPage<Area> {
        try requireRead(ctx)
        let query = Area.scoped(to: ctx, on: db)
        if let text = text.nonBlank { query.filter(\.$fullName, .custom("LIKE"), "%\(text)%") }
        if let parentID = parentID.nonBlank {
            guard let uuid = UUID(uuidString: parentID) else { throw DomainError.invalid("parent_id", "is not an area id") }
            query.filter(\.$parentID == uuid)
        }
        return try await query.paginate(page, by: \.$fullName)
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Area {
        try requireRead(ctx)
        return try await Area.find(id, in: ctx, on: db)
    }

    /// The ids of an area and everything below it.
    public static func subtree(_ ctx: TenantContext, _ area: Area, on db: any Database) async throws -> [UUID] {
        try await Area.scoped(to: ctx, on: db).filter(\.$path, .custom("LIKE"), area.path + "%").all().compactMap(\.id)
    }

    static func pathComponent(_ id: UUID) -> String { id.uuidString.lowercased() + "/" }

    public static func create(_ ctx: TenantContext, _ input: Input, services: CRMServices, on db: any Database) async throws -> Area {
        try ctx.require(.areasManage)
        var v = Validator()
        let name = v.text("name", input.name, max: 120)
        let kind = v.text("kind", input.kind, required: false, max: 40)
        var parent: Area?
        if let parentID = input.parentID.nonBlank {
            parent = try? await Area.find(parentID, in: ctx, on: db)
            if parent == nil { v.add("parent_id", "is not an area of this organization") }
        }
        if let parent, parent.depth >= 5 { v.add("parent_id", "the tree may be at most 6 levels deep") }
        try v.check()
        let chosenParent = parent
        return try await db.writeTransaction { tx in
            let parent = chosenParent
            if try await sibling(ctx, named: name!, parent: parent?.id, except: nil, on: tx) {
                throw DomainError.invalid("name", "is already used by another area at this level")
            }
            let area = Area()
            area.id = UUID()
            area.organizationID = ctx.organizationID
            area.parentID = parent?.id
            area.name = name!
            area.kind = kind
            area.path = (parent?.path ?? "/") + pathComponent(area.id!)
            area.fullName = parent.map { $0.fullName + " › " + name! } ?? name!
            area.depth = (parent?.depth ?? -1) + 1
            try await area.create(on: tx)
            try await Audit.record("area.created", "Created area \(area.fullName)", ctx: ctx, target: .init("area", area.id),
                                   at: services.clock.now(), on: tx)
            return area
        }
    }

    static func sibling(_ ctx: TenantContext, named name: String, parent: UUID?, except: UUID?, on db: any Database) async throws -> Bool {
        let query = Area.scoped(to: ctx, on: db).filter(\.$parentID == parent)
        if let except { query.filter(\.$id != except) }
        return try await query.all().contains { SearchText.fold($0.name) == SearchText.fold(name) }
    }

    /// Renames or moves an area; its descendants' paths and full names follow.
    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: CRMServices, on db: any Database) async throws -> Area {
        try ctx.require(.areasManage)
        let area = try await Area.find(id, in: ctx, on: db)
        var v = Validator()
        let name = v.text("name", input.name, required: false, max: 120)
        let kind = v.optionalText("kind", input.kind, max: 40)
        var chosen: Area?? = nil
        if let parentID = input.parentID {
            if parentID.isEmpty {
                chosen = .some(nil)
            } else if let parent = try? await Area.find(parentID, in: ctx, on: db) {
                if parent.path.hasPrefix(area.path) {
                    v.add("parent_id", "would put the area inside itself")
                } else {
                    chosen = .some(parent)
                }
            } else {
                v.add("parent_id", "is not an area of this organization")
            }
        }
        try v.check()
        let newParent = chosen
        return try await db.writeTransaction { tx in
            let before = snapshot(area)
            let parentID = newParent.map { $0?.id } ?? area.parentID
            if try await sibling(ctx, named: name ?? area.name, parent: parentID, except: area.id, on: tx) {
                throw DomainError.invalid("name", "is already used by another area at this level")
            }
            if let name { area.name = name }
            if let kind { area.kind = kind }
            let parent: Area?
            if let newParent { parent = newParent } else { parent = try await area.parentID.asyncMap { try await Area.find($0, in: ctx, on: tx) } }
            let oldPath = area.path
            area.parentID = parent?.id
            area.path = (parent?.path ?? "/") + pathComponent(area.id!)
            area.fullName = parent.map { $0.fullName + " › " + area.name } ?? area.name
            area.depth = (parent?.depth ?? -1) + 1
            try await area.save(on: tx)
            // Descendants: recompute path, depth and full name, parents first.
            let below = try await Area.scoped(to: ctx, on: tx).filter(\.$path, .custom("LIKE"), oldPath + "%").filter(\.$id != area.id!)
                .sort(\.$depth).all()
            var byID: [UUID: Area] = [area.id!: area]
            for child in below {
                guard let p = child.parentID.flatMap({ byID[$0] }) else { continue }
                child.path = p.path + pathComponent(child.id!)
                child.fullName = p.fullName + " › " + child.name
                child.depth = p.depth + 1
                try await child.save(on: tx)
                byID[child.id!] = child
            }
            let changes = Activities.diff(before, snapshot(area))
            try await Audit.record("area.updated", "Changed area \(area.fullName)", ctx: ctx, target: .init("area", area.id),
                                   metadata: Dictionary(uniqueKeysWithValues: changes.map { ($0.field, "\($0.before ?? "—") → \($0.after ?? "—")") }),
                                   at: services.clock.now(), on: tx)
            return area
        }
    }

    static func snapshot(_ area: Area) -> [String: String?] {
        ["name": area.name, "kind": area.kind, "full_name": area.fullName]
    }

    /// Deletes an unused leaf area. Areas with children, addresses, customers or leads stay.
    public static func delete(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws {
        try ctx.require(.areasManage)
        let area = try await Area.find(id, in: ctx, on: db)
        if try await Area.scoped(to: ctx, on: db).filter(\.$parentID == area.id!).count() > 0 {
            throw DomainError.conflict("\(area.fullName) has areas below it; move or delete them first.")
        }
        let used = try await ServiceAddress.scoped(to: ctx, on: db).filter(\.$areaID == area.id!).count()
            + Lead.scoped(to: ctx, on: db).filter(\.$areaID == area.id!).count()
        if used > 0 { throw DomainError.conflict("\(area.fullName) is used by \(used) addresses or leads; move them first.") }
        try await db.writeTransaction { tx in
            try await area.delete(on: tx)
            try await Audit.record("area.deleted", "Deleted area \(area.fullName)", ctx: ctx, target: .init("area", area.id),
                                   at: services.clock.now(), on: tx)
        }
    }
}
