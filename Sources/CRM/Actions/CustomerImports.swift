import Documents
import FluentKit
import Foundation
import Jobs
import MeghnaCore
import Platform
import SQLKit

/// A CSV file of customers from another system, on its way in.
public final class CustomerImport: TenantOwned, @unchecked Sendable {
    public static let schema = "customer_imports"
    public static var organizationKey: KeyPath<CustomerImport, FieldProperty<CustomerImport, UUID>> { \CustomerImport.$organizationID }
    public static let displayName = "Import"

    @ID(key: .id) public var id: UUID?
    @Field(key: "organization_id") public var organizationID: UUID
    @OptionalField(key: "created_by") public var createdBy: UUID?
    @Field(key: "actor_label") public var actorLabel: String
    @Field(key: "file_name") public var fileName: String
    @Field(key: "content") public var content: String
    /// JSON object: field name → column index.
    @Field(key: "mapping") public var mappingJSON: String
    @OptionalField(key: "branch_id") public var branchID: UUID?
    /// uploaded, queued, running, completed, failed
    @Field(key: "status") public var status: String
    @Field(key: "total_rows") public var totalRows: Int
    @Field(key: "processed_rows") public var processedRows: Int
    @Field(key: "imported_rows") public var importedRows: Int
    @Field(key: "skipped_rows") public var skippedRows: Int
    @Field(key: "error_rows") public var errorRows: Int
    /// JSON array of `CustomerImports.RowResult` for rows not imported.
    @Field(key: "report") public var reportJSON: String
    @Timestamp(key: "created_at", on: .create) public var createdAt: Date?
    @OptionalField(key: "finished_at") public var finishedAt: Date?

    public init() {}

    public var mapping: [String: Int] {
        get { (try? JSONDecoder().decode([String: Int].self, from: Data(mappingJSON.utf8))) ?? [:] }
        set { mappingJSON = String(decoding: try! JSONEncoder().encode(newValue), as: UTF8.self) }
    }

    public var report: [CustomerImports.RowResult] {
        (try? JSONDecoder().decode([CustomerImports.RowResult].self, from: Data(reportJSON.utf8))) ?? []
    }

    public var percent: Int { totalRows == 0 ? 100 : processedRows * 100 / totalRows }

    /// Queued or running: its job has not finished yet.
    public var inProgress: Bool { status == "queued" || status == "running" }
}

/// CSV import: upload, map columns, dry run row by row, then import as a background job with
/// progress. Each row is all-or-nothing; rows already imported (same external id, phone or
/// national ID) are skipped, so importing a file twice creates nothing new.
public enum CustomerImports {
    static let jobKind = JobKind<Payload>("crm.import_customers")
    public static let maxBytes = 10 * 1024 * 1024
    public static let maxRows = 50_000
    /// A customer file has a few dozen columns; more is a wrong file, and every page that shows
    /// the columns (the mapping form) must stay small.
    public static let maxColumns = 100
    public static let maxHeaderLength = 100
    public static let maxCellLength = 5_000
    public static let maxLineBytes = 64 * 1024

