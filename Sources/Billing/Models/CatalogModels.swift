import FluentKit
import Foundation
import MeghnaCore
import Platform

/// How a plan reaches the customer; provisioning (Network) writes the matching router object.
public enum ServiceType: String, Codable, Sendable, CaseIterable {
    case pppoe, hotspot
    case staticIP = "static_ip"

    public var title: String {
        switch self {
        case .pppoe: "PPPoE"
        case .hotspot: "Hotspot"
        case .staticIP: "Static IP"
        }
    }
}

/// Monthly invoices for each billing period, or prepaid validity packages of N days.
public enum BillingKind: String, Codable, Sendable, CaseIterable {
    case postpaidMonthly = "postpaid_monthly"
    case prepaid

    public var title: String { self == .prepaid ? "Prepaid (validity)" : "Monthly" }
}

/// Archived catalog items are not sold any more; what already uses them keeps them.
public enum CatalogStatus: String, Codable, Sendable, CaseIterable {
    case active, archived
}

/// A service plan: speed, price and how it is billed.
public final class Plan: TenantOwned, @unchecked Sendable {
    public static let schema = "plans"
    public static var organizationKey: KeyPath<Plan, FieldProperty<Plan, UUID>> { \Plan.$organizationID }
    public static let displayName = "Plan"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// Short and unique in the organization ("HOME-20"); also the router profile's name.
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "service_type") public var serviceType: ServiceType
    @Field(key: "download_kbps") public var downloadKbps: Int
    @Field(key: "upload_kbps") public var uploadKbps: Int
    @OptionalField(key: "burst_download_kbps") public var burstDownloadKbps: Int?
    @OptionalField(key: "burst_upload_kbps") public var burstUploadKbps: Int?
    @OptionalField(key: "burst_threshold_download_kbps") public var burstThresholdDownloadKbps: Int?
    @OptionalField(key: "burst_threshold_upload_kbps") public var burstThresholdUploadKbps: Int?
    @OptionalField(key: "burst_time_seconds") public var burstTimeSeconds: Int?
    /// The price per billing period (a month, or the validity) in minor units.
    @Field(key: "price") public var price: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "billing_kind") public var billingKind: BillingKind
    /// Prepaid only: how many days one purchase lasts.
    @OptionalField(key: "validity_days") public var validityDays: Int?
    @Field(key: "setup_fee") public var setupFee: Int64
    /// Megabytes per period, when the plan has a cap.
    @OptionalField(key: "data_quota_mb") public var dataQuotaMB: Int64?
    @Field(key: "taxable") public var taxable: Bool
    /// The branches that sell it (JSON id list); empty means every branch.
    @Field(key: "branch_ids") public var branchIDsJSON: String
    @OptionalField(key: "description") public var details: String?
    @Field(key: "status") public var status: CatalogStatus
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var priceMoney: Money { Money(minorUnits: price, currency: currency) }
    public var setupFeeMoney: Money { Money(minorUnits: setupFee, currency: currency) }
    public var branchIDs: [UUID] { JSONColumn.decode(branchIDsJSON).compactMap(UUID.init(uuidString:)) }

    /// The RouterOS `rate-limit` (and RADIUS Mikrotik-Rate-Limit) string. RouterOS reads rates
    /// from the router's side, so rx is the customer's upload and tx the download:
    /// `up/down [burst-up/burst-down threshold-up/threshold-down time/time]`.
    public var rateLimit: String {
        var out = "\(Self.rate(uploadKbps))/\(Self.rate(downloadKbps))"
        if let bu = burstUploadKbps, let bd = burstDownloadKbps, let tu = burstThresholdUploadKbps, let td = burstThresholdDownloadKbps,
           let time = burstTimeSeconds {
            out += " \(Self.rate(bu))/\(Self.rate(bd)) \(Self.rate(tu))/\(Self.rate(td)) \(time)/\(time)"
        }
        return out
    }

    /// 20000 → "20M", 512 → "512k" (RouterOS: k is 1,000 and M 1,000,000).
    public static func rate(_ kbps: Int) -> String {
        kbps % 1000 == 0 ? "\(kbps / 1000)M" : "\(kbps)k"
    }

    /// "20 Mbps" / "512 kbps" for people.
    public static func speedText(_ kbps: Int) -> String {
        kbps % 1000 == 0 ? "\(kbps / 1000) Mbps" : "\(kbps) kbps"
    }
}

