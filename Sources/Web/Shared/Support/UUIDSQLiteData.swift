import Foundation
import MeghnaCore
import SQLiteNIO

/// Ids go to SQLite as the text they are stored as (`uuidString`, upper case), formatted without
/// Foundation's `sprintf` and without the Codable round trip the driver's encoder otherwise
/// takes for a UUID: an invoice run binds some twenty ids per invoice, and formatting them was a
/// twentieth of its time. Reading is what the driver did before (`UUID(uuidString:)` on the
/// text). `UUIDSQLiteDataTests` checks both against the driver's own encoding.
extension UUID: @retroactive SQLiteDataConvertible {
    public init?(sqliteData: SQLiteData) {
        guard case .text(let text) = sqliteData, let id = UUID(uuidString: text) else { return nil }
        self = id
    }

    public var sqliteData: SQLiteData? { .text(uppercasedText) }
}
