import Receivables
import Fluent
import Foundation
import Ledger
import MeghnaCore
import Vapor

/// Collections: payments with receipts and their allocation to invoices (this far); credit
/// notes, refunds, statements, reminders, dunning and reseller wallets follow.
struct CollectionsArea: AreaModule {
    var name: String { "Collections" }

    var migrations: [any Migration] { CollectionsMigrations.all }

    var permissions: [Permission] { [.paymentsRead, .paymentsWrite] }

    func registerAPI(_ api: APIRouter) {
        PaymentAPI.register(api)
    }

    func ledgerChecks(organizationID: UUID?, on db: any Database) async throws -> [LedgerProblem] {
        try await CollectionsChecks.ledgerProblems(organizationID: organizationID, on: db)
    }
}
