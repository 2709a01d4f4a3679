import CRM
import Documents
import Fluent
import Foundation
import MeghnaCore
import Platform
import Testing
import TestSupport

/// A CSV like one exported from another ISP system: `rows` customers, every 33rd row broken in
/// one of several ways (≈3 %).
func sampleCSV(rows: Int, badEvery: Int = 33) -> (text: String, bad: Int) {
    var out = CSV.line(["Customer ID", "Name", "Mobile", "Email", "NID", "Address", "Area", "Latitude", "Longitude", "Tags", "Contact person"])
    var bad = 0
    for i in 1...rows {
        var phone = String(format: "017%08d", i)
        var area = "Road 10 Tower"
        var lat = "23.81", lon = "90.41"
        var email = "c\(i)@example.com"
        var name = "Customer \(i)"
        if i % badEvery == 0 {
            bad += 1
            switch (i / badEvery) % 5 {
            case 0: phone = "12345"
            case 1: area = "Atlantis"
            case 2: lat = "123.5"
            case 3: email = "not-an-email"
            default: name = ""
            }
        }
        out += CSV.line(["OLD-\(i)", name, phone, email, "", "House \(i), Road \(i % 40)", area, lat, lon, "imported;fiber", "Contact \(i)"])
    }
    return (out, bad)
}

@Suite("Customer import", .serialized)
struct ImportTests {
    func upload(_ w: CRMWorld, _ text: String) async throws -> CustomerImport {
        try await CustomerImports.upload(w.ctx, fileName: "old-system.csv", bytes: Array(text.utf8), services: w.t.services, on: w.t.db)
    }

    @Test func tenThousandRowsWithThreePercentBadImportExactlyTheGoodOnesOnceOnly() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let (csv, bad) = sampleCSV(rows: 10_000)
            #expect(bad == 303)
            let item = try await upload(w, csv)
            #expect(item.totalRows == 10_000)
            #expect(item.mapping["external_ref"] == 0 && item.mapping["display_name"] == 1 && item.mapping["phone"] == 2)
            #expect(item.mapping["area"] == 6 && item.mapping["contact_name"] == 10)

            let dry = try await CustomerImports.dryRun(w.ctx, item.id!.uuidString, on: t.db)
            #expect(dry.ok == 10_000 - bad)
            #expect(dry.errors == bad)
            #expect(try await Customer.query(on: t.db).count() == 0, "a dry run writes nothing")
            let byLine = Dictionary(uniqueKeysWithValues: dry.problems.map { ($0.line, $0) })
            #expect(byLine[34]?.errors.map(\.field) == ["area"])
            #expect(byLine[67]?.errors.map(\.field) == ["latitude"])
            #expect(dry.problems.allSatisfy { !$0.errors.isEmpty })
            let fields = Set(dry.problems.flatMap { $0.errors.map(\.field) })
            #expect(fields == ["phone", "area", "latitude", "email", "display_name"])

            _ = try await CustomerImports.start(w.ctx, item.id!.uuidString, services: t.services, on: t.db)
            let ran = try await t.drainJobs()
            #expect(ran >= 1)
            let done = try await CustomerImports.find(w.ctx, item.id!.uuidString, on: t.db)
            #expect(done.status == "completed")
            #expect(done.importedRows == 10_000 - bad)
            #expect(done.errorRows == bad)
            #expect(done.skippedRows == 0)
            #expect(done.processedRows == 10_000)
            #expect(try await Customer.query(on: t.db).count() == 10_000 - bad)
            let report = try await CustomerImports.errorReport(w.ctx, item.id!.uuidString, on: t.db)
            let lines = try CSV.parse(report)
            #expect(lines.count == bad + 1)
            #expect(lines[1][0] == "34" && lines[1][1] == "error")
            #expect(try await w.search("01700000042") == ["Customer 42"])

            // The same file again: nothing new, every good row skipped as already imported.
            let again = try await upload(w, csv)
            _ = try await CustomerImports.start(w.ctx, again.id!.uuidString, services: t.services, on: t.db)
            _ = try await t.drainJobs()
            let second = try await CustomerImports.find(w.ctx, again.id!.uuidString, on: t.db)
            #expect(second.importedRows == 0)
            #expect(second.skippedRows == 10_000 - bad)
            #expect(second.errorRows == bad)
            #expect(try await Customer.query(on: t.db).count() == 10_000 - bad)
        }
    }

    @Test func refusesFilesThatAreNotUTF8TooLargeOrEmpty() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            var latin1 = Array("Name,Mobile\r\nJos".utf8)
            latin1.append(0xE9)  // é in Latin-1
            latin1 += Array(",01712345678\r\n".utf8)
            await #expect(throws: DomainError.invalid("file", "The file is not UTF-8 text (line 2). Save it as “CSV UTF-8” and upload it again.")) {
                _ = try await CustomerImports.upload(w.ctx, fileName: "x.csv", bytes: latin1, services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.invalid("file", "is larger than 10 MB; split it into smaller files")) {
                _ = try await CustomerImports.upload(w.ctx, fileName: "x.csv", bytes: [UInt8](repeating: 0x41, count: CustomerImports.maxBytes + 1),
                                                     services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.invalid("file", "needs a header line and at least one customer")) {
                _ = try await CustomerImports.upload(w.ctx, fileName: "x.csv", bytes: Array("Name,Mobile\n".utf8), services: t.services, on: t.db)
            }
            await #expect(throws: DomainError.invalid("file", "A quoted field that starts on line 2 never ends.")) {
                _ = try await CustomerImports.upload(w.ctx, fileName: "x.csv", bytes: Array("Name,Mobile\n\"Open,017\n".utf8), services: t.services, on: t.db)
            }
            #expect(try await CustomerImport.query(on: t.db).count() == 0)
        }
    }

    @Test func duplicatesInsideTheFileAreFlaggedOnce() async throws {
        try await withApp { t in
            let w = try await CRMWorld.make(t)
            let csv = "Name,Phone\nA One,01711111111\nA Copy,+8801711111111\nB Two,01722222222\n"
            let item = try await upload(w, csv)
            let dry = try await CustomerImports.dryRun(w.ctx, item.id!.uuidString, on: t.db)
            #expect(dry.ok == 2)
            #expect(dry.skipped == 1)
            #expect(dry.problems.first?.errors.first?.message == "repeats line 2 of this file")
            await #expect(throws: DomainError.self) {
                _ = try await CustomerImports.setMapping(w.ctx, item.id!.uuidString, mapping: ["display_name": 0, "phone": 9], branchID: nil, on: t.db)
            }
        }
    }
}
