import Foundation
import MeghnaCore
import Mustache

/// A message an organization writes itself (an SMS or an email's subject and text), in
/// Mustache: logic-less, so tenant text can show values and leave parts out when a value is
/// missing (`{{#invoice_number}}…{{/invoice_number}}`) but never run anything. Only the
/// variables the message documents are allowed; partials, delimiter changes, blocks and
/// functions are refused, so what a template can reach is exactly the values it is given.
/// Output is plain text: nothing is HTML-escaped (an SMS or a text email is not HTML).
public struct TextTemplate: Sendable {
    public let source: String
    let template: MustacheTemplate

    /// What is wrong with a template, in a sentence for the form.
    public struct Problem: Error, Equatable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }

    public static let maxLength = 5_000

    public init(_ source: String, variables allowed: Set<String>) throws(Problem) {
        guard source.count <= Self.maxLength else { throw Problem(message: "must be at most \(Self.maxLength) characters") }
        for tag in Self.tags(in: source) {
            switch tag.sigil {
            case "!": continue
            case ">", "<": throw Problem(message: "includes another template ({{\(tag.sigil)\(tag.name)}}), which messages do not support")
            case "=", "%": throw Problem(message: "changes the template's settings ({{\(tag.sigil)…}}), which messages do not support")
            case "$": throw Problem(message: "uses a block ({{$\(tag.name)}}), which messages do not support")
            default:
                if tag.name == "." { continue }
                guard allowed.contains(tag.name) else {
                    let known = allowed.sorted().map { "{{\($0)}}" }.joined(separator: ", ")
                    throw Problem(message: "uses {{\(tag.name)}}, which is not a variable of this message (it has \(known))")
                }
            }
        }
        do {
            template = try MustacheTemplate(string: "{{% CONTENT_TYPE: TEXT}}" + source)
        } catch let error as MustacheTemplate.ParserError {
            throw Problem(message: "is not a valid template: \(Self.explain(error.error)) (line \(error.context.lineNumber))")
        } catch {
            throw Problem(message: "is not a valid template")
        }
        self.source = source
    }

    /// The text with `values` filled in. A missing or empty value leaves its section out.
    public func render(_ values: [String: String]) -> String {
        template.render(values.filter { !$0.value.isEmpty })
    }

    /// The tags of a template in order: the sigil (`#`, `^`, `/`, `&`, `{`, `>`, `!`, … or
    /// empty for a plain variable) and the name inside.
    static func tags(in source: String) -> [(sigil: String, name: String)] {
        var found: [(String, String)] = []
        var rest = source[...]
        while let open = rest.range(of: "{{") {
            let after = rest[open.upperBound...]
            guard let close = after.range(of: "}}") else { break }
            var inner = after[..<close.lowerBound]
            var end = close.upperBound
            if inner.hasPrefix("{"), after[close.upperBound...].hasPrefix("}") { end = after.index(after: close.upperBound) }
            inner = inner.drop { $0 == " " }
            var sigil = ""
            if let first = inner.first, "#^/&{>!<=%$".contains(first) {
                sigil = first == "{" ? "&" : String(first)
                inner = inner.dropFirst()
            }
            found.append((sigil, inner.trimmingCharacters(in: .whitespacesAndNewlines)))
            rest = rest[end...]
        }
        return found
    }

    static func explain(_ error: any Error) -> String {
        switch error as? MustacheTemplate.Error {
        case .sectionCloseNameIncorrect: "a section is closed with another name than it was opened with"
        case .expectedSectionEnd: "a section is opened and never closed"
        case .unfinishedName: "a tag is not closed with }}"
        default: "\(error)"
        }
    }
}
