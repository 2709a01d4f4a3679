import Foundation
import Vapor

/// Every page route of the Ledger area.
enum LedgerRoutes {
    static let trialBalance = Route0("ledger", "trial-balance")
}
