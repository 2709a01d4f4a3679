import Billing
import CRM
import Fluent
import Jobs
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import RouterOS
import RouterOSSim
import Testing
import TestSupport

/// Provisioning against the simulator: suspension within seconds, restoration, convergence after
/// a dropped connection, a router down during a suspension, drift, and entries not Meghna's.
@Suite struct ProvisioningTests {
    struct World {
        var tenant: Tenant
        var ctx: TenantContext
        var router: MeghnaNetwork.Router
        var plan: Plan
        var subscriptions: [Subscription]
    }

    /// A router on the simulator, a plan and `count` active subscriptions, each provisioned
    /// (PPPoE `c00000N`; the first with static IP 10.20.0.1).
    func world(_ t: TestApp, _ sim: RouterOSSimulator, count: Int = 3) async throws -> World {
        let tenant = try await t.makeTenant("Padma Net")
        let ctx = try await t.context(of: tenant.admin)
        var input = Plans.Input()
        (input.code, input.name, input.serviceType, input.downloadSpeed, input.uploadSpeed, input.price) = ("HOME-20", "Home 20", "pppoe", "20M", "10M", "1000")
        let plan = try await Plans.create(ctx, input, services: t.services, on: t.db)
        let router = try await t.makeRouter(tenant, port: sim.port)
        var subscriptions: [Subscription] = []
        for i in 1...count {
            let customer = try await Customers.create(ctx, .init(displayName: "Customer \(i)", phones: ["0171100\(String(format: "%04d", i))"]),
                                                      services: t.services, on: t.db)
            let s = try await Subscriptions.create(ctx, .init(customerID: customer.id!.uuidString, planID: plan.id!.uuidString, activate: "true"),
                                                   services: t.services, on: t.db)
            _ = try await ServiceAccounts.provision(ctx, subscriptionID: s.id!.uuidString,
                                                    .init(routerID: router.id!.uuidString, username: "c\(String(format: "%06d", i))",
                                                          staticIP: i == 1 ? "10.20.0.1" : nil),
                                                    services: t.services, on: t.db)
            subscriptions.append(s)
        }
        try await t.drainJobs()
        return World(tenant: tenant, ctx: ctx, router: router, plan: plan, subscriptions: subscriptions)
    }

    func secret(_ sim: RouterOSSimulator, _ name: String) -> [String: String]? {
        sim.rows("/ppp/secret").first { $0["name"] == name }
    }

    func account(_ t: TestApp, _ s: Subscription) async throws -> ServiceAccount {
        try #require(try await ServiceAccount.query(on: t.db).filter(\.$subscriptionID == s.id!).first())
    }

    func reconcile(_ t: TestApp, _ router: MeghnaNetwork.Router, dryRun: Bool = false, drift: String? = nil) async throws -> Reconciler.Report {
        try await Reconciler.run(router, options: .init(trigger: "manual", actor: .job("test"), dryRun: dryRun, driftDecision: drift),
                                 link: t.link, services: t.services, on: t.db)
    }

