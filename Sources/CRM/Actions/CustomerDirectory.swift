import Documents
import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// The customer list and search box: one SQL statement per page whatever the page size, with
/// the branch, area and reseller names joined in.
public enum CustomerDirectory {
    public enum Sort: String, Sendable, CaseIterable {
        case name, number, newest, joined
    }

    public struct Filter: Sendable {
        /// Name, customer number, any phone (any prefix form), email, national ID, address words.
        public var query: String?
        public var status: String?
        public var kind: String?
        public var branchID: String?
        /// Includes sub-resellers.
        public var resellerID: String?
        /// Includes areas below it.
        public var areaID: String?
        public var tag: String?
        public var archived: Bool
        public var sort: String?

        public init(query: String? = nil, status: String? = nil, kind: String? = nil, branchID: String? = nil, resellerID: String? = nil,
                    areaID: String? = nil, tag: String? = nil, archived: Bool = false, sort: String? = nil) {
            self.query = query
            self.status = status
            self.kind = kind
            self.branchID = branchID
            self.resellerID = resellerID
            self.areaID = areaID
            self.tag = tag
            self.archived = archived
            self.sort = sort
        }

        /// The filter from list parameters (`q`, `status`, `kind`, `branch_id`, `reseller_id`,
        /// `area_id`, `tag`, `archived=true`, `sort`), as the customer list, its export and
        /// `GET /api/v1/customers` all read them.
        public init(parameters value: (String) -> String?) {
            self.init(query: value("q"), status: value("status"), kind: value("kind"), branchID: value("branch_id"), resellerID: value("reseller_id"),
                      areaID: value("area_id"), tag: value("tag"), archived: value("archived") == "true", sort: value("sort"))
        }

        /// The filter as list parameters again (paging, export and links keep it).
        public var parameters: [(String, String?)] {
            [("q", query), ("status", status), ("kind", kind), ("branch_id", branchID), ("area_id", areaID), ("reseller_id", resellerID),
             ("tag", tag), ("sort", sort), ("archived", archived ? "true" : nil)]
        }
    }

    /// One line of the list.
    public struct Row: Sendable {
        public var id: UUID
        public var number: Int64
        public var numberText: String
        public var displayName: String
        public var kind: String
        public var status: String
        public var primaryPhone: String?
        public var email: String?
        public var joinedOn: String
        public var tags: [String]
        public var branchName: String
        public var areaName: String?
        public var resellerName: String?
        public var archived: Bool
        public var createdAt: Date
        var sortName: String
    }

    /// Branches, areas and resellers for the filter controls, in one statement.
    public struct Choices: Sendable {
        public var branches: [(UUID, String)] = []
        public var areas: [(UUID, String)] = []
        public var resellers: [(UUID, String)] = []
    }

    /// The choices by organization, its context version and the asker's branch and reseller
    /// scope: any write to branches, areas or resellers bumps the version (database triggers), so
    /// an entry is never older than the statement that read the request's identity.
    struct ChoicesKey: Hashable, Sendable {
        var organizationID: UUID
        var version: Int64
        var branchIDs: Set<UUID>?
        var resellerIDs: Set<UUID>?
    }

    static let choiceCache = BoundedCache<ChoicesKey, Choices>(capacity: 1024)

    public static func choices(_ ctx: TenantContext, on db: any Database) async throws -> Choices {
        try ctx.require(.customersRead)
        let key = ctx.contextVersion.map { ChoicesKey(organizationID: ctx.organizationID, version: $0, branchIDs: ctx.branchIDs, resellerIDs: ctx.resellerIDs) }
        if let key, let cached = choiceCache.value(key) { return cached }
        let out = try await loadChoices(ctx, on: db)
        if let key { choiceCache.store(key, out) }
        return out
    }

