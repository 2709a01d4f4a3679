import Billing
import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS
import SQLKit

/// Brings a router in line with what Meghna wants: reads each menu once, diffs by name, sends
/// only the difference (pipelined), and records what the router now holds. A whole router
/// (scheduled, on demand, after it comes back) or one account (a subscription just changed).
public enum Reconciler {
    public enum Scope: Sendable {
        case router
        case account(UUID)
    }

    public struct Options: Sendable {
        /// schedule, change, manual, recovery
        public var trigger: String
        public var actor: RouterActor
        public var dryRun: Bool
        /// Settles every held drift this way ("correct" or "adopt") in this run.
        public var driftDecision: String?
        /// Commands in flight at once.
        public var window: Int
        public var timeout: Duration?

        public init(trigger: String, actor: RouterActor, dryRun: Bool = false, driftDecision: String? = nil, window: Int = 16, timeout: Duration? = nil) {
            (self.trigger, self.actor, self.dryRun, self.driftDecision, self.window, self.timeout) = (trigger, actor, dryRun, driftDecision, window, timeout)
        }
    }

    public struct Report: Sendable {
        public var plan: RouterPlan
        /// Commands sent and how many of them the router refused or never answered.
        public var commands: Int
        public var failures: Int
        /// done, partial, failed
        public var outcome: String
        public var message: String?
        /// The first error retrying may cure (the connection dropped, a timeout): the job retries.
        public var temporaryError: RouterOSError?
    }

    /// Reads, diffs and (unless a dry run) applies. Throws the router's error when it cannot be
    /// read at all, after marking the accounts concerned as waiting (or failed, when retrying
    /// cannot help).
    public static func run(_ router: Router, scope: Scope = .router, options: Options, link: RouterLink, services: PlatformServices,
                           on db: any Database) async throws -> Report {
        try await link.locks.withLock(router.id!) {
            try await locked(router, scope: scope, options: options, link: link, services: services, on: db)
        }
    }

    static func locked(_ router: Router, scope: Scope, options: Options, link: RouterLink, services: PlatformServices,
                       on db: any Database) async throws -> Report {
        let started = services.clock.now()
        let org = router.organizationID
        let settings = try await Settings.load(organizationID: org, services: services, on: db)
        let policy = ProvisioningPolicy(suspendMode: ProvisioningPolicy.SuspendMode(rawValue: settings.string("network", "suspend_mode")) ?? .disable,
                                        suspendedRateLimit: settings.string("network", "suspended_rate_limit").nonBlank ?? "64k/64k")
        let accounts = try await ProvisioningStore.accounts(router, only: scope.accountID, services: services, on: db)
        let profiles = try await ProvisioningStore.profiles(router, accounts: accounts, scoped: scope.accountID != nil, on: db)
        let served = Set(router.serviceTypes.compactMap(AccessService.init(rawValue:)))
        let desired = DesiredState.entries(accounts: accounts.map(\.spec), profiles: profiles, policy: policy, services: served)
        var keys: Set<String>?
        if scope.accountID != nil {
            var scoped = Set(desired.map { RouterDiff.entryKey($0.menu, $0.key) })
            for account in accounts {
                scoped.insert(RouterDiff.entryKey(ProvisioningMenu.forService(account.spec.service).account, account.spec.username))
                if let address = account.spec.staticIP { scoped.insert(RouterDiff.entryKey(.addressList, address)) }
            }
            keys = scoped
        }
        let applied = try await ProvisioningStore.applied(router, keys: keys, on: db)
        let decisions = try await ProvisioningStore.decisions(router, keys: keys, on: db)
        let read: RouterRead
        do {
            read = try await RouterRead.load(router, menus: menus(served), accounts: scope.accountID == nil ? nil : accounts.map(\.spec),
                                            options: options, link: link, services: services, on: db)
        } catch let error as RouterOSError {
            if !options.dryRun {
                try await ProvisioningStore.markUnreachable(router, accounts: accounts, scoped: scope.accountID != nil, error: error,
                                                            services: services, on: db)
                if scope.accountID == nil {
                    try await ProvisioningStore.recordRun(router, options: options, started: started, plan: nil, commands: 0, failures: 0,
                                                          outcome: "failed", message: error.description, services: services, on: db)
                }
            }
            throw error
        }
        let secrets = services.secrets
        var plan = RouterDiff.plan(desired: desired, rows: read.rows, sessions: read.sessions, applied: applied, decisions: decisions,
                                   keys: keys, defaultDecision: options.driftDecision) { secrets.mac($0, purpose: "router-entry") }
        plan.entries.sort { phase($0) < phase($1) }
        if options.dryRun {
            return Report(plan: plan, commands: 0, failures: 0, outcome: "done", message: nil, temporaryError: nil)
        }
        // Send, phase by phase: profiles before the accounts on them, accounts before their
        // sessions are cut, profiles removed last.
        var outcomes = [Int: [Result<RouterOSReply, RouterOSError>]]()
        var commands = 0
        for phase in 0...3 {
            var items: [RouterCommands.BatchItem] = []
            var owners: [Int] = []
            for (i, entry) in plan.entries.enumerated() where entry.sends && Self.phase(entry) == phase {
                for command in Self.commands(for: entry) {
                    items.append(.init(command, customerID: entry.customerID))
                    owners.append(i)
                }
            }
            let results = try await RouterCommands.runBatch(items, on: router, by: options.actor, window: options.window, timeout: options.timeout,
                                                            link: link, services: services, on: db)
            commands += items.count
            for (owner, result) in zip(owners, results) { outcomes[owner, default: []].append(result) }
        }
        var failures = 0
        var temporary: RouterOSError?
        var refused: String?
        var failed = Set<Int>()
        for (i, results) in outcomes {
            for result in results {
                guard case .failure(let error) = result else { continue }
                // A session that ended by itself before its disconnect is what was wanted.
                if plan.entries[i].kind == .disconnect, error.isTrap { continue }
                failures += 1
                failed.insert(i)
                if error.isTrap { refused = refused ?? error.description } else { temporary = temporary ?? error }
            }
        }
        let outcome = failures == 0 ? "done" : "partial"
        let message = refused ?? temporary?.description
        try await ProvisioningStore.recordOutcome(router, plan: plan, outcomes: outcomes, failed: failed, accounts: accounts, applied: applied,
                                                  keys: keys, actor: options.actor, services: services, on: db)
        if scope.accountID == nil {
            try await ProvisioningStore.recordRun(router, options: options, started: started, plan: plan, commands: commands, failures: failures,
                                                  outcome: outcome, message: message, services: services, on: db)
        }
        return Report(plan: plan, commands: commands, failures: failures, outcome: outcome, message: message, temporaryError: temporary)
    }

