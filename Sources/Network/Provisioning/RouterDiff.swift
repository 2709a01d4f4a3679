import Foundation
import RouterOS

/// One field that differs between the router and Meghna, as a page shows it (passwords never).
public struct FieldDiff: Sendable, Equatable, Codable {
    public var field: String
    public var router: String?
    public var meghna: String?
    /// Changed on the router by hand since Meghna last wrote it.
    public var drift: Bool
    /// For drift: nil while held, "correct" or "adopt" once an engineer chose.
    public var decision: String?
    /// Drift waiting for a decision: not sent.
    public var held: Bool = false

    /// The router gets Meghna's value in this run.
    public var sent: Bool { !held && decision != "adopt" }
}

/// What reconciling one entry means: the unit of a dry run's report and of the apply.
public struct EntryDiff: Sendable, Equatable, Codable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        /// Not on the router: added.
        case add
        /// On the router with other values: set (held drift fields are shown, not sent).
        case change
        /// Meghna's entry, no longer wanted: removed.
        case remove
        /// A suspended customer still online: the session is removed.
        case disconnect
        /// Only fields changed by hand, held for a decision: nothing is sent.
        case drift
        /// An entry Meghna did not make holds a name Meghna needs: nothing is sent.
        case conflict
    }

    public var menu: ProvisioningMenu
    public var key: String
    public var kind: Kind
    /// The router's `.id` of the entry (or session).
    public var itemID: String?
    public var fields: [FieldDiff]
    public var accountID: UUID?
    public var customerID: UUID?
    public var note: String?
    /// The real values sent (a password too): never encoded, never shown.
    public var payload: [String: String] = [:]

    enum CodingKeys: String, CodingKey {
        case menu, key, kind, fields, note
        case itemID = "item_id"
        case accountID = "account_id"
        case customerID = "customer_id"
    }

    /// Sends something to the router.
    public var sends: Bool { kind == .add || kind == .change || kind == .remove || kind == .disconnect }
}

/// A value Meghna takes from the router (an adopted drift): the real value, applied to the account.
public struct Adoption: Sendable, Equatable {
    public var accountID: UUID
    public var menu: ProvisioningMenu
    public var key: String
    public var field: String
    public var value: String
}

/// A router's entries of one menu as printed: `.id` and the managed fields.
public typealias RouterRows = [ProvisioningMenu: [[String: String]]]

/// The diff of a router against what Meghna wants, and the commands that close it.
public struct RouterPlan: Sendable {
    public var entries: [EntryDiff]
    public var adoptions: [Adoption]
    /// What Meghna's record of each entry becomes once its commands are done (`menu|key` → fields).
    public var applied: [String: [String: String]]
    /// Entries on the router that Meghna does not manage and does not need (or that carry
    /// Meghna's mark but were not written through this router).
    public var unmanaged: Int

    public func count(_ kind: EntryDiff.Kind) -> Int { entries.filter { $0.kind == kind }.count }
    public var driftCount: Int { entries.reduce(0) { $0 + $1.fields.filter { $0.drift }.count } }
}

public enum RouterDiff {
    static let masked = "••••"

    public static func entryKey(_ menu: ProvisioningMenu, _ key: String) -> String { "\(menu.rawValue)|\(key)" }
    public static func driftKey(_ menu: ProvisioningMenu, _ key: String, _ field: String) -> String { "\(menu.rawValue)|\(key)|\(field)" }

    /// RouterOS 6 prints booleans yes/no, 7 true/false; an absent property is "".
    static func normalized(_ field: String, _ value: String?) -> String {
        guard let value else { return "" }
        if field == "disabled" {
            if value == "yes" { return "true" }
            if value == "no" { return "false" }
        }
        return value
    }

    static func isManaged(_ menu: ProvisioningMenu, _ row: [String: String]) -> Bool {
        guard (row["comment"] ?? "").hasPrefix(ProvisioningPolicy.marker) else { return false }
        return menu != .addressList || row["list"] == ProvisioningPolicy.unpaidList
    }

    static func shown(_ field: String, _ value: String?) -> String? {
        guard let value else { return nil }
        return field == "password" && !value.isEmpty ? masked : value
    }

