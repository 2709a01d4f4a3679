import FluentKit
import Foundation
import MeghnaCore
import Platform

/// Billing's money is in the organization's currency: once a price or an invoice exists, the
/// currency stays (PlatformServices.currencyInUse asks every area; the ledger answers for itself).
public enum BillingCurrency {
    /// Why the organization's currency can no longer change, or nil while nothing is priced.
    public static func inUse(organizationID org: UUID, on db: any Database) async throws -> String? {
        if try await Invoice.inOrganization(org, on: db).first() != nil { return "invoices are issued in it" }
        if try await Plan.inOrganization(org, on: db).first() != nil { return "plans are priced in it" }
        if try await Addon.inOrganization(org, on: db).first() != nil { return "add-ons are priced in it" }
        if try await Discount.inOrganization(org, on: db).first() != nil { return "discounts are priced in it" }
        return nil
    }
}
