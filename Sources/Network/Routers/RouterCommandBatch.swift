import FluentKit
import Foundation
import MeghnaCore
import Platform
import RouterOS
import SQLKit

/// Many commands to one router at once (a reconcile): pipelined on the pooled session, each
/// audited like any other command, the audit and timeline rows written in bulk afterwards.
extension RouterCommands {
    public struct BatchItem: Sendable {
        public var command: RouterOSCommand
        public var customerID: UUID?

        public init(_ command: RouterOSCommand, customerID: UUID? = nil) {
            self.command = command
            self.customerID = customerID
        }
    }

    /// Sends the commands with at most `window` in flight (a command's timeout starts when it is
    /// handed to the session, so a queue of thousands must not start every clock at once) and
    /// returns each one's answer or error, in order. Every command leaves an audit row.
    public static func runBatch(_ items: [BatchItem], on router: Router, by actor: RouterActor, window: Int = 16, timeout: Duration? = nil,
                                link: RouterLink, services: PlatformServices, on db: any Database) async throws -> [Result<RouterOSReply, RouterOSError>] {
        guard !items.isEmpty else { return [] }
        let endpoint = try Routers.endpoint(router, services: services)
        let key = router.id!.uuidString
        var results = [Result<RouterOSReply, RouterOSError>?](repeating: nil, count: items.count)
        var durations = [Duration](repeating: .zero, count: items.count)
        try await withThrowingTaskGroup(of: (Int, Result<RouterOSReply, RouterOSError>, Duration).self) { group in
            var next = 0
            func launch() {
                let i = next
                next += 1
                let command = items[i].command
                group.addTask {
                    let started = ContinuousClock.now
                    do {
                        let reply = try await link.pool.run(command, key: key, endpoint: endpoint, timeout: timeout)
                        return (i, .success(reply), ContinuousClock.now - started)
                    } catch let error as RouterOSError {
                        return (i, .failure(error), ContinuousClock.now - started)
                    } catch is CancellationError {
                        return (i, .failure(.closed), ContinuousClock.now - started)
                    }
                }
            }
            while next < min(window, items.count) { launch() }
            while let (i, result, duration) = try await group.next() {
                results[i] = result
                durations[i] = duration
                if next < items.count { launch() }
            }
        }
        let answered = results.map { $0! }
        try await recordBatch(items, answered, durations, router: router, actor: actor, services: services, on: db)
        return answered
    }

    static let auditInsert = CellInsert("""
        INSERT INTO router_commands (id, organization_id, router_id, at, actor_user_id, actor_label, menu, action, arguments, outcome, message, duration_ms, customer_id) 
        """, [.uuid, .uuid, .uuid, .date, .uuid, .text, .text, .text, .text, .text, .text, .int, .uuid])
    static let activityInsert = CellInsert("""
        INSERT INTO activities (id, organization_id, subject_type, subject_id, kind, summary, body, changes, related_type, related_id, actor_user_id, actor_label, created_at) 
        """, [.uuid, .uuid, .text, .uuid, .text, .text, .text, .text, .text, .uuid, .uuid, .text, .date])

    static func recordBatch(_ items: [BatchItem], _ results: [Result<RouterOSReply, RouterOSError>], _ durations: [Duration], router: Router,
                            actor: RouterActor, services: PlatformServices, on db: any Database) async throws {
        let now = services.clock.now()
        let (org, routerID) = (SQLCell(router.organizationID), SQLCell(router.id))
        let label = String(actor.label.prefix(254))
        var audit: [[SQLCell]] = []
        var timeline: [[SQLCell]] = []
        audit.reserveCapacity(items.count)
        for (i, item) in items.enumerated() {
            let (outcome, message): (String, String?) = switch results[i] {
            case .success(let reply): ("done", reply.ret.map { "ret=\($0)" })
            case .failure(let error): (error.isTrap ? "trap" : "error", error.description)
            }
            let command = item.command
            audit.append([SQLCell(TimeOrderedID.next(at: now)), org, routerID, .date(now), SQLCell(actor.userID), .text(label), .text(command.menu),
                          .text(command.action), .text(arguments(command)), .text(outcome), SQLCell(message.map { String($0.prefix(500)) }),
                          .int(Int64(durations[i].wholeMilliseconds)), SQLCell(item.customerID)])
            if let customer = item.customerID {
                let result = outcome == "done" ? "done" : (message ?? outcome)
                timeline.append([SQLCell(TimeOrderedID.next(at: now)), org, .text("customer"), .uuid(customer), .text("router_command"),
                                 .text(String("\(command.menu)/\(command.action) on \(router.name): \(result)".prefix(500))), .null, .text("[]"),
                                 .text("router"), routerID, SQLCell(actor.userID), .text(label), .date(now)])
            }
        }
        for statement in auditInsert.batches(audit, on: db) { try await db.run(statement) }
        for statement in activityInsert.batches(timeline, on: db) { try await db.run(statement) }
    }
}

extension RouterOSError {
    public var isTrap: Bool { if case .trap = self { true } else { false } }
}
