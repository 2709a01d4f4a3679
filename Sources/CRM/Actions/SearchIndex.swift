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
        for tag in c.tags { out.insert("#" + SearchText.fold(tag)) }
        return Set(out.filter { !$0.isEmpty }.map { String($0.prefix(64)) })
    }

    /// Rebuilds a customer's search words and phone lookups.
    public static func reindex(_ customer: Customer, on db: any Database) async throws {
        let addresses = try await ServiceAddress.query(on: db).filter(\.$customerID == customer.id!).all()
        let contacts = try await Contact.query(on: db).filter(\.$customerID == customer.id!).all()
        let areaIDs = Set(addresses.compactMap(\.areaID))
        let areas = areaIDs.isEmpty ? [] : try await Area.query(on: db).filter(\.$organizationID == customer.organizationID)
            .filter(\.$id ~~ areaIDs).all()
        let words = tokens(customer: customer, addresses: addresses, areaNames: areas.map(\.fullName), contacts: contacts)
        try await write(customer, words: words, contacts: contacts, on: db, fresh: false)
    }

    /// Writes the index rows; `fresh` skips deleting (a brand-new customer has none).
    static func write(_ customer: Customer, words: Set<String>, contacts: [Contact], on db: any Database, fresh: Bool) async throws {
        if !fresh {
            try await db.sql.delete(from: "customer_search_tokens").where("customer_id", .equal, customer.id!).run()
            try await db.sql.delete(from: "customer_phones").where("customer_id", .equal, customer.id!).run()
        }
        try await write([(customer, words, contacts)], on: db)
    }

    /// Writes the index rows of new customers, many per statement.
    static func write(_ entries: [(Customer, Set<String>, [Contact])], on db: any Database) async throws {
        var tokenRows: [[any Encodable & Sendable]] = []
        var phoneRows: [[any Encodable & Sendable]] = []
        for (customer, words, contacts) in entries {
            let org = customer.organizationID
            let id = customer.id!
            for word in words.sorted() {
                let row: [any Encodable & Sendable] = [org, word, id]
                tokenRows.append(row)
            }
            var seen = Set<String>()
            var phones: [(String, UUID?)] = customer.phones.map { ($0, nil) }
            for contact in contacts { phones += contact.phones.map { ($0, contact.id) } }
            for (phone, contact) in phones where seen.insert(phone + (contact?.uuidString ?? "")).inserted {
                let row: [any Encodable & Sendable] = [UUID(), org, id, contact as UUID?, phone]
                phoneRows.append(row)
            }
        }
        // Keep each statement well under SQLite's 32,766 bound values.
        for chunk in tokenRows.chunked(3000) {
            let insert = db.sql.insert(into: "customer_search_tokens").columns("organization_id", "token", "customer_id")
            for row in chunk { insert.values(row.map { (value: any Encodable & Sendable) -> any SQLExpression in SQLBind(value) }) }
            try await insert.run()
        }
        for chunk in phoneRows.chunked(2000) {
            let insert = db.sql.insert(into: "customer_phones").columns("id", "organization_id", "customer_id", "contact_id", "e164")
            for row in chunk { insert.values(row.map { (value: any Encodable & Sendable) -> any SQLExpression in SQLBind(value) }) }
            try await insert.run()
        }
    }
}