    /// Columns a file can map, with the header names we recognise.
    public static let fields: [(key: String, label: String, aliases: [String])] = [
        ("external_ref", "Id in the old system", ["id", "customer id", "external id", "ref", "customer code", "code"]),
        ("display_name", "Name", ["name", "customer name", "full name", "display name"]),
        ("kind", "Individual or business", ["type", "kind", "customer type"]),
        ("legal_name", "Legal name", ["legal name", "company", "company name"]),
        ("phone", "Phone", ["phone", "mobile", "phone number", "mobile number", "cell"]),
        ("phone2", "Second phone", ["phone2", "phone 2", "alternate phone", "other phone", "mobile 2"]),
        ("email", "Email", ["email", "e-mail", "email address"]),
        ("national_id", "National ID", ["nid", "national id", "national id number"]),
        ("trade_license", "Trade licence", ["trade license", "trade licence", "trade license number"]),
        ("joined_on", "Date joined (YYYY-MM-DD)", ["joined", "joined on", "join date", "date joined", "connection date"]),
        ("branch", "Branch (name or code)", ["branch", "branch code", "pop", "office"]),
        ("reseller", "Reseller (name)", ["reseller", "reseller name", "franchise"]),
        ("tags", "Tags (separated by ; or |)", ["tags", "labels"]),
        ("notes", "Notes", ["notes", "remarks", "comment", "comments"]),
        ("status", "Status (prospect or active)", ["status"]),
        ("address_line1", "Address", ["address", "address line 1", "address1", "street", "house"]),
        ("address_line2", "Address line 2", ["address line 2", "address2"]),
        ("city", "City", ["city", "district", "town"]),
        ("postcode", "Postcode", ["postcode", "post code", "zip", "postal code"]),
        ("area", "Area (name or full path)", ["area", "zone", "area name", "building"]),
        ("latitude", "Latitude", ["latitude", "lat"]),
        ("longitude", "Longitude", ["longitude", "lng", "lon", "long"]),
        ("contact_name", "Contact name", ["contact", "contact name", "contact person"]),
        ("contact_phone", "Contact phone", ["contact phone", "contact mobile"]),
        ("contact_email", "Contact email", ["contact email"]),
        ("contact_role", "Contact role", ["contact role"]),
    ]

    public struct RowResult: Codable, Sendable, Equatable {
        /// The line in the file (the header is line 1).
        public var line: Int
        /// "ok", "error", "skipped"
        public var status: String
        public var errors: [FieldError]
        public var customer: String?

        public init(line: Int, status: String, errors: [FieldError] = [], customer: String? = nil) {
            self.line = line
            self.status = status
            self.errors = errors
            self.customer = customer
        }
    }

    public struct DryRun: Sendable {
        public var total: Int
        public var ok: Int
        public var skipped: Int
        public var errors: Int
        /// Rows that will not be imported, in file order.
        public var problems: [RowResult]
    }

    static func records(_ item: CustomerImport) throws -> [[String]] {
        do { return try CSV.parse(item.content) } catch { throw DomainError.invalid("file", error.description) }
    }

    /// Stores an uploaded file and guesses the column mapping from its header.
    public static func upload(_ ctx: TenantContext, fileName: String?, bytes: [UInt8], services: CRMServices,
                              on db: any Database) async throws -> CustomerImport {
        try ctx.require(.customersWrite)
        guard !bytes.isEmpty else { throw DomainError.invalid("file", "is empty: choose a CSV file") }
        guard bytes.count <= maxBytes else { throw DomainError.invalid("file", "is larger than 10 MB; split it into smaller files") }
        let records: [[String]]
        do { records = try CSV.parse(bytes) } catch { throw DomainError.invalid("file", error.description) }
        try checkShape(records)
        guard records.count >= 2 else { throw DomainError.invalid("file", "needs a header line and at least one customer") }
        guard records.count - 1 <= maxRows else { throw DomainError.invalid("file", "has more than \(maxRows) rows; split it") }
        let header = records[0]
        let item = CustomerImport()
        item.organizationID = ctx.organizationID
        item.createdBy = ctx.actor.userID
        item.actorLabel = ctx.actor.label
        item.fileName = String((fileName.nonBlank ?? "customers.csv").prefix(200))
        item.content = String(decoding: bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes, as: UTF8.self)
        item.mapping = guessMapping(header)
        item.status = "uploaded"
        item.totalRows = records.count - 1
        item.processedRows = 0
        item.importedRows = 0
        item.skippedRows = 0
        item.errorRows = 0
        item.reportJSON = "[]"
        try await item.create(on: db)
        try await Audit.record("customers.import_uploaded", "Uploaded \(item.fileName) (\(item.totalRows) rows)", ctx: ctx,
                               target: .init("customer_import", item.id), at: services.clock.now(), on: db)
        return item
    }

