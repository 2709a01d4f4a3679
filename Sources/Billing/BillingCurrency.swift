import FluentKit
import Foundation
import Ledger
import MeghnaCore
import Platform

/// Billing's money is in the organization's currency: once a price, an invoice or a ledger
/// account exists, the currency stays (PlatformServices.currencyInUse asks here).
public enum BillingCurrency {
    /// Why the organization's currency can no longer change, or nil while nothing is priced.
    public static func inUse(organizationID org: UUID, on db: any Database) async throws -> String? {
        if try await Invoice.inOrganization(org, on: db).first() != nil { return "invoices are issued in it" }
        if try await LedgerAccount.inOrganization(org, on: db).first() != nil { return "the ledger holds amounts in it" }
        if try await Plan.inOrganization(org, on: db).first() != nil { return "plans are priced in it" }
        if try await Addon.inOrganization(org, on: db).first() != nil { return "add-ons are priced in it" }
        if try await Discount.inOrganization(org, on: db).first() != nil { return "discounts are priced in it" }
        return nil
    }
}
