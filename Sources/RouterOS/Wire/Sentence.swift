/// One sentence read into its parts (reference A1): the first word (a command like
/// `/ppp/secret/add` or a reply like `!re`), `=name=value` attributes in order, `.name=value`
/// API attributes (`.tag`), and `?` query words, kept as sent.
public struct RouterOSSentence: Equatable, Sendable {
    public var word: String
    public var attributes: [(name: String, value: String)]
    public var apiAttributes: [String: String]
    public var queries: [String]
    /// Words that are none of the above (a `!fatal`'s bare reason, say), in order.
    public var other: [String]

    public init(word: String, attributes: [(name: String, value: String)] = [], apiAttributes: [String: String] = [:], queries: [String] = [], other: [String] = []) {
        self.word = word
        self.attributes = attributes
        self.apiAttributes = apiAttributes
        self.queries = queries
        self.other = other
    }

    public init(words: [String]) {
        word = words.first ?? ""
        attributes = []
        apiAttributes = [:]
        queries = []
        other = []
        for item in words.dropFirst() {
            if item.hasPrefix("=") {
                // `=name=value`: split on the first `=` after the leading one; the value may hold `=`.
                let rest = item.dropFirst()
                if let split = rest.firstIndex(of: "=") {
                    attributes.append((String(rest[..<split]), String(rest[rest.index(after: split)...])))
                } else {
                    attributes.append((String(rest), ""))
                }
            } else if item.hasPrefix(".") {
                if let split = item.firstIndex(of: "=") {
                    apiAttributes[String(item[item.index(after: item.startIndex)..<split])] = String(item[item.index(after: split)...])
                } else {
                    apiAttributes[String(item.dropFirst())] = ""
                }
            } else if item.hasPrefix("?") {
                queries.append(item)
            } else {
                other.append(item)
            }
        }
    }

    public var tag: String? { apiAttributes["tag"] }

    /// The value of the first attribute called `name`.
    public subscript(name: String) -> String? {
        attributes.first(where: { $0.name == name })?.value
    }

    /// The attributes as a dictionary (the last of a repeated name wins).
    public var row: [String: String] {
        var result: [String: String] = [:]
        for (name, value) in attributes { result[name] = value }
        return result
    }

    /// The words to send: the first word, attributes, API attributes (sorted, so the bytes are
    /// stable), queries, then the rest.
    public var words: [String] {
        var result = [word]
        result.reserveCapacity(1 + attributes.count + apiAttributes.count + queries.count + other.count)
        for (name, value) in attributes { result.append("=\(name)=\(value)") }
        for name in apiAttributes.keys.sorted() { result.append(".\(name)=\(apiAttributes[name]!)") }
        result.append(contentsOf: queries)
        result.append(contentsOf: other)
        return result
    }

    public static func == (lhs: RouterOSSentence, rhs: RouterOSSentence) -> Bool {
        lhs.word == rhs.word && lhs.apiAttributes == rhs.apiAttributes && lhs.queries == rhs.queries
            && lhs.other == rhs.other && lhs.attributes.count == rhs.attributes.count
            && zip(lhs.attributes, rhs.attributes).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }
}

/// RouterOS booleans: v6 answers `yes`/`no`, v7 `true`/`false` (reference A4).
public enum RouterOSBool {
    public static func parse(_ text: String?) -> Bool? {
        switch text?.lowercased() {
        case "yes", "true": return true
        case "no", "false": return false
        default: return nil
        }
    }
}
