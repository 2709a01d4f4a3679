import Billing
import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS
import SQLKit

/// An account with the facts a reconcile needs, read in one query per router.
struct LoadedAccount: Sendable {
    var id: UUID
    var subscriptionID: UUID
    var syncState: SyncState
    var syncMessage: String?
    var spec: AccountSpec
}

/// Provisioning's reads and writes: the accounts and profiles a router should hold, Meghna's
/// record of what it wrote, drift held for decisions, account states and the reconcile history.
enum ProvisioningStore {
    static func accounts(_ router: Router, only: UUID?, services: PlatformServices, on db: any Database) async throws -> [LoadedAccount] {
        let head = """
            SELECT a.id, a.customer_id, a.subscription_id, a.service, a.username, a.password_sealed, a.static_ip, a.caller_id, a.profile_override, \
            a.label, a.sync_state, a.sync_message, s.status, p.code FROM service_accounts a \
            JOIN subscriptions s ON s.id = a.subscription_id JOIN plans p ON p.id = s.plan_id 
            """
        let rows: [any SQLRow]
        if let only {
            rows = try await db.sql.raw("\(unsafeRaw: head) WHERE \(TenantSQL.organization(router.organizationID, alias: "a")) AND a.router_id = \(bind: router.id!) AND a.id = \(bind: only)").all()
        } else {
            rows = try await db.sql.raw("\(unsafeRaw: head) WHERE \(TenantSQL.organization(router.organizationID, alias: "a")) AND a.router_id = \(bind: router.id!)").all()
        }
        return try rows.map { row in
            let override = try row.decode(column: "profile_override", as: String?.self)
            let code = try row.decode(column: "code", as: String.self)
            let spec = AccountSpec(
                accountID: try row.decode(column: "id", as: UUID.self), customerID: try row.decode(column: "customer_id", as: UUID.self),
                service: AccessService(rawValue: try row.decode(column: "service", as: String.self)) ?? .pppoe,
                username: try row.decode(column: "username", as: String.self),
                password: try services.secrets.open(try row.decode(column: "password_sealed", as: String.self)),
                staticIP: try row.decode(column: "static_ip", as: String?.self), callerID: try row.decode(column: "caller_id", as: String?.self),
                profile: override ?? code,
                status: SubscriptionStatus(rawValue: try row.decode(column: "status", as: String.self)) ?? .pending,
                label: try row.decode(column: "label", as: String.self))
            return LoadedAccount(id: spec.accountID, subscriptionID: try row.decode(column: "subscription_id", as: UUID.self),
                                 syncState: SyncState(rawValue: try row.decode(column: "sync_state", as: String.self)) ?? .pending,
                                 syncMessage: try row.decode(column: "sync_message", as: String?.self), spec: spec)
        }
    }

    /// The plans as profiles: every active plan sold in the router's branch (so a new customer's
    /// profile is already there), and any plan its accounts are on; for one account, its plan's.
    static func profiles(_ router: Router, accounts: [LoadedAccount], scoped: Bool, on db: any Database) async throws -> [ProfileSpec] {
        let used = Set(accounts.map(\.spec.profile))
        return try await Plan.inOrganization(router.organizationID, on: db).sort(\.$code).all().compactMap { plan in
            let service: AccessService
            switch plan.serviceType {
            // A static-IP plan is sold as PPPoE with a fixed remote address.
            case .pppoe, .staticIP: service = .pppoe
            case .hotspot: service = .hotspot
            }
            let sold = plan.status == .active && (plan.branchIDs.isEmpty || plan.branchIDs.contains(router.branchID))
            guard used.contains(plan.code) || (!scoped && sold) else { return nil }
            return ProfileSpec(service: service, name: plan.code, rateLimit: plan.rateLimit)
        }
    }

    static func split(_ keys: Set<String>?) -> [String]? {
        keys.map { Array(Set($0.compactMap { $0.split(separator: "|", maxSplits: 1).last.map(String.init) })) }
    }

    /// Meghna's record of what it last wrote (`menu|key` → fields).
    static func applied(_ router: Router, keys: Set<String>?, on db: any Database) async throws -> [String: [String: String]] {
        let query = RouterEntryState.inOrganization(router.organizationID, on: db).filter(\.$routerID == router.id!)
        if let names = split(keys) { query.filter(\.$key ~~ names) }
        var out: [String: [String: String]] = [:]
        let decoder = JSONDecoder()
        for row in try await query.all() {
            let ek = "\(row.menu)|\(row.key)"
            if keys?.contains(ek) == false { continue }
            out[ek] = (try? decoder.decode([String: String].self, from: Data(row.fields.utf8))) ?? [:]
        }
        return out
    }

