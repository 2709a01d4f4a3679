import Fluent
import Foundation
import Jobs
import SQLKit
import Testing
import TestSupport
import Vapor
@testable import Web

/// The names Fluent records as applied are the upgrade contract with every installed database:
/// they are pinned here, so moving a file or renaming a type can never make a migration run twice.
@Suite("Migration list", .serialized)
struct MigrationListTests {
    static let shipped = [
        "Jobs.CreateJobs", "Jobs.CreateLeasesAndWorkers",
        "Platform.CreateOrganizations", "Platform.CreateUsers", "Platform.CreateAccessTables", "Platform.CreateAuditAndSettings",
        "Platform.CreateNumberSequences", "Platform.AddResellerStaff", "Platform.CreateActivities",
        "Platform.AddPlatformAdministrators", "Platform.AddLoginAttemptKind", "Platform.CreateRateLimitHits", "Platform.AddOrganizationContextVersion", "Platform.CreateIdempotencyKeys",
        "Notifications.CreateOutbox", "Notifications.AddOutboxSealedBody",
        "CRM.CreateAreasAndResellers", "CRM.CreateCustomers", "CRM.CreateLeads", "CRM.CreateImports", "CRM.CreateCustomerSearch",
        "CRM.AddSearchSortName", "CRM.AddAreaAndResellerContextTriggers", "CRM.AddSearchWordLists",
        "Ledger.CreateLedgerTables", "Ledger.GrantLedgerReadToBillingOps", "Ledger.LedgerTenantKeys",
        "Billing.CreateCatalog", "Billing.CreateSubscriptions", "Billing.CreateInvoices", "Billing.CreateSubscriptionExtras", "Billing.AddRunProgress",
        "Billing.InvoiceTenantKeys", "Billing.AddCreditedInvoice",
        "Collections.CreatePayments", "Collections.CreateDunning", "Collections.CreateRefundsAndWriteOffs", "Collections.CreateWalletTopUps", "Collections.CreateMessageTemplates", "Collections.RoomForStatusChanges",
        "Network.CreateRouters", "Network.CreateProvisioning",
    ]

    @Test func everyMigrationKeepsItsShippedNameInItsPlace() async throws {
        try await withApp { t in
            // New migrations go at the end of their area's list; shipped ones never change name or order.
            #expect(t.app.meghna.migrationNames == Self.shipped)
            let applied = try await (t.db as! any SQLDatabase).raw("SELECT name FROM _fluent_migrations").all()
                .map { try $0.decode(column: "name", as: String.self) }
            #expect(Set(applied) == Set(Self.shipped))
        }
    }

    @Test func readinessNamesAMigrationThatHasNotRun() async throws {
        try await withApp { t in
            // setup: a worker is alive, so only the migrations can make it not ready
            try await JobWorker(db: t.db, registry: t.app.meghna.registry, clock: t.clock.clock).heartbeat()
            #expect(try await t.api(.GET, "/readyz").status == .ok)
            // MUT: the database has not run CRM's last migration
            try await (t.db as! any SQLDatabase).raw("DELETE FROM _fluent_migrations WHERE name = 'CRM.CreateCustomerSearch'").run()
            let ready = try await t.api(.GET, "/readyz")
            // validate
            #expect(ready.status == .serviceUnavailable)
            #expect(ready.json["migrations"] as? String == "pending: CRM.CreateCustomerSearch")
        }
    }
}