    static func loadChoices(_ ctx: TenantContext, on db: any Database) async throws -> Choices {
        let org = ctx.organizationID
        var branchCondition: SQLQueryString = "1 = 1"
        if let branches = ctx.branchIDs { branchCondition = SQLFragments.isIn("id", branches) }
        var resellerCondition: SQLQueryString = "archived_at IS NULL"
        if let resellers = ctx.resellerIDs { resellerCondition += " AND " + SQLFragments.isIn("id", resellers) }
        let query: SQLQueryString = """
            SELECT 'branch' AS kind, id, name AS label FROM branches WHERE \(TenantSQL.organization(org)) AND \(branchCondition)
            UNION ALL SELECT 'area' AS kind, id, full_name AS label FROM areas WHERE \(TenantSQL.organization(org))
            UNION ALL SELECT 'reseller' AS kind, id, name AS label FROM resellers WHERE \(TenantSQL.organization(org)) AND \(resellerCondition)
            """
        var out = Choices()
        for row in try await db.rows(query) {
            let item = (try row.uuid(1), try row.string(2))
            switch try row.string(0) {
            case "branch": out.branches.append(item)
            case "area": out.areas.append(item)
            default: out.resellers.append(item)
            }
        }
        out.branches.sort { $0.1 < $1.1 }
        out.areas.sort { $0.1 < $1.1 }
        out.resellers.sort { $0.1 < $1.1 }
        return out
    }

    static let maxQueryWords = 6

    /// The ids of a tree node (area or reseller) and everything below it, by materialised path.
    static func subtree(_ table: String, of id: UUID, organizationID org: UUID) -> SQLQueryString {
        """
        SELECT s.id FROM \(ident: table) s JOIN \(ident: table) p ON s.path LIKE p.path || '%' AND \(TenantSQL.sameOrganization("s", "p")) \
        WHERE \(TenantSQL.organization(org, alias: "p")) AND p.id = \(bind: id)
        """
    }

