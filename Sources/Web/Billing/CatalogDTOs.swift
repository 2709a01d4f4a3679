import Billing
import Foundation
import MeghnaCore

/// What the catalog API answers with; each DTO's `schema` is what the document promises.
struct PlanDTO: Encodable {
    var id: UUID
    var code: String
    var name: String
    var serviceType: String
    var downloadKbps: Int
    var uploadKbps: Int
    var burst: Burst?
    var rateLimit: String
    var price: MoneyDTO
    var billingKind: String
    var validityDays: Int?
    var setupFee: MoneyDTO
    var dataQuotaMB: Int64?
    var taxable: Bool
    var branchIDs: [UUID]
    var description: String?
    var status: String
    var createdAt: Date?

    struct Burst: Encodable {
        var downloadKbps, uploadKbps, thresholdDownloadKbps, thresholdUploadKbps, timeSeconds: Int
        enum CodingKeys: String, CodingKey {
            case downloadKbps = "download_kbps", uploadKbps = "upload_kbps", thresholdDownloadKbps = "threshold_download_kbps"
            case thresholdUploadKbps = "threshold_upload_kbps", timeSeconds = "time_seconds"
        }
    }

    enum CodingKeys: String, CodingKey {
        case id, code, name, burst, price, taxable, description, status
        case serviceType = "service_type", downloadKbps = "download_kbps", uploadKbps = "upload_kbps", rateLimit = "rate_limit"
        case billingKind = "billing_kind", validityDays = "validity_days", setupFee = "setup_fee", dataQuotaMB = "data_quota_mb"
        case branchIDs = "branch_ids", createdAt = "created_at"
    }

    init(_ p: Plan) {
        id = p.id!
        code = p.code
        name = p.name
        serviceType = p.serviceType.rawValue
        downloadKbps = p.downloadKbps
        uploadKbps = p.uploadKbps
        if let bd = p.burstDownloadKbps, let bu = p.burstUploadKbps, let td = p.burstThresholdDownloadKbps, let tu = p.burstThresholdUploadKbps,
           let t = p.burstTimeSeconds {
            burst = Burst(downloadKbps: bd, uploadKbps: bu, thresholdDownloadKbps: td, thresholdUploadKbps: tu, timeSeconds: t)
        }
        rateLimit = p.rateLimit
        price = MoneyDTO(p.priceMoney)
        billingKind = p.billingKind.rawValue
        validityDays = p.validityDays
        setupFee = MoneyDTO(p.setupFeeMoney)
        dataQuotaMB = p.dataQuotaMB
        taxable = p.taxable
        branchIDs = p.branchIDs
        description = p.details
        status = p.status.rawValue
        createdAt = p.createdAt
    }

    static let schema = Schema.named("Plan", .object([
        ("id", .uuid), ("code", .string()), ("name", .string()), ("service_type", .choice(ServiceType.allCases.map(\.rawValue))),
        ("download_kbps", .integer(minimum: 1)), ("upload_kbps", .integer(minimum: 1)),
        ("burst", .nullable(.object([
            ("download_kbps", .integer(minimum: 1)), ("upload_kbps", .integer(minimum: 1)), ("threshold_download_kbps", .integer(minimum: 1)),
            ("threshold_upload_kbps", .integer(minimum: 1)), ("time_seconds", .integer(minimum: 1)),
        ], required: ["download_kbps", "upload_kbps", "threshold_download_kbps", "threshold_upload_kbps", "time_seconds"]))),
        ("rate_limit", .string(description: "The RouterOS rate-limit: upload/download as the router sees it, then the burst")),
        ("price", MoneyDTO.schema), ("billing_kind", .choice(BillingKind.allCases.map(\.rawValue))),
        ("validity_days", .nullable(.integer(minimum: 1, maximum: 366))), ("setup_fee", MoneyDTO.schema),
        ("data_quota_mb", .nullable(.integer(minimum: 1))), ("taxable", .boolean),
        ("branch_ids", .described(.array(.uuid), "Branches that sell it; empty: every branch")),
        ("description", .nullable(.string())), ("status", .choice(CatalogStatus.allCases.map(\.rawValue))), ("created_at", .nullable(.dateTime)),
    ], required: ["id", "code", "name", "service_type", "download_kbps", "upload_kbps", "rate_limit", "price", "billing_kind", "setup_fee",
                  "taxable", "branch_ids", "status"]))
}

