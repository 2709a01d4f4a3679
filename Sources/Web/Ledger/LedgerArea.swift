import Fluent
import Foundation
import Ledger
import MeghnaCore
import Platform
import Vapor

/// The double-entry ledger: its tables, the trial balance (page and API) and `meghna ledger
/// check`. It knows no invoices; the areas that post money add their own checks through
/// `AreaModule.ledgerChecks`.
struct LedgerArea: AreaModule {
    var name: String { "Ledger" }

    var migrations: [any Migration] { LedgerMigrations.all }

    var permissions: [Permission] { [.ledgerRead] }

    var navigation: [NavigationEntry] {
        [.init(group: .billing, label: "Trial balance", link: LedgerRoutes.trialBalance.link, permission: .ledgerRead)]
    }

    func registerPages(pages: any RoutesBuilder, signedIn: any RoutesBuilder) {
        TrialBalancePage.register(signedIn)
    }

    func registerAPI(_ api: APIRouter) {
        LedgerAPI.register(api)
    }

    func registerCommands(_ commands: inout AsyncCommands) {
        var ledger = AsyncCommands()
        ledger.use(LedgerCheckCommand(), as: "check")
        commands.use(ledger.group(help: "The double-entry ledger"), as: "ledger")
    }

    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        try await Ledger.check(organizationID: organizationID, on: db)
    }

    func currencyInUse(organizationID: UUID, on db: any Database) async throws -> String? {
        try await Ledger.currencyInUse(organizationID: organizationID, on: db)
    }
}