    /// Refuses files whose shape no customer list has, naming the first line at fault: too many
    /// columns, a long column name, a long cell or a long line.
    static func checkShape(_ records: [[String]]) throws {
        guard let header = records.first else { return }
        guard header.count <= maxColumns else {
            throw DomainError.invalid("file", "has \(header.count) columns in its header; at most \(maxColumns) are read. Is it the right file?")
        }
        if let long = header.firstIndex(where: { $0.count > maxHeaderLength }) {
            throw DomainError.invalid("file", "column \(long + 1) of the header is longer than \(maxHeaderLength) characters")
        }
        for (index, record) in records.enumerated() {
            let line = index + 1
            guard record.count <= maxColumns else {
                throw DomainError.invalid("file", "line \(line) has \(record.count) cells; at most \(maxColumns) are read")
            }
            var bytes = 0
            for cell in record {
                guard cell.count <= maxCellLength else {
                    throw DomainError.invalid("file", "line \(line) has a cell longer than \(maxCellLength) characters")
                }
                bytes += cell.utf8.count
            }
            guard bytes <= maxLineBytes else { throw DomainError.invalid("file", "line \(line) is longer than \(maxLineBytes / 1024) KB") }
        }
    }

    public static func guessMapping(_ header: [String]) -> [String: Int] {
        var mapping: [String: Int] = [:]
        let normalised = header.map { SearchText.words($0).joined(separator: " ") }
        for field in fields {
            let names = [SearchText.words(field.key).joined(separator: " ")] + field.aliases
            if let index = normalised.firstIndex(where: { names.contains($0) }), !mapping.values.contains(index) {
                mapping[field.key] = index
            }
        }
        return mapping
    }

