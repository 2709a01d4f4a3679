import Foundation
import Vapor

/// Every page route of the Collections area.
enum CollectionsRoutes {
    /// The fast collection screen: find by phone or number, see what is due, take the money.
    static let collect = Route0("collect")
    static let payments = Route0("payments")
    static let payment = Route1<UUID>("payments", .id)
    static let receipt = Route1<UUID>("payments", .id, "receipt.pdf")
    static let reversePayment = Route1<UUID>("payments", .id, "reverse")
    static let statement = Route1<UUID>("customers", .id, "statement")
    static let statementCSV = Route1<UUID>("customers", .id, "statement.csv")
    static let statementPDF = Route1<UUID>("customers", .id, "statement.pdf")
    static let exclusions = Route1<UUID>("customers", .id, "dunning-exclusions")
    static let endExclusion = Route1<UUID>("dunning-exclusions", .id, "end")
    static let dunning = Route0("dunning")
}
