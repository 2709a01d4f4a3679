import CRM
import Foundation
import MeghnaCore
import Platform
import Vapor

/// Resellers (a tree of sub-resellers) and the area tree.
extension CRMAPI {
    struct ResellerRequest: Decodable {
        var name, parentID, branchID, contactName, phone, email, address, commissionRate, status: String?
        enum CodingKeys: String, CodingKey {
            case name, phone, email, address, status
            case parentID = "parent_id", branchID = "branch_id", contactName = "contact_name", commissionRate = "commission_rate"
        }
        var input: Resellers.Input {
            .init(name: name, parentID: parentID, branchID: branchID, contactName: contactName, phone: phone, email: email, address: address,
                  commissionRate: commissionRate, status: status)
        }

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 120)),
            ("parent_id", .referenceOrEmpty("reseller", description: "The parent reseller; empty: a top-level reseller")),
            ("branch_id", .reference("branch", description: "The parent's branch, or your first branch, when left out")),
            ("contact_name", .optionalText(max: 120)), ("phone", .phoneOrEmpty), ("email", .emailOrEmpty), ("address", .optionalText(max: 300)),
            ("commission_rate", .string(pattern: #"(100(\.00?)?|[0-9]{1,2}(\.[0-9]{1,2})?)?"#,
                                        description: "Percent from 0 to 100 with at most two decimals, such as 12.5",
                                        message: "must be a percentage from 0 to 100 with at most two decimals, such as 12.5")),
            ("status", .choice(ResellerStatus.allCases.map(\.rawValue))),
        ]
        static let createSchema = Schema.named("ResellerInput", .input(fields, required: ["name"]))
        static let patchSchema = Schema.named("ResellerPatch", .input(fields))
    }

    struct AreaRequest: Decodable {
        var name, kind, parentID: String?
        enum CodingKeys: String, CodingKey {
            case name, kind
            case parentID = "parent_id"
        }
        var input: Areas.Input { .init(name: name, kind: kind, parentID: parentID) }

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 120)), ("kind", .optionalText(max: 40, description: "zone, area, building, …")),
            ("parent_id", .referenceOrEmpty("area", description: "The parent area; empty: a top-level area")),
        ]
        static let createSchema = Schema.named("AreaInput", .input(fields, required: ["name"]))
        static let patchSchema = Schema.named("AreaPatch", .input(fields))
        static let rules = [
            APIRule("name", "must not be taken by another area with the same parent"),
            APIRule("parent_id", "cannot be the area itself or one below it; the tree is at most 6 levels deep"),
        ]
    }

    static func registerResellers(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/resellers", summary: "Resellers you can see (reseller staff: their own subtree)",
                             tag: "resellers", permission: .resellersRead,
                             query: paging + [PlatformAPI.search("Name contains"), ("parent_id", .uuid, "Direct children of this reseller"),
                                              ("status", .choice(ResellerStatus.allCases.map(\.rawValue)), "Only this status")],
                             response: .list(ResellerDTO.schema))) { req in
            let filter = Resellers.Filter(query: req.query[String.self, at: "q"], parentID: req.query[String.self, at: "parent_id"],
                                          status: req.query[String.self, at: "status"])
            let page = try await Resellers.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(ResellerDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/resellers", summary: "Create a reseller or sub-reseller", tag: "resellers",
                             permission: .resellersManage, body: ResellerRequest.createSchema, success: 201, response: ResellerDTO.schema)) { req in
            let body = try req.json(ResellerRequest.self)
            return try apiResponse(ResellerDTO(try await Resellers.create(try req.ctx, body.input, services: req.services, on: req.db)), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/resellers/{id}", summary: "One reseller", tag: "resellers", permission: .resellersRead,
                             response: ResellerDTO.schema)) { req in
            try apiResponse(ResellerDTO(try await Resellers.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/resellers/{id}", summary: "Change or move a reseller", tag: "resellers",
                             permission: .resellersManage, body: ResellerRequest.patchSchema, response: ResellerDTO.schema,
                             rules: [APIRule("parent_id", "cannot be the reseller itself or one below it")])) { req in
            let body = try req.json(ResellerRequest.self)
            return try apiResponse(ResellerDTO(try await Resellers.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services,
                                                                          on: req.db)))
        }
        api.add(APIOperation(method: .DELETE, path: "/resellers/{id}", summary: "Archive a reseller with no active customers or sub-resellers",
                             tag: "resellers", permission: .resellersManage, response: ResellerDTO.schema)) { req in
            try apiResponse(ResellerDTO(try await Resellers.archive(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)))
        }
    }

    static func registerAreas(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/areas", summary: "The area tree, in display order", tag: "areas",
                             query: paging + [PlatformAPI.search("Full name contains"), ("parent_id", .uuid, "Direct children of this area")],
                             response: .list(AreaDTO.schema))) { req in
            let page = try await Areas.list(try req.ctx, query: req.query[String.self, at: "q"], parentID: req.query[String.self, at: "parent_id"],
                                            page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(AreaDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/areas", summary: "Create an area", tag: "areas", permission: .areasManage,
                             body: AreaRequest.createSchema, success: 201, response: AreaDTO.schema, rules: AreaRequest.rules)) { req in
            let body = try req.json(AreaRequest.self)
            let area = try await Areas.create(try req.ctx, body.input, services: req.services, on: req.db)
            return try apiResponse(AreaDTO(area), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/areas/{id}", summary: "One area", tag: "areas", response: AreaDTO.schema)) { req in
            try apiResponse(AreaDTO(try await Areas.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/areas/{id}", summary: "Rename or move an area", tag: "areas", permission: .areasManage,
                             body: AreaRequest.patchSchema, response: AreaDTO.schema, rules: AreaRequest.rules)) { req in
            let body = try req.json(AreaRequest.self)
            let area = try await Areas.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(AreaDTO(area))
        }
        api.add(APIOperation(method: .DELETE, path: "/areas/{id}", summary: "Delete an unused area", tag: "areas", permission: .areasManage,
                             success: 204)) { req in
            try await Areas.delete(try req.ctx, req.parameters.get("id"), services: req.services, on: req.db)
            return Response(status: .noContent)
        }
    }
}
