import Foundation
import Vapor

/// Every page route of the CRM area: customers, leads, resellers, areas, the import and the
/// public interest form.
enum CRMRoutes {
    static let customers = Route0("customers")
    static let exportCustomers = Route0("customers", "export")
    static let newCustomer = Route0("customers", "new")
    static let customer = Route1<UUID>("customers", .id)
    static let editCustomer = Route1<UUID>("customers", .id, "edit")
    static let archiveCustomer = Route1<UUID>("customers", .id, "archive")
    static let restoreCustomer = Route1<UUID>("customers", .id, "restore")
    static let addAddress = Route1<UUID>("customers", .id, "addresses")
    static let deleteAddress = Route2<UUID, UUID>("customers", .id, "addresses", .parameter("address"), "delete")
    static let primaryAddress = Route2<UUID, UUID>("customers", .id, "addresses", .parameter("address"), "primary")
    static let addContact = Route1<UUID>("customers", .id, "contacts")
    static let deleteContact = Route2<UUID, UUID>("customers", .id, "contacts", .parameter("contact"), "delete")
    static let customerActivities = Route1<UUID>("customers", .id, "activities")
    static let importCustomers = Route0("customers", "import")
    static let customerImport = Route1<UUID>("customers", "import", .id)
    static let customerImportErrors = Route1<UUID>("customers", "import", .id, "errors.csv")
    static let leads = Route0("leads")
    static let newLead = Route0("leads", "new")
    static let lead = Route1<UUID>("leads", .id)
    static let leadStatus = Route1<UUID>("leads", .id, "status")
    static let convertLead = Route1<UUID>("leads", .id, "convert")
    static let leadActivities = Route1<UUID>("leads", .id, "activities")
    static let archiveLead = Route1<UUID>("leads", .id, "archive")
    static let resellers = Route0("resellers")
    static let reseller = Route1<UUID>("resellers", .id)
    static let archiveReseller = Route1<UUID>("resellers", .id, "archive")
    static let areas = Route0("areas")
    static let area = Route1<UUID>("areas", .id)
    static let deleteArea = Route1<UUID>("areas", .id, "delete")
    static let interestForm = Route1<String>("join", .parameter("slug"))
}
