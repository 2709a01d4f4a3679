import Billing
import Foundation
import MeghnaCore
import Platform
import Vapor

/// `/api/v1` routes of the catalog: plans, add-ons, discounts and tax rules.
enum CatalogAPI {
    static let paging = PlatformAPI.pagingParameters

    static func register(_ api: APIRouter) {
        registerPlans(api)
        registerAddons(api)
        registerDiscountsAndTaxes(api)
    }

    struct PlanRequest: Decodable {
        struct Burst: Decodable {
            var download, upload, thresholdDownload, thresholdUpload: String?
            var timeSeconds: Int?
            enum CodingKeys: String, CodingKey {
                case download, upload
                case thresholdDownload = "threshold_download", thresholdUpload = "threshold_upload", timeSeconds = "time_seconds"
            }
        }

        var code, name, serviceType, downloadSpeed, uploadSpeed, billingKind, description, status: String?
        var price, setupFee: MoneyInput?
        /// "" clears (the API's convention); a number sets; absent or null leaves.
        var validityDays, dataQuotaMB: String?
        var taxable: Bool?
        var branchIDs: [String]?
        var burst: Burst?
        var clearBurst = false

        enum CodingKeys: String, CodingKey {
            case code, name, price, taxable, burst, description, status
            case serviceType = "service_type", downloadSpeed = "download_speed", uploadSpeed = "upload_speed", billingKind = "billing_kind"
            case validityDays = "validity_days", setupFee = "setup_fee", dataQuotaMB = "data_quota_mb", branchIDs = "branch_ids"
        }

        init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            code = try c.decodeIfPresent(String.self, forKey: .code)
            name = try c.decodeIfPresent(String.self, forKey: .name)
            serviceType = try c.decodeIfPresent(String.self, forKey: .serviceType)
            downloadSpeed = try c.decodeIfPresent(String.self, forKey: .downloadSpeed)
            uploadSpeed = try c.decodeIfPresent(String.self, forKey: .uploadSpeed)
            billingKind = try c.decodeIfPresent(String.self, forKey: .billingKind)
            description = try c.decodeIfPresent(String.self, forKey: .description)
            status = try c.decodeIfPresent(String.self, forKey: .status)
            price = try c.decodeIfPresent(MoneyInput.self, forKey: .price)
            setupFee = try c.decodeIfPresent(MoneyInput.self, forKey: .setupFee)
            func numberOrEmpty(_ key: CodingKeys) throws -> String? {
                if let n = try? c.decodeIfPresent(Int.self, forKey: key) { return String(n) }
                return try c.decodeIfPresent(String.self, forKey: key)
            }
            validityDays = try numberOrEmpty(.validityDays)
            dataQuotaMB = try numberOrEmpty(.dataQuotaMB)
            taxable = try c.decodeIfPresent(Bool.self, forKey: .taxable)
            branchIDs = try c.decodeIfPresent([String].self, forKey: .branchIDs)
            if (try? c.decodeIfPresent(String.self, forKey: .burst)) == "" {
                clearBurst = true
            } else {
                burst = try c.decodeIfPresent(Burst.self, forKey: .burst)
            }
        }

        func input(currency: String) throws -> Plans.Input {
            var i = Plans.Input()
            i.code = code
            i.name = name
            i.serviceType = serviceType
            i.downloadSpeed = downloadSpeed
            i.uploadSpeed = uploadSpeed
            i.billingKind = billingKind
            i.description = description
            i.status = status
            i.price = try MoneyInput.amount(price, field: "price", in: currency)
            i.setupFee = try MoneyInput.amount(setupFee, field: "setup_fee", in: currency)
            i.validityDays = validityDays
            i.dataQuotaMB = dataQuotaMB
            i.taxable = taxable.map { $0 ? "true" : "false" }
            i.branchIDs = branchIDs
            if let burst {
                (i.burstDownload, i.burstUpload) = (burst.download, burst.upload)
                (i.burstThresholdDownload, i.burstThresholdUpload) = (burst.thresholdDownload, burst.thresholdUpload)
                i.burstTime = burst.timeSeconds.map(String.init)
            } else if clearBurst {
                (i.burstDownload, i.burstUpload, i.burstThresholdDownload, i.burstThresholdUpload, i.burstTime) = ("", "", "", "", "")
            }
            return i
        }