    public static func search(_ ctx: TenantContext, _ filter: Filter, page: CursorRequest, on db: any Database) async throws -> CursorPage<Row> {
        try ctx.require(.customersRead)
        let org = ctx.organizationID
        var v = Validator()
        var sort = Sort.name
        if let raw = filter.sort.nonBlank {
            if let chosen = Sort(rawValue: raw) { sort = chosen } else { v.add("sort", "must be one of name, number, newest, joined") }
        }
        var conditions: [SQLQueryString] = [TenantSQL.organization(org, alias: "c")]
        if let branches = ctx.branchIDs { conditions.append(SQLFragments.isIn("c.branch_id", branches)) }
        if let resellers = ctx.resellerIDs { conditions.append(SQLFragments.isIn("c.reseller_id", resellers)) }
        conditions.append(filter.archived ? "c.archived_at IS NOT NULL" : "c.archived_at IS NULL")
        if let status = filter.status.nonBlank {
            if CustomerStatus(rawValue: status) == nil { v.add("status", "must be one of prospect, active, suspended, terminated") }
            conditions.append("c.status = \(bind: status)")
        }
        if let kind = filter.kind.nonBlank {
            if CustomerKind(rawValue: kind) == nil { v.add("kind", "must be individual or business") }
            conditions.append("c.kind = \(bind: kind)")
        }
        for (field, raw) in [("branch_id", filter.branchID), ("reseller_id", filter.resellerID), ("area_id", filter.areaID)] {
            guard let text = raw.nonBlank else { continue }
            guard let id = UUID(uuidString: text) else { v.add(field, "is not an id"); continue }
            switch field {
            case "branch_id": conditions.append("c.branch_id = \(bind: id)")
            case "reseller_id": conditions.append("c.reseller_id IN (\(subtree("resellers", of: id, organizationID: org)))")
            default: conditions.append("c.area_id IN (\(subtree("areas", of: id, organizationID: org)))")
            }
        }
        var terms = SearchIndex.Terms()
        if let tag = filter.tag.nonBlank { terms.exact = [SearchIndex.tagWord(tag)] }
        if let text = filter.query.nonBlank, text.count > 200 { v.add("q", "must be at most 200 characters") }
        try v.check()
        // In name order on SQLite, the search documents lead: they carry the customer's sort
        // name under their own index, so walking them in order only asks the full-text row set
        // whether each one matches (no customer row is read until one does), and the few-match
        // case sorts narrow document rows. A word bunched in the name order (a first name)
        // costs about 1.5 ms at 100,000 customers this way, against 33 ms walking customers.
        let documentsLead = sort == .name && db.sql.dialect.name == "sqlite"
        var plan = SearchPlan.filter
        // Full-text terms a document must match (the search words and the tag), when any.
        var fullText: SearchIndex.Terms?
        var textConditions: [SQLQueryString] = []
        if let text = filter.query.nonBlank {
            // First how many match, from the index alone. When they are few (the usual case: a
            // phone, a number, a surname and a first name), the page is built from exactly those
            // rows; only a very common word walks the list in order with the index as a filter.
            // Without this, a planner may walk all customers in name order to find one.
            guard let found = try await self.matching(text, terms: terms, organizationID: org,
                                                      fewAtMost: documentsLead ? documentCandidateLimit : candidateLimit, on: db) else {
                return CursorPage(items: [], nextCursor: nil)
            }
            plan = found.plan
            fullText = found.terms
            textConditions = found.conditions
        } else if !terms.isEmpty {
            fullText = terms
            textConditions = [SearchIndex.condition(org, terms, on: db.sql)]
        }

        var (orderBy, keyset) = try ordering(sort, cursor: page.cursor)
        // With a short id list, look the rows up and sort them; an ORDER BY an index could
        // satisfy would tempt the planner into walking every customer instead.
        if plan == .lookUp { orderBy = sortExpressions(sort) }
        var from = "customers c"
        var sortColumn = "c.sort_name"
        if let fullText, documentsLead {
            from = "customer_search_docs d JOIN customers c ON c.id = d.customer_id"
            sortColumn = "d.sort_name"
            textConditions = [TenantSQL.organization(org, alias: "d"),
                              plan == .lookUp ? "d.id IN \(SearchIndex.rowids(fullText))" : "+d.id IN \(SearchIndex.rowids(fullText))"]
            orderBy = plan == .lookUp ? "d.sort_name || '', d.customer_id || ''" : "d.sort_name, d.customer_id"
            keyset = page.cursor.map { "(d.sort_name > \(bind: $0.key) OR (d.sort_name = \(bind: $0.key) AND d.customer_id > \(bind: $0.id)))" }
        }
        func pageQuery(from: SQLQueryString, where conditions: [SQLQueryString]) -> SQLQueryString {
            """
            SELECT c.id, c.number, c.number_text, c.display_name, \(unsafeRaw: sortColumn), c.kind, c.status, c.primary_phone, c.email, c.joined_on, c.tags,
            c.archived_at, c.created_at, b.name AS branch_name, a.full_name AS area_name, r.name AS reseller_name
            FROM \(from) JOIN branches b ON b.id = c.branch_id LEFT JOIN areas a ON a.id = c.area_id LEFT JOIN resellers r ON r.id = c.reseller_id
            WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(unsafeRaw: orderBy) LIMIT \(literal: page.limit + 1)
            """
        }
        var found: [DirectRow]?
        if let fullText, documentsLead, plan == .walkWindow {
            // A very common word (over `candidateLimit` matches): first walk the next
            // `walkWindow` documents in name order (their index carries the word lists), testing
            // each, which fills a page from a few hundred documents when the word is spread
            // through the list. A page that is not full (the word bunched further on, or the
            // last page) is built the usual way below.
            var window: [SQLQueryString] = [TenantSQL.organization(org, alias: "d")]
            if let keyset { window.append(keyset) }
            let from: SQLQueryString = """
                (SELECT d.customer_id, d.sort_name, d.word_list FROM customer_search_docs d WHERE \(window.joined(separator: " AND ")) \
                ORDER BY d.sort_name, d.customer_id LIMIT \(literal: walkWindow)) d JOIN customers c ON c.id = d.customer_id
                """
            let rows = try await db.shortRows(pageQuery(from: from, where: conditions + [SearchIndex.wordListCondition(fullText)]))
            if rows.count > page.limit { found = rows }
        }
        conditions += textConditions
        if let keyset { conditions.append(keyset) }
        // By position, in the SELECT list's order.
        let read: [DirectRow]
        if let found { read = found } else { read = try await db.shortRows(pageQuery(from: "\(unsafeRaw: from)", where: conditions)) }
        let rows = try read.map { row in
            Row(id: try row.uuid(0), number: try row.int64(1), numberText: try row.string(2), displayName: try row.string(3),
                kind: try row.string(5), status: try row.string(6), primaryPhone: try row.optionalString(7), email: try row.optionalString(8),
                joinedOn: try row.string(9), tags: JSONColumn.decode(try row.string(10)),
                branchName: try row.string(13), areaName: try row.optionalString(14), resellerName: try row.optionalString(15),
                archived: try row.optionalDate(11) != nil, createdAt: try row.optionalDate(12) ?? Date(timeIntervalSince1970: 0),
                sortName: try row.string(4))
        }
        let items = Array(rows.prefix(page.limit))
        var next: String?
        if rows.count > page.limit, let last = items.last {
            let key: String = switch sort {
            case .name: last.sortName
            case .number, .newest: String(last.number)
            case .joined: last.joinedOn
            }
            next = CursorRequest.Cursor(key: key, id: last.id).encoded
        }
        return CursorPage(items: items, nextCursor: next)
    }

