import FluentKit
import Foundation
import MeghnaCore
import Platform
import SQLKit

/// The customer search index: one row per (word, customer) in `customer_search_tokens`, and
/// every phone in `customer_phones`. Both are rebuilt inside the transaction that changes a
/// customer, its addresses or contacts, so search is never stale. A query word matches by
/// prefix through an index range scan, on SQLite and PostgreSQL alike.
public enum SearchIndex {
    /// The words a customer is found by.
    public static func tokens(customer c: Customer, addresses: [ServiceAddress], areaNames: [String], contacts: [Contact]) -> Set<String> {
        var out = Set<String>()
        func add(_ text: String?) { for word in SearchText.words(text) { out.insert(word) } }
        add(c.displayName)
        add(c.legalName)
        add(c.numberText)
        out.insert(String(c.number))
        out.insert(SearchText.fold(c.numberText).filter { $0.isLetter || $0.isNumber })
        if let email = c.email { out.insert(SearchText.fold(email)); add(email) }
        if let nid = c.nationalID { out.insert(SearchText.fold(nid)) }
        add(c.tradeLicense)
        add(c.externalRef)
        for phone in c.phones + contacts.flatMap(\.phones) {
            guard let parsed = try? PhoneNumber(parsing: phone) else { continue }
            for form in parsed.searchForms { out.insert(form.filter(\.isNumber)) }
        }
        for a in addresses {
            add(a.label)
            add(a.line1)
            add(a.line2)
            add(a.city)
            add(a.postcode)
        }
        for name in areaNames { add(name) }
        for contact in contacts {
            add(contact.name)
            if let email = contact.email { out.insert(SearchText.fold(email)); add(email) }
        }
        for tag in c.tags { out.insert(tagWord(tag)) }
        return Set(out.filter { !$0.isEmpty }.map { String($0.prefix(64)) })
    }

    /// The index word of a tag: "#" and the folded tag, matched whole (never as a prefix).
    static func tagWord(_ tag: String) -> String {
        String(("#" + SearchText.fold(tag)).prefix(64))
    }

    /// Rebuilds a customer's search words and phone lookups.
    public static func reindex(_ customer: Customer, on db: any Database) async throws {
        let addresses = try await ServiceAddress.query(on: db).filter(\.$customerID == customer.id!).all()
        let contacts = try await Contact.query(on: db).filter(\.$customerID == customer.id!).all()
        let areaIDs = Set(addresses.compactMap(\.areaID))
        let areas = areaIDs.isEmpty ? [] : try await Area.inOrganization(customer.organizationID, on: db)
            .filter(\.$id ~~ areaIDs).all()
        let words = tokens(customer: customer, addresses: addresses, areaNames: areas.map(\.fullName), contacts: contacts)
        // The document's trigger (SQLite) or row (PostgreSQL) takes its words out of the index.
        try await db.sql.delete(from: "customer_search_docs").where("customer_id", .equal, customer.id!).run()
        try await db.sql.delete(from: "customer_phones").where("customer_id", .equal, customer.id!).run()
        try await write([(customer, words, contacts)], on: db)
    }

    /// Writes the index rows of new customers, many per statement.
    static func write(_ entries: [(Customer, Set<String>, [Contact])], on db: any Database) async throws {
        var phoneRows: [[any Encodable & Sendable]] = []
        for (customer, _, contacts) in entries {
            var seen = Set<String>()
            var phones: [(String, UUID?)] = customer.phones.map { ($0, nil) }
            for contact in contacts { phones += contact.phones.map { ($0, contact.id) } }
            for (phone, contact) in phones where seen.insert(phone + (contact?.uuidString ?? "")).inserted {
                let row: [any Encodable & Sendable] = [UUID.timeOrdered(), customer.organizationID, customer.id!, contact as UUID?, phone]
                phoneRows.append(row)
            }
        }
        for chunk in phoneRows.chunked(2000) {
            let insert = db.sql.insert(into: "customer_phones").columns("id", "organization_id", "customer_id", "contact_id", "e164")
            for row in chunk { insert.values(row.map { (value: any Encodable & Sendable) -> any SQLExpression in SQLBind(value) }) }
            try await insert.run()
        }
        try await writeDocuments(entries.map { (organizationID: $0.0.organizationID, customerID: $0.0.id!, sortName: $0.0.sortName, words: $0.1) },
                                 on: db.sql)
    }

