import Fluent
import Foundation
import Ledger
import MeghnaCore
import Platform
import Vapor

/// `meghna ledger check [--organization slug]`: every area's ledger invariants (transfers that
/// balance, cached balances equal to their entries, one transfer per issued document). Prints
/// each problem with its ids and exits non-zero when there is any.
struct LedgerCheckCommand: AsyncCommand {
    struct Signature: CommandSignature {
        @Option(name: "organization", help: "Check only this organization (its slug); default every organization") var organization: String?
    }

    var help: String { "Verifies the ledger: balanced transfers, cached balances, one transfer per invoice and payment" }

    func run(using context: CommandContext, signature: Signature) async throws {
        let app = context.application
        try await app.prepareDatabase()
        var organizationID: UUID?
        if let slug = signature.organization {
            guard let org = try await Organization.query(on: app.db).filter(\.$slug == slug).first() else {
                throw CommandFailure("No organization has the slug \"\(slug)\".")
            }
            organizationID = org.id
        }
        var problems: [LedgerProblem] = []
        for area in AreaModules.all { problems += try await area.ledgerChecks(organizationID: organizationID, on: app.db) }
        let transfers = try await (organizationID.map { LedgerTransfer.inOrganization($0, on: app.db) } ?? LedgerTransfer.query(on: app.db)).count()
        guard problems.isEmpty else {
            for problem in problems { context.console.print(problem.description) }
            throw CommandFailure("The ledger check found \(problems.count) problem\(problems.count == 1 ? "" : "s") (\(transfers) transfers checked).")
        }
        context.console.print("Ledger check passed: \(transfers) transfers balance, every cached balance equals its entries.")
    }
}