    /// Above this many matches, listing in order with the index as a filter is cheaper.
    public static let candidateLimit = 2000
    /// The same when the search documents lead (name order on SQLite): walking their index
    /// costs ~0.13 µs an entry against ~2 µs to look a match up and sort it, so from a few
    /// hundred matches on the walk is the cheaper plan wherever the matches sit in the order.
    public static let documentCandidateLimit = 200
    /// How many documents a very common word's page walks before the usual plan takes over
    /// (about a millisecond: the walk reads only the name-order index).
    static let walkWindow = 4000

    /// How a page of search results is built, from how many customers match.
    enum SearchPlan {
        /// At most the few-match limit: the matching rows are looked up and sorted.
        case lookUp
        /// More: the list is walked in order with the index as a filter.
        case filter
        /// Over `candidateLimit` (a very common word): a window of documents in order is tried
        /// first, testing each one's word list (`walkWindow`), then the walk as for `filter`.
        case walkWindow
    }

    /// The conditions for the customers matching the search text (and tag), the plan their
    /// number calls for (see `SearchPlan`), and the full-text terms used; nil when nothing can
    /// match.
    static func matching(_ text: String, terms: SearchIndex.Terms, organizationID org: UUID, fewAtMost: Int,
                         on db: any Database) async throws -> (plan: SearchPlan, conditions: [SQLQueryString], terms: SearchIndex.Terms?)? {
        guard let match = Match(text) else { return nil }
        var terms = terms
        switch match {
        case .phone(let e164):
            // A number belongs to a handful of customers at most.
            var conditions: [SQLQueryString] = ["c.id IN (SELECT customer_id FROM customer_phones WHERE \(TenantSQL.organization(org)) AND e164 = \(bind: e164))"]
            if !terms.isEmpty { conditions.append(SearchIndex.condition(org, terms, on: db.sql)) }
            return (.lookUp, conditions, nil)
        case .words(let words):
            // The full-text index intersects the words' document lists (the tag is one more
            // word) and counts, up to one past the limit, without a row leaving the database.
            // A count found above the smallest limit is remembered for a while (the plan only).
            terms.prefixes = words
            let plan = CommonSearches.Key(organizationID: org, query: SearchIndex.fullTextQuery(terms))
            var n = CommonSearches.shared.value(plan) ?? 0
            if n == 0 {
                let count: SQLQueryString = "SELECT count(*) AS n FROM (\(SearchIndex.matching(org, terms, limit: candidateLimit + 1, on: db.sql))) m"
                n = try await db.shortRows(count).first?.int(0) ?? 0
                if n == 0 { return nil }
                if n > documentCandidateLimit { CommonSearches.shared.store(plan, n) }
            }
            if n <= fewAtMost { return (.lookUp, ["c.id IN (\(SearchIndex.matching(org, terms, on: db.sql)))"], terms) }
            return (n > candidateLimit ? .walkWindow : .filter, [SearchIndex.condition(org, terms, on: db.sql)], terms)
        }
    }