    /// The engineer's choices still to carry out (`menu|key|field` → correct/adopt).
    static func decisions(_ router: Router, keys: Set<String>?, on db: any Database) async throws -> [String: String] {
        let query = RouterDrift.inOrganization(router.organizationID, on: db).filter(\.$routerID == router.id!).filter(\.$decision != nil)
        if let names = split(keys) { query.filter(\.$key ~~ names) }
        var out: [String: String] = [:]
        for row in try await query.all() { out["\(row.menu)|\(row.key)|\(row.field)"] = row.decision }
        return out
    }

    /// The router could not be read: the accounts waiting on it say so (or that it refused us).
    static func markUnreachable(_ router: Router, accounts: [LoadedAccount], scoped: Bool, error: RouterOSError, services: PlatformServices,
                                on db: any Database) async throws {
        let state: SyncState = error.isPermanent ? .failed : .waiting
        let message = state == .failed ? "Router \(router.name): \(error.description)" : "Waiting for router \(router.name): \(error.description)"
        let ids = accounts.filter { scoped || $0.syncState != .synced }.map(\.id)
        try await setState(ids, state, message, at: services.clock.now(), on: db)
    }

    static func setState(_ ids: [UUID], _ state: SyncState, _ message: String?, at now: Date, on db: any Database) async throws {
        for chunk in stride(from: 0, to: ids.count, by: 500).map({ Array(ids[$0..<min($0 + 500, ids.count)]) }) {
            let update = ServiceAccount.query(on: db).filter(\.$id ~~ chunk).set(\.$syncState, to: state).set(\.$syncMessage, to: message)
            if state == .synced { update.set(\.$syncedAt, to: now) }
            try await update.update()
        }
    }

    static func recordRun(_ router: Router, options: Reconciler.Options, started: Date, plan: RouterPlan?, commands: Int, failures: Int,
                          outcome: String, message: String?, services: PlatformServices, on db: any Database) async throws {
        let run = ReconcileRun()
        run.id = TimeOrderedID.next(at: started)
        run.organizationID = router.organizationID
        run.routerID = router.id!
        run.trigger = options.trigger
        run.actor = String(options.actor.label.prefix(254))
        run.startedAt = started
        run.finishedAt = services.clock.now()
        run.outcome = outcome
        run.added = plan?.count(.add) ?? 0
        run.changed = plan?.count(.change) ?? 0
        run.removed = plan?.count(.remove) ?? 0
        run.drift = plan?.driftCount ?? 0
        run.conflicts = plan?.count(.conflict) ?? 0
        run.commands = commands
        run.message = message.map { String($0.prefix(500)) }
        try await run.create(on: db)
    }

    static let entryUpsert = CellInsert("INSERT INTO router_entries (id, organization_id, router_id, menu, key, fields, applied_at) ",
                                        [.uuid, .uuid, .uuid, .text, .text, .text, .date])

