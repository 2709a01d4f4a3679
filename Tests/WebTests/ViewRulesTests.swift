import Foundation
import Testing
import TestSupport

/// Views hold no addresses of their own: every link, form action and redirect in a page comes
/// from a typed route (`<Area>Routes`), so it cannot point at a route that does not exist, and
/// only `Attr.href`/`.action`/`.src` (taking a `Link`) write address attributes.
@Suite("View rules")
struct ViewRulesTests {
    static func viewFiles() -> [String] {
        let root = packageRoot + "/Sources/Web"
        let files = FileManager.default.enumerator(atPath: root)?.compactMap { $0 as? String } ?? []
        return files.filter { $0.hasSuffix("Pages.swift") || $0.hasSuffix("Page.swift") || $0.hasPrefix("Shared/HTML/")
            || $0.hasPrefix("Shared/Pages/") || $0.hasSuffix("Fields.swift") || $0.hasSuffix("Forms.swift") }
            .map { root + "/" + $0 }
    }

    @Test func pagesHoldNoPathLiteralsAndWriteNoAddressAttributesByHand() throws {
        let files = Self.viewFiles()
        #expect(files.count >= 20, "found \(files.count) view files")
        let pathLiteral = try NSRegularExpression(pattern: #""/[a-z]"#)
        let addressAttribute = try NSRegularExpression(pattern: #"\.attr\("(href|action|src|formaction)""#)
        var offences: [String] = []
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let line = String(line)
                if line.trimmingCharacters(in: .whitespaces).hasPrefix("//") { continue }
                let range = NSRange(line.startIndex..., in: line)
                if pathLiteral.firstMatch(in: line, range: range) != nil || addressAttribute.firstMatch(in: line, range: range) != nil {
                    offences.append("\(file.dropFirst(packageRoot.count + 1)):\(number + 1): \(line.trimmingCharacters(in: .whitespaces))")
                }
            }
        }
        #expect(offences.isEmpty, "build links from typed routes:\n\(offences.joined(separator: "\n"))")
    }
}