    /// What the search box means: a full phone number is looked up exactly; otherwise every
    /// word must prefix-match one of the customer's index words.
    enum Match {
        case phone(String)
        case words([String])

        init?(_ text: String) {
            let digits = text.filter(\.isNumber)
            if digits.count >= 10, let phone = try? PhoneNumber(parsing: text) {
                self = .phone(phone.e164)
                return
            }
            var words = SearchText.words(text)
            // An email address is one word in the index as well.
            if text.contains("@") { words = [SearchText.fold(text.trimmingCharacters(in: .whitespaces))] }
            // "+880 1712-34…": the digits together, as typed without separators.
            if digits.count >= 4, words.count > 1, words.allSatisfy({ $0.allSatisfy(\.isNumber) }) {
                var d = digits
                if d.hasPrefix("880") { d = String(d.dropFirst(3)) }
                words = [d]
            }
            if words.count > 1 { words = words.filter { $0.count > 1 } }
            if words.isEmpty { return nil }
            self = .words(Array(Set(words.prefix(CustomerDirectory.maxQueryWords))).sorted())
        }
    }

    /// The same order as `ordering`, written as expressions no index matches.
    static func sortExpressions(_ sort: Sort) -> String {
        switch sort {
        case .name: "c.sort_name || '', c.id || ''"
        case .number: "c.number + 0"
        case .newest: "c.number + 0 DESC"
        case .joined: "c.joined_on || '' DESC, c.id || '' DESC"
        }
    }

    static func ordering(_ sort: Sort, cursor: CursorRequest.Cursor?) throws(DomainError) -> (String, SQLQueryString?) {
        let bad = DomainError.invalid("cursor", "does not belong to this sort order")
        switch sort {
        case .name:
            let keyset: SQLQueryString? = cursor.map { "(c.sort_name > \(bind: $0.key) OR (c.sort_name = \(bind: $0.key) AND c.id > \(bind: $0.id)))" }
            return ("c.sort_name, c.id", keyset)
        case .number, .newest:
            // Numbers are handed out in creation order, so "newest" is the number descending.
            var keyset: SQLQueryString?
            let ascending = sort == .number
            if let cursor {
                guard let n = Int64(cursor.key) else { throw bad }
                let greater: SQLQueryString = "c.number > \(bind: n)"
                let less: SQLQueryString = "c.number < \(bind: n)"
                keyset = ascending ? greater : less
            }
            let order: String = ascending ? "c.number" : "c.number DESC"
            return (order, keyset)
        case .joined:
            let keyset: SQLQueryString? = cursor.map { "(c.joined_on < \(bind: $0.key) OR (c.joined_on = \(bind: $0.key) AND c.id < \(bind: $0.id)))" }
            return ("c.joined_on DESC, c.id DESC", keyset)
        }
    }
}

/// CSV export of any filtered customer list.
public enum CustomerExport {
    public static let header = ["number", "name", "kind", "status", "phone", "email", "joined_on", "branch", "area", "reseller", "tags", "archived"]

    public static func csv(_ ctx: TenantContext, _ filter: CustomerDirectory.Filter, on db: any Database) async throws -> String {
        var out = CSV.line(header)
        var cursor: String?
        repeat {
            let page = try await CustomerDirectory.search(ctx, filter, page: try CursorRequest(limit: CursorRequest.maximumLimit, cursor: cursor), on: db)
            for r in page.items {
                out += CSV.line([r.numberText, r.displayName, r.kind, r.status, r.primaryPhone ?? "", r.email ?? "", r.joinedOn, r.branchName,
                                 r.areaName ?? "", r.resellerName ?? "", r.tags.joined(separator: ";"), r.archived ? "yes" : "no"])
            }
            cursor = page.nextCursor
        } while cursor != nil
        return out
    }
}
