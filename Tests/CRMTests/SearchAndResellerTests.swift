@testable import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import SQLKit
import Testing
import TestSupport

@Suite("Customer search and lists")
struct SearchTests {
    @Test func findsByNameNumberAnyPhoneFormEmailNationalIDAndAddress() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            _ = try await Customers.create(w.ctx, .init(displayName: "Rahim Uddin", phones: ["01712345678"], email: "rahim@example.com",
                                                        nationalID: "1990123456789", tags: ["vip"],
                                                        address: .init(line1: "House 7, Shewrapara Lane", areaID: w.tower.id!.uuidString)),
                                           services: t.services, on: t.db)
            _ = try await w.customer("Selina Akter", phone: "01912345678", area: w.mirpur)
            _ = try await w.customer("Rahima Begum", phone: "01512345678")
            for q in ["rahim uddin", "Uddin", "C-000001", "000001", "+8801712345678", "8801712345678", "01712345678", "1712345678",
                      "017 1234 5678", "+880 1712-345678", "০১৭১২৩৪৫৬৭৮", "rahim@example.com", "1990123456789", "shewrapara", "road 10 tower"] {
                #expect(try await w.search(q) == ["Rahim Uddin"], "query \(q)")
            }
            #expect(try await w.search("rahim") == ["Rahim Uddin", "Rahima Begum"])
            #expect(try await w.search("01712") == ["Rahim Uddin"])
            #expect(try await w.search("nobody here").isEmpty)
            #expect(try await w.search(nil, .init(tag: "VIP")) == ["Rahim Uddin"])
            // An area filter includes everything below it.
            #expect(try await w.search(nil, .init(areaID: w.zone.id!.uuidString)) == ["Rahim Uddin", "Selina Akter"])
            #expect(try await w.search(nil, .init(areaID: w.tower.id!.uuidString)) == ["Rahim Uddin"])
            #expect(try await w.search(nil, .init(sort: "newest")) == ["Rahima Begum", "Selina Akter", "Rahim Uddin"])
            #expect(try await w.search(nil, .init(sort: "number")) == ["Rahim Uddin", "Selina Akter", "Rahima Begum"])
            await #expect(throws: DomainError.invalid("sort", "must be one of name, number, newest, joined")) {
                _ = try await w.search(nil, .init(sort: "price"))
            }
        }
    }

    @Test func cursorPagingWalksEveryCustomerOnceInEachSortOrder() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            for i in 0..<23 {
                _ = try await w.customer("Customer \(String(format: "%02d", (i * 7) % 23))", phone: String(format: "0171%07d", i))
                t.clock.advance(by: 1)
            }
            // Listing, and searching (in name order on SQLite the search documents lead).
            for query in [nil, "customer"] {
                var byName: [String] = []
                for sort in CustomerDirectory.Sort.allCases {
                    var seen: [String] = []
                    var cursor: String?
                    repeat {
                        let page = try await CustomerDirectory.search(w.ctx, .init(query: query, sort: sort.rawValue),
                                                                      page: try CursorRequest(limit: 5, cursor: cursor), on: t.db)
                        seen += page.items.map(\.numberText)
                        cursor = page.nextCursor
                    } while cursor != nil
                    #expect(seen.count == 23, "\(sort) \(seen)")
                    #expect(Set(seen).count == 23, "\(sort)")
                    if sort == .name { byName = seen }
                }
                let expected = try await Customer.query(on: t.db).filter(\.$organizationID == w.tenant.id).all()
                    .sorted { ($0.sortName, $0.id!.uuidString) < ($1.sortName, $1.id!.uuidString) }.map(\.numberText)
                #expect(byName == expected, "\(query ?? "no query")")
            }
        }
    }

    /// The filter choices are kept under the organization's context version, which any write to
    /// branches, areas or resellers bumps (raw SQL here: the database does it, not the actions).
    @Test func filterChoicesAreReadAgainAfterAnyWrite() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let sql = t.db as! any SQLDatabase
            func version() async throws -> Int64 {
                try await sql.raw("SELECT context_version FROM organizations WHERE id = \(bind: w.tenant.id)").first()!
                    .decode(column: "context_version", as: Int64.self)
            }
            var ctx = w.ctx
            ctx.contextVersion = try await version()
            let counting = CountingDatabase(t.db)
            let first = try await CustomerDirectory.choices(ctx, on: counting)
            #expect(counting.count == 1 && first.areas.contains { $0.1 == "Road 10 Tower" || $0.1.hasSuffix("Road 10 Tower") })
            counting.reset()
            _ = try await CustomerDirectory.choices(ctx, on: counting)
            #expect(counting.count == 0)
            for change: SQLQueryString in [
                "UPDATE areas SET full_name = 'Renamed Tower' WHERE id = \(bind: w.tower.id!)",
                """
                INSERT INTO resellers (id, organization_id, branch_id, path, depth, name, sort_name, commission_bp, status)
                SELECT \(bind: UUID()), b.organization_id, b.id, '/raw/', 0, 'Raw Reseller', 'raw reseller', 0, 'active' FROM branches b
                WHERE b.organization_id = \(bind: w.tenant.id) LIMIT 1
                """,
                "UPDATE branches SET name = 'Renamed Branch' WHERE organization_id = \(bind: w.tenant.id)",
            ] {
                let before = ctx.contextVersion
                try await sql.raw(change).run()
                ctx.contextVersion = try await version()
                #expect(ctx.contextVersion != before)
                counting.reset()
                let again = try await CustomerDirectory.choices(ctx, on: counting)
                #expect(counting.count == 1)
                #expect(again.areas.contains { $0.1 == "Renamed Tower" })
            }
            let last = try await CustomerDirectory.choices(ctx, on: t.db)
            #expect(last.resellers.contains { $0.1 == "Raw Reseller" } && last.branches.allSatisfy { $0.1 == "Renamed Branch" })
            // Without a version (jobs, commands, another organization's view) nothing is kept.
            var plain = ctx
            plain.contextVersion = nil
            counting.reset()
            _ = try await CustomerDirectory.choices(plain, on: counting)
            _ = try await CustomerDirectory.choices(plain, on: counting)
            #expect(counting.count == 2)
        }
    }

    @Test func aListPageTakesAtMostThreeStatementsWhateverItsSize() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let reseller = try await Resellers.create(w.ctx, .init(name: "Mirpur Net"), services: t.services, on: t.db)
            for i in 0..<60 {
                _ = try await w.customer("Customer \(i)", phone: String(format: "0171%07d", i), area: i % 2 == 0 ? w.tower : nil,
                                         reseller: i % 3 == 0 ? reseller : nil)
            }
            for limit in [5, 50] {
                let counting = CountingDatabase(t.db)
                let page = try await CustomerDirectory.search(w.ctx, .init(query: "customer", areaID: w.zone.id!.uuidString),
                                                              page: try CursorRequest(limit: limit), on: counting)
                _ = try await CustomerDirectory.choices(w.ctx, on: counting)
                #expect(page.items.count == min(limit, 30))
                #expect(page.items.contains { $0.areaName == "Dhaka North › Mirpur › Road 10 Tower" })
                #expect(page.items.contains { $0.resellerName == "Mirpur Net" })
                #expect(counting.count <= 3, "\(counting.statements)")
            }
        }
    }
}

