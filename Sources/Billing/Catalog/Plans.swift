import FluentKit
import Foundation
import MeghnaCore
import Platform

extension Plan {
    /// Staff limited to branches, and reseller staff (their reseller's branch), see the plans
    /// sold in their branches and those sold everywhere.
    public static func narrow(_ query: QueryBuilder<Plan>, to ctx: TenantContext) {
        guard let branches = ctx.branchIDs else { return }
        query.group(.or) { or in
            or.filter(\.$branchIDsJSON == "[]")
            for id in branches { or.filter(\.$branchIDsJSON, .custom("LIKE"), "%\(id.uuidString)%") }
        }
    }
}

/// Service plans: what an ISP sells, at what speed and price.
public enum Plans {
    /// Text as typed on the form or sent to the API; nil leaves a field as it is (updates).
    public struct Input: Sendable {
        public var code: String?
        public var name: String?
        public var serviceType: String?
        public var downloadSpeed: String?
        public var uploadSpeed: String?
        public var burstDownload: String?
        public var burstUpload: String?
        public var burstThresholdDownload: String?
        public var burstThresholdUpload: String?
        public var burstTime: String?
        public var price: String?
        public var billingKind: String?
        public var validityDays: String?
        public var setupFee: String?
        public var dataQuotaMB: String?
        public var taxable: String?
        public var branchIDs: [String]?
        public var description: String?
        public var status: String?

        public init() {}
    }

    public struct Filter: Sendable {
        public var query: String?
        public var status: String?
        public var serviceType: String?

        public init(query: String? = nil, status: String? = nil, serviceType: String? = nil) {
            self.query = query
            self.status = status
            self.serviceType = serviceType
        }
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Plan> {
        try ctx.require(.plansRead)
        var v = Validator()
        let status = v.choice("status", filter.status, as: CatalogStatus.self)
        let type = v.choice("service_type", filter.serviceType, as: ServiceType.self)
        try v.check()
        let query = Plan.scoped(to: ctx, on: db)
        if let status { query.filter(\.$status == status) }
        if let type { query.filter(\.$serviceType == type) }
        if let text = filter.query.nonBlank {
            query.group(.or) { $0.filter(\.$name, .custom("LIKE"), "%\(text)%").filter(\.$code, .custom("LIKE"), "%\(text.uppercased())%") }
        }
        return try await query.paginate(page, by: \.$name)
    }

