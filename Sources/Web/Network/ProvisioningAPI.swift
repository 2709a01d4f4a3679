import Billing
import Foundation
import MeghnaCore
import MeghnaNetwork
import Platform
import Vapor

/// Provisioning over the API: a router's reconcile (dry run or queued), its drift and the
/// choice, its reconcile history, and a subscription's router account.
enum ProvisioningAPI {
    static func register(_ api: APIRouter) {
        api.add(APIOperation(method: .POST, path: "/routers/{id}/reconcile",
                             summary: "Reconcile the router: with dry_run=true the diff read live from the router (nothing sent); otherwise a reconcile is queued (job_id)",
                             tag: "provisioning", permission: .routersManage,
                             query: [("dry_run", .choice(["true", "false"]), "true: only show what would change"),
                                     ("drift_decision", .choice(["correct", "adopt"]), "Settle every field changed by hand this way in this run")],
                             success: 200, response: ReconcileDTO.schema, reachesRouter: true)) { req in
            let ctx = try req.ctx
            if req.query[String.self, at: "dry_run"] == "true" {
                let report = try await Provisioning.preview(ctx, routerID: req.parameters.get("id"), link: req.meghna.routers, services: req.services, on: req.db)
                return try apiResponse(ReconcileDTO(plan: report.plan, jobID: nil))
            }
            let job = try await Provisioning.reconcileNow(ctx, routerID: req.parameters.get("id"), driftDecision: req.query[String.self, at: "drift_decision"],
                                                          services: req.services, on: req.db)
            return try apiResponse(ReconcileDTO(plan: nil, jobID: job))
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}/reconciles", summary: "The router's latest reconciles, newest first", tag: "provisioning",
                             permission: .routersRead, response: .list(ReconcileRunDTO.schema))) { req in
            let runs = try await Provisioning.runs(try req.ctx, routerID: req.parameters.get("id"), limit: 50, on: req.db)
            return try apiResponse(ListBody(data: runs.map(ReconcileRunDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .GET, path: "/routers/{id}/drift", summary: "Fields changed on the router by hand, held for a choice", tag: "provisioning",
                             permission: .routersRead, response: .list(RouterDriftDTO.schema))) { req in
            let rows = try await Drift.list(try req.ctx, routerID: req.parameters.get("id"), on: req.db)
            return try apiResponse(ListBody(data: rows.map(RouterDriftDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .POST, path: "/routers/{id}/drift",
                             summary: "Choose for some drift: correct (the router gets Meghna's value) or adopt (Meghna takes the router's); a reconcile is queued",
                             tag: "provisioning", permission: .routersManage, body: DriftDecisionRequest.schema, success: 202, response: .list(RouterDriftDTO.schema),
                             rules: [APIRule("decision", "adopt only a password, address, caller ID or profile: other fields follow the plan or billing")])) { req in
            let body = try req.json(DriftDecisionRequest.self)
            let ctx = try req.ctx
            try await Drift.decide(ctx, routerID: req.parameters.get("id"), driftIDs: body.driftIDs ?? [], decision: body.decision,
                                   services: req.services, on: req.db)
            let rows = try await Drift.list(ctx, routerID: req.parameters.get("id"), on: req.db)
            return try apiResponse(ListBody(data: rows.map(RouterDriftDTO.init), nextCursor: nil), status: .accepted)
        }
        api.add(APIOperation(method: .GET, path: "/subscriptions/{id}/router-account", summary: "The subscription's account on its router and where it stands",
                             tag: "provisioning", permission: .subscriptionsRead, response: ServiceAccountDTO.schema)) { req in
            let ctx = try req.ctx
            let s = try await Subscriptions.find(ctx, req.parameters.get("id"), on: req.db)
            guard let status = try await Provisioning.status(ctx, subscriptionID: s.id!, on: req.db) else { throw DomainError.notFound("Router account") }
            return try apiResponse(ServiceAccountDTO(status))
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/router-account",
                             summary: "Give the subscription an account on a router; the answer carries the password, once", tag: "provisioning",
                             permission: .subscriptionsWrite, body: ServiceAccountRequest.schema, success: 201, response: ServiceAccountDTO.schema,
                             rules: [APIRule("router_id", "must be an active router you can see"),
                                     APIRule("service_type", "must be one the router serves"),
                                     APIRule("username", "must be unique on the router and hold only letters, digits and . _ - @"),
                                     APIRule("password", "6 to 64 printable characters without spaces"),
                                     APIRule("static_ip", "must be an IPv4 address not given to another account on the router"),
                                     APIRule("caller_id", "must be a MAC address such as AA:BB:CC:00:11:22")])) { req in
            let ctx = try req.ctx
            let made = try await ServiceAccounts.provision(ctx, subscriptionID: req.parameters.get("id"), try req.json(ServiceAccountRequest.self).input,
                                                           services: req.services, on: req.db)
            guard let status = try await Provisioning.status(ctx, subscriptionID: made.account.subscriptionID, on: req.db) else {
                throw DomainError.notFound("Router account")
            }
            let response = try apiResponse(ServiceAccountDTO(status, password: made.password), status: .created)
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
        api.add(APIOperation(method: .POST, path: "/subscriptions/{id}/router-account/password",
                             summary: "A new password for the router account, returned once", tag: "provisioning", permission: .subscriptionsWrite,
                             response: ServiceAccountDTO.schema)) { req in
            let ctx = try req.ctx
            let made = try await ServiceAccounts.resetPassword(ctx, subscriptionID: req.parameters.get("id"), services: req.services, on: req.db)
            guard let status = try await Provisioning.status(ctx, subscriptionID: made.account.subscriptionID, on: req.db) else {
                throw DomainError.notFound("Router account")
            }
            let response = try apiResponse(ServiceAccountDTO(status, password: made.password))
            response.headers.replaceOrAdd(name: .cacheControl, value: "no-store")
            return response
        }
        api.add(APIOperation(method: .POST, path: "/routers/{id}/import",
                             summary: "Make customers, subscriptions and router accounts from the PPPoE secrets and Hotspot users on the router that are not Meghna's; dry_run=true only lists what would happen",
                             tag: "provisioning", permission: .routersManage,
                             query: [("dry_run", .choice(["true", "false"]), "true: nothing is written")],
                             body: RouterImportRequest.schema, bodyRequired: false, response: .list(ImportCandidateDTO.schema),
                             rules: [APIRule("plan_map", "each value must be an active plan")], reachesRouter: true)) { req in
            let body = (req.body.data?.readableBytes ?? 0) == 0 ? RouterImportRequest(planMap: nil) : try req.json(RouterImportRequest.self)
            let candidates = try await RouterImport.run(try req.ctx, routerID: req.parameters.get("id"), dryRun: req.query[String.self, at: "dry_run"] == "true",
                                                        planMap: body.planMap ?? [:], link: req.meghna.routers, services: req.services, on: req.db)
            return try apiResponse(ListBody(data: candidates.map(ImportCandidateDTO.init), nextCursor: nil))
        }
        api.add(APIOperation(method: .POST, path: "/bulk-actions/preview",
                             summary: "How many subscriptions a bulk action would touch, and the first few: nothing changes",
                             tag: "provisioning", permission: .subscriptionsWrite, body: BulkActionRequest.schema, response: BulkPreviewDTO.schema,
                             rules: [APIRule("action", "must match at least one subscription and at most 20000"),
                                     APIRule("days_overdue", "at most 3650"),
                                     APIRule("target_plan_id", "is required to change plans"), APIRule("target_router_id", "is required to move subscriptions")])) { req in
            let preview = try await BulkActions.preview(try req.ctx, try req.json(BulkActionRequest.self).input, services: req.services, on: req.db)
            return try apiResponse(BulkPreviewDTO(count: preview.count, sample: preview.sample))
        }
        api.add(APIOperation(method: .POST, path: "/bulk-actions",
                             summary: "Suspend, restore, change plan, move router or re-sync many subscriptions chosen by filter (count them first with /bulk-actions/preview); a job carries it out",
                             tag: "provisioning", permission: .subscriptionsWrite, body: BulkActionRequest.schema, success: 202, response: BulkActionDTO.schema,
                             rules: [APIRule("action", "must match at least one subscription and at most 20000"),
                                     APIRule("days_overdue", "at most 3650"),
                                     APIRule("target_plan_id", "is required to change plans"), APIRule("target_router_id", "is required to move subscriptions")])) { req in
            let body = try req.json(BulkActionRequest.self)
            return try apiResponse(BulkActionDTO(try await BulkActions.create(try req.ctx, body.input, services: req.services, on: req.db)), status: .accepted)
        }
        api.add(APIOperation(method: .GET, path: "/bulk-actions", summary: "Recent bulk actions, newest first", tag: "provisioning",
                             permission: .subscriptionsRead, response: .list(BulkActionDTO.schema))) { req in
            try apiResponse(ListBody(data: try await BulkActions.list(try req.ctx, on: req.db).map { BulkActionDTO($0) }, nextCursor: nil))
        }
        api.add(APIOperation(method: .GET, path: "/bulk-actions/{id}", summary: "A bulk action's progress and the result per subscription", tag: "provisioning",
                             permission: .subscriptionsRead, response: BulkActionDTO.schema)) { req in
            let ctx = try req.ctx
            let action = try await BulkActions.find(ctx, req.parameters.get("id"), on: req.db)
            return try apiResponse(BulkActionDTO(action, items: try await BulkActions.items(ctx, action, on: req.db)))
        }
        api.add(APIOperation(method: .GET, path: "/bulk-actions/{id}/report", summary: "The report: one CSV line per subscription and its outcome",
                             tag: "provisioning", permission: .subscriptionsRead,
                             response: .string(description: "CSV with a header row: position, customer, subscription_id, action, outcome, detail"),
                             responseType: "text/csv")) { req in
            guard let id = req.parameters.get("id").flatMap(UUID.init(uuidString:)) else { throw DomainError.notFound("Bulk action") }
            return try await BulkActionPages.csv(req, id)
        }
    }
}
