import Fluent
import Foundation
import Jobs
import MeghnaCore
import Platform
import Vapor

/// `meghna jobs benchmark`: how many jobs per second a worker claims and completes here.
struct JobsBenchmarkCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "jobs", help: "Number of jobs (default 5000)") var jobs: Int?
        @Option(name: "concurrency", help: "Jobs claimed per batch (default 8)") var concurrency: Int?
    }

    var help: String { "Measures job throughput (enqueue, claim, run, complete) on the configured database" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareDatabase()
        let count = signature.jobs ?? 5000
        guard (1...1_000_000).contains(count) else { throw CommandFailure("--jobs must be between 1 and 1000000.") }
        var registry = JobRegistry()
        registry.register("benchmark.noop") { _ in }
        let queue = JobQueue()
        let started = ContinuousClock.now
        for index in 0..<count {
            try await queue.enqueue("benchmark.noop", payload: ["i": index], queue: "benchmark", on: app.db)
        }
        let enqueued = ContinuousClock.now
        let worker = JobWorker(db: app.db, registry: registry,
                               configuration: .init(queues: ["benchmark"], concurrency: signature.concurrency ?? 8), logger: app.logger)
        let ran = try await worker.drain()
        let finished = ContinuousClock.now
        let database = switch app.meghna.configuration.database {
        case .postgres: "PostgreSQL"
        default: "SQLite"
        }
        context.console.print(String(format: "%@: enqueued %d jobs in %.2f s (%.0f/s); claimed and completed %d in %.2f s (%.0f jobs/s)",
                                     database, count, (enqueued - started).inSeconds, Double(count) / (enqueued - started).inSeconds, ran,
                                     (finished - enqueued).inSeconds, Double(ran) / (finished - enqueued).inSeconds))
        try await JobRecord.query(on: app.db).filter(\.$queue == "benchmark").delete()
    }
}
