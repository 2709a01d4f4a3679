import Fluent
import Foundation
import MeghnaCore
import Testing
import TestSupport
@testable import Jobs

@Suite("Durable job queue", .serialized)
struct JobQueueTests {
    struct Payload: Codable, Sendable { var n: Int }

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var values: [Int] = []
        func add(_ v: Int) { lock.withLock { values.append(v) } }
        var all: [Int] { lock.withLock { values } }
    }

    @Test func enqueueInsideARolledBackTransactionLeavesNoJob() async throws {
        try await withApp { t in
            let queue = JobQueue(clock: t.clock.clock)
            struct Boom: Error {}
            _ = try? await t.db.transaction { tx in
                try await queue.enqueue("test.kind", payload: Payload(n: 1), on: tx)
                throw Boom()
            }
            #expect(try await JobRecord.query(on: t.db).count() == 0)
            try await queue.enqueue("test.kind", payload: Payload(n: 2), on: t.db)
            #expect(try await JobRecord.query(on: t.db).count() == 1)
        }
    }

    @Test func uniqueKeyEnqueuesOnce() async throws {
        try await withApp { t in
            let queue = JobQueue(clock: t.clock.clock)
            let first = try await queue.enqueue("test.kind", payload: Payload(n: 1), uniqueKey: "invoice:42:2026-11", on: t.db)
            let second = try await queue.enqueue("test.kind", payload: Payload(n: 1), uniqueKey: "invoice:42:2026-11", on: t.db)
            #expect(first != nil)
            #expect(second == nil)
            #expect(try await JobRecord.query(on: t.db).count() == 1)
        }
    }

    @Test func failedJobsRetryWithBackoffThenAreDiscardedWithTheirErrors() async throws {
        try await withApp { t in
            var registry = JobRegistry()
            registry.register("test.fails") { job in
                struct Broken: Error, CustomStringConvertible { let attempt: Int; var description: String { "router unreachable (attempt \(attempt))" } }
                throw Broken(attempt: job.attempt)
            }
            let worker = JobWorker(db: t.db, registry: registry, configuration: .init(queues: ["default"]), clock: t.clock.clock)
            let id = try #require(try await JobQueue(clock: t.clock.clock).enqueue("test.fails", payload: Payload(n: 1), maxAttempts: 3, on: t.db))
            #expect(try await worker.drain() == 1)
            var job = try #require(try await JobRecord.find(id, on: t.db))
            #expect(job.jobState == .retryable)
            let delay = job.scheduledAt.timeIntervalSince(t.clock.date)
            #expect(delay >= 12 && delay <= 18)  // 15 s ± 20 %
            #expect(try await worker.drain() == 0)  // not due yet
            t.clock.advance(by: 60)
            #expect(try await worker.drain() == 1)
            t.clock.advance(by: 3600)
            #expect(try await worker.drain() == 1)
            job = try #require(try await JobRecord.find(id, on: t.db))
            #expect(job.jobState == .discarded)
            #expect(job.errorList.map(\.error) == ["router unreachable (attempt 1)", "router unreachable (attempt 2)", "router unreachable (attempt 3)"])
            t.clock.advance(by: 86_400)
            #expect(try await worker.drain() == 0)
        }
    }

    @Test func aJobWhoseWorkerIsKilledRunsAgainAfterItsLeaseExpires() async throws {
        try await withApp { t in
            let ran = Counter()
            var registry = JobRegistry()
            registry.register("test.work") { job in ran.add(try job.decode(Payload.self).n) }
            let queue = JobQueue(clock: t.clock.clock)
            let id = try #require(try await queue.enqueue("test.work", payload: Payload(n: 7), on: t.db))
            // A worker claims the job and dies before finishing: it never completes nor renews its lease.
            let doomed = JobWorker(db: t.db, registry: registry, configuration: .init(leaseSeconds: 30), clock: t.clock.clock, id: "doomed")
            let claimed = try await doomed.claim(limit: 10)
            #expect(claimed.map(\.id) == [id])
            let survivor = JobWorker(db: t.db, registry: registry, configuration: .init(leaseSeconds: 30), clock: t.clock.clock, id: "survivor")
            #expect(try await survivor.drain() == 0)  // the lease still holds
            t.clock.advance(by: 31)
            #expect(try await survivor.drain() == 1)
            #expect(ran.all == [7])
            let job = try #require(try await JobRecord.find(id, on: t.db))
            #expect(job.jobState == .completed)
            #expect(job.lockedBy == "survivor")
            #expect(job.attempt == 2)
        }
    }

    @Test func heartbeatsKeepALongJobLeased() async throws {
        try await withApp { t in
            let registry = JobRegistry()
            try await JobQueue(clock: t.clock.clock).enqueue("test.long", payload: Payload(n: 1), on: t.db)
            let busy = JobWorker(db: t.db, registry: registry, configuration: .init(leaseSeconds: 30), clock: t.clock.clock, id: "busy")
            #expect(try await busy.claim(limit: 1).count == 1)
            t.clock.advance(by: 20)
            try await busy.heartbeat()
            t.clock.advance(by: 20)
            let other = JobWorker(db: t.db, registry: registry, configuration: .init(leaseSeconds: 30), clock: t.clock.clock, id: "other")
            #expect(try await other.claim(limit: 1).isEmpty)
        }
    }

    @Test func aJobIsClaimedByOnlyOneOfManyConcurrentWorkers() async throws {
        try await withApp { t in
            let ran = Counter()
            var registry = JobRegistry()
            registry.register("test.work") { job in ran.add(try job.decode(Payload.self).n) }
            let queue = JobQueue(clock: t.clock.clock)
            for n in 0..<60 { try await queue.enqueue("test.work", payload: Payload(n: n), on: t.db) }
            let workers = (0..<4).map { JobWorker(db: t.db, registry: registry, configuration: .init(concurrency: 3), clock: t.clock.clock, id: "w\($0)") }
            try await withThrowingTaskGroup(of: Int.self) { group in
                for worker in workers { group.addTask { try await worker.drain() } }
                var total = 0
                for try await n in group { total += n }
                #expect(total == 60)
            }
            #expect(ran.all.sorted() == Array(0..<60))
        }
    }

    @Test func unknownKindsAndBadPayloadsAreDiscardedNotRetried() async throws {
        try await withApp { t in
            var registry = JobRegistry()
            registry.register("test.typed") { job in _ = try job.decode(Payload.self) }
            let queue = JobQueue(clock: t.clock.clock)
            let unknown = try #require(try await queue.enqueue("test.nobody", payload: Payload(n: 1), on: t.db))
            let bad = try #require(try await queue.enqueue("test.typed", json: "{\"n\":\"not a number\"}", on: t.db))
            let worker = JobWorker(db: t.db, registry: registry, clock: t.clock.clock)
            #expect(try await worker.drain() == 2)
            #expect(try await JobRecord.find(unknown, on: t.db)?.jobState == .discarded)
            #expect(try await JobRecord.find(bad, on: t.db)?.errorList.first?.error.contains("does not decode") == true)
        }
    }
}

