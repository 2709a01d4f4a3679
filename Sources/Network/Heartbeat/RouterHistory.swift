import FluentKit
import Foundation
import MeghnaCore
import Platform

/// A router's heartbeat history: every sample of the last 7 days, one per hour before that.
public enum RouterHistory {
    /// Samples older than this are folded into hours.
    public static let fullResolution: TimeInterval = 7 * 86_400

    public struct Point: Sendable, Equatable {
        public var at: Date
        public var periodSeconds: Int
        public var checks: Int
        public var upChecks: Int
        public var rttMilliseconds: Int?
        public var cpuLoad: Int?
        public var freeMemory: Int64?
        public var totalMemory: Int64?
        public var uptimeSeconds: Int64?
    }

    /// The samples of one router between two instants (at most 31 days, up to 5,000 points).
    public static func points(_ ctx: TenantContext, routerID: String?, from: Date, to: Date, on db: any Database) async throws -> [Point] {
        let router = try await Routers.find(ctx, routerID, on: db)
        var v = Validator()
        if to <= from { v.add("to", "must be after from") }
        if to.timeIntervalSince(from) > 31 * 86_400 { v.add("from", "the range may span at most 31 days") }
        try v.check()
        return try await RouterSample.inOrganization(ctx.organizationID, on: db)
            .filter(\.$routerID == router.id!).filter(\.$at >= from).filter(\.$at <= to)
            .sort(\.$at).limit(5_000).all()
            .map { Point(at: $0.at, periodSeconds: $0.periodSeconds, checks: $0.checks, upChecks: $0.upChecks, rttMilliseconds: $0.rttMilliseconds,
                         cpuLoad: $0.cpuLoad, freeMemory: $0.freeMemory, totalMemory: $0.totalMemory, uptimeSeconds: $0.uptimeSeconds) }
    }

    /// Folds every router's samples older than 7 days into one sample per router and hour
    /// (checks and answers summed, round trip and load averaged over the answers, memory and
    /// uptime as last seen). Returns how many samples were folded.
    @discardableResult
    public static func downsample(now: Date, on db: any Database) async throws -> Int {
        let cutoff = now.addingTimeInterval(-fullResolution)
        var folded = 0
        while true {
            let batch = try await RouterSample.query(on: db).filter(\.$periodSeconds == 0).filter(\.$at < cutoff)
                .sort(\.$at).limit(5_000).all()
            if batch.isEmpty { return folded }
            struct Key: Hashable { var org: UUID; var router: UUID; var hour: Int }
            var groups: [Key: [RouterSample]] = [:]
            for sample in batch {
                groups[Key(org: sample.organizationID, router: sample.routerID, hour: Int(sample.at.timeIntervalSince1970) / 3600), default: []].append(sample)
            }
            let grouped = groups
            try await db.writeTransaction { tx in
                for (key, samples) in grouped {
                    let start = Date(timeIntervalSince1970: Double(key.hour * 3600))
                    // An hour already summarised (a batch boundary fell inside it) absorbs the rest.
                    let summary = try await RouterSample.inOrganization(key.org, on: tx).filter(\.$routerID == key.router)
                        .filter(\.$periodSeconds == 3600).filter(\.$at == start).first() ?? {
                            let s = RouterSample()
                            s.id = TimeOrderedID.next(at: start)
                            s.organizationID = key.org
                            s.routerID = key.router
                            s.at = start
                            s.periodSeconds = 3600
                            s.checks = 0
                            s.upChecks = 0
                            return s
                        }()
                    let answered = samples.filter { $0.upChecks > 0 }
                    let average = { (values: [Int], weight: Int, previous: Int?) -> Int? in
                        let total = values.reduce(0, +) + (previous ?? 0) * weight
                        let count = values.count + (previous == nil ? 0 : weight)
                        return count == 0 ? nil : total / count
                    }
                    summary.rttMilliseconds = average(answered.compactMap(\.rttMilliseconds), summary.upChecks, summary.rttMilliseconds)
                    summary.cpuLoad = average(answered.compactMap(\.cpuLoad), summary.upChecks, summary.cpuLoad)
                    if let last = answered.last {
                        summary.freeMemory = last.freeMemory
                        summary.totalMemory = last.totalMemory
                        summary.uptimeSeconds = last.uptimeSeconds
                    }
                    summary.checks += samples.reduce(0) { $0 + $1.checks }
                    summary.upChecks += samples.reduce(0) { $0 + $1.upChecks }
                    try await summary.save(on: tx)
                }
                try await RouterSample.query(on: tx).filter(\.$id ~~ batch.map { $0.id! }).delete()
            }
            folded += batch.count
        }
    }
}