        static let speed = Schema.string(pattern: #"[0-9]{1,8}(\.[0-9]{1,3})?\s?([kKmM]|[kKmM]bps)?"#, description: "20M, 1.5M or 512k (a bare number is Mbit/s)",
                                          message: "must be a speed such as 20M, 1.5M or 512k")
        /// A catalog code (plans, add-ons, tax rules).
        static let codeSchema = Schema.string(minLength: 1, maxLength: 32, pattern: "[A-Za-z0-9_.-]+", description: "Unique; stored upper case",
                                              message: "may hold only letters, digits, '-', '_' and '.'")
        static let fields: [(String, Schema)] = [
            ("code", codeSchema),
            ("name", .text(max: 100)), ("service_type", .choice(ServiceType.allCases.map(\.rawValue))),
            ("download_speed", speed), ("upload_speed", speed),
            ("burst", .anyOf([.object([("download", speed), ("upload", speed), ("threshold_download", speed), ("threshold_upload", speed),
                                        ("time_seconds", .integer(minimum: 1, maximum: 3600))],
                                       required: ["download", "upload", "threshold_download", "threshold_upload", "time_seconds"]), .empty])),
            ("price", MoneyInput.schema), ("billing_kind", .choice(BillingKind.allCases.map(\.rawValue))),
            ("validity_days", .anyOf([.integer(minimum: 1, maximum: 366), .empty])), ("setup_fee", MoneyInput.schema),
            ("data_quota_mb", .anyOf([.integer(minimum: 1, maximum: 1_000_000_000), .empty])), ("taxable", .boolean),
            ("branch_ids", .array(.reference("branch"), maxItems: 100)), ("description", .optionalText(max: 500)),
            ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
        ]
        static let createSchema = Schema.named("PlanInput", .input(fields, required: ["code", "name", "service_type", "download_speed", "upload_speed", "price"]))
        static let patchSchema = Schema.named("PlanPatch", .input(fields))
        static let rules = [
            APIRule("code", "must not be used by another plan"),
            APIRule("validity_days", "is required for prepaid plans and refused for monthly ones"),
            APIRule("burst.download", "must be faster than the download speed (64k to 10000M)"),
            APIRule("burst.upload", "must be faster than the upload speed (64k to 10000M)"),
            APIRule("burst.threshold_download", "must not be above the download speed (64k to 10000M)"),
            APIRule("burst.threshold_upload", "must not be above the upload speed (64k to 10000M)"),
            APIRule("download_speed", "must stay below a stored burst speed"), APIRule("upload_speed", "must stay below a stored burst speed"),
            APIRule("branch_ids", "must name only branches you work in, and at least one of them when you work in some branches only (empty: every branch)"),
        ] + MoneyInput.rules("price") + MoneyInput.rules("setup_fee")
    }

    static func registerPlans(_ api: APIRouter) {
        api.add(APIOperation(method: .GET, path: "/plans", summary: "Plans you can see (branch staff: those sold in their branches)", tag: "plans",
                             permission: .plansRead,
                             query: paging + [PlatformAPI.search("Name or code contains"),
                                              ("status", .choice(CatalogStatus.allCases.map(\.rawValue)), "Only this status"),
                                              ("service_type", .choice(ServiceType.allCases.map(\.rawValue)), "Only this service type")],
                             response: .list(PlanDTO.schema))) { req in
            let filter = Plans.Filter(query: req.query[String.self, at: "q"], status: req.query[String.self, at: "status"],
                                      serviceType: req.query[String.self, at: "service_type"])
            let page = try await Plans.list(try req.ctx, filter, page: try req.pageRequest(), on: req.db)
            return try apiResponse(ListBody(data: page.items.map(PlanDTO.init), nextCursor: page.nextCursor))
        }
        api.add(APIOperation(method: .POST, path: "/plans", summary: "Create a plan", tag: "plans", permission: .plansManage,
                             body: PlanRequest.createSchema, success: 201, response: PlanDTO.schema, rules: PlanRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(PlanRequest.self)
            return try apiResponse(PlanDTO(try await Plans.create(ctx, try body.input(currency: ctx.currency), services: req.services, on: req.db)),
                                   status: .created)
        }
        api.add(APIOperation(method: .GET, path: "/plans/{id}", summary: "One plan", tag: "plans", permission: .plansRead,
                             response: PlanDTO.schema)) { req in
            try apiResponse(PlanDTO(try await Plans.find(try req.ctx, req.parameters.get("id"), on: req.db)))
        }
        api.add(APIOperation(method: .PATCH, path: "/plans/{id}", summary: "Change a plan; send only what changes (\"\" clears burst, validity_days, data_quota_mb)",
                             tag: "plans", permission: .plansManage, body: PlanRequest.patchSchema, response: PlanDTO.schema,
                             rules: PlanRequest.rules)) { req in
            let ctx = try req.ctx
            let body = try req.json(PlanRequest.self)
            return try apiResponse(PlanDTO(try await Plans.update(ctx, req.parameters.get("id"), try body.input(currency: ctx.currency),
                                                                  services: req.services, on: req.db)))
        }
    }
}
