import FluentKit
import SQLKit

/// Login failures by step: a wrong password and a wrong second-factor code are counted apart, so
/// someone guessing passwords cannot keep the owner of the account (who has the password and a
/// code) out, and someone who has the password still gets only a few code guesses.
struct AddLoginAttemptKind: AsyncMigration {
    /// Pinned: the name Fluent records as applied must not change when the file or type moves.
    var name: String { "Platform.AddLoginAttemptKind" }

    func prepare(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE login_attempts ADD COLUMN kind TEXT NOT NULL DEFAULT 'password'").run()
    }

    func revert(on database: any Database) async throws {
        try await (database as! any SQLDatabase).raw("ALTER TABLE login_attempts DROP COLUMN kind").run()
    }
}
