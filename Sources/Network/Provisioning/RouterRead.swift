import FluentKit
import Foundation
import Platform
import RouterOS

/// What a reconcile reads from a router: each managed menu once (`print` with `.proplist`),
/// the unpaid address list, and who is online; all asked at once on the pooled session.
struct RouterRead: Sendable {
    var rows: RouterRows
    /// Sessions menu → account name → session `.id`s.
    var sessions: [String: [String: [String]]]

    /// `accounts`, when given, narrows the account menus and the sessions to those names.
    static func load(_ router: Router, menus: [ProvisioningMenu], accounts: [AccountSpec]?, options: Reconciler.Options, link: RouterLink,
                     services: PlatformServices, on db: any Database) async throws -> RouterRead {
        var items: [RouterCommands.BatchItem] = []
        var targets: [(menu: ProvisioningMenu, sessions: Bool)] = []
        for menu in menus {
            var queries: [String] = []
            if menu == .addressList {
                queries = ["?list=\(ProvisioningPolicy.unpaidList)"]
            } else if let accounts, menu == .pppSecret || menu == .hotspotUser {
                let names = accounts.filter { ProvisioningMenu.forService($0.service).account == menu }.map(\.username)
                guard !names.isEmpty else { continue }
                queries = Self.anyOf("name", names)
            }
            items.append(.init(.print(menu.rawValue, proplist: [".id"] + menu.managedFields, queries: queries)))
            targets.append((menu, false))
            if let (sessionMenu, nameField) = menu.sessions {
                var sessionQueries: [String] = []
                if let accounts {
                    let names = accounts.filter { ProvisioningMenu.forService($0.service).account == menu }.map(\.username)
                    sessionQueries = Self.anyOf(nameField, names)
                }
                items.append(.init(.print(sessionMenu, proplist: [".id", nameField], queries: sessionQueries)))
                targets.append((menu, true))
            }
        }
        let results = try await RouterCommands.runBatch(items, on: router, by: options.actor, window: 8, timeout: options.timeout,
                                                        link: link, services: services, on: db)
        var read = RouterRead(rows: [:], sessions: [:])
        for (target, result) in zip(targets, results) {
            let reply = try result.get()
            if target.sessions, let (sessionMenu, nameField) = target.menu.sessions {
                var byName: [String: [String]] = [:]
                for row in reply.rows {
                    if let name = row[nameField], let id = row[".id"] { byName[name, default: []].append(id) }
                }
                read.sessions[sessionMenu] = byName
            } else {
                read.rows[target.menu] = reply.rows
            }
        }
        return read
    }

    /// `?field=a ?field=b ?#|`: any of the names (RouterOS ORs the two values on its query stack).
    static func anyOf(_ field: String, _ names: [String]) -> [String] {
        guard let first = names.first else { return [] }
        var out = ["?\(field)=\(first)"]
        for name in names.dropFirst() {
            out.append("?\(field)=\(name)")
            out.append("?#|")
        }
        return out
    }
}
