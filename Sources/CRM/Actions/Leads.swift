import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// Leads: intake (staff, API, the public interest form), assignment, follow-ups, the pipeline
/// new → contacted → qualified → converted | lost, and conversion into a customer.
public enum Leads {
    public static let sources = ["walk_in", "phone", "web_form", "api", "referral", "facebook", "field_survey", "other"]

    public struct Input: Sendable {
        public var name: String?
        public var phones: [String]?
        public var email: String?
        public var address: String?
        public var areaID: String?
        public var interest: String?
        public var source: String?
        public var tags: [String]?
        /// "" unassigns.
        public var assignedUserID: String?
        public var nextFollowUpOn: String?
        public var status: String?
        public var lostReason: String?
        public var notes: String?
        public var branchID: String?
        public var resellerID: String?

        public init(name: String? = nil, phones: [String]? = nil, email: String? = nil, address: String? = nil, areaID: String? = nil,
                    interest: String? = nil, source: String? = nil, tags: [String]? = nil, assignedUserID: String? = nil,
                    nextFollowUpOn: String? = nil, status: String? = nil, lostReason: String? = nil, notes: String? = nil,
                    branchID: String? = nil, resellerID: String? = nil) {
            self.name = name
            self.phones = phones
            self.email = email
            self.address = address
            self.areaID = areaID
            self.interest = interest
            self.source = source
            self.tags = tags
            self.assignedUserID = assignedUserID
            self.nextFollowUpOn = nextFollowUpOn
            self.status = status
            self.lostReason = lostReason
            self.notes = notes
            self.branchID = branchID
            self.resellerID = resellerID
        }
    }

    public struct Filter: Sendable {
        public var query: String?
        public var status: String?
        public var assignedUserID: String?
        public var tag: String?
        public var areaID: String?
        public var overdue: Bool
        public var includeArchived: Bool

        public init(query: String? = nil, status: String? = nil, assignedUserID: String? = nil, tag: String? = nil, areaID: String? = nil,
                    overdue: Bool = false, includeArchived: Bool = false) {
            self.query = query
            self.status = status
            self.assignedUserID = assignedUserID
            self.tag = tag
            self.areaID = areaID
            self.overdue = overdue
            self.includeArchived = includeArchived
        }

        /// The filter from list parameters (`q`, `status`, `assigned_user_id`, `tag`, `area_id`,
        /// `overdue=true`), as the leads page and `GET /api/v1/leads` both read them.
        public init(parameters value: (String) -> String?) {
            self.init(query: value("q"), status: value("status"), assignedUserID: value("assigned_user_id"), tag: value("tag"),
                      areaID: value("area_id"), overdue: value("overdue") == "true")
        }

        /// The filter as list parameters again (paging and links keep it).
        public var parameters: [(String, String?)] {
            [("q", query), ("status", status), ("assigned_user_id", assignedUserID), ("tag", tag), ("area_id", areaID),
             ("overdue", overdue ? "true" : nil)]
        }
    }

    struct Valid {
        var name: String?
        var phones: [String]?
        var email: String??
        var address: String??
        var area: Area??
        var interest: String??
        var source: String?
        var tags: [String]?
        var assignee: User??
        var followUp: String??
        var status: LeadStatus?
        var lostReason: String??
        var notes: String??
        var branchID: UUID??
        var reseller: Reseller??
    }