    /// Diffs `desired` against the router's `rows` (of the menus read; `sessions` maps a sessions
    /// menu to name → session `.id`s). `applied` is what Meghna last wrote (`menu|key` → fields,
    /// secret fields fingerprinted); `decisions` the engineer's choices (`menu|key|field` →
    /// correct/adopt, field `*` for taking over an entry Meghna did not make). `keys`, when
    /// given, limits the diff to those entries (one account's sync): others are neither removed
    /// nor counted.
    public static func plan(desired: [DesiredEntry], rows: RouterRows, sessions: [String: [String: [String]]],
                            applied: [String: [String: String]], decisions: [String: String],
                            keys: Set<String>? = nil, defaultDecision: String? = nil, fingerprint: (String) -> String) -> RouterPlan {
        var result = RouterPlan(entries: [], adoptions: [], applied: [:], unmanaged: 0)
        var byKey: [ProvisioningMenu: [String: [String: String]]] = [:]
        for (menu, list) in rows {
            var index: [String: [String: String]] = [:]
            for row in list {
                let key = row[menu.keyField] ?? ""
                if menu == .addressList && row["list"] != ProvisioningPolicy.unpaidList { continue }
                // Two entries with one name cannot exist for Meghna's menus; keep a managed one if there is.
                if let existing = index[key], isManaged(menu, existing) { continue }
                index[key] = row
            }
            byKey[menu] = index
        }
        func record(_ fields: [String: String]) -> [String: String] {
            var out = fields
            if let password = out["password"] { out["password"] = fingerprint(password) }
            return out
        }
        var wanted = Set<String>()
        for d in desired {
            let ek = entryKey(d.menu, d.key)
            if let keys, !keys.contains(ek) { continue }
            guard byKey[d.menu] != nil else { continue }  // the menu was not read (a service the router does not serve)
            wanted.insert(ek)
            let last = applied[ek]
            guard let row = byKey[d.menu]?[d.key] else {
                let fields = d.fields.keys.sorted().compactMap { f -> FieldDiff? in
                    let value = d.fields[f]!
                    return value.isEmpty ? nil : FieldDiff(field: f, router: nil, meghna: shown(f, value), drift: false, decision: nil)
                }
                result.entries.append(EntryDiff(menu: d.menu, key: d.key, kind: .add, itemID: nil, fields: fields, accountID: d.accountID,
                                                customerID: d.customerID,
                                                note: last == nil ? nil : "removed on the router by hand; added again",
                                                payload: d.fields.filter { !$0.value.isEmpty }))
                result.applied[ek] = record(d.fields)
                continue
            }
            let itemID = row[".id"]
            if !isManaged(d.menu, row) {
                let takeOver = decisions[driftKey(d.menu, d.key, "*")] == "adopt"
                var fields: [FieldDiff] = []
                for f in d.fields.keys.sorted() {
                    let (a, want) = (normalized(f, row[f]), d.fields[f]!)
                    if a != want { fields.append(FieldDiff(field: f, router: shown(f, a), meghna: shown(f, want), drift: false, decision: nil)) }
                }
                if takeOver {
                    var payload: [String: String] = [:]
                    for f in fields { payload[f.field] = d.fields[f.field] }
                    result.entries.append(EntryDiff(menu: d.menu, key: d.key, kind: .change, itemID: itemID, fields: fields, accountID: d.accountID,
                                                    customerID: d.customerID, note: "taken over from the router", payload: payload))
                    result.applied[ek] = record(d.fields)
                } else {
                    result.entries.append(EntryDiff(menu: d.menu, key: d.key, kind: .conflict, itemID: itemID, fields: fields,
                                                    accountID: d.accountID, customerID: d.customerID,
                                                    note: "an entry Meghna did not make holds this name: take it over, or remove or rename it on the router"))
                }
                continue
            }
            var fields: [FieldDiff] = []
            var newRecord = record(d.fields)
            var sends = false
            for f in d.fields.keys.sorted() {
                let (a, want) = (normalized(f, row[f]), d.fields[f]!)
                if a == want { continue }
                let lastValue = last?[f]
                let handEdited = lastValue.map { (f == "password" ? fingerprint(a) : a) != $0 } ?? false
                if handEdited && !d.enforced.contains(f) {
                    let decision = decisions[driftKey(d.menu, d.key, f)] ?? defaultDecision
                    if decision == "correct" {
                        sends = true
                        fields.append(FieldDiff(field: f, router: shown(f, a), meghna: shown(f, want), drift: true, decision: "correct"))
                    } else if decision == "adopt", d.menu.adoptableFields.contains(f), let account = d.accountID {
                        result.adoptions.append(Adoption(accountID: account, menu: d.menu, key: d.key, field: f, value: a))
                        newRecord[f] = f == "password" ? fingerprint(a) : a
                        fields.append(FieldDiff(field: f, router: shown(f, a), meghna: shown(f, want), drift: true, decision: "adopt"))
                    } else {
                        newRecord[f] = lastValue
                        fields.append(FieldDiff(field: f, router: shown(f, a), meghna: shown(f, want), drift: true, decision: nil, held: true))
                    }
                } else {
                    sends = true
                    fields.append(FieldDiff(field: f, router: shown(f, a), meghna: shown(f, want), drift: handEdited, decision: nil))
                }
            }
            if !fields.isEmpty {
                var payload: [String: String] = [:]
                for f in fields where f.sent { payload[f.field] = d.fields[f.field] }
                let adoptedOnly = !sends && !fields.contains { $0.held }
                result.entries.append(EntryDiff(menu: d.menu, key: d.key, kind: sends || adoptedOnly ? .change : .drift, itemID: itemID,
                                                fields: fields, accountID: d.accountID, customerID: d.customerID,
                                                note: fields.contains { $0.drift && d.enforced.contains($0.field) }
                                                    ? "changed on the router by hand; billing decides this, so Meghna sets it back" : nil,
                                                payload: payload))
            }
            if newRecord != last { result.applied[ek] = newRecord }
        }
        // Sessions of suspended accounts, and of accounts whose profile changes now (the new
        // profile applies when the customer reconnects).
        var planned: [String: Int] = [:]
        for (i, entry) in result.entries.enumerated() { planned[entryKey(entry.menu, entry.key)] = i }
        for d in desired where d.accountID != nil {
            let ek = entryKey(d.menu, d.key)
            guard wanted.contains(ek), let (sessionMenu, _) = d.menu.sessions, let ids = sessions[sessionMenu]?[d.key], !ids.isEmpty else { continue }
            let entry = planned[ek].map { result.entries[$0] }
            let profileChanges = entry.map { ($0.kind == .change || $0.kind == .add) && $0.fields.contains { $0.field == "profile" && $0.sent } } ?? false
            let cutOff = d.disconnect && d.fields["disabled"] == "true"
            guard cutOff || profileChanges else { continue }
            for id in ids {
                result.entries.append(EntryDiff(menu: d.menu, key: d.key, kind: .disconnect, itemID: id, fields: [], accountID: d.accountID,
                                                customerID: d.customerID,
                                                note: cutOff ? "suspended: the session is cut now" : "the profile changed: the session reconnects on it"))
            }
        }
        // Meghna's entries no longer wanted go; others are left alone.
        for menu in ProvisioningMenu.allCases {
            guard let index = byKey[menu] else { continue }
            for (key, row) in index.sorted(by: { $0.key < $1.key }) {
                let ek = entryKey(menu, key)
                if wanted.contains(ek) { continue }
                if let keys, !keys.contains(ek) { continue }
                // Removed only what Meghna wrote to this router (its record says so): an entry
                // marked by another installation, or another router row on the same device, stays.
                if isManaged(menu, row), applied[ek] != nil {
                    if menu == .pppProfile || menu == .hotspotProfile, key == "default" { continue }
                    result.entries.append(EntryDiff(menu: menu, key: key, kind: .remove, itemID: row[".id"], fields: [], accountID: nil,
                                                    customerID: nil, note: nil))
                    // A removed account's sessions end with it.
                    if let (sessionMenu, _) = menu.sessions {
                        for id in sessions[sessionMenu]?[key] ?? [] {
                            result.entries.append(EntryDiff(menu: menu, key: key, kind: .disconnect, itemID: id, fields: [], accountID: nil,
                                                            customerID: nil, note: "the account is removed"))
                        }
                    }
                } else {
                    result.unmanaged += 1
                }
            }
        }
        return result
    }
}
