import CRM
import Fluent
import Foundation
import MeghnaCore
import Platform
import SQLKit
import Vapor

/// `meghna crm benchmark`: seeds an organization with many customers (once; later runs reuse
/// them) and measures the search box and the customer list on the configured database.
struct CRMBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "customers", help: "Customers to have in the benchmark organization (default 100000)") var customers: Int?
        @Option(name: "queries", help: "Search queries to time (default 1000)") var queries: Int?
    }

    var help: String { "Measures customer search and list latency (p50/p99) with a seeded organization" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareDatabase()
        let target = signature.customers ?? 100_000
        let queries = signature.queries ?? 1000
        guard (100...2_000_000).contains(target) else { throw CommandFailure("--customers must be between 100 and 2000000.") }
        guard (10...100_000).contains(queries) else { throw CommandFailure("--queries must be between 10 and 100000.") }
        let db = app.db
        let bench = try await BenchmarkOrganization.prepare(app, customers: target, console: context.console)
        let (ctx, resellers, database) = (bench.context, bench.resellers, bench.databaseName)
        let total = try await Customer.scoped(to: ctx, on: db).count()

        // 1,000 mixed queries, in the proportions a support desk types them.
        var rng = CRMSeeder.Generator(seed: 42)
        var mixed: [(String, String)] = []
        for i in 0..<queries {
            let index = Int.random(in: 0..<total, using: &rng)
            let phone = CRMSeeder.phone(index)
            switch i % 10 {
            case 0, 1: mixed.append(("phone, local", phone))
            case 2: mixed.append(("phone, +880", "+880 " + phone.dropFirst().prefix(4) + "-" + phone.dropFirst(5)))
            case 3: mixed.append(("phone, first digits", String(phone.prefix(7))))
            case 4, 5: mixed.append(("name", CRMSeeder.firstNames.randomElement(using: &rng)! + " " + CRMSeeder.lastNames.randomElement(using: &rng)!))
            case 6: mixed.append(("name prefix", String(CRMSeeder.lastNames.randomElement(using: &rng)!.prefix(4))))
            case 7: mixed.append(("customer number", NumberSequences.format(Int64(index + 1), prefix: "C-")))
            case 8: mixed.append(("email", "customer\(index - index % 4)@example.com"))
            default: mixed.append(("address", "\(CRMSeeder.roads.randomElement(using: &rng)!) \(1 + index % 40)"))
            }
        }
        var byKind: [String: [Double]] = [:]
        var all: [Double] = []
        var hits = 0
        for (kind, q) in mixed {
            let start = ContinuousClock.now
            let page = try await CustomerDirectory.search(ctx, .init(query: q), page: try CursorRequest(limit: 50), on: db)
            let ms = (ContinuousClock.now - start).inSeconds * 1000
            if !page.items.isEmpty { hits += 1 }
            byKind[kind, default: []].append(ms)
            all.append(ms)
        }
        context.console.print("\(database), \(total) customers: search over \(queries) mixed queries (page of 50): "
                              + "p50 \(format(percentile(all, 50))) ms, p99 \(format(percentile(all, 99))) ms, max \(format(all.max() ?? 0)) ms; "
                              + "\(hits) found something")
        for kind in byKind.keys.sorted() {
            let values = byKind[kind]!
            context.console.print("  \(kind.padding(toLength: 20, withPad: " ", startingAt: 0)) n=\(values.count)  p50 \(format(percentile(values, 50))) ms"
                                  + "  p99 \(format(percentile(values, 99))) ms")
        }

        // The list page: first pages, deep pages (by cursor) and filtered lists.
        guard let area = try await Area.scoped(to: ctx, on: db).filter(\.$depth == 0).sort(\.$fullName).first() else {
            throw CommandFailure("The benchmark organization has no areas.")
        }
        let lists: [(String, CustomerDirectory.Filter)] = [
            ("all, by name", .init()), ("all, newest", .init(sort: "newest")), ("one zone (area subtree)", .init(areaID: area.id!.uuidString)),
            ("one reseller subtree", .init(resellerID: resellers[0].id!.uuidString)), ("tag vip", .init(tag: "vip")),
            ("status prospect", .init(status: "prospect")),
        ]
        for (label, filter) in lists {
            var times: [Double] = []
            var cursor: String?
            for _ in 0..<50 {
                let start = ContinuousClock.now
                let page = try await CustomerDirectory.search(ctx, filter, page: try CursorRequest(limit: 50, cursor: cursor), on: db)
                times.append((ContinuousClock.now - start).inSeconds * 1000)
                cursor = page.nextCursor
            }
            context.console.print("  list \(label.padding(toLength: 26, withPad: " ", startingAt: 0)) 50 consecutive pages of 50: "
                                  + "p50 \(format(percentile(times, 50))) ms, p99 \(format(percentile(times, 99))) ms")
        }
    }

    func percentile(_ values: [Double], _ p: Double) -> Double {
        guard !values.isEmpty else { return 0 }
        let sorted = values.sorted()
        let rank = Int((p / 100 * Double(sorted.count)).rounded(.up)) - 1
        return sorted[max(0, min(sorted.count - 1, rank))]
    }

    func format(_ ms: Double) -> String { String(format: "%.1f", ms) }
}