@Suite("Scheduler", .serialized)
struct JobSchedulerTests {
    @Test func twoSchedulersEnqueueEachFireTimeOnce() async throws {
        try await withApp { t in
            let schedule = ScheduledJob(name: "every-minute", cron: try CronExpression("* * * * *"), kind: "test.tick")
            let a = JobScheduler(db: t.db, schedules: [schedule], clock: t.clock.clock, instanceID: "a")
            let b = JobScheduler(db: t.db, schedules: [schedule], clock: t.clock.clock, instanceID: "b")
            for _ in 0..<30 {
                t.clock.advance(by: 60)
                async let x = a.tick()
                async let y = b.tick()
                _ = try await (x, y)
            }
            let jobs = try await JobRecord.query(on: t.db).filter(\.$kind == "test.tick").all()
            #expect(jobs.count == 30)
            #expect(Set(jobs.compactMap(\.uniqueKey)).count == 30)
        }
    }

    @Test func theLeaseMovesToTheOtherSchedulerWhenTheHolderStops() async throws {
        try await withApp { t in
            let schedule = ScheduledJob(name: "hourly", cron: try CronExpression("0 * * * *"), kind: "test.hourly")
            let a = JobScheduler(db: t.db, schedules: [schedule], clock: t.clock.clock, instanceID: "a")
            let b = JobScheduler(db: t.db, schedules: [schedule], clock: t.clock.clock, instanceID: "b")
            _ = try await a.tick()
            t.clock.advance(by: 30)
            #expect(try await b.tick() == 0)  // a holds the lease
            t.clock.advance(by: 3600)  // a is gone; its lease ran out
            #expect(try await b.tick() == 1)
        }
    }
}