    static func validate(_ ctx: TenantContext, _ input: Input, creating: Bool, v: inout Validator, on db: any Database) async throws -> Valid {
        var out = Valid()
        out.name = v.text("name", input.name, required: creating, max: 160)
        out.phones = v.phones("phones", input.phones, required: creating)
        if let raw = input.email { out.email = raw.nonBlank == nil ? .some(nil) : v.email("email", raw, required: false).map(Optional.some) }
        out.address = v.optionalText("address", input.address, max: 300)
        out.interest = v.optionalText("interest", input.interest, max: 120)
        out.notes = v.optionalText("notes", input.notes, max: 4000)
        out.lostReason = v.optionalText("lost_reason", input.lostReason, max: 300)
        out.tags = v.tags("tags", input.tags)
        if let raw = input.source.nonBlank {
            if sources.contains(raw) { out.source = raw } else { v.add("source", "must be one of \(sources.joined(separator: ", "))") }
        }
        if let raw = input.nextFollowUpOn {
            out.followUp = raw.nonBlank == nil ? .some(nil) : v.date("next_follow_up_on", raw).map(Optional.some)
        }
        if let raw = input.status.nonBlank {
            switch LeadStatus(rawValue: raw) {
            case .converted?: v.add("status", "a lead becomes converted by converting it into a customer")
            case let s?: out.status = s
            case nil: v.add("status", "must be one of new, contacted, qualified, lost")
            }
        }
        if let raw = input.areaID {
            if raw.nonBlank == nil { out.area = .some(nil) } else if let area = try? await Area.find(raw, in: ctx, on: db) { out.area = .some(area) } else {
                v.add("area_id", "is not an area of this organization")
            }
        }
        if let raw = input.assignedUserID {
            if raw.nonBlank == nil {
                out.assignee = .some(nil)
            } else if let user = try? await User.find(raw, in: ctx, on: db), user.status == .active {
                out.assignee = .some(user)
            } else {
                v.add("assigned_user_id", "is not an active staff member of this organization")
            }
        }
        if let raw = input.branchID {
            if raw.nonBlank == nil { out.branchID = .some(nil) } else if let id = try await Resellers.resolveBranch(ctx, raw, fallback: nil, into: &v, on: db) {
                out.branchID = .some(id)
            }
        } else if creating, let only = ctx.branchIDs, only.count == 1 {
            out.branchID = .some(only.first)
        }
        if let raw = input.resellerID {
            if raw.nonBlank == nil {
                if ctx.isResellerScoped { v.add("reseller_id", "reseller staff keep their leads under a reseller") } else { out.reseller = .some(nil) }
            } else if let reseller = try await Resellers.resolve(ctx, raw, into: &v, on: db) {
                out.reseller = .some(reseller)
            }
        } else if creating, ctx.isResellerScoped {
            if let home = try await Resellers.home(ctx, on: db) { out.reseller = .some(home) } else { v.add("reseller_id", "is required") }
        }
        return out
    }

    static func snapshot(_ l: Lead, ctx: TenantContext, on db: any Database) async throws -> [String: String?] {
        let assignee = try await l.assignedUserID.asyncMap { try await User.find($0, in: ctx, on: db).name }
        let area = try await l.areaID.asyncMap { try await Area.find($0, in: ctx, on: db).fullName }
        return ["name": l.name, "phones": l.phones.isEmpty ? nil : l.phones.joined(separator: ", "), "email": l.email, "address": l.address,
                "area": area, "interest": l.interest, "source": l.source, "tags": l.tags.isEmpty ? nil : l.tags.joined(separator: ", "),
                "assigned_to": assignee, "next_follow_up_on": l.nextFollowUpOn, "status": l.status.rawValue, "lost_reason": l.lostReason,
                "notes": l.notes]
    }