    static func menus(_ served: Set<AccessService>) -> [ProvisioningMenu] {
        var out: [ProvisioningMenu] = []
        if served.contains(.pppoe) { out += [.pppProfile, .pppSecret] }
        if served.contains(.hotspot) { out += [.hotspotProfile, .hotspotUser] }
        return out + [.addressList]
    }

    static func phase(_ entry: EntryDiff) -> Int {
        let profile = entry.menu == .pppProfile || entry.menu == .hotspotProfile
        switch entry.kind {
        case .remove: return profile ? 3 : 1
        case .disconnect: return 2
        default: return profile ? 0 : 1
        }
    }

    /// The commands one entry needs: `add`, `set` (plus `unset` for an address cleared), `remove`,
    /// or the session's `remove`.
    static func commands(for entry: EntryDiff) -> [RouterOSCommand] {
        let menu = entry.menu.rawValue
        func wire(_ field: String, _ value: String) -> String {
            field == "disabled" ? (value == "true" ? "yes" : "no") : value
        }
        switch entry.kind {
        case .add:
            return [.add(menu, entry.payload.sorted { $0.key < $1.key }.filter { !$0.value.isEmpty }.map { ($0.key, wire($0.key, $0.value)) })]
        case .change:
            guard let id = entry.itemID else { return [] }
            var set: [(String, String)] = []
            var unset: [RouterOSCommand] = []
            for (field, value) in entry.payload.sorted(by: { $0.key < $1.key }) {
                if value.isEmpty && ProvisioningMenu.unsetWhenEmpty.contains(field) {
                    unset.append(RouterOSCommand("\(menu)/unset", attributes: [.init(name: "numbers", value: id), .init(name: "value-name", value: field)]))
                } else {
                    set.append((field, wire(field, value)))
                }
            }
            return (set.isEmpty ? [] : [.set(menu, id: id, set)]) + unset
        case .remove:
            return entry.itemID.map { [.remove(menu, id: $0)] } ?? []
        case .disconnect:
            guard let id = entry.itemID, let sessions = entry.menu.sessions else { return [] }
            return [.remove(sessions.menu, id: id)]
        case .drift, .conflict:
            return []
        }
    }
}

extension Reconciler.Scope {
    var accountID: UUID? { if case .account(let id) = self { id } else { nil } }
}