    @Test func provisioningPutsEachAccountOnTheRouterWithItsProfile() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim)
                let first = try #require(secret(sim, "c000001"))
                #expect(first["profile"] == "HOME-20" && first["service"] == "pppoe" && first["disabled"] == "false")
                #expect(first["remote-address"] == "10.20.0.1")
                #expect(first["comment"]?.hasPrefix("meghna:") == true)
                let sealed = try await account(t, w.subscriptions[0]).passwordSealed
                #expect(first["password"] == (try t.services.secrets.open(sealed)))
                let profile = try #require(sim.rows("/ppp/profile").first { $0["name"] == "HOME-20" })
                #expect(profile["rate-limit"] == w.plan.rateLimit)
                for s in w.subscriptions { #expect(try await account(t, s).syncState == .synced) }
                // Every command is in the audit, and the customer's timeline says what was done.
                #expect(try await RouterCommandEntry.query(on: t.db).filter(\.$menu == "/ppp/secret").filter(\.$action == "add").count() == 3)
                #expect(try await Activity.query(on: t.db).filter(\.$kind == "router_command").count() >= 3)
                // A second reconcile finds nothing to do.
                let again = try await reconcile(t, w.router)
                #expect(again.plan.entries.isEmpty && again.commands == 0)
            }
        }
    }

    @Test func suspensionCutsTheCustomerOffWithinSecondsAndRestorationReversesIt() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim)
                let s = w.subscriptions[0]
                sim.connectPPP(name: "c000001", address: "10.20.0.1")
                sim.connectPPP(name: "c000002", address: "10.20.0.2")
                let started = ContinuousClock.now
                _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false, services: t.services, on: t.db)
                try await t.drainJobs()
                let took = ContinuousClock.now - started
                #expect(took < .seconds(5), "suspended in \(took)")
                #expect(secret(sim, "c000001")?["disabled"] == "true")
                #expect(sim.rows("/ppp/active").map { $0["name"] } == ["c000002"], "the suspended customer's session is gone, the other stays")
                #expect(sim.rows("/ip/firewall/address-list").contains { $0["list"] == "meghna-unpaid" && $0["address"] == "10.20.0.1" })
                #expect(try await account(t, s).syncState == .synced)
                // The same state again changes nothing (idempotent).
                #expect(try await reconcile(t, w.router).commands == 0)
                _ = try await Subscriptions.resume(w.ctx, s.id!.uuidString, on: nil, services: t.services, on: t.db)
                try await t.drainJobs()
                #expect(secret(sim, "c000001")?["disabled"] == "false")
                #expect(!sim.rows("/ip/firewall/address-list").contains { $0["address"] == "10.20.0.1" })
                #expect(try await account(t, s).syncState == .synced)
            }
        }
    }

    @Test func profileModeMovesTheSuspendedCustomerToTheSuspendedProfile() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 2)
                _ = try await Settings.update(w.ctx, ["network": ["suspend_mode": .string("profile")]], services: t.services, on: t.db)
                sim.connectPPP(name: "c000002", address: "10.20.0.2")
                _ = try await Subscriptions.suspend(w.ctx, w.subscriptions[1].id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false,
                                                   services: t.services, on: t.db)
                try await t.drainJobs()
                let entry = try #require(secret(sim, "c000002"))
                #expect(entry["profile"] == "meghna-suspended" && entry["disabled"] == "false")
                #expect(sim.rows("/ppp/active").isEmpty, "cut so that it reconnects on the suspended profile")
                let profile = try #require(sim.rows("/ppp/profile").first { $0["name"] == "meghna-suspended" })
                #expect(profile["address-list"] == "meghna-unpaid" && profile["rate-limit"] == "64k/64k")
            }
        }
    }

    @Test func aReconcileCutShortByADroppedConnectionConvergesWithNothingDuplicatedOrLost() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                // Forty more accounts Meghna has not sent yet (made while the router was away).
                var specs: [(Subscription, String)] = []
                for i in 2...41 {
                    let customer = try await Customers.create(w.ctx, .init(displayName: "Bulk \(i)", phones: ["0181100\(String(format: "%04d", i))"]),
                                                              services: t.services, on: t.db)
                    let s = try await Subscriptions.create(w.ctx, .init(customerID: customer.id!.uuidString, planID: w.plan.id!.uuidString, activate: "true"),
                                                           services: t.services, on: t.db)
                    specs.append((s, "b\(i)"))
                    _ = try await ServiceAccounts.provision(w.ctx, subscriptionID: s.id!.uuidString, .init(routerID: w.router.id!.uuidString, username: "b\(i)"),
                                                            services: t.services, on: t.db)
                }
                try await JobRecord.query(on: t.db).filter(\.$kind == NetworkContracts.applySubscriptionState.name).delete()
                sim.setLatency(.milliseconds(100))
                // The connection drops once the adds are under way: reads done, some adds sent.
                let before = sim.commandsReceived
                let dropper = Task {
                    while sim.commandsReceived < before + 20 { try await Task.sleep(for: .milliseconds(2)) }
                    sim.dropConnections()
                }
                let first = try await reconcile(t, w.router)
                try await dropper.value
                #expect(first.failures > 0 && first.temporaryError != nil, "the drop cut the run short")
                let waiting = try await ServiceAccount.query(on: t.db).filter(\.$syncState == .waiting).count()
                #expect(waiting > 0, "accounts whose commands were lost wait; none is reported done")
                sim.setLatency(.zero)
                let second = try await reconcile(t, w.router)
                #expect(second.failures == 0)
                let names = sim.rows("/ppp/secret").compactMap { $0["name"] }
                #expect(names.count == 41 && Set(names).count == 41, "each account once")
                #expect(try await ServiceAccount.query(on: t.db).filter(\.$syncState != .synced).count() == 0)
                #expect(try await reconcile(t, w.router).commands == 0, "converged")
            }
        }
    }

    @Test func aRouterDownDuringASuspensionGetsItWhenItAnswersAgain() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 2)
                let s = w.subscriptions[1]
                // The router stops answering (its API port is closed).
                let stored = try #require(try await MeghnaNetwork.Router.find(w.router.id, on: t.db))
                let realPort = stored.port
                stored.port = try await closedPort()
                try await stored.save(on: t.db)
                let payload = RouterHeartbeatPayload(routerID: stored.id!, organizationID: w.tenant.id)
                for _ in 0..<3 {
                    t.clock.advance(by: 60)
                    _ = try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db)
                }
                #expect(try await MeghnaNetwork.Router.find(w.router.id, on: t.db)?.health == .down)
                _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false, services: t.services, on: t.db)
                try await t.drainJobs()
                let waiting = try await account(t, s)
                #expect(waiting.syncState == .waiting && waiting.syncMessage?.hasPrefix("Waiting for router Core 1") == true, "never done")
                #expect(secret(sim, "c000002")?["disabled"] == "false")
                // Back: the heartbeat sees it, a reconcile is queued and the suspension goes out.
                stored.port = realPort
                try await stored.save(on: t.db)
                t.clock.advance(by: 60)
                guard case .up = try await Heartbeat.beat(payload, link: t.link, services: t.services, on: t.db) else {
                    Issue.record("the router answers again"); return
                }
                try await t.drainJobs()
                #expect(secret(sim, "c000002")?["disabled"] == "true")
                #expect(try await account(t, s).syncState == .synced)
                let runs = try await ReconcileRun.query(on: t.db).filter(\.$trigger == "recovery").all()
                #expect(runs.last?.outcome == "done", "\(runs.map { "\($0.outcome) \($0.message ?? "")" })")
            }
        }
    }

    @Test func handEditsAreHeldAsDriftAndCorrectedOrAdoptedAsChosen() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 2)
                // By hand on the router: a new password and profile for c000001, c000002 switched on while suspended.
                _ = try await Subscriptions.suspend(w.ctx, w.subscriptions[1].id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false,
                                                   services: t.services, on: t.db)
                try await t.drainJobs()
                let connection = try await RouterOSConnection.connect(to: try Routers.endpoint(w.router, services: t.services))
                let one = try #require(secret(sim, "c000001")?[".id"])
                let two = try #require(secret(sim, "c000002")?[".id"])
                _ = try await connection.run(.set("/ppp/secret", id: one, [("password", "handmade-77"), ("profile", "default")]))
                _ = try await connection.run(.set("/ppp/secret", id: two, [("disabled", "no")]))
                await connection.close()
                let dry = try await reconcile(t, w.router, dryRun: true)
                let held = try #require(dry.plan.entries.first { $0.key == "c000001" })
                #expect(held.kind == .drift && Set(held.fields.map(\.field)) == ["password", "profile"] && held.fields.allSatisfy { $0.held })
                #expect(held.fields.first { $0.field == "password" }?.router == "••••", "a password is never shown")
                let enforced = try #require(dry.plan.entries.first { $0.key == "c000002" && $0.kind == .change })
                #expect(enforced.fields.map(\.field) == ["disabled"] && enforced.fields[0].drift && enforced.fields[0].sent, "billing decides: set back")
                #expect(secret(sim, "c000001")?["profile"] == "default", "a dry run sends nothing")
                _ = try await reconcile(t, w.router)
                #expect(secret(sim, "c000002")?["disabled"] == "true")
                #expect(secret(sim, "c000001")?["profile"] == "default" && secret(sim, "c000001")?["password"] == "handmade-77", "held, not overwritten")
                #expect(try await account(t, w.subscriptions[0]).syncState == .drift)
                let rows = try await Drift.list(w.ctx, routerID: w.router.id!.uuidString, on: t.db)
                #expect(rows.map(\.field) == ["password", "profile"])
                // The engineer adopts the password and corrects the profile.
                let password = try #require(rows.first { $0.field == "password" })
                let profile = try #require(rows.first { $0.field == "profile" })
                await #expect(throws: DomainError.self) {
                    try await Drift.decide(w.ctx, routerID: w.router.id!.uuidString, driftIDs: [password.id!.uuidString], decision: "keep",
                                           services: t.services, on: t.db)
                }
                try await Drift.decide(w.ctx, routerID: w.router.id!.uuidString, driftIDs: [password.id!.uuidString], decision: "adopt",
                                       services: t.services, on: t.db)
                try await Drift.decide(w.ctx, routerID: w.router.id!.uuidString, driftIDs: [profile.id!.uuidString], decision: "correct",
                                       services: t.services, on: t.db)
                try await t.drainJobs()
                #expect(secret(sim, "c000001")?["profile"] == "HOME-20")
                #expect(secret(sim, "c000001")?["password"] == "handmade-77")
                let adopted = try await account(t, w.subscriptions[0])
                #expect(try t.services.secrets.open(adopted.passwordSealed) == "handmade-77" && adopted.syncState == .synced)
                #expect(try await RouterDrift.query(on: t.db).count() == 0)
                #expect(try await reconcile(t, w.router).plan.entries.isEmpty)
            }
        }
    }

    @Test func entriesMeghnaDidNotMakeAreLeftAlone() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                sim.insert("/ppp/secret", ["name": "legacy-7", "password": "old", "profile": "default", "comment": "office line"])
                sim.insert("/ppp/secret", ["name": "c000003", "password": "theirs", "profile": "default"])
                sim.insert("/ip/firewall/address-list", ["list": "meghna-unpaid", "address": "192.168.88.9", "comment": "added by hand"])
                let w = try await world(t, sim, count: 3)
                let legacy = try #require(secret(sim, "legacy-7"))
                #expect(legacy["password"] == "old" && legacy["comment"] == "office line")
                #expect(secret(sim, "c000003")?["password"] == "theirs", "a name taken by an entry Meghna did not make is not overwritten")
                #expect(sim.rows("/ip/firewall/address-list").contains { $0["address"] == "192.168.88.9" })
                let report = try await reconcile(t, w.router, dryRun: true)
                #expect(report.plan.count(.conflict) == 1 && report.plan.unmanaged >= 2)
                #expect(try await account(t, w.subscriptions[2]).syncState == .drift)
                // Taking it over makes it Meghna's.
                let conflict = try #require(try await Drift.list(w.ctx, routerID: w.router.id!.uuidString, on: t.db).first { $0.field == "*" })
                try await Drift.decide(w.ctx, routerID: w.router.id!.uuidString, driftIDs: [conflict.id!.uuidString], decision: "adopt",
                                       services: t.services, on: t.db)
                try await t.drainJobs()
                #expect(secret(sim, "c000003")?["comment"]?.hasPrefix("meghna:") == true && secret(sim, "c000003")?["profile"] == "HOME-20")
                #expect(try await account(t, w.subscriptions[2]).syncState == .synced)
                #expect(secret(sim, "legacy-7")?["password"] == "old")
            }
        }
    }

    @Test func aRefusalStopsTheJobWithTheRoutersWords() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                let wrong = try await t.makeRouter(w.tenant, name: "Edge 2", port: sim.port, password: "wrong-password")
                let customer = try await Customers.create(w.ctx, .init(displayName: "Refused", phones: ["01911000001"]), services: t.services, on: t.db)
                let s = try await Subscriptions.create(w.ctx, .init(customerID: customer.id!.uuidString, planID: w.plan.id!.uuidString, activate: "true"),
                                                       services: t.services, on: t.db)
                _ = try await ServiceAccounts.provision(w.ctx, subscriptionID: s.id!.uuidString, .init(routerID: wrong.id!.uuidString, username: "x1"),
                                                        services: t.services, on: t.db)
                try await t.drainJobs()
                let refused = try await account(t, s)
                #expect(refused.syncState == .failed && refused.syncMessage?.contains("login refused") == true)
                let jobs = try await JobRecord.query(on: t.db).filter(\.$kind == NetworkContracts.applySubscriptionState.name)
                    .filter(\.$organizationID == w.tenant.id).all()
                #expect(jobs.contains { $0.state == JobState.discarded.rawValue }, "not retried: a wrong password does not fix itself")
                #expect(!jobs.contains { $0.state == JobState.retryable.rawValue || $0.state == JobState.available.rawValue })
            }
        }
    }

    @Test func aBulkSuspendCountsFirstThenRecordsAResultPerSubscription() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 6)
                _ = try await Subscriptions.suspend(w.ctx, w.subscriptions[5].id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false,
                                                   services: t.services, on: t.db)
                try await t.drainJobs()
                let input = BulkActions.Input(action: "suspend", routerID: w.router.id!.uuidString)
                let preview = try await BulkActions.preview(w.ctx, input, services: t.services, on: t.db)
                #expect(preview.count == 5 && preview.sample.count == 5, "the one already suspended is not counted")
                #expect(try await Subscription.query(on: t.db).filter(\.$status == .suspended).count() == 1, "counting changes nothing")
                await #expect(throws: DomainError.self) {
                    _ = try await BulkActions.preview(w.ctx, .init(action: "change_plan"), services: t.services, on: t.db)
                }
                let action = try await BulkActions.create(w.ctx, input, services: t.services, on: t.db)
                try await t.drainJobs()
                let done = try #require(try await BulkAction.find(action.id, on: t.db))
                #expect(done.state == "done" && done.done == 5 && done.failed == 0)
                let items = try await BulkActions.items(w.ctx, done, on: t.db)
                #expect(items.map(\.outcome) == Array(repeating: "done", count: 5))
                #expect(sim.rows("/ppp/secret").filter { $0["disabled"] == "true" }.count == 6, "every secret disabled on the router")
                // Branch staff of another branch see neither the subscriptions nor the action.
                let other = try await Branches.create(w.ctx, .init(name: "Chattogram"), services: t.services, on: t.db)
                let staff = try await t.makeUser(in: w.tenant, role: .branchAdmin, email: "ctg@padma.test")
                try await UserBranch(organizationID: w.tenant.id, userID: staff.id!, branchID: other.id!).create(on: t.db)
                let branchCtx = try await t.context(of: staff)
                #expect(try await BulkActions.preview(branchCtx, .init(action: "restore"), services: t.services, on: t.db).count == 0)
                await #expect(throws: DomainError.self) { _ = try await BulkActions.find(branchCtx, action.id!.uuidString, on: t.db) }
            }
        }
    }

    @Test func anImportMakesCustomersFromTheRoutersEntriesAfterADryRun() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                sim.insert("/ppp/secret", ["name": "rahim", "password": "rahim-pass", "profile": "HOME-20", "comment": "Rahim Uddin 01711-000777",
                                           "caller-id": "AA:BB:CC:DD:EE:01"])
                sim.insert("/ppp/secret", ["name": "karim", "password": "karim-pass", "profile": "old-10m", "disabled": "true"])
                sim.insert("/ppp/secret", ["name": "c000001", "password": "clash", "profile": "HOME-20"])
                let customersBefore = try await Customer.query(on: t.db).count()
                let dry = try await RouterImport.run(w.ctx, routerID: w.router.id!.uuidString, dryRun: true, link: t.link, services: t.services, on: t.db)
                #expect(dry.map(\.name).sorted() == ["c000001", "karim", "rahim"])
                #expect(dry.first { $0.name == "rahim" }?.outcome == "create" && dry.first { $0.name == "rahim" }?.phone == "01711000777")
                #expect(dry.first { $0.name == "karim" }?.reason?.contains("no plan for profile old-10m") == true)
                #expect(dry.first { $0.name == "c000001" }?.outcome == "skip", "already an account")
                #expect(try await Customer.query(on: t.db).count() == customersBefore, "a dry run writes nothing")
                // Map the old profile to the plan and import.
                let done = try await RouterImport.run(w.ctx, routerID: w.router.id!.uuidString, dryRun: false, planMap: ["old-10m": w.plan.id!.uuidString],
                                                      link: t.link, services: t.services, on: t.db)
                #expect(done.filter { $0.outcome == "created" }.map(\.name).sorted() == ["karim", "rahim"])
                try await t.drainJobs()
                let rahim = try #require(try await ServiceAccount.query(on: t.db).filter(\.$username == "rahim").first())
                #expect(rahim.syncState == .synced && rahim.callerID == "AA:BB:CC:DD:EE:01")
                #expect(try t.services.secrets.open(rahim.passwordSealed) == "rahim-pass", "the router's password is kept")
                let customer = try #require(try await Customer.find(rahim.customerID, on: t.db))
                #expect(customer.displayName == "Rahim Uddin" && customer.primaryPhone == "+8801711000777")
                #expect(secret(sim, "rahim")?["comment"]?.hasPrefix("meghna:") == true && secret(sim, "rahim")?["password"] == "rahim-pass")
                let karim = try #require(try await ServiceAccount.query(on: t.db).filter(\.$username == "karim").first())
                #expect(try await Subscription.find(karim.subscriptionID, on: t.db)?.status == .suspended, "disabled on the router: suspended")
                #expect(secret(sim, "karim")?["disabled"] == "true" && secret(sim, "karim")?["profile"] == "HOME-20")
                #expect(sim.rows("/ppp/secret").contains { $0["password"] == "clash" && $0["comment"] == nil }, "the clash is left alone")
            }
        }
    }

    @Test func branchStaffCannotReachAnotherBranchsRouterOrAccounts() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                let other = try await Branches.create(w.ctx, .init(name: "Sylhet"), services: t.services, on: t.db)
                let staff = try await t.makeUser(in: w.tenant, role: .branchAdmin, email: "sylhet@padma.test")
                try await UserBranch(organizationID: w.tenant.id, userID: staff.id!, branchID: other.id!).create(on: t.db)
                let ctx = try await t.context(of: staff)
                let id = w.router.id!.uuidString
                await #expect(throws: DomainError.notFound("Router")) {
                    _ = try await Provisioning.preview(ctx, routerID: id, link: t.link, services: t.services, on: t.db)
                }
                await #expect(throws: DomainError.notFound("Router")) {
                    try await Provisioning.reconcileNow(ctx, routerID: id, driftDecision: nil, services: t.services, on: t.db)
                }
                await #expect(throws: DomainError.notFound("Router")) { _ = try await Drift.list(ctx, routerID: id, on: t.db) }
                await #expect(throws: DomainError.notFound("Router")) {
                    _ = try await RouterImport.run(ctx, routerID: id, dryRun: true, link: t.link, services: t.services, on: t.db)
                }
                await #expect(throws: DomainError.self) {
                    _ = try await ServiceAccounts.resetPassword(ctx, subscriptionID: w.subscriptions[0].id!.uuidString, services: t.services, on: t.db)
                }
                #expect(try await Provisioning.status(ctx, subscriptionID: w.subscriptions[0].id!, on: t.db) == nil, "another branch's account is not shown")
            }
        }
    }

    @Test func theWizardTurnsALeadIntoAConnectedSubscriptionStepByStep() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                let lead = try await Leads.create(w.ctx, .init(name: "Shirin Akter", phones: ["01712000321"], address: "House 7, Road 3"),
                                                  services: t.services, on: t.db)
                let draft = try await Onboarding.start(w.ctx, leadID: lead.id!.uuidString, services: t.services, on: t.db)
                #expect(draft.data["display_name"] == "Shirin Akter" && draft.data["phone"] == "01712000321" && draft.step == "details")
                let id = draft.id!.uuidString
                // A bad mobile is refused and what was typed is kept in the draft.
                await #expect(throws: DomainError.self) {
                    _ = try await Onboarding.save(w.ctx, id, step: "details", values: ["display_name": "Shirin Akter", "phone": "12345"],
                                                  services: t.services, on: t.db)
                }
                #expect(try await Onboarding.find(w.ctx, id, on: t.db).data["phone"] == "12345")
                _ = try await Onboarding.save(w.ctx, id, step: "details", values: ["display_name": "Shirin Akter", "phone": "01712000321"], services: t.services, on: t.db)
                _ = try await Onboarding.save(w.ctx, id, step: "address", values: ["line1": "House 7, Road 3"], services: t.services, on: t.db)
                _ = try await Onboarding.save(w.ctx, id, step: "plan", values: ["plan_id": w.plan.id!.uuidString], services: t.services, on: t.db)
                // The username is checked on the router: c000001 is taken there.
                await #expect(throws: DomainError.self) {
                    _ = try await Onboarding.save(w.ctx, id, step: "service", values: ["router_id": w.router.id!.uuidString, "username": "c000001"],
                                                  services: t.services, on: t.db)
                }
                let ready = try await Onboarding.save(w.ctx, id, step: "service", values: ["router_id": w.router.id!.uuidString, "username": "shirin"],
                                                      services: t.services, on: t.db)
                #expect(ready.step == "review")
                let review = try await Onboarding.review(w.ctx, ready, services: t.services, on: t.db)
                #expect(review.total.minorUnits == 100_000 && review.lines.count == 1)
                let made = try await Onboarding.create(w.ctx, id, services: t.services, on: t.db)
                try await t.drainJobs()
                #expect(secret(sim, "shirin")?["password"] == made.password && secret(sim, "shirin")?["disabled"] == "false")
                #expect(try await ServiceAccount.find(made.account.id, on: t.db)?.syncState == .synced)
                #expect(try await Lead.find(lead.id, on: t.db)?.status == .converted)
                #expect(try await Subscription.find(made.account.subscriptionID, on: t.db)?.status == .active)
                #expect(try await Onboarding.drafts(w.ctx, on: t.db).isEmpty, "a finished draft leaves the list")
                await #expect(throws: DomainError.self) { _ = try await Onboarding.create(w.ctx, id, services: t.services, on: t.db) }
            }
        }
    }

    @Test func aTrapOnBadDataStopsTheJobWithTheRoutersWordsAndNothingSaysDone() async throws {
        try await withApp { t in
            try await withSimulator { sim in
                let w = try await world(t, sim, count: 1)
                sim.setRefusal("/ppp/secret/set", message: "invalid value for argument remote-address")
                let s = w.subscriptions[0]
                _ = try await Subscriptions.suspend(w.ctx, s.id!.uuidString, reason: "unpaid", on: nil, pauseBilling: false, services: t.services, on: t.db)
                try await t.drainJobs()
                let refused = try await account(t, s)
                #expect(refused.syncState == .failed)
                #expect(refused.syncMessage == "Router Core 1: the router refused: invalid value for argument remote-address (bad argument value)")
                #expect(secret(sim, "c000001")?["disabled"] == "false", "the router did not take it")
                let jobs = try await JobRecord.query(on: t.db).filter(\.$kind == NetworkContracts.applySubscriptionState.name)
                    .filter(\.$state == JobState.discarded.rawValue).all()
                #expect(jobs.count == 1, "stopped, not retried")
                // Once the router takes it again, the next reconcile brings it in line.
                sim.setRefusal("/ppp/secret/set", message: nil)
                #expect(try await reconcile(t, w.router).failures == 0)
                #expect(secret(sim, "c000001")?["disabled"] == "true")
                #expect(try await account(t, s).syncState == .synced)
            }
        }
    }
}