    /// Writes one search document per customer (who must have none yet), with the customer's
    /// sort name (nil only in `CreateCustomerSearch`, which ran before the column existed;
    /// `AddSearchSortName` fills it in then).
    static func writeDocuments(_ documents: [(organizationID: UUID, customerID: UUID, sortName: String?, words: Set<String>)],
                               on sql: any SQLDatabase) async throws {
        let sqlite = sql.dialect.name == "sqlite"
        for chunk in documents.chunked(500) {
            // One row per document: organization, customer, the sort name when known (written
            // on both databases; only SQLite's name-order walk reads it), and on PostgreSQL the
            // words verbatim as lexemes (no parser, no dictionary).
            let sorted = chunk.allSatisfy { $0.sortName != nil }
            // (Without a sort name, in `CreateCustomerSearch`, the word list's column does not
            // exist yet either; `AddSearchWordLists` fills it in then.)
            var columns = ["organization_id", "customer_id"]
            if sorted { columns.append("sort_name") }
            if sorted, sqlite { columns.append("word_list") }
            if !sqlite { columns.append("words") }
            let insert = sql.insert(into: "customer_search_docs").columns(columns)
            for d in chunk {
                var values: [any SQLExpression] = [SQLBind(d.organizationID), SQLBind(d.customerID)]
                if sorted, let name = d.sortName { values.append(SQLBind(name)) }
                if sorted, sqlite { values.append(SQLBind(wordList(d.words))) }
                if !sqlite {
                    values.append(SQLFunction("array_to_tsvector", args: SQLFunction("string_to_array", args: SQLBind(document(d.words)), SQLLiteral.string(" "))))
                }
                insert.values(values)
            }
            guard sqlite else {
                try await insert.run()
                continue
            }
            // SQLite: the document row gives the id the full-text row is stored under.
            var ids: [UUID: Int64] = [:]
            for row in try await insert.returning("id", "customer_id").all() {
                ids[try row.decode(column: "customer_id", as: UUID.self)] = try row.decode(column: "id", as: Int64.self)
            }
            let fts = sql.insert(into: "customer_search").columns("rowid", "words")
            for d in chunk {
                guard let id = ids[d.customerID] else { throw DomainError.conflict("The search index did not accept a customer.") }
                fts.values(SQLBind(id), SQLBind(document(d.words)))
            }
            try await fts.run()
        }
    }

    /// Gives documents written without a word list (before `AddSearchWordLists`) theirs, from
    /// their customers' current words, 500 customers at a time.
    static func fillWordLists(on db: any Database) async throws {
        while true {
            let ids = try await db.sql.raw("SELECT customer_id FROM customer_search_docs WHERE word_list IS NULL LIMIT 500").all()
                .map { try $0.decode(column: "customer_id", as: UUID.self) }
            if ids.isEmpty { return }
            let customers = try await Customer.query(on: db).filter(\.$id ~~ ids).all()
            let addresses = Dictionary(grouping: try await ServiceAddress.query(on: db).filter(\.$customerID ~~ ids).all(), by: \.customerID)
            let contacts = Dictionary(grouping: try await Contact.query(on: db).filter(\.$customerID ~~ ids).all(), by: \.customerID)
            let areaIDs = Set(addresses.values.joined().compactMap(\.areaID))
            var areaNames: [UUID: String] = [:]
            if !areaIDs.isEmpty {
                for area in try await Area.query(on: db).filter(\.$id ~~ areaIDs).all() { areaNames[area.id!] = area.fullName }
            }
            var lists: [UUID: String] = Dictionary(uniqueKeysWithValues: ids.map { ($0, " ") })
            for customer in customers {
                let own = addresses[customer.id!] ?? []
                let words = tokens(customer: customer, addresses: own, areaNames: own.compactMap { $0.areaID.flatMap { areaNames[$0] } },
                                   contacts: contacts[customer.id!] ?? [])
                lists[customer.id!] = wordList(words)
            }
            // One statement for the 500 (SQLite, where this runs, has UPDATE … FROM).
            let values = lists.map { "(\(bind: $0.key), \(bind: $0.value))" as SQLQueryString }
            try await db.sql.raw("""
                WITH v (customer_id, list) AS (VALUES \(values.joined(separator: ", "))) \
                UPDATE customer_search_docs SET word_list = v.list FROM v WHERE customer_search_docs.customer_id = v.customer_id
                """).run()
        }
    }

    // MARK: - Documents and queries

    /// A customer's index words as stored: each word's UTF-8 bytes in lowercase hex, separated by
    /// spaces. Hex keeps every word whole in any tokenizer (no case folding, no splitting at `@`,
    /// `-` or `#`), and a prefix of a word is a prefix of its encoding, so prefix search means the
    /// same as on the words themselves. (Documents written before 2026-12 also start with a word
    /// naming the organization; queries no longer use it, see `fullTextQuery`.)
    static func document(_ words: Set<String>) -> String {
        words.sorted().map(encode).joined(separator: " ")
    }

