import FluentKit
import MeghnaCore
import SQLKit

/// Splits the platform administrator (the operator of the installation, who may cross tenants)
/// from an organization's own super admin (every permission inside one organization). Before,
/// every organization's super admin could read other tenants. Existing installations keep one
/// operator: the super admins of the first organization ever created (the one `/setup`, the
/// demo or the first `create-admin` made) become platform administrators; the super admins of
/// every later organization keep all rights inside their own organization only.
struct AddPlatformAdministrators: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.AddPlatformAdministrators" }

    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE users ADD COLUMN platform_admin BOOLEAN NOT NULL DEFAULT FALSE").run()
        guard let first = try await Organization.query(on: database).sort(\.$createdAt).sort(\.$id).first() else { return }
        let superAdminRoles = try await Role.inOrganization(first.id!, on: database)
            .filter(\.$key == SystemRole.superAdmin.rawValue).all().compactMap(\.id)
        guard !superAdminRoles.isEmpty else { return }
        try await User.inOrganization(first.id!, on: database).filter(\.$roleID ~~ superAdminRoles)
            .set(\.$platformAdmin, to: true).update()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE users DROP COLUMN platform_admin").run()
    }
}