    /// The active plans the actor may sell, by name (for pickers); with `soldIn`, only those
    /// sold in that branch (what a customer of that branch may sign up for).
    public static func active(_ ctx: TenantContext, soldIn branch: UUID? = nil, on db: any Database) async throws -> [Plan] {
        try ctx.require(.plansRead)
        let plans = try await Plan.scoped(to: ctx, on: db).filter(\.$status == .active).sort(\.$name).limit(1000).all()
        guard let branch else { return plans }
        return plans.filter { $0.branchIDs.isEmpty || $0.branchIDs.contains(branch) }
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Plan {
        try ctx.require(.plansRead)
        return try await Plan.find(id, in: ctx, on: db)
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Plan {
        try CatalogAccess.requireManage(ctx)
        let plan = Plan()
        plan.id = UUID()
        plan.organizationID = ctx.organizationID
        plan.currency = ctx.currency
        plan.status = .active
        plan.setupFee = 0
        plan.taxable = true
        plan.branchIDsJSON = "[]"
        plan.billingKind = .postpaidMonthly
        try await apply(input, to: plan, creating: true, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await plan.create(on: tx)
            try await Audit.record("plan.created", "Created plan \(plan.code) (\(plan.name))", ctx: ctx, target: .init("plan", plan.id),
                                   at: services.clock.now(), on: tx)
            return plan
        }
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: PlatformServices, on db: any Database) async throws -> Plan {
        try CatalogAccess.requireManage(ctx)
        let plan = try await Plan.find(id, in: ctx, on: db)
        try requireBranches(ctx, plan.branchIDs)
        try await apply(input, to: plan, creating: false, ctx, on: db)
        return try await db.writeTransaction { tx in
            try await plan.save(on: tx)
            try await Audit.record("plan.updated", "Changed plan \(plan.code) (\(plan.name))", ctx: ctx, target: .init("plan", plan.id),
                                   at: services.clock.now(), on: tx)
            return plan
        }
    }

    /// A plan sold everywhere is the whole organization's to change.
    static func requireBranches(_ ctx: TenantContext, _ branches: [UUID]) throws {
        guard let allowed = ctx.allowedBranchIDs else { return }
        guard !branches.isEmpty, Set(branches).isSubset(of: allowed) else {
            throw DomainError.forbidden("This plan is sold in branches you do not work in; only staff of those branches can change it.")
        }
    }

    /// Validates the input and writes it onto the plan; every problem is reported at once.
    static func apply(_ input: Input, to plan: Plan, creating: Bool, _ ctx: TenantContext, on db: any Database) async throws {
        var v = Validator()
        let code = v.code("code", input.code, required: creating)
        let name = v.text("name", input.name, required: creating, max: 100)
        let type = v.choice("service_type", input.serviceType, as: ServiceType.self, required: creating)
        let down = v.speed("download_speed", input.downloadSpeed, required: creating)
        let up = v.speed("upload_speed", input.uploadSpeed, required: creating)
        let price = v.money("price", input.price, currency: plan.currency, required: creating)
        let kind = v.choice("billing_kind", input.billingKind, as: BillingKind.self)
        let setup = v.money("setup_fee", input.setupFee, currency: plan.currency, required: false)
        let taxable = v.flag("taxable", input.taxable)
        let status = v.choice("status", input.status, as: CatalogStatus.self)
        let details = input.description.map { v.text("description", $0, required: false, max: 500) }
        // Validity: required for prepaid plans, meaningless for monthly ones.
        let newKind = kind ?? plan.billingKind
        var validity: Int?? = nil
        if let raw = input.validityDays {
            validity = raw.nonBlank == nil ? .some(nil) : v.integer("validity_days", raw, in: 1...366).map(Optional.some)
        }
        let effectiveValidity: Int? = validity ?? (creating ? nil : plan.validityDays)
        let typedValidity = input.validityDays.nonBlank != nil
        if newKind == .prepaid, effectiveValidity == nil, !typedValidity { v.add("validity_days", "is required for a prepaid plan (1 to 366 days)") }
        if newKind == .postpaidMonthly, typedValidity { v.add("validity_days", "applies only to prepaid plans") }
        var quota: Int64?? = nil
        if let raw = input.dataQuotaMB {
            quota = raw.nonBlank == nil ? .some(nil) : v.integer("data_quota_mb", raw, in: 1...1_000_000_000).map { .some(Int64($0)) }
        }
        // Burst: all four rates and the time together, or none. Errors name the API's fields
        // (`burst.download`); pages show them beside `burst_download` (`CRMForms.pageField`).
        let burstFields = [input.burstDownload, input.burstUpload, input.burstThresholdDownload, input.burstThresholdUpload, input.burstTime]
        var burst: (Int, Int, Int, Int, Int)?? = nil
        if burstFields.contains(where: { $0 != nil }) {
            if burstFields.allSatisfy({ $0.nonBlank == nil }) {
                burst = .some(nil)
            } else {
                let bd = v.speed("burst.download", input.burstDownload)
                let bu = v.speed("burst.upload", input.burstUpload)
                let td = v.speed("burst.threshold_download", input.burstThresholdDownload)
                let tu = v.speed("burst.threshold_upload", input.burstThresholdUpload)
                let time = v.integer("burst.time_seconds", input.burstTime, in: 1...3600)
                let (baseDown, baseUp) = (down ?? (creating ? Int.max : plan.downloadKbps), up ?? (creating ? Int.max : plan.uploadKbps))
                if let bd, bd <= baseDown { v.add("burst.download", "must be faster than the download speed") }
                if let bu, bu <= baseUp { v.add("burst.upload", "must be faster than the upload speed") }
                if let td, td > baseDown { v.add("burst.threshold_download", "must not be above the download speed") }
                if let tu, tu > baseUp { v.add("burst.threshold_upload", "must not be above the upload speed") }
                if let bd, let bu, let td, let tu, let time { burst = .some((bd, bu, td, tu, time)) }
            }
        }
        var branches: [UUID]?
        if let ids = input.branchIDs {
            var found: [UUID] = []
            for (i, raw) in ids.enumerated() where raw.nonBlank != nil {
                guard let branch = try? await Branch.find(raw, in: ctx, on: db), ctx.allowedBranchIDs?.contains(branch.id!) ?? true else {
                    v.add("branch_ids[\(i)]", "is not a branch you work in")
                    continue
                }
                if !found.contains(branch.id!) { found.append(branch.id!) }
            }
            branches = found
            // Staff of some branches sell only in theirs: "every branch" is not theirs to choose.
            if found.isEmpty, ctx.allowedBranchIDs != nil, !v.errors.contains(where: { $0.field.hasPrefix("branch_ids") }) { v.add("branch_ids", "must name at least one of your branches") }
        }
        if let code, code != (creating ? nil : plan.code),
           try await Plan.inOrganization(ctx.organizationID, on: db).filter(\.$code == code).first() != nil {
            v.add("code", "is already used by another plan")
        }
        try v.check()
        // Branch-limited staff: the plan must end up sold only in their branches.
        if ctx.allowedBranchIDs != nil { try requireBranches(ctx, branches ?? plan.branchIDs) }
        if let code { plan.code = code }
        if let name { plan.name = name }
        if let type { plan.serviceType = type }
        if let down { plan.downloadKbps = down }
        if let up { plan.uploadKbps = up }
        if let price { plan.price = price }
        if let kind { plan.billingKind = kind }
        if let setup { plan.setupFee = setup }
        if let taxable { plan.taxable = taxable }
        if let status { plan.status = status }
        if let details { plan.details = details }
        if let validity { plan.validityDays = validity }
        if plan.billingKind == .postpaidMonthly { plan.validityDays = nil }
        if let quota { plan.dataQuotaMB = quota }
        if let burst {
            plan.burstDownloadKbps = burst?.0
            plan.burstUploadKbps = burst?.1
            plan.burstThresholdDownloadKbps = burst?.2
            plan.burstThresholdUploadKbps = burst?.3
            plan.burstTimeSeconds = burst?.4
        } else if let bd = plan.burstDownloadKbps, let bu = plan.burstUploadKbps, down ?? 0 >= bd || up ?? 0 >= bu {
            // A new base speed above the stored burst makes the burst meaningless.
            var problems = Validator()
            if down ?? 0 >= bd { problems.add("download_speed", "must stay below the burst download speed (\(Plan.rate(bd))), or change the burst too") }
            if up ?? 0 >= bu { problems.add("upload_speed", "must stay below the burst upload speed (\(Plan.rate(bu))), or change the burst too") }
            try problems.check()
        }
        if let branches { plan.branchIDsJSON = JSONColumn.encode(branches.map(\.uuidString)) }
    }
}
