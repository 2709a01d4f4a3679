import Foundation
import MeghnaCore
import Platform
import Vapor

/// Organizations and branches.
extension PlatformAPI {
    /// An IANA time zone name. Which ones exist depends on the installation's time zone data,
    /// so the list is a rule, not an enum (clients need not change when the data does).
    static let timeZone = Schema.string(maxLength: 64, pattern: "[A-Za-z][A-Za-z0-9_+-]*(/[A-Za-z0-9_+-]+)*",
                                        description: "An IANA time zone such as Asia/Dhaka", message: "is not a time zone name such as Asia/Dhaka")

    struct OrganizationRequest: Decodable {
        var name: String?
        var slug: String?
        var currency: String?
        var timeZone: String?
        enum CodingKeys: String, CodingKey {
            case name, slug, currency
            case timeZone = "time_zone"
        }
        var input: Organizations.Input { .init(name: name, slug: slug, currency: currency, timeZone: timeZone) }

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 120)),
            ("slug", .string(maxLength: 60, pattern: "[a-z0-9]+(-[a-z0-9]+)*", description: "Lowercase letters, digits and single hyphens",
                             message: "may contain only lowercase letters, digits and single hyphens")),
            ("currency", .string(pattern: "[A-Za-z]{3}", description: "ISO 4217 code such as BDT", message: "must be a three-letter ISO 4217 code such as BDT")),
            ("time_zone", PlatformAPI.timeZone),
        ]
        static let schema = Schema.named("OrganizationInput", .input(fields, required: ["name"]))
        static let patchSchema = Schema.named("OrganizationPatch", .input(fields))
        static let currencyRule = APIRule("currency", "must stay the organization's currency once plans, invoices or the ledger hold amounts in it")
        static let rules = [
            APIRule("slug", "must not be taken by another organization (without a slug, one is made from the name, which then needs Latin letters or digits)"),
            APIRule("time_zone", "must be a time zone this installation knows"),
        ]
    }

    static func registerOrganizations(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/organizations", summary: "Organizations you can see", tag: "organizations",
                             query: pagingParameters, response: .list(OrganizationDTO.schema))) { req in
            let page = try await Organizations.list(try req.ctx, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(OrganizationDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/organizations", summary: "Create an organization (platform administrator)",
                             tag: "organizations", permission: .organizationsManage, body: OrganizationRequest.schema, success: 201,
                             response: OrganizationDTO.schema, rules: OrganizationRequest.rules)) { req in
            let body = try req.json(OrganizationRequest.self)
            let org = try await Organizations.create(try req.ctx, body.input, services: req.services, on: req.db)
            return try apiResponse(OrganizationDTO(org), status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/organizations/{id}", summary: "One organization", tag: "organizations",
                             response: OrganizationDTO.schema)) { req in
            try apiResponse(OrganizationDTO(try await Organizations.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/organizations/{id}", summary: "Change an organization", tag: "organizations",
                             permission: .settingsManage, body: OrganizationRequest.patchSchema, response: OrganizationDTO.schema,
                             rules: OrganizationRequest.rules + [OrganizationRequest.currencyRule])) { req in
            let body = try req.json(OrganizationRequest.self)
            let org = try await Organizations.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(OrganizationDTO(org))
        }
    }

    struct BranchRequest: Decodable {
        var name: String?
        var code: String?
        var address: String?
        var phone: String?
        var input: Branches.Input { .init(name: name, code: code, address: address, phone: phone) }

        static let fields: [(String, Schema)] = [
            ("name", .text(max: 120)), ("code", .optionalText(max: 20, description: "Short code, stored in capitals; made from the name when left out")),
            ("address", .optionalText(max: 500)), ("phone", .phoneOrEmpty),
        ]
        static let schema = Schema.named("BranchInput", .input(fields, required: ["name"]))
        static let patchSchema = Schema.named("BranchPatch", .input(fields))
        static let codeRule = APIRule("code", "must not be taken by another branch of the organization")
    }

    static func registerBranches(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/branches", summary: "Branches", tag: "branches", permission: .branchesRead,
                             query: pagingParameters + [search("Name contains")], response: .list(BranchDTO.schema))) { req in
            let page = try await Branches.list(try req.ctx, page: try req.pageRequest(), query: req.query[String.self, at: "q"], on: req.db)
            return try apiResponse(ListBody(data: page.items.map(BranchDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/branches", summary: "Create a branch", tag: "branches", permission: .branchesManage,
                             body: BranchRequest.schema, success: 201, response: BranchDTO.schema, rules: [BranchRequest.codeRule])) { req in
            let body = try req.json(BranchRequest.self)
            return try apiResponse(BranchDTO(try await Branches.create(try req.ctx, body.input, services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/branches/{id}", summary: "One branch", tag: "branches", permission: .branchesRead,
                             response: BranchDTO.schema)) { req in
            try apiResponse(BranchDTO(try await Branches.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/branches/{id}", summary: "Change a branch", tag: "branches", permission: .branchesManage,
                             body: BranchRequest.patchSchema, response: BranchDTO.schema, rules: [BranchRequest.codeRule])) { req in
            let body = try req.json(BranchRequest.self)
            let branch = try await Branches.update(try req.ctx, req.parameters.get("id"), body.input, services: req.services, on: req.db)
            return try apiResponse(BranchDTO(branch))
        }
    }
}
