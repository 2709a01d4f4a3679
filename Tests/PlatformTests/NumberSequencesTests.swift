import Fluent
import Foundation
import MeghnaCore
import Testing
import TestSupport
@testable import Platform

@Suite("Gapless number sequences", .serialized)
struct NumberSequencesTests {
    struct Abandon: Error {}

    @Test func numbersCountUpPerOrganizationAndName() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let b = try await t.makeTenant("Beta Broadband")
            #expect(try await NumberSequences.next("customer", organizationID: a.id, on: t.db) == 1)
            #expect(try await NumberSequences.next("customer", organizationID: a.id, on: t.db) == 2)
            #expect(try await NumberSequences.next("invoice", organizationID: a.id, on: t.db) == 1)
            #expect(try await NumberSequences.next("customer", organizationID: b.id, on: t.db) == 1)
        }
    }

    @Test func aRolledBackTransactionGivesItsNumberBack() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            #expect(try await NumberSequences.next("receipt", organizationID: a.id, on: t.db) == 1)
            await #expect(throws: Abandon.self) {
                try await t.db.transaction { tx in
                    #expect(try await NumberSequences.next("receipt", organizationID: a.id, on: tx) == 2)
                    throw Abandon()
                }
            }
            #expect(try await NumberSequences.next("receipt", organizationID: a.id, on: t.db) == 2)
        }
    }

    @Test func concurrentTransactionsNeitherRepeatNorSkip() async throws {
        try await withApp { t in
            let a = try await t.makeTenant("Alpha Net")
            let numbers = try await withThrowingTaskGroup(of: Int64.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await t.db.transaction { tx in try await NumberSequences.next("customer", organizationID: a.id, on: tx) }
                    }
                }
                var all: [Int64] = []
                for try await n in group { all.append(n) }
                return all
            }
            #expect(numbers.sorted() == Array(1...40))
        }
    }

    @Test(arguments: [(Int64(123), "C-000123"), (Int64(1), "C-000001"), (Int64(1_234_567), "C-1234567")])
    func numbersAreFormattedForPeople(_ value: Int64, expected: String) {
        #expect(NumberSequences.format(value, prefix: "C-") == expected)
    }
}
