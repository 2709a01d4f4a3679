import Foundation
import Testing
import Platform
import TestSupport

/// Tenant conditions are written one way: `Model.scoped(to:)` / `find(_:in:)` for what a person
/// may see, `Model.inOrganization(_:on:)` for whole-organization rules, and `TenantSQL` in raw
/// SQL, all in Sources/Platform/Tenancy. A hand-written `organization_id` comparison anywhere
/// else is how a query forgets the branch or reseller narrowing, or the organization itself.
@Suite("Tenant filters")
struct RawTenantFilterTests {
    /// Comparisons that filter rows by organization: a Fluent filter against a value (not a
    /// join between two key paths) and raw SQL comparing `organization_id` to a bind or to
    /// another table's column.
    static let patterns = [
        #"\\\.\$organizationID\s*==\s*[^\\\s]"#,
        #"organization_id\s*(=|IN)\s*(\\\(|[A-Za-z_]+\.organization_id)"#,
        #"\.filter\(\s*"organization_id""#,
        // A comparison whose value is bound on the next line (`CellStatement`).
        #"organization_id\s*(=|IN)\s*(\"\"\"|\"\)?\)?)?\s*$"#,
    ]

    static func offences(in root: String) throws -> [String] {
        let regexes = try patterns.map { try NSRegularExpression(pattern: $0) }
        var found: [String] = []
        guard let files = FileManager.default.enumerator(atPath: root + "/Sources") else { return [] }
        for case let file as String in files where file.hasSuffix(".swift") {
            // The tenancy code itself, and the job queue, which sits below tenancy (its one
            // optional organization condition is `JobStats.scope`).
            if file.hasPrefix("Platform/Tenancy/") || file.hasPrefix("Jobs/") { continue }
            let text = try String(contentsOfFile: root + "/Sources/" + file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                let range = NSRange(line.startIndex..., in: line)
                if regexes.contains(where: { $0.firstMatch(in: line, range: range) != nil }) {
                    found.append("Sources/\(file):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        return found
    }

    @Test func noHandWrittenOrganizationFilterOutsideTheTenancyCode() throws {
        let offences = try Self.offences(in: packageRoot)
        #expect(offences.isEmpty, "use Model.scoped(to:), Model.inOrganization(_:on:) or TenantSQL.organization(_:) instead:\n\(offences.joined(separator: "\n"))")
    }

    @Test func thePatternsCatchWhatTheyAreFor() throws {
        let samples = [
            #"let q = Customer.query(on: db).filter(\.$organizationID == ctx.organizationID)"#,
            #"WHERE c.organization_id = \(bind: org)"#,
            #"JOIN areas a ON a.id = c.area_id AND a.organization_id = c.organization_id"#,
            #"statement.append(" WHERE invoices.organization_id = ")"#,
            #"    AND billing_charges.organization_id = "#,
        ]
        let allowed = [#".join(Organization.self, on: \User.$organizationID == \Organization.$id)"#, #"if session.organizationID == user.organizationID"#]
        let regexes = try Self.patterns.map { try NSRegularExpression(pattern: $0) }
        func caught(_ line: String) -> Bool { regexes.contains { $0.firstMatch(in: line, range: NSRange(line.startIndex..., in: line)) != nil } }
        for sample in samples { #expect(caught(sample), "\(sample)") }
        for line in allowed { #expect(!caught(line), "\(line)") }
    }
}

@Suite("JSON columns")
struct JSONColumnTests {
    @Test func plainArraysAreReadDirectlyAndEverythingElseLikeJSONDecoder() throws {
        let samples = [#"[]"#, #"["vip"]"#, #"["vip","fiber", "ফাইবার"]"#, #" [ "a" , "b" ] "#, #"["quote \" inside"]"#, #"["tab\tx"]"#,
                       #"["a","#, #"["a" "b"]"#, #"{"a":1}"#, #"[1,2]"#, #""#, #"["a"]x"#, #"["\u00e9"]"#]
        for sample in samples {
            let expected = (try? JSONDecoder().decode([String].self, from: Data(sample.utf8))) ?? []
            #expect(JSONColumn.decode(sample) == expected, "\(sample)")
        }
        #expect(JSONColumn.decode(JSONColumn.encode(["a\"b", "c\\d", "ক"])) == ["a\"b", "c\\d", "ক"])
    }
}