struct AddonDTO: Encodable {
    var id: UUID
    var code, name, kind, category: String
    var price: MoneyDTO
    var taxable: Bool
    var description: String?
    var status: String

    init(_ a: Addon) {
        id = a.id!
        code = a.code
        name = a.name
        kind = a.kind.rawValue
        category = a.category
        price = MoneyDTO(a.priceMoney)
        taxable = a.taxable
        description = a.details
        status = a.status.rawValue
    }

    static let schema = Schema.named("Addon", .object([
        ("id", .uuid), ("code", .string()), ("name", .string()), ("kind", .choice(Addon.Kind.allCases.map(\.rawValue))),
        ("category", .choice(Addon.categories)), ("price", MoneyDTO.schema), ("taxable", .boolean), ("description", .nullable(.string())),
        ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
    ], required: ["id", "code", "name", "kind", "category", "price", "taxable", "status"]))
}

struct DiscountDTO: Encodable {
    var id: UUID
    var name: String
    var couponCode: String?
    var kind: String
    var percent: String?
    var amount: MoneyDTO?
    var target: String
    var targetID: UUID?
    var cycles: Int?
    var usageLimit: Int?
    var usedCount: Int
    var expiresOn: String?
    var status: String

    enum CodingKeys: String, CodingKey {
        case id, name, kind, percent, amount, target, cycles, status
        case couponCode = "coupon_code", targetID = "target_id", usageLimit = "usage_limit", usedCount = "used_count", expiresOn = "expires_on"
    }

    init(_ d: Discount) {
        id = d.id!
        name = d.name
        couponCode = d.couponCode
        kind = d.percentBasisPoints == nil ? "fixed" : "percent"
        percent = d.percentBasisPoints.map(percentText)
        amount = d.amount.map { MoneyDTO(minorUnits: $0, currency: d.currency) }
        target = d.target.rawValue
        targetID = d.targetID
        cycles = d.cycles
        usageLimit = d.usageLimit
        usedCount = d.usedCount
        expiresOn = d.expiresOn
        status = d.status.rawValue
    }

    static let schema = Schema.named("Discount", .object([
        ("id", .uuid), ("name", .string()), ("coupon_code", .nullable(.string())), ("kind", .choice(["percent", "fixed"])),
        ("percent", .nullable(.string(description: "Percentage, e.g. \"12.5\", for kind percent"))), ("amount", .nullable(MoneyDTO.schema)),
        ("target", .choice(Discount.Target.allCases.map(\.rawValue))), ("target_id", .nullable(.uuid)),
        ("cycles", .nullable(.integer(minimum: 1))), ("usage_limit", .nullable(.integer(minimum: 1))), ("used_count", .integer(minimum: 0)),
        ("expires_on", .nullable(.date)), ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
    ], required: ["id", "name", "kind", "target", "used_count", "status"]))
}

struct TaxRuleDTO: Encodable {
    var id: UUID
    var code, name, rate: String
    var inclusive: Bool
    var appliesTo: [String]
    var effectiveFrom: String
    var effectiveTo: String?
    var status: String

    enum CodingKeys: String, CodingKey {
        case id, code, name, rate, inclusive, status
        case appliesTo = "applies_to", effectiveFrom = "effective_from", effectiveTo = "effective_to"
    }

    init(_ t: TaxRule) {
        id = t.id!
        code = t.code
        name = t.name
        rate = percentText(t.rateBasisPoints)
        inclusive = t.inclusive
        appliesTo = TaxRule.Scope.allCases.filter(t.appliesTo.contains).map(\.rawValue)
        effectiveFrom = t.effectiveFrom
        effectiveTo = t.effectiveTo
        status = t.status.rawValue
    }

    static let schema = Schema.named("TaxRule", .object([
        ("id", .uuid), ("code", .string()), ("name", .string()), ("rate", .string(description: "Percentage, e.g. \"5\" or \"7.5\"")),
        ("inclusive", .boolean), ("applies_to", .array(.choice(TaxRule.Scope.allCases.map(\.rawValue)))), ("effective_from", .date),
        ("effective_to", .nullable(.date)), ("status", .choice(CatalogStatus.allCases.map(\.rawValue))),
    ], required: ["id", "code", "name", "rate", "inclusive", "applies_to", "effective_from", "status"]))
}