    public static func find(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> CustomerImport {
        try ctx.require(.customersWrite)
        return try await CustomerImport.find(id, in: ctx, on: db)
    }

    public static func header(_ item: CustomerImport) throws -> [String] {
        try records(item).first ?? []
    }

    /// Saves a column mapping (field → column index; a negative index leaves the field out).
    public static func setMapping(_ ctx: TenantContext, _ id: String?, mapping: [String: Int], branchID: String?,
                                  on db: any Database) async throws -> CustomerImport {
        let item = try await find(ctx, id, on: db)
        guard item.status == "uploaded" else { throw DomainError.conflict("This import has already started.") }
        let columns = try header(item).count
        var v = Validator()
        var clean: [String: Int] = [:]
        let known = Set(fields.map(\.key))
        for (field, index) in mapping where index >= 0 {
            if !known.contains(field) { v.add("mapping.\(field)", "is not a field that can be imported"); continue }
            if index >= columns { v.add("mapping.\(field)", "points at a column the file does not have") ; continue }
            clean[field] = index
        }
        if clean["display_name"] == nil { v.add("mapping.display_name", "is required: which column holds the name?") }
        if clean["phone"] == nil { v.add("mapping.phone", "is required: which column holds the phone?") }
        var branch: UUID?
        if branchID.nonBlank != nil { branch = try await Resellers.resolveBranch(ctx, branchID, fallback: nil, into: &v, on: db) }
        try v.check()
        item.mapping = clean
        item.branchID = branch
        try await item.save(on: db)
        return item
    }

    /// Lookups shared by every row: branches, areas and resellers by name.
    struct Lookups {
        var branches: [String: UUID] = [:]
        var areas: [String: [Area]] = [:]
        var resellers: [String: [Reseller]] = [:]
        var branchNames: [UUID: String] = [:]
        var areaByID: [UUID: Area] = [:]
        var resellerByID: [UUID: Reseller] = [:]
        var defaultBranch: UUID?
        var homeReseller: Reseller?

        init(_ ctx: TenantContext, branch: UUID?, on db: any Database) async throws {
            let visible = try await Branch.scoped(to: ctx, on: db).sort(\.$createdAt).sort(\.$id).all()
                .filter { ctx.branchIDs?.contains($0.id!) ?? true }
            for b in visible {
                branches[SearchText.fold(b.name)] = b.id
                branches[SearchText.fold(b.code)] = b.id
                branchNames[b.id!] = b.name
            }
            for a in try await Area.scoped(to: ctx, on: db).all() {
                areas[SearchText.fold(a.fullName), default: []].append(a)
                areas[SearchText.fold(a.name), default: []].append(a)
                areaByID[a.id!] = a
            }
            for r in try await Reseller.scoped(to: ctx, on: db).filter(\.$archivedAt == nil).all() {
                resellers[SearchText.fold(r.name), default: []].append(r)
                resellerByID[r.id!] = r
            }
            if ctx.isResellerScoped { homeReseller = resellerByID.values.min { $0.depth < $1.depth } }
            defaultBranch = branch ?? visible.first?.id
        }
    }

    /// Reads one row into an input; names of branches, areas and resellers become ids.
    static func input(_ row: [String], mapping: [String: Int], lookups: Lookups) -> (Customers.Input, [FieldError]) {
        func cell(_ key: String) -> String? {
            guard let index = mapping[key], index < row.count else { return nil }
            return row[index].trimmingCharacters(in: .whitespacesAndNewlines).nonBlankValue
        }
        var errors: [FieldError] = []
        var input = Customers.Input()
        input.externalRef = cell("external_ref")
        input.displayName = cell("display_name") ?? ""
        input.kind = cell("kind")?.lowercased()
        input.legalName = cell("legal_name")
        input.phones = [cell("phone") ?? "", cell("phone2") ?? ""]
        input.email = cell("email")
        input.nationalID = cell("national_id")
        input.tradeLicense = cell("trade_license")
        input.joinedOn = cell("joined_on")
        input.notes = cell("notes")
        input.status = cell("status")?.lowercased()
        if let tags = cell("tags") { input.tags = tags.split { $0 == ";" || $0 == "|" }.map(String.init) }
        if let branch = cell("branch") {
            if let id = lookups.branches[SearchText.fold(branch)] { input.branchID = id.uuidString } else {
                errors.append(FieldError("branch", "“\(branch)” is not a branch of this organization"))
            }
        } else if let id = lookups.defaultBranch {
            input.branchID = id.uuidString
        }
        if let reseller = cell("reseller") {
            let found = lookups.resellers[SearchText.fold(reseller)] ?? []
            if found.count == 1 { input.resellerID = found[0].id!.uuidString } else {
                errors.append(FieldError("reseller", found.isEmpty ? "“\(reseller)” is not a reseller of this organization"
                                                                    : "“\(reseller)” names \(found.count) resellers; rename one"))
            }
        }
        if let line1 = cell("address_line1") {
            var address = Addresses.Input(line1: line1, line2: cell("address_line2"), city: cell("city"), postcode: cell("postcode"),
                                          latitude: cell("latitude"), longitude: cell("longitude"))
            if let area = cell("area") {
                let found = lookups.areas[SearchText.fold(area)] ?? []
                if found.count == 1 { address.areaID = found[0].id!.uuidString } else {
                    errors.append(FieldError("area", found.isEmpty ? "“\(area)” is not an area of this organization"
                                                                : "“\(area)” matches \(found.count) areas; use the full path such as Zone › Area"))
                }
            }
            input.address = address
        } else if cell("area") != nil || cell("latitude") != nil {
            errors.append(FieldError("address_line1", "is needed for an area or coordinates"))
        }
        if let name = cell("contact_name") {
            input.contact = Contacts.Input(name: name, role: cell("contact_role")?.lowercased(), phones: cell("contact_phone").map { [$0] },
                                           email: cell("contact_email"))
        }
        return (input, errors)
    }

    /// Checks every row without writing anything.
    public static func dryRun(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> DryRun {
        let item = try await find(ctx, id, on: db)
        let rows = Array(try records(item).dropFirst())
        let lookups = try await Lookups(ctx, branch: item.branchID, on: db)
        let existing = try await ExistingCustomers(ctx, rows: rows, mapping: item.mapping, on: db)
        var result = DryRun(total: rows.count, ok: 0, skipped: 0, errors: 0, problems: [])
        var seen = SeenInFile()
        let now = Date()
        for (index, row) in rows.enumerated() {
            let (outcome, _) = check(ctx, row, line: index + 2, mapping: item.mapping, lookups: lookups, existing: existing, seen: &seen, now: now)
            switch outcome.status {
            case "ok": result.ok += 1
            case "skipped": result.skipped += 1; result.problems.append(outcome)
            default: result.errors += 1; result.problems.append(outcome)
            }
        }
        return result
    }

    /// Customers already in the organization that rows could repeat: by external id, phone, NID.
    struct ExistingCustomers {
        var byRef: [String: String] = [:]
        var byPhone: [String: String] = [:]
        var byNID: [String: String] = [:]

        init(_ ctx: TenantContext, rows: [[String]], mapping: [String: Int], on db: any Database) async throws {
            let org = ctx.organizationID
            func column(_ key: String) -> [String] {
                guard let i = mapping[key] else { return [] }
                return rows.compactMap { i < $0.count ? $0[i].trimmingCharacters(in: .whitespaces).nonBlankValue : nil }
            }
            let refs = column("external_ref")
            let phones = (column("phone") + column("phone2")).compactMap { try? PhoneNumber(parsing: $0).e164 }
            let nids = column("national_id").map(Customers.normaliseID)
            for chunk in refs.chunked(500) {
                for c in try await Customer.inOrganization(org, on: db).filter(\.$externalRef ~~ chunk).all() {
                    byRef[c.externalRef!] = c.numberText
                }
            }
            for chunk in phones.chunked(500) {
                let rows = try await db.sql.raw("""
                    SELECT p.e164, c.number_text FROM customer_phones p JOIN customers c ON c.id = p.customer_id
                    WHERE \(TenantSQL.organization(org, alias: "p")) AND p.contact_id IS NULL AND c.archived_at IS NULL AND p.e164 IN (\(binds: chunk))
                    """).all()
                for row in rows { byPhone[try row.decode(column: "e164", as: String.self)] = try row.decode(column: "number_text", as: String.self) }
            }
            for chunk in nids.chunked(500) {
                for c in try await Customer.inOrganization(org, on: db).filter(\.$nationalID ~~ chunk).filter(\.$archivedAt == nil).all() {
                    byNID[c.nationalID!] = c.numberText
                }
            }
        }

        func match(_ input: Customers.Input) -> String? {
            if let ref = input.externalRef, let number = byRef[ref] { return number }
            for phone in input.phones ?? [] {
                if let e164 = try? PhoneNumber(parsing: phone).e164, let number = byPhone[e164] { return number }
            }
            if let nid = input.nationalID.map(Customers.normaliseID), let number = byNID[nid] { return number }
            return nil
        }
    }

    /// Phones, ids and external refs of earlier rows in the same file.
    struct SeenInFile {
        var keys: [String: Int] = [:]

        mutating func claim(_ input: Customers.Input, line: Int) -> Int? {
            var keysOfRow: [String] = []
            if let ref = input.externalRef { keysOfRow.append("ref:" + ref) }
            for phone in input.phones ?? [] { if let e = try? PhoneNumber(parsing: phone).e164 { keysOfRow.append("phone:" + e) } }
            if let nid = input.nationalID { keysOfRow.append("nid:" + Customers.normaliseID(nid)) }
            for key in keysOfRow { if let earlier = keys[key] { return earlier } }
            for key in keysOfRow { keys[key] = line }
            return nil
        }
    }

    /// A row ready to write: the customer and what comes with it, not yet saved.
    struct Prepared {
        var line: Int
        var customer: Customer
        var address: ServiceAddress?
        var contact: Contact?
        var changes: [FieldChange]
        var areaNames: [String]
    }

    /// Validates a row without the database (names were resolved by `Lookups`); returns what to
    /// write, or why not.
    static func check(_ ctx: TenantContext, _ row: [String], line: Int, mapping: [String: Int], lookups: Lookups, existing: ExistingCustomers,
                      seen: inout SeenInFile, now: Date) -> (RowResult, Prepared?) {
        let (input, lookupErrors) = input(row, mapping: mapping, lookups: lookups)
        if let number = existing.match(input) {
            return (RowResult(line: line, status: "skipped", errors: [FieldError("row", "already imported as \(number)")], customer: number), nil)
        }
        var v = Validator()
        var valid = Customers.validateFields(input, creating: true, v: &v)
        valid.branchID = input.branchID.flatMap(UUID.init(uuidString:)) ?? lookups.defaultBranch
        if valid.branchID == nil { v.add("branch", "is required: this organization has no branch you work in") }
        if let id = input.resellerID.flatMap(UUID.init(uuidString:)) {
            valid.reseller = .some(lookups.resellerByID[id])
        } else if ctx.isResellerScoped {
            if let home = lookups.homeReseller { valid.reseller = .some(home) } else { v.add("reseller", "is required") }
        }
        var address: Addresses.Valid?
        if let raw = input.address {
            address = Addresses.validateFields(raw, creating: true, prefix: "address.", v: &v)
            if let id = raw.areaID.flatMap(UUID.init(uuidString:)) { address?.area = .some(lookups.areaByID[id]) }
        }
        let contact = input.contact.map { Contacts.validate($0, creating: true, prefix: "contact.", v: &v) }
        let errors = lookupErrors + v.errors.map { FieldError(columnName($0.field), $0.message) }
        if !errors.isEmpty { return (RowResult(line: line, status: "error", errors: errors), nil) }
        if let earlier = seen.claim(input, line: line) {
            return (RowResult(line: line, status: "skipped", errors: [FieldError("row", "repeats line \(earlier) of this file")]), nil)
        }
        let customer = Customers.build(ctx, valid, number: 0, now: now)
        let builtAddress = address.map { Addresses.build(ctx, customerID: customer.id!, $0, primary: true) }
        customer.areaID = builtAddress?.areaID
        let builtContact = contact.map { Contacts.build(ctx, customerID: customer.id!, $0, primary: true) }
        let areaName = builtAddress?.areaID.flatMap { lookups.areaByID[$0]?.fullName }
        var changes = Activities.diff([:], Customers.snapshot(customer, branchName: lookups.branchNames[customer.branchID] ?? "",
                                                              resellerName: (valid.reseller ?? nil)?.name))
        if let a = builtAddress {
            changes += Activities.diff([:], Addresses.snapshot(a, areaName: areaName)).map { FieldChange(field: "address." + $0.field, before: nil, after: $0.after) }
        }
        if let c = builtContact {
            changes += Activities.diff([:], Contacts.snapshot(c)).map { FieldChange(field: "contact." + $0.field, before: nil, after: $0.after) }
        }
        return (RowResult(line: line, status: "ok"), Prepared(line: line, customer: customer, address: builtAddress, contact: builtContact,
                                                            changes: changes, areaNames: areaName.map { [$0] } ?? []))
    }

    /// Field names of validation errors, in the words of the file's columns.
    static func columnName(_ field: String) -> String {
        switch field {
        case "phones", "phones[0]": "phone"
        case "phones[1]": "phone2"
        case "address.line1": "address_line1"
        case "address.line2": "address_line2"
        case let f where f.hasPrefix("address."): String(f.dropFirst("address.".count))
        case let f where f.hasPrefix("contact.phones"): "contact_phone"
        case let f where f.hasPrefix("contact."): "contact_" + f.dropFirst("contact.".count)
        case "branch_id": "branch"
        case "reseller_id": "reseller"
        default: field
        }
    }

    struct Payload: Codable, Sendable {
        var importID: UUID
        var userID: UUID
    }

    /// Queues the import; the worker runs it and the page shows progress.
    public static func start(_ ctx: TenantContext, _ id: String?, services: CRMServices, on db: any Database) async throws -> CustomerImport {
        let item = try await find(ctx, id, on: db)
        guard item.status == "uploaded" else { throw DomainError.conflict("This import has already started.") }
        guard let user = ctx.actor.userID else { throw DomainError.forbidden("Imports are started by a person.") }
        if item.mapping["display_name"] == nil || item.mapping["phone"] == nil {
            throw DomainError.invalid("mapping", "map the name and phone columns first")
        }
        return try await db.writeTransaction { tx in
            item.status = "queued"
            try await item.save(on: tx)
            try await services.jobs.enqueue(jobKind, Payload(importID: item.id!, userID: user), organizationID: ctx.organizationID,
                                            uniqueKey: "import:\(item.id!)", maxAttempts: 3, on: tx)
            try await Audit.record("customers.import_started", "Started importing \(item.fileName)", ctx: ctx,
                                   target: .init("customer_import", item.id), at: services.clock.now(), on: tx)
            return item
        }
    }

    public static func register(into registry: inout JobRegistry, services: CRMServices) {
        registry.register(jobKind) { payload, job in
            guard let user = try await User.find(payload.userID, on: job.db) else { return }
            let identity = try await Identities.resolve(user: user, acting: nil, token: nil, origin: .init(ip: "worker", userAgent: "import job"),
                                                        services: services, on: job.db)
            try await run(identity.context, importID: payload.importID, services: services, on: job.db)
        }
    }

    static let chunkSize = 200

    /// Imports every row not yet processed. Rows go in chunks of 200, each chunk one
    /// transaction together with the import's progress, so a crash resumes exactly after the
    /// last committed chunk. If a chunk fails in the database (another clerk saved the same
    /// customer meanwhile), its rows are retried one by one through `Customers.create`, each
    /// all-or-nothing.
    public static func run(_ ctx: TenantContext, importID: UUID, services: CRMServices, on db: any Database) async throws {
        let item = try await CustomerImport.find(importID, in: ctx, on: db)
        guard item.inProgress else { return }
        item.status = "running"
        try await item.save(on: db)
        let rows = Array(try records(item).dropFirst())
        let lookups = try await Lookups(ctx, branch: item.branchID, on: db)
        var report = item.report
        var seen = SeenInFile()
        let existing = try await ExistingCustomers(ctx, rows: rows, mapping: item.mapping, on: db)
        let now = services.clock.now()
        // Rows before the checkpoint were handled by an earlier attempt; remember their keys.
        for (index, row) in rows.enumerated() where index < item.processedRows {
            _ = seen.claim(input(row, mapping: item.mapping, lookups: lookups).0, line: index + 2)
        }
        var start = item.processedRows
        while start < rows.count {
            let end = min(start + chunkSize, rows.count)
            var prepared: [Prepared] = []
            var results: [RowResult] = []
            for index in start..<end {
                let (outcome, ready) = check(ctx, rows[index], line: index + 2, mapping: item.mapping, lookups: lookups, existing: existing,
                                             seen: &seen, now: now)
                if let ready { prepared.append(ready) } else { results.append(outcome) }
            }
            let chunkEnd = end
            let chunkResults = results
            let chunkPrepared = prepared
            let before = (item.importedRows, item.skippedRows, item.errorRows, item.processedRows, report)
            item.importedRows += chunkPrepared.count
            tally(chunkResults, into: item, report: &report)
            item.processedRows = chunkEnd
            item.reportJSON = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
            let fileName = item.fileName
            do {
                try await db.writeTransaction { tx in
                    try await write(ctx, chunkPrepared, fileName: fileName, now: now, on: tx)
                    try await item.save(on: tx)
                }
            } catch {
                (item.importedRows, item.skippedRows, item.errorRows, item.processedRows, report) = before
                var slow = chunkResults
                for ready in chunkPrepared {
                    var (rowInput, _) = input(rows[ready.line - 2], mapping: item.mapping, lookups: lookups)
                    rowInput.allowDuplicate = false
                    do {
                        _ = try await Customers.create(ctx, rowInput, services: services, on: db)
                        item.importedRows += 1
                    } catch let error as DomainError {
                        var errors: [FieldError]
                        if case .validation(let list) = error { errors = list.map { FieldError(columnName($0.field), $0.message) } } else {
                            errors = [FieldError("row", error.description)]
                        }
                        let duplicate = errors.contains { $0.field == "allow_duplicate" }
                        errors.removeAll { $0.field == "allow_duplicate" }
                        slow.append(RowResult(line: ready.line, status: duplicate ? "skipped" : "error", errors: errors))
                    }
                }
                tally(slow.sorted { $0.line < $1.line }, into: item, report: &report)
                item.processedRows = chunkEnd
                item.reportJSON = String(decoding: try JSONEncoder().encode(report), as: UTF8.self)
                try await item.save(on: db)
            }
            start = end
        }
        item.status = "completed"
        item.finishedAt = services.clock.now()
        try await item.save(on: db)
        try await Audit.record("customers.imported", "Imported \(item.importedRows) customers from \(item.fileName); \(item.skippedRows) skipped, "
                               + "\(item.errorRows) with errors", ctx: ctx, target: .init("customer_import", item.id),
                               at: services.clock.now(), on: db)
    }

    static func tally(_ results: [RowResult], into item: CustomerImport, report: inout [RowResult]) {
        for result in results {
            report.append(result)
            if result.status == "skipped" { item.skippedRows += 1 } else { item.errorRows += 1 }
        }
        report.sort { $0.line < $1.line }
    }

    /// Writes a chunk of prepared rows with a handful of multi-row statements.
    static func write(_ ctx: TenantContext, _ rows: [Prepared], fileName: String, now: Date, on tx: any Database) async throws {
        guard !rows.isEmpty else { return }
        let first = try await NumberSequences.take(rows.count, of: "customer", organizationID: ctx.organizationID, on: tx)
        for (offset, row) in rows.enumerated() {
            row.customer.number = first + Int64(offset)
            row.customer.numberText = NumberSequences.format(row.customer.number, prefix: "C-")
        }
        try await rows.map(\.customer).create(on: tx)
        let addresses = rows.compactMap(\.address)
        if !addresses.isEmpty { try await addresses.create(on: tx) }
        let contacts = rows.compactMap(\.contact)
        if !contacts.isEmpty { try await contacts.create(on: tx) }
        let activities = rows.map { row in
            Activities.make(ctx, subject: .init("customer", row.customer.id!), kind: "created",
                            summary: "Imported \(row.customer.numberText) \(row.customer.displayName) from \(fileName), line \(row.line)",
                            changes: row.changes, at: now)
        }
        try await activities.create(on: tx)
        try await SearchIndex.write(rows.map { row in
            (row.customer, SearchIndex.tokens(customer: row.customer, addresses: row.address.map { [$0] } ?? [], areaNames: row.areaNames,
                                              contacts: row.contact.map { [$0] } ?? []), row.contact.map { [$0] } ?? [])
        }, on: tx)
    }

    /// The rows that were not imported, as CSV: the original columns, then line, status and the errors.
    public static func errorReport(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> String {
        let item = try await find(ctx, id, on: db)
        let records = try records(item)
        var out = CSV.line(["line", "status", "problems"] + (records.first ?? []))
        for result in item.report {
            let original = result.line - 1 < records.count ? records[result.line - 1] : []
            out += CSV.line([String(result.line), result.status, result.errors.map { "\($0.field): \($0.message)" }.joined(separator: "; ")] + original)
        }
        return out
    }

    public static func recent(_ ctx: TenantContext, on db: any Database) async throws -> [CustomerImport] {
        try ctx.require(.customersWrite)
        return try await counters(ctx, on: db).sort(\.$createdAt, .descending).limit(20).all()
    }

    /// An import's status and counters without its file and report (a running import's page
    /// asks every two seconds). Reading `content`, `mapping` or `report` of the result traps.
    public static func progress(_ ctx: TenantContext, _ id: String?, on db: any Database) async throws -> CustomerImport {
        try ctx.require(.customersWrite)
        guard let uuid = id.flatMap(UUID.init(uuidString:)),
              let item = try await counters(ctx, on: db).filter(\.$id == uuid).first() else {
            throw DomainError.notFound(CustomerImport.displayName)
        }
        return item
    }

    /// Without the file and the report: a list or a progress bar must not load megabytes per row.
    static func counters(_ ctx: TenantContext, on db: any Database) -> QueryBuilder<CustomerImport> {
        CustomerImport.scoped(to: ctx, on: db).field(\.$id).field(\.$organizationID).field(\.$fileName).field(\.$status)
            .field(\.$branchID).field(\.$totalRows).field(\.$processedRows).field(\.$importedRows).field(\.$skippedRows).field(\.$errorRows)
            .field(\.$createdAt).field(\.$finishedAt)
    }
}

extension String {
    var nonBlankValue: String? { isEmpty ? nil : self }
}