    public static func create(_ ctx: TenantContext, _ input: Input, services: CRMServices, on db: any Database) async throws -> Lead {
        try ctx.require(.leadsWrite)
        var v = Validator()
        let valid = try await validate(ctx, input, creating: true, v: &v, on: db)
        if valid.status == .lost, (valid.lostReason ?? nil) == nil { v.add("lost_reason", "is required when a lead is lost") }
        try v.check()
        let now = services.clock.now()
        return try await db.writeTransaction { tx in
            let number = try await NumberSequences.next("lead", organizationID: ctx.organizationID, on: tx)
            let lead = Lead()
            lead.id = UUID()
            lead.organizationID = ctx.organizationID
            lead.branchID = valid.branchID ?? nil
            lead.resellerID = (valid.reseller ?? nil)?.id
            lead.number = number
            lead.numberText = NumberSequences.format(number, prefix: "L-")
            lead.name = valid.name!
            lead.sortName = SearchText.fold(valid.name!)
            lead.phones = valid.phones ?? []
            lead.primaryPhone = lead.phones.first
            lead.email = valid.email ?? nil
            lead.address = valid.address ?? nil
            lead.areaID = (valid.area ?? nil)?.id
            lead.interest = valid.interest ?? nil
            lead.source = valid.source ?? (ctx.actor.label.hasPrefix("system:") ? "web_form" : "walk_in")
            lead.tags = valid.tags ?? []
            lead.assignedUserID = (valid.assignee ?? nil)?.id
            lead.nextFollowUpOn = valid.followUp ?? nil
            lead.status = valid.status ?? .new
            lead.lostReason = valid.lostReason ?? nil
            lead.notes = valid.notes ?? nil
            try await lead.create(on: tx)
            try await Activities.record(ctx, subject: .init("lead", lead.id!), kind: "created", summary: "Created lead \(lead.numberText) \(lead.name)",
                                        changes: Activities.diff([:], try await snapshot(lead, ctx: ctx, on: tx)), at: now, on: tx)
            if let assignee = valid.assignee ?? nil { try await notifyAssignee(assignee, lead: lead, ctx: ctx, services: services, on: tx) }
            return lead
        }
    }

    /// The public interest form of an organization: no sign-in, source "web_form".
    /// The organization whose public interest form is at `/join/<slug>`.
    public static func intakeOrganization(slug: String, on db: any Database) async throws -> Organization {
        guard let org = try await Organization.query(on: db).filter(\.$slug == slug.lowercased()).first() else {
            throw DomainError.notFound("Organization")
        }
        return org
    }

    /// A lead from the public interest form. `address` is the sender's network address: each may
    /// send only a few an hour, so the form cannot be used to flood the pipeline.
    public static func intake(organizationSlug: String, _ input: Input, from address: String, services: CRMServices,
                              on db: any Database) async throws -> Lead {
        let org = try await intakeOrganization(slug: organizationSlug, on: db)
        try await RateLimits.check("interest-form:ip:\(address)", .interestFormPerAddress,
                                   message: "We already have several requests from your connection this hour. Please call us instead, or try again later.",
                                   now: services.clock.now(), on: db)
        let ctx = TenantContext(organizationID: org.id!, actor: .system("interest-form"), permissions: [.leadsWrite, .leadsRead],
                                timeZone: org.timeZone)
        var clean = input
        clean.source = "web_form"
        clean.status = nil
        clean.assignedUserID = nil
        clean.tags = nil
        clean.branchID = nil
        clean.resellerID = nil
        return try await create(ctx, clean, services: services, on: db)
    }

