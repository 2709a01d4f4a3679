import Foundation
import MeghnaCore
import Platform
import Vapor

/// The layout's switchers: the organization a platform administrator works in, and the branch
/// a person narrows their view to. Both change the page session only.
enum SwitcherPages {
    static func register(_ routes: any RoutesBuilder) {
        routes.post(PlatformRoutes.switchOrganization, use: switchOrganization)
        routes.post(PlatformRoutes.switchBranch, use: switchBranch)
    }

    static func switchOrganization(_ req: Request) async throws -> Response {
        struct Form: Decodable { var organization_id: String? }
        let form = try req.content.decode(Form.self)
        let identity = try req.identity
        guard let session = req.staffSession else { throw DomainError.unauthorized("Sign in first.") }
        let target = try await Identities.resolve(user: identity.user, acting: form.organization_id, token: nil, origin: req.origin,
                                                  services: req.services, on: req.db)
        session.organizationID = target.organization.id!
        session.branchID = nil
        try await session.save(on: req.db)
        if target.context.isCrossingTenant {
            try await Audit.record("tenant.switched", "Switched to \(target.organization.name)", ctx: target.context,
                                   target: .init("organization", target.organization.id), at: req.services.clock.now(), on: req.db)
        }
        return redirect(req, to: PlatformRoutes.dashboard.link, flash: "You are now working in \(target.organization.name).")
    }

    static func switchBranch(_ req: Request) async throws -> Response {
        struct Form: Decodable { var branch_id: String? }
        let form = try req.content.decode(Form.self)
        let identity = try req.identity
        guard let session = req.staffSession else { throw DomainError.unauthorized("Sign in first.") }
        if let raw = form.branch_id, !raw.isEmpty {
            guard let branch = identity.branchChoices.first(where: { $0.id.uuidString == raw }) else { throw DomainError.notFound("Branch") }
            session.branchID = branch.id
            try await session.save(on: req.db)
            return redirect(req, to: PlatformRoutes.dashboard.link, flash: "You are now working in the \(branch.name) branch.")
        }
        session.branchID = nil
        try await session.save(on: req.db)
        return redirect(req, to: PlatformRoutes.dashboard.link, flash: "You are now seeing every branch you may see.")
    }
}