/// Something sold beside a plan: a static IP, extra speed, equipment rent (recurring), an
/// installation (one time).
public final class Addon: TenantOwned, @unchecked Sendable {
    public static let schema = "addons"
    public static var organizationKey: KeyPath<Addon, FieldProperty<Addon, UUID>> { \Addon.$organizationID }
    public static let displayName = "Add-on"

    public enum Kind: String, Codable, Sendable, CaseIterable {
        case recurring
        case oneTime = "one_time"

        public var title: String { self == .recurring ? "Every period" : "One time" }
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "kind") public var kind: Kind
    /// Revenue category ("static_ip", "speed", "equipment_rent", "installation", "other").
    @Field(key: "category") public var category: String
    @Field(key: "price") public var price: Int64
    @Field(key: "currency") public var currency: String
    @Field(key: "taxable") public var taxable: Bool
    @OptionalField(key: "description") public var details: String?
    @Field(key: "status") public var status: CatalogStatus
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var priceMoney: Money { Money(minorUnits: price, currency: currency) }

    public static let categories = ["static_ip", "speed", "equipment_rent", "installation", "other"]
}

/// A discount: a percentage or a fixed amount off a plan, an add-on or a whole invoice, for N
/// billing cycles or for ever; with a coupon code, customers can be given it by code.
public final class Discount: TenantOwned, @unchecked Sendable {
    public static let schema = "discounts"
    public static var organizationKey: KeyPath<Discount, FieldProperty<Discount, UUID>> { \Discount.$organizationID }
    public static let displayName = "Discount"

    public enum Target: String, Codable, Sendable, CaseIterable {
        case plan, addon, invoice
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @Field(key: "name") public var name: String
    /// Upper-case coupon code, unique in the organization, when customers get it by code.
    @OptionalField(key: "coupon_code") public var couponCode: String?
    /// Basis points off (1000 = 10 %), or nil for a fixed amount.
    @OptionalField(key: "percent_bp") public var percentBasisPoints: Int?
    /// Minor units off, or nil for a percentage.
    @OptionalField(key: "amount") public var amount: Int64?
    @Field(key: "currency") public var currency: String
    @Field(key: "target") public var target: Target
    /// The plan or add-on it is limited to (nil: any plan, any add-on, or the invoice).
    @OptionalField(key: "target_id") public var targetID: UUID?
    /// Billing cycles it lasts once given; nil for ever.
    @OptionalField(key: "cycles") public var cycles: Int?
    @OptionalField(key: "usage_limit") public var usageLimit: Int?
    @Field(key: "used_count") public var usedCount: Int
    /// The last day the coupon can be redeemed (YYYY-MM-DD).
    @OptionalField(key: "expires_on") public var expiresOn: String?
    @Field(key: "status") public var status: CatalogStatus
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var value: DiscountValue {
        if let bp = percentBasisPoints { return .percent(basisPoints: bp) }
        return .fixed(Money(minorUnits: amount ?? 0, currency: currency))
    }
}

/// A tax: a rate, included in prices or added on top, on plans, add-ons and fees, in force
/// between two dates. Several may apply at once (none compounds).
public final class TaxRule: TenantOwned, @unchecked Sendable {
    public static let schema = "tax_rules"
    public static var organizationKey: KeyPath<TaxRule, FieldProperty<TaxRule, UUID>> { \TaxRule.$organizationID }
    public static let displayName = "Tax rule"

    /// What a tax rule applies to.
    public enum Scope: String, Codable, Sendable, CaseIterable {
        case plans, addons, fees
    }

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    /// Short and unique ("vat"); names the tax payable account.
    @Field(key: "code") public var code: String
    @Field(key: "name") public var name: String
    @Field(key: "rate_bp") public var rateBasisPoints: Int
    @Field(key: "inclusive") public var inclusive: Bool
    /// JSON list of scopes.
    @Field(key: "applies_to") public var appliesToJSON: String
    @Field(key: "effective_from") public var effectiveFrom: String
    @OptionalField(key: "effective_to") public var effectiveTo: String?
    @Field(key: "status") public var status: CatalogStatus
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @Timestamp(key: "updated_at", on: .update) public var updatedAt: Date?

    public init() {}

    public var appliesTo: Set<Scope> { Set(JSONColumn.decode(appliesToJSON).compactMap(Scope.init(rawValue:))) }

    /// In force on `day` (and not archived).
    public func applies(on day: LocalDate) -> Bool {
        guard status == .active, let from = LocalDate(effectiveFrom), from <= day else { return false }
        if let to = effectiveTo.flatMap(LocalDate.init), day > to { return false }
        return true
    }

    public var rate: TaxRate? { try? TaxRate(name: name, basisPoints: rateBasisPoints, inclusive: inclusive) }
}