    static func notifyAssignee(_ user: User, lead: Lead, ctx: TenantContext, services: CRMServices, on db: any Database) async throws {
        try await services.outbox.queueEmail(OutgoingEmail(
            organizationID: ctx.organizationID, to: user.email, toName: user.name,
            subject: "Lead \(lead.numberText) \(lead.name) is assigned to you",
            text: """
            Hello \(user.name),

            \(ctx.actor.label) assigned lead \(lead.numberText) to you.

            Name: \(lead.name)
            Phone: \(lead.primaryPhone.flatMap { try? PhoneNumber(parsing: $0).national } ?? "—")
            Interested in: \(lead.interest ?? "—")
            Next follow-up: \(lead.nextFollowUpOn ?? "not set")

            Open it: \(services.baseURL)/leads/\(lead.id!.uuidString)
            """, purpose: "lead_assigned"), db)
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> Lead {
        try ctx.require(.leadsRead)
        return try await Lead.find(id, in: ctx, on: db)
    }

    public static func update(_ ctx: TenantContext, _ id: String?, _ input: Input, services: CRMServices, on db: any Database) async throws -> Lead {
        try ctx.require(.leadsWrite)
        let lead = try await Lead.find(id, in: ctx, on: db)
        var v = Validator()
        let valid = try await validate(ctx, input, creating: false, v: &v, on: db)
        if lead.status == .converted, valid.status != nil { v.add("status", "a converted lead stays converted") }
        let finalStatus = valid.status ?? lead.status
        if finalStatus == .lost, (valid.lostReason ?? lead.lostReason) == nil { v.add("lost_reason", "is required when a lead is lost") }
        try v.check()
        return try await db.writeTransaction { tx in
            let before = try await snapshot(lead, ctx: ctx, on: tx)
            let previousAssignee = lead.assignedUserID
            if let x = valid.name { lead.name = x; lead.sortName = SearchText.fold(x) }
            if let x = valid.phones { lead.phones = x; lead.primaryPhone = x.first }
            if let x = valid.email { lead.email = x }
            if let x = valid.address { lead.address = x }
            if let x = valid.area { lead.areaID = x?.id }
            if let x = valid.interest { lead.interest = x }
            if let x = valid.source { lead.source = x }
            if let x = valid.tags { lead.tags = x }
            if let x = valid.assignee { lead.assignedUserID = x?.id }
            if let x = valid.followUp { lead.nextFollowUpOn = x }
            if let x = valid.status { lead.status = x }
            if let x = valid.lostReason { lead.lostReason = x }
            if lead.status != .lost { lead.lostReason = nil }
            if let x = valid.notes { lead.notes = x }
            if let x = valid.branchID { lead.branchID = x }
            if let x = valid.reseller { lead.resellerID = x?.id }
            try await lead.save(on: tx)
            let changes = Activities.diff(before, try await snapshot(lead, ctx: ctx, on: tx))
            if !changes.isEmpty {
                let kind = changes.contains { $0.field == "assigned_to" } ? "assigned" : changes.contains { $0.field == "status" } ? "status" : "updated"
                try await Activities.record(ctx, subject: .init("lead", lead.id!), kind: kind,
                                            summary: "Changed \(changes.map(\.field).joined(separator: ", "))", changes: changes,
                                            at: services.clock.now(), on: tx)
            }
            if let assignee = valid.assignee ?? nil, assignee.id != previousAssignee {
                try await notifyAssignee(assignee, lead: lead, ctx: ctx, services: services, on: tx)
            }
            return lead
        }
    }

    public struct ConvertInput: Sendable {
        public var branchID: String?
        public var kind: String?
        public var allowDuplicate: Bool

        public init(branchID: String? = nil, kind: String? = nil, allowDuplicate: Bool = false) {
            self.branchID = branchID
            self.kind = kind
            self.allowDuplicate = allowDuplicate
        }
    }

    /// A lead's one-line address (up to 300 characters) as a service address's two lines of at
    /// most 200: cut at the last space before 200 (or at 200), the rest on the second line. Without
    /// this a lead with a long address could not be converted, and the refusal named
    /// `address.line1`, a field the caller never sent.
    static func addressLines(_ text: String) -> (String, String?) {
        guard text.count > 200 else { return (text, nil) }
        let head = text.prefix(200)
        let cut = head.lastIndex(of: " ").flatMap { head.distance(from: head.startIndex, to: $0) >= 100 ? $0 : nil } ?? head.endIndex
        let line1 = String(text[..<cut]).trimmingCharacters(in: .whitespaces)
        let line2 = String(text[cut...]).trimmingCharacters(in: .whitespaces)
        return (line1, line2.isEmpty ? nil : String(line2.prefix(200)))
    }

    /// Creates the customer (name, phones, email, address, area, tags, reseller), marks the lead
    /// converted and links both timelines.
    public static func convert(_ ctx: TenantContext, _ id: String?, _ input: ConvertInput, services: CRMServices,
                               on db: any Database) async throws -> (Lead, Customer) {
        try ctx.require(.leadsWrite)
        try ctx.require(.customersWrite)
        let lead = try await Lead.find(id, in: ctx, on: db)
        guard lead.status != .converted else { throw DomainError.conflict("\(lead.numberText) is already converted.") }
        guard lead.archivedAt == nil else { throw DomainError.conflict("\(lead.numberText) is archived.") }
        return try await db.writeTransaction { tx in
            let address = lead.address.map { text in
                let (line1, line2) = Self.addressLines(text)
                return Addresses.Input(line1: line1, line2: line2, areaID: lead.areaID?.uuidString)
            }
            let contact = Contacts.Input(name: lead.name, role: ContactRole.primary.rawValue, phones: lead.phones, email: lead.email ?? "")
            let customer = try await Customers.create(ctx, .init(
                kind: input.kind, displayName: lead.name, phones: lead.phones, email: lead.email ?? "",
                branchID: input.branchID.nonBlank ?? lead.branchID?.uuidString, resellerID: lead.resellerID?.uuidString, tags: lead.tags,
                notes: lead.notes ?? "", status: CustomerStatus.active.rawValue, allowDuplicate: input.allowDuplicate,
                address: address, contact: contact), services: services, on: tx)
            let now = services.clock.now()
            lead.status = .converted
            lead.customerID = customer.id
            lead.convertedAt = now
            try await lead.save(on: tx)
            try await Activities.record(ctx, subject: .init("lead", lead.id!), kind: "converted",
                                        summary: "Converted into customer \(customer.numberText) \(customer.displayName)",
                                        changes: [FieldChange(field: "status", before: "qualified", after: "converted")],
                                        related: .init("customer", customer.id!), at: now, on: tx)
            try await Activities.record(ctx, subject: .init("customer", customer.id!), kind: "converted",
                                        summary: "Converted from lead \(lead.numberText) (source: \(lead.source))",
                                        related: .init("lead", lead.id!), at: now, on: tx)
            return (lead, customer)
        }
    }

    public static func archive(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws -> Lead {
        try ctx.require(.leadsWrite)
        let lead = try await Lead.find(id, in: ctx, on: db)
        if lead.archivedAt != nil { return lead }
        return try await db.writeTransaction { tx in
            lead.archivedAt = services.clock.now()
            try await lead.save(on: tx)
            try await Activities.record(ctx, subject: .init("lead", lead.id!), kind: "archived", summary: "Archived the lead",
                                        at: services.clock.now(), on: tx)
            return lead
        }
    }

    public static func log(_ ctx: TenantContext, _ id: String?, kind: String?, body: String?, services: CRMServices,
                           on db: any Database) async throws -> Activity {
        try ctx.require(.leadsWrite)
        let lead = try await Lead.find(id, in: ctx, on: db)
        let (kind, text) = try Customers.validateLog(kind: kind, body: body)
        return try await Activities.record(ctx, subject: .init("lead", lead.id!), kind: kind,
                                           summary: kind == "call" ? "Logged a call" : "Added a note", body: text, at: services.clock.now(), on: db)
    }

    public static func timeline(_ ctx: TenantContext, _ id: String?, page: CursorRequest, on db: any Database) async throws -> CursorPage<Activity> {
        let lead = try await find(ctx, id, on: db)
        return try await Activities.list(ctx, subject: .init("lead", lead.id!), page: page, on: db)
    }

    static func filtered(_ ctx: TenantContext, _ filter: Filter, today: String, on db: any Database) throws -> QueryBuilder<Lead> {
        var v = Validator()
        let query = Lead.scoped(to: ctx, on: db)
        if !filter.includeArchived { query.filter(\.$archivedAt == nil) }
        if let raw = filter.status.nonBlank {
            if let status = LeadStatus(rawValue: raw) { query.filter(\.$status == status) } else {
                v.add("status", "must be one of new, contacted, qualified, converted, lost")
            }
        }
        if let raw = filter.assignedUserID.nonBlank {
            if raw == "none" { query.filter(\.$assignedUserID == nil) } else if let id = UUID(uuidString: raw) { query.filter(\.$assignedUserID == id) } else {
                v.add("assigned_user_id", "is not a user id")
            }
        }
        if let raw = filter.areaID.nonBlank {
            if let id = UUID(uuidString: raw) { query.filter(\.$areaID == id) } else { v.add("area_id", "is not an area id") }
        }
        if let tag = filter.tag.nonBlank {
            let encoded = JSONColumn.encode([tag.lowercased()]).dropFirst().dropLast()
            query.filter(\.$tagsJSON, .custom("LIKE"), "%\(encoded)%")
        }
        if filter.overdue {
            query.filter(\.$nextFollowUpOn < today).filter(\.$status ~~ LeadStatus.open)
        }
        if let text = filter.query.nonBlank {
            let digits = text.filter(\.isNumber)
            if text.uppercased().hasPrefix("L-") {
                query.filter(\.$numberText, .custom("LIKE"), "%\(text.uppercased())%")
            } else if digits.count >= 4 {
                // Phones are stored +880…: match what follows the country code and trunk 0.
                var d = Substring(digits)
                if d.hasPrefix("880") { d = d.dropFirst(3) }
                while d.hasPrefix("0") { d = d.dropFirst() }
                query.filter(\.$phonesJSON, .custom("LIKE"), "%\(d)%")
            } else {
                query.filter(\.$sortName, .custom("LIKE"), "%\(SearchText.fold(text))%")
            }
        }
        try v.check()
        return query
    }

    public static func list(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, now: Date, on db: any Database) async throws -> CursorPage<Lead> {
        try ctx.require(.leadsRead)
        let query = try filtered(ctx, filter, today: CalendarDate.today(now, in: ctx.timeZone), on: db)
        return try await query.paginateByNumberDescending(page)
    }

    /// The board: per status, a count and the first cards (follow-up soonest first).
    public struct Column: Sendable {
        public var status: LeadStatus
        public var count: Int
        public var leads: [Lead]
    }

    public static func board(_ ctx: TenantContext, _ filter: Filter, perColumn: Int = 30, now: Date, on db: any Database) async throws -> [Column] {
        try ctx.require(.leadsRead)
        let today = CalendarDate.today(now, in: ctx.timeZone)
        var columns: [Column] = []
        for status in LeadStatus.allCases {
            var f = filter
            f.status = status.rawValue
            let count = try await filtered(ctx, f, today: today, on: db).count()
            let leads = try await filtered(ctx, f, today: today, on: db).sort(\.$nextFollowUpOn).sort(\.$createdAt, .descending)
                .limit(perColumn).all()
            columns.append(Column(status: status, count: count, leads: leads))
        }
        return columns
    }

    /// Staff a lead may be assigned to.
    public static func assignees(_ ctx: TenantContext, on db: any Database) async throws -> [User] {
        try ctx.require(.leadsRead)
        return try await User.scoped(to: ctx, on: db).filter(\.$status == .active).sort(\.$name).limit(500).all()
    }
}

extension QueryBuilder where Model == Lead {
    /// Newest first: lead numbers are handed out in creation order.
    func paginateByNumberDescending(_ page: CursorRequest) async throws -> CursorPage<Lead> {
        if let cursor = page.cursor {
            guard let number = Int64(cursor.key) else { throw DomainError.invalid("cursor", "is not a cursor returned by this API") }
            filter(\.$number < number)
        }
        let rows = try await sort(\.$number, .descending).limit(page.limit + 1).all()
        let items = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit ? items.last.map { CursorRequest.Cursor(key: String($0.number), id: $0.id!).encoded } : nil
        return CursorPage(items: items, nextCursor: next)
    }
}

extension Lead {
    /// Still open and its follow-up date (`today` in the organization's zone) has passed.
    public func isOverdue(today: String) -> Bool {
        status.isOpen && (nextFollowUpOn.map { $0 < today } ?? false)
    }
}
