import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS

/// What "Test connection" found: the router's own description, or exactly what failed.
public struct RouterProbe: Sendable, Equatable {
    public var ok: Bool
    /// "Connected in 12 ms: RouterOS 7.18.2 (stable) on CCR2004-16G-2S+, identity core-1", or the failure.
    public var message: String
    public var permanent: Bool
    public var version: String?
    public var identity: String?
    public var boardName: String?
    public var rttMilliseconds: Int?
    public var cpuLoad: Int?
    public var uptimeSeconds: Int64?
}

extension Routers {
    /// Opens a fresh connection with the saved settings (login included), reads the router's
    /// resources and identity, and keeps what it learnt. The commands are audited.
    public static func test(_ ctx: TenantContext, _ id: String?, link: RouterLink, services: PlatformServices, on db: any Database) async throws -> RouterProbe {
        try requireManage(ctx)
        let router = try await Router.find(id, in: ctx, on: db)
        let probe = await probe(router, actor: RouterActor(ctx), audit: true, link: link, services: services, on: db)
        if probe.ok {
            router.rosVersion = probe.version
            router.identity = probe.identity
            router.boardName = probe.boardName
            router.lastError = nil
            router.lastErrorPermanent = false
        } else {
            router.lastError = probe.message
            router.lastErrorPermanent = probe.permanent
        }
        try await router.save(on: db)
        return probe
    }

    /// Tests settings typed on the form before they are saved: `id` names the router being
    /// edited (a blank password keeps its stored one), nil a new router. Nothing is saved; the
    /// test is in the audit trail, not the command audit (an unsaved router has no entries).
    public static func test(_ ctx: TenantContext, editing id: String?, _ input: Input, link: RouterLink, services: PlatformServices,
                            on db: any Database) async throws -> RouterProbe {
        try requireManage(ctx)
        // The saved router with the typed changes applied in memory (never saved), or a new one.
        let draft = if let id { try await Router.find(id, in: ctx, on: db) } else { Routers.newRouter(ctx) }
        var checked = input
        checked.name = checked.name.nonBlank ?? (id == nil ? "test" : nil)
        try await apply(checked, to: draft, creating: id == nil, ctx, services: services, on: db, checkingName: false)
        let probe = await probe(draft, actor: RouterActor(ctx), audit: false, link: link, services: services, on: db)
        try await Audit.record("router.tested", "Tested the connection to \(draft.host):\(draft.port): \(probe.message)", ctx: ctx,
                               target: id == nil ? nil : .init("router", draft.id), at: services.clock.now(), on: db)
        return probe
    }

    static func probe(_ router: Router, actor: RouterActor, audit: Bool, link: RouterLink, services: PlatformServices, on db: any Database) async -> RouterProbe {
        let resource = RouterOSCommand.print("/system/resource")
        let identity = RouterOSCommand.print("/system/identity")
        do {
            let endpoint = try Routers.endpoint(router, services: services)
            let connection = try await link.connect(endpoint)
            let started = ContinuousClock.now
            let send: (RouterOSCommand) async throws -> RouterOSReply = { command in
                if audit {
                    return try await RouterCommands.audited(command, router: router, actor: actor, customerID: nil, services: services, on: db) {
                        try await connection.run(command)
                    }
                }
                return try await connection.run(command)
            }
            let resources: [String: String]
            let rtt: Duration
            let name: String?
            do {
                resources = try await send(resource).rows.first ?? [:]
                rtt = ContinuousClock.now - started
                name = try await send(identity).rows.first?["name"]
                await connection.close()
            } catch {
                await connection.close()
                throw error
            }
            var probe = RouterProbe(ok: true, message: "", permanent: false)
            probe.version = resources["version"]
            probe.boardName = resources["board-name"]
            probe.identity = name
            probe.rttMilliseconds = rtt.wholeMilliseconds
            probe.cpuLoad = resources["cpu-load"].flatMap(Int.init)
            probe.uptimeSeconds = resources["uptime"].flatMap(RouterReadings.seconds)
            let board = probe.boardName.map { " on \($0)" } ?? ""
            let who = name.map { ", identity \($0)" } ?? ""
            probe.message = "Connected in \(probe.rttMilliseconds ?? 0) ms: RouterOS \(probe.version ?? "(version not given)")\(board)\(who)"
            return probe
        } catch let error as RouterOSError {
            return RouterProbe(ok: false, message: error.description, permanent: error.isPermanent)
        } catch {
            return RouterProbe(ok: false, message: "could not test the connection: \(error)", permanent: false)
        }
    }
}

/// Readings in RouterOS's own formats.
public enum RouterReadings {
    /// RouterOS uptimes: "1w2d3h4m5s", "3h12m", "45s" (also "00:01:02" from older versions).
    public static func seconds(_ text: String) -> Int64? {
        if text.contains(":") {
            let parts = text.split(separator: ":").map { Int64($0) }
            guard parts.count == 3, let h = parts[0], let m = parts[1], let s = parts[2] else { return nil }
            return h * 3600 + m * 60 + s
        }
        var total: Int64 = 0
        var number: Int64 = 0
        var sawDigit = false
        for ch in text {
            if let digit = ch.wholeNumberValue {
                number = number * 10 + Int64(digit)
                sawDigit = true
                continue
            }
            let unit: Int64
            switch ch {
            case "w": unit = 604_800
            case "d": unit = 86_400
            case "h": unit = 3600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard sawDigit else { return nil }
            total += number * unit
            number = 0
            sawDigit = false
        }
        return sawDigit ? nil : (text.isEmpty ? nil : total)
    }
}