@Suite("Customer search index")
struct SearchIndexTests {
    /// More matches than `candidateLimit`: the page walks the list in order with the index as a
    /// filter. Every customer must come out exactly once, in name order, the same as the rows.
    @Test func aWordMostCustomersHaveWalksTheWholeListInOrder() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let branches = try await Branch.query(on: t.db).filter(\.$organizationID == w.tenant.id).all()
            let count = CustomerDirectory.candidateLimit + 150
            try await CRMSeeder.customers(w.ctx, count: count, branches: branches, areas: [], resellers: [], chunk: 500, now: t.clock.date,
                                          on: t.db)
            // Another organization with the same words must never show up.
            let other = try await CRMWorld.make(t, name: "Beta Broadband")
            _ = try await Customers.create(other.ctx, .init(displayName: "Zubair Dhaka", phones: ["01799999999"],
                                                            address: .init(line1: "House 1, Road 1", city: "Dhaka")),
                                           services: t.services, on: t.db)
            let all = try await Customer.query(on: t.db).filter(\.$organizationID == w.tenant.id).all()
            let byName = all.sorted { ($0.sortName, $0.id!.uuidString) < ($1.sortName, $1.id!.uuidString) }.map(\.numberText)
            func walk(_ filter: CustomerDirectory.Filter, limit: Int = 200) async throws -> [String] {
                var seen: [String] = []
                var cursor: String?
                repeat {
                    let page = try await CustomerDirectory.search(w.ctx, filter, page: try CursorRequest(limit: limit, cursor: cursor), on: t.db)
                    seen += page.items.map(\.numberText)
                    cursor = page.nextCursor
                } while cursor != nil
                return seen
            }
            // Every seeded address is in Dhaka: the dense walk.
            #expect(try await walk(.init(query: "dhaka")).elementsEqual(byName.map { $0 }))
            #expect(try await walk(.init(query: "dhaka"), limit: 50) == byName)
            // Narrower than the word (prospects, one in seventeen): the walked window cannot
            // fill every page, the usual plan does, in the same order.
            let prospects = all.filter { $0.status == .prospect }.sorted { ($0.sortName, $0.id!.uuidString) < ($1.sortName, $1.id!.uuidString) }
            #expect(prospects.count > 60)
            #expect(try await walk(.init(query: "dhaka", status: "prospect"), limit: 50) == prospects.map(\.numberText))
            // One road in five is a "Road": few enough for the id list, the same order.
            let roads = Set(try await ServiceAddress.query(on: t.db).filter(\.$organizationID == w.tenant.id).all()
                .filter { $0.line1.contains(" Road ") }.map(\.customerID))
            let onRoads = all.filter { roads.contains($0.id!) }.sorted { ($0.sortName, $0.id!.uuidString) < ($1.sortName, $1.id!.uuidString) }
            #expect(onRoads.count > 100 && onRoads.count < CustomerDirectory.candidateLimit)
            #expect(try await walk(.init(query: "dhaka road")) == onRoads.map(\.numberText))
            // A tag with a common word (dense), and a tag alone (a list filter).
            let vip = all.filter { $0.tags.contains("vip") }
            #expect(Set(try await walk(.init(query: "dhaka", tag: "vip"))) == Set(vip.map(\.numberText)))
            #expect(Set(try await walk(.init(tag: "vip"))) == Set(vip.map(\.numberText)))
            #expect(try await other.search("dhaka") == ["Zubair Dhaka"])
            #expect(try await w.search("zubair").isEmpty)
            // A common search is counted once; the next page (or the same word again) walks at once.
            let counting = CountingDatabase(t.db)
            let first = try await CustomerDirectory.search(w.ctx, .init(query: "dhak"), page: try CursorRequest(limit: 50), on: counting)
            #expect(counting.count == 2)
            counting.reset()
            let again = try await CustomerDirectory.search(w.ctx, .init(query: "dhak"), page: try CursorRequest(limit: 50), on: counting)
            #expect(counting.count == 1)
            #expect(again.items.map(\.id) == first.items.map(\.id) && first.items.map(\.numberText) == Array(byName.prefix(50)))
            // Another organization's same search is its own decision (it has one match).
            counting.reset()
            #expect(try await CustomerDirectory.search(other.ctx, .init(query: "dhak"), page: try CursorRequest(limit: 50), on: counting).items.count == 1)
            #expect(counting.count == 2)
        }
    }

    /// A document's word list matches exactly the documents the full-text index matches, and
    /// lists filled for documents written before they had one equal those written since.
    @Test func wordListsMatchWhatTheFullTextIndexMatches() async throws {
        try await withApp { t in
            guard t.db.sql.dialect.name == "sqlite" else {
                // PostgreSQL searches its tsvector; documents there have no word list.
                let columns = try await t.db.sql.raw("SELECT column_name FROM information_schema.columns WHERE table_name = 'customer_search_docs'").all()
                #expect(try !columns.map { try $0.decode(column: "column_name", as: String.self) }.contains("word_list"))
                return
            }
            let w = try await CRMWorld.make(t)
            let branches = try await Branch.query(on: t.db).filter(\.$organizationID == w.tenant.id).all()
            try await CRMSeeder.customers(w.ctx, count: 300, branches: branches, areas: [], resellers: [], chunk: 100, now: t.clock.date, on: t.db)
            _ = try await Customers.create(w.ctx, .init(displayName: "Tagged Person", phones: ["01711000001"], tags: ["vip client", "vip"]),
                                           services: t.services, on: t.db)
            let org = w.tenant.id
            func ids(_ query: SQLQueryString) async throws -> Set<UUID> {
                Set(try await t.db.rows(query).map { try $0.uuid(0) })
            }
            let cases: [SearchIndex.Terms] = [
                .init(prefixes: ["dhaka"]), .init(prefixes: ["dha", "road"]), .init(prefixes: ["r"]), .init(prefixes: ["0171"]),
                .init(prefixes: ["rahim", "hossain"]), .init(prefixes: ["nobodyhere"]), .init(exact: ["#vip"]), .init(exact: [SearchIndex.tagWord("vip client")]),
                .init(prefixes: ["tagged"], exact: [SearchIndex.tagWord("vip client")]), .init(exact: ["#vi"]),
            ]
            for terms in cases {
                let byIndex = try await ids(SearchIndex.matching(org, terms, on: t.db.sql))
                let byList = try await ids("SELECT d.customer_id FROM customer_search_docs d WHERE \(TenantSQL.organization(org, alias: "d")) AND \(SearchIndex.wordListCondition(terms))")
                #expect(byIndex == byList, "\(terms)")
            }
            // Lists filled from the customers (as `AddSearchWordLists` does) equal those written.
            let list: SQLQueryString = "SELECT customer_id, word_list FROM customer_search_docs ORDER BY customer_id"
            let written = try await t.db.rows(list).map { [try $0.string(0), try $0.string(1)] }
            try await t.db.sql.raw("UPDATE customer_search_docs SET word_list = NULL").run()
            try await SearchIndex.fillWordLists(on: t.db)
            #expect(try await t.db.rows(list).map { [try $0.string(0), try $0.string(1)] } == written)
            #expect(written.count > 300)
        }
    }

    /// An installation from before the full-text index had one row per word: the migration
    /// carries those words into documents, and reverting it brings the word table back.
    @Test func theMigrationCarriesWordsFromTheOldTable() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let rahim = try await w.customer("Rahim Uddin", phone: "01712345678", tags: ["vip"])
            let selina = try await w.customer("Selina Akter", phone: "01912345678")
            let migration = try #require(CRMMigrations.all.first { $0.name == "CRM.CreateCustomerSearch" })
            let sortNames = try #require(CRMMigrations.all.first { $0.name == "CRM.AddSearchSortName" })
            let wordLists = try #require(CRMMigrations.all.first { $0.name == "CRM.AddSearchWordLists" })
            // On one connection, as the migrator runs them: another SQLite connection of the pool
            // may still hold the schema from before the revert, and SQLite checks ADD COLUMN
            // against a connection's cached schema ("duplicate column name" under load).
            let tenantID = w.tenant.id
            try await t.db.transaction { db in
                try await wordLists.revert(on: db).get()
                try await sortNames.revert(on: db).get()
                try await migration.revert(on: db).get()
                let sql = db as! any SQLDatabase
                for (customer, words) in [(rahim, ["rahim", "uddin", "#vip", "c-000001", "000001", "1"]), (selina, ["selina", "akter", "shewrapara"])] {
                    for word in words {
                        try await sql.insert(into: "customer_search_tokens").columns("organization_id", "token", "customer_id")
                            .values(SQLBind(tenantID), SQLBind(word), SQLBind(customer.id!)).run()
                    }
                }
                try await migration.prepare(on: db).get()
                try await sortNames.prepare(on: db).get()
                try await wordLists.prepare(on: db).get()
            }
            let sql = t.db as! any SQLDatabase
            #expect(try await w.search("uddin") == ["Rahim Uddin"])
            // The carried-over documents took their customers' sort names.
            let names = try await sql.raw("SELECT sort_name FROM customer_search_docs ORDER BY sort_name").all().map { try $0.decode(column: "sort_name", as: String.self) }
            #expect(names == ["rahim uddin", "selina akter"])
            if sql.dialect.name == "sqlite" {
                // ... and their word lists, from the customers' words of today.
                let lists = try await sql.raw("SELECT word_list FROM customer_search_docs ORDER BY sort_name").all()
                    .map { try $0.decode(column: "word_list", as: String.self) }
                #expect(lists.count == 2 && lists[0].contains(" rahim ") && lists[0].contains(" #vip ") && lists[1].hasPrefix(" ") && lists[1].contains(" selina "))
            }
            #expect(try await w.search("C-000001") == ["Rahim Uddin"])
            #expect(try await w.search(nil, .init(tag: "vip")) == ["Rahim Uddin"])
            #expect(try await w.search("shewra") == ["Selina Akter"])
            #expect(try await w.search("akter selina") == ["Selina Akter"])
            // New customers are indexed as before.
            _ = try await w.customer("Karim Sheikh", phone: "01812345678")
            #expect(try await w.search("sheikh") == ["Karim Sheikh"])
        }
    }

    @Test func changesReplaceTheOldWords() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let customer = try await w.customer("Rahim Uddin", phone: "01712345678", area: w.tower, tags: ["vip"])
            #expect(try await w.search("uddin") == ["Rahim Uddin"])
            _ = try await Customers.update(w.ctx, customer.id!.uuidString, .init(displayName: "Karim Sheikh", tags: ["fiber"]),
                                           services: t.services, on: t.db)
            #expect(try await w.search("uddin").isEmpty)
            #expect(try await w.search(nil, .init(tag: "vip")).isEmpty)
            #expect(try await w.search("karim sheikh") == ["Karim Sheikh"])
            #expect(try await w.search("sheikh", .init(tag: "fiber")) == ["Karim Sheikh"])
            // The document's sort name (the order a search lists in) follows the new name.
            let docName = try await (t.db as! any SQLDatabase).raw("SELECT sort_name FROM customer_search_docs WHERE customer_id = \(bind: customer.id!)")
                .first()?.decode(column: "sort_name", as: String.self)
            #expect(docName == "karim sheikh")
            // Words with characters a tokenizer would split on or fold stay whole.
            let other = try await Customers.create(w.ctx, .init(displayName: "Nusrat Jahan", phones: ["01812345678"], email: "N.Jahan+isp@Example.com",
                                                                tags: ["Big Client"]), services: t.services, on: t.db)
            #expect(try await w.search("n.jahan+isp@example.com") == ["Nusrat Jahan"])
            #expect(try await w.search(nil, .init(tag: "big client")) == ["Nusrat Jahan"])
            #expect(try await w.search(nil, .init(tag: "big")).isEmpty)
            #expect(try await w.search("নুসরাত").isEmpty)
            _ = try await Customers.update(w.ctx, other.id!.uuidString, .init(displayName: "নুসরাত জাহান"), services: t.services, on: t.db)
            #expect(try await w.search("নুস") == ["নুসরাত জাহান"])
        }
    }
}

