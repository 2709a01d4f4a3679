import Documents
import Foundation
import Jobs
import MeghnaCore
import Platform
import Vapor

/// The background jobs: counts, throughput, what runs now, recent failures with retry and discard.
enum JobPages {
    struct Model {
        var counts: [JobStats.Count]
        var running: [JobRecord]
        var failures: [JobRecord]
        var completedLastHour: Int
        var workers: Int
        var throughput: [SVGChart.Bar]
        var canManage: Bool
    }

    static func register(_ routes: any RoutesBuilder) {
        routes.get(PlatformRoutes.jobs, use: show)
        routes.post(PlatformRoutes.jobAction, use: act)
    }

    static func show(_ req: Request) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.jobsRead)
        let now = req.services.clock.now()
        let scope = try req.jobScope()
        let perMinute = try await JobStats.completedPerMinute(until: now, organization: scope, on: req.db)
        let model = Model(counts: try await JobStats.counts(organization: scope, on: req.db),
                          running: try await JobStats.running(organization: scope, on: req.db),
                          failures: try await JobStats.recentFailures(organization: scope, on: req.db),
                          completedLastHour: try await JobStats.completed(since: now.addingTimeInterval(-3600), organization: scope, on: req.db),
                          workers: try await JobStats.workers(freshSince: now.addingTimeInterval(-90), on: req.db).count,
                          throughput: perMinute.map { SVGChart.Bar(label: req.clockTime($0.minute), value: $0.count) },
                          canManage: ctx.can(.jobsManage))
        var html = HTML()
        render(model, page: try req.page("Jobs"), date: req.shortDate, into: &html)
        return html.response()
    }

    /// Retry or discard one job, inside the person's job scope.
    static func act(_ req: Request, _ id: UUID, _ action: String) async throws -> Response {
        let ctx = try req.ctx
        try ctx.require(.jobsManage)
        let now = req.services.clock.now()
        let done: Bool
        switch action {
        case "retry": done = try await JobStats.retry(id, organization: try req.jobScope(), now: now, on: req.db)
        case "discard": done = try await JobStats.discard(id, organization: try req.jobScope(), now: now, on: req.db)
        default: throw DomainError.notFound("Job action")
        }
        if done {
            try await Audit.record("job.\(action)", "Job \(id)", ctx: ctx, target: .init("job", id), at: now, on: req.db)
        }
        return redirect(req, to: PlatformRoutes.jobs.link, flash: done ? "Done." : "That job is not in a state that allows this.", kind: done ? "ok" : "error")
    }

    static func render(_ m: Model, page: PageContext, date: (Date) -> String, into html: inout HTML) {
        html.appLayout(page) { h in
            h.pageHead("Jobs")
            h.el("div", [.class("cards")]) { h in
                h.figure("Completed in the last hour", String(m.completedLastHour))
                h.figure("Per minute", String(format: "%.1f", Double(m.completedLastHour) / 60))
                h.figure("Live workers", String(m.workers))
            }
            h.el("div", [.class("panel")]) { h in
                h.el("h2", text: "Throughput")
                h.chart(SVGChart.bars(m.throughput, title: "Jobs completed per minute, last hour"))
            }
            h.table("Queues", header: #"<tr><th>Queue</th><th>State</th><th class="num">Jobs</th></tr>"#) { h in
                for count in m.counts {
                    h.raw("<tr><td>")
                    h.text(count.queue)
                    h.raw("</td><td>")
                    h.badge(count.state)
                    h.raw(#"</td><td class="num">"#)
                    h.text(count.count)
                    h.raw("</td></tr>")
                }
            }
            h.table("Running", header: "<tr><th>Kind</th><th>Queue</th><th>Attempt</th><th>Started</th></tr>") { h in
                for job in m.running {
                    h.raw("<tr><td>")
                    h.text(job.kind)
                    h.raw("</td><td>")
                    h.text(job.queue)
                    h.raw("</td><td>")
                    h.attempt(job)
                    h.raw("</td><td>")
                    h.text(date(job.attemptedAt ?? job.scheduledAt))
                    h.raw("</td></tr>")
                }
            }
            h.table("Recent failures", header: "<tr><th>Kind</th><th>State</th><th>Attempt</th><th>When</th><th>Error</th><th></th></tr>") { h in
                for job in m.failures {
                    h.raw("<tr><td>")
                    h.text(job.kind)
                    h.raw("</td><td>")
                    h.badge(job.state)
                    h.raw("</td><td>")
                    h.attempt(job)
                    h.raw("</td><td>")
                    h.text(date(job.attemptedAt ?? job.scheduledAt))
                    h.raw("</td><td>")
                    h.el("small", text: job.errorList.last?.error ?? "")
                    h.raw("</td><td>")
                    if m.canManage {
                        if job.jobState.canRetry {
                            h.postButton("Retry", to: PlatformRoutes.jobAction.link(job.id!, "retry"), csrf: page.csrf)
                        }
                        if job.jobState.canDiscard {
                            h.raw("\n")
                            h.postButton("Discard", to: PlatformRoutes.jobAction.link(job.id!, "discard"), csrf: page.csrf, class: "btn small danger",
                                         confirm: "Discard this job?")
                        }
                    }
                    h.raw("</td></tr>")
                }
            }
        }
    }
}

extension Request {
    /// Whose jobs the Jobs page shows: every job for a platform administrator at home, otherwise
    /// only the organization's own (job errors can carry customer data).
    func jobScope() throws -> UUID? {
        let ctx = try ctx
        return ctx.can(.organizationsManage) && !ctx.isCrossingTenant ? nil : ctx.organizationID
    }
}

private extension HTML {
    mutating func attempt(_ job: JobRecord) {
        text(job.attempt)
        raw("/")
        text(job.maxAttempts)
    }
}