    /// After the commands: Meghna's record of each entry the router took, adopted values on the
    /// accounts, the drift still held, and each account's state.
    static func recordOutcome(_ router: Router, plan: RouterPlan, outcomes: [Int: [Result<RouterOSReply, RouterOSError>]], failed: Set<Int>,
                              accounts: [LoadedAccount], applied: [String: [String: String]], keys: Set<String>?, actor: RouterActor,
                              services: PlatformServices, on db: any Database) async throws {
        let now = services.clock.now()
        let org = router.organizationID
        let routerID = router.id!
        var failedKeys = Set<String>()
        var errors: [UUID: RouterOSError] = [:]
        for i in failed {
            let entry = plan.entries[i]
            failedKeys.insert(RouterDiff.entryKey(entry.menu, entry.key))
            if let account = entry.accountID, errors[account] == nil || errors[account]?.isTrap == false,
               let error = outcomes[i]?.compactMap({ if case .failure(let e) = $0 { e } else { nil } }).first {
                errors[account] = error
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        var upserts: [[SQLCell]] = []
        for (ek, fields) in plan.applied where !failedKeys.contains(ek) {
            let parts = ek.split(separator: "|", maxSplits: 1).map(String.init)
            upserts.append([.uuid(UUID.timeOrdered()), .uuid(org), .uuid(routerID), .text(parts[0]), .text(parts[1]),
                            .text(String(decoding: try encoder.encode(fields), as: UTF8.self)), .date(now)])
        }
        let removed = plan.entries.enumerated().filter { $0.element.kind == .remove && !failed.contains($0.offset) }.map(\.element)
        // Drift to hold: undecided fields and names taken by entries Meghna did not make; a
        // decision whose command failed stays for the next run.
        var held: [String: (EntryDiff, FieldDiff?)] = [:]
        for (i, entry) in plan.entries.enumerated() {
            if entry.kind == .conflict { held[RouterDiff.driftKey(entry.menu, entry.key, "*")] = (entry, nil) }
            for field in entry.fields where field.held || (field.decision != nil && failed.contains(i)) {
                held[RouterDiff.driftKey(entry.menu, entry.key, field.field)] = (entry, field)
            }
        }
        let (rows, heldDrift, accountErrors) = (upserts, held, errors)
        try await db.writeTransaction { tx in
            for statement in entryUpsert.batches(rows, tail: " ON CONFLICT (router_id, menu, key) DO UPDATE SET fields = excluded.fields, applied_at = excluded.applied_at", on: tx) {
                try await tx.run(statement)
            }
            for menu in ProvisioningMenu.allCases {
                let names = removed.filter { $0.menu == menu }.map(\.key)
                for chunk in stride(from: 0, to: names.count, by: 500).map({ Array(names[$0..<min($0 + 500, names.count)]) }) {
                    try await RouterEntryState.query(on: tx).filter(\.$routerID == routerID).filter(\.$menu == menu.rawValue).filter(\.$key ~~ chunk).delete()
                }
            }
            for adoption in plan.adoptions {
                guard let account = try await ServiceAccount.inOrganization(org, on: tx).filter(\.$id == adoption.accountID).first() else { continue }
                switch adoption.field {
                case "password": account.passwordSealed = try services.secrets.seal(adoption.value)
                case "remote-address", "address": account.staticIP = adoption.value.nonBlank
                case "caller-id", "mac-address": account.callerID = adoption.value.nonBlank
                case "profile": account.profileOverride = adoption.value.nonBlank
                default: continue
                }
                try await account.save(on: tx)
            }
            // Replace the held drift of what this run looked at.
            let existing = try await RouterDrift.inOrganization(org, on: tx).filter(\.$routerID == routerID).all()
            var present = Set<String>()
            for row in existing {
                let dk = "\(row.menu)|\(row.key)|\(row.field)"
                if let keys, !keys.contains("\(row.menu)|\(row.key)") { continue }
                if heldDrift[dk] == nil { try await row.delete(on: tx) } else { present.insert(dk) }
            }
            for (dk, (entry, field)) in heldDrift where !present.contains(dk) {
                let row = RouterDrift()
                row.organizationID = org
                row.routerID = routerID
                row.menu = entry.menu.rawValue
                row.key = entry.key
                row.field = field?.field ?? "*"
                row.meghnaValue = field?.meghna
                row.routerValue = field?.router
                row.accountID = entry.accountID
                row.detectedAt = now
                try await row.create(on: tx)
            }
            // Each account's state: refused, waiting, drift, or in line.
            var driftFields: [UUID: [String]] = [:]
            for (_, (entry, field)) in heldDrift {
                if let account = entry.accountID { driftFields[account, default: []].append(field?.field ?? "the name") }
            }
            var groups: [String: (SyncState, String?, [UUID])] = [:]
            for account in accounts {
                let (state, message): (SyncState, String?)
                if let error = accountErrors[account.id] {
                    (state, message) = error.isTrap ? (.failed, "Router \(router.name): \(error.description)")
                        : (.waiting, "Waiting for router \(router.name): \(error.description)")
                } else if let fields = driftFields[account.id] {
                    (state, message) = (.drift, "Changed by hand on router \(router.name) (\(fields.sorted().joined(separator: ", "))): an engineer chooses on the router's drift page whether Meghna's values or the router's win")
                } else {
                    (state, message) = (.synced, nil)
                }
                if state == account.syncState && message == account.syncMessage && state != .synced { continue }
                if state == .synced && account.syncState == .synced { continue }
                groups["\(state.rawValue)|\(message ?? "")", default: (state, message, [])].2.append(account.id)
            }
            for (_, (state, message, ids)) in groups { try await setState(ids, state, message, at: now, on: tx) }
        }
    }
}