    private static let hexDigits = Array("0123456789abcdef".utf8)

    static func encode(_ word: String) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.utf8.count * 2)
        for byte in word.utf8 {
            bytes.append(hexDigits[Int(byte >> 4)])
            bytes.append(hexDigits[Int(byte & 0x0F)])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// What a customer must have in the index: a word starting with each of `prefixes` and each
    /// of `exact` as a whole word (tags).
    struct Terms: Sendable {
        var prefixes: [String] = []
        var exact: [String] = []
        var isEmpty: Bool { prefixes.isEmpty && exact.isEmpty }
    }

    /// SQLite: a document's words as one text, each between spaces (" 017… karim rahim "), kept
    /// on the document row beside the full-text index so that walking the documents in name order
    /// can test each one itself (`wordListCondition`) instead of first collecting every document
    /// the index matches. A word's own white space (a tag may have some) is stored as U+001F.
    static func wordList(_ words: Set<String>) -> String {
        " " + words.sorted().map(listed).joined(separator: " ") + " "
    }

    private static func listed(_ word: String) -> String {
        word.contains(where: \.isWhitespace) ? String(word.map { $0.isWhitespace ? "\u{1F}" : $0 }) : word
    }

    /// The document `d` has a word starting with each prefix and each exact word: the same
    /// documents as `fullTextQuery` matches, tested on one row.
    static func wordListCondition(_ terms: Terms) -> SQLQueryString {
        let needles = terms.prefixes.map { " " + listed($0) } + terms.exact.map { " " + listed($0) + " " }
        return needles.map { "instr(d.word_list, \(bind: $0)) > 0" as SQLQueryString }.joined(separator: " AND ")
    }

    /// `SELECT customer_id …` of the organization's customers that match, on either database.
    static func matching(_ organizationID: UUID, _ terms: Terms, limit: Int? = nil, on sql: any SQLDatabase) -> SQLQueryString {
        var query: SQLQueryString
        if sql.dialect.name == "sqlite" {
            query = """
                SELECT d.customer_id FROM customer_search s JOIN customer_search_docs d ON d.id = s.rowid \
                WHERE customer_search MATCH \(bind: fullTextQuery(terms)) AND \(TenantSQL.organization(organizationID, alias: "d"))
                """
        } else {
            let parts = terms.prefixes.map { "'\(encode($0))':*" } + terms.exact.map { "'\(encode($0))'" }
            query = """
                SELECT d.customer_id FROM customer_search_docs d WHERE \(TenantSQL.organization(organizationID, alias: "d")) \
                AND d.words @@ CAST(\(bind: parts.joined(separator: " & ")) AS tsquery)
                """
        }
        if let limit { query += " LIMIT \(literal: limit)" }
        return query
    }

    /// An FTS5 query: each prefix with `*`, each exact word bare; all must match. The tenant
    /// is held by the join on `customer_search_docs.organization_id` (or by the organization's
    /// customer row the document must belong to), not by the index: ANDing an organization word
    /// read that organization's whole document list on every search (2 ms at 100,000 customers)
    /// and saved nothing, since FTS5 merges a prefix's document lists across all organizations
    /// before any AND.
    static func fullTextQuery(_ terms: Terms) -> String {
        (terms.prefixes.map { "\"\(encode($0))\"*" } + terms.exact.map { "\"\(encode($0))\"" }).joined(separator: " AND ")
    }

    /// SQLite: `(SELECT rowid …)` of the full-text rows (document ids) matching `terms`, in
    /// every organization (the caller's join on the document holds the tenant).
    static func rowids(_ terms: Terms) -> SQLQueryString {
        "(SELECT rowid FROM customer_search WHERE customer_search MATCH \(bind: fullTextQuery(terms)))"
    }

    /// A condition on the customer row `c`, for walking a list in its order when many match.
    static func condition(_ organizationID: UUID, _ terms: Terms, on sql: any SQLDatabase) -> SQLQueryString {
        if sql.dialect.name == "sqlite" {
            // Only the full-text row ids are collected (one pass over the index, no table
            // lookups); each listed customer is then one probe of its document row. The `+`
            // keeps the planner from driving the page by that set.
            return "EXISTS (SELECT 1 FROM customer_search_docs d WHERE d.customer_id = c.id AND +d.id IN \(rowids(terms)))"
        }
        return "c.id IN (\(matching(organizationID, terms, on: sql)))"
    }
}