@Suite("Resellers")
struct ResellerTests {
    @Test func treeRejectsLoopsAndMovesSubtrees() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let top = try await Resellers.create(w.ctx, .init(name: "Dhaka Franchise", commissionRate: "12.5"), services: t.services, on: t.db)
            #expect(top.commissionBasisPoints == 1250)
            let mid = try await Resellers.create(w.ctx, .init(name: "Mirpur Net", parentID: top.id!.uuidString), services: t.services, on: t.db)
            let leaf = try await Resellers.create(w.ctx, .init(name: "Tower Operator", parentID: mid.id!.uuidString), services: t.services, on: t.db)
            await #expect(throws: DomainError.self) {
                _ = try await Resellers.update(w.ctx, top.id!.uuidString, .init(parentID: leaf.id!.uuidString), services: t.services, on: t.db)
            }
            do {
                _ = try await Resellers.update(w.ctx, top.id!.uuidString, .init(parentID: top.id!.uuidString), services: t.services, on: t.db)
            } catch DomainError.validation(let list) {
                #expect(list.map(\.field) == ["parent_id"])
                #expect(list[0].message.contains("loop"))
            }
            await #expect(throws: DomainError.invalid("commission_rate", "must be a percentage from 0 to 100 with at most two decimals, such as 12.5")) {
                _ = try await Resellers.create(w.ctx, .init(name: "Greedy", commissionRate: "150"), services: t.services, on: t.db)
            }
            // Moving the middle reseller to the top carries its child along.
            _ = try await Resellers.update(w.ctx, mid.id!.uuidString, .init(parentID: ""), services: t.services, on: t.db)
            let moved = try await Reseller.find(leaf.id, on: t.db)!
            #expect(moved.depth == 1)
            #expect(moved.path.hasPrefix("/" + mid.id!.uuidString.lowercased() + "/"))
            #expect(try await Resellers.subtree(organizationID: w.tenant.id, resellerID: top.id!, on: t.db) == [top.id!])
            #expect(try await Resellers.subtree(organizationID: w.tenant.id, resellerID: mid.id!, on: t.db) == [mid.id!, leaf.id!])
        }
    }

    @Test func resellerStaffSeeOnlyTheirSubtree() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let top = try await Resellers.create(w.ctx, .init(name: "Dhaka Franchise"), services: t.services, on: t.db)
            let sub = try await Resellers.create(w.ctx, .init(name: "Tower Operator", parentID: top.id!.uuidString), services: t.services, on: t.db)
            let other = try await Resellers.create(w.ctx, .init(name: "Chattogram Net"), services: t.services, on: t.db)
            let own = try await w.customer("Top Customer", phone: "01711111111", reseller: top)
            let subs = try await w.customer("Sub Customer", phone: "01722222222", reseller: sub)
            let foreign = try await w.customer("Other Customer", phone: "01733333333", reseller: other)
            let direct = try await w.customer("Direct Customer", phone: "01744444444")

            let staff = try await t.makeUser(in: w.tenant, role: .reseller, email: "franchise@alpha.test")
            staff.resellerID = top.id
            try await staff.save(on: t.db)
            let ctx = try await t.context(of: staff)
            #expect(ctx.resellerIDs == [top.id!, sub.id!])
            #expect(try await w.search(nil, as: ctx) == ["Sub Customer", "Top Customer"])
            #expect(try await w.search("customer", as: ctx) == ["Sub Customer", "Top Customer"])
            #expect(try await Customers.find(ctx, own.id!.uuidString, on: t.db).id == own.id)
            #expect(try await Customers.find(ctx, subs.id!.uuidString, on: t.db).id == subs.id)
            for hidden in [foreign, direct] {
                await #expect(throws: DomainError.notFound("Customer")) { _ = try await Customers.find(ctx, hidden.id!.uuidString, on: t.db) }
                await #expect(throws: DomainError.notFound("Customer")) {
                    _ = try await Customers.update(ctx, hidden.id!.uuidString, .init(displayName: "Taken"), services: t.services, on: t.db)
                }
            }
            #expect(try await Resellers.tree(ctx, on: t.db).map(\.name) == ["Dhaka Franchise", "Tower Operator"])
            // New customers land under their own reseller; another reseller is refused.
            let mine = try await w.customer("New Customer", phone: "01755555555", as: ctx)
            #expect(mine.resellerID == top.id)
            await #expect(throws: DomainError.self) {
                _ = try await w.customer("Sneaky", phone: "01766666666", reseller: other, as: ctx)
            }
            // A duplicate outside the subtree is reported without revealing whose it is.
            do {
                _ = try await w.customer("Copy", phone: "01733333333", as: ctx)
            } catch DomainError.validation(let list) {
                #expect(list[0].message == "already belongs to another customer")
            }
            // The reseller role without a linked reseller sees nothing.
            let orphan = try await t.makeUser(in: w.tenant, role: .reseller, email: "orphan@alpha.test")
            #expect(try await w.search(nil, as: try await t.context(of: orphan)).isEmpty)
        }
    }
}
