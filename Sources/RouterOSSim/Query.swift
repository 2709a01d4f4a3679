/// `print` queries (reference A4): every `?` word pushes a truth value for the row onto a stack,
/// `?#` words combine the values on it, and a row matches when every value left is true
/// (an empty stack matches every row).
struct SimQuery: Sendable {
    enum Step: Sendable {
        case present(String)
        case absent(String)
        case equals(String, String)
        case less(String, String)
        case greater(String, String)
        case operations(String)
    }

    struct Invalid: Error {
        var word: String
    }

    var steps: [Step]

    init(_ words: [String]) throws(Invalid) {
        steps = []
        for word in words {
            let body = word.dropFirst() // the "?"
            if body.hasPrefix("#") {
                let ops = String(body.dropFirst())
                guard !ops.isEmpty, ops.allSatisfy({ "|&!.".contains($0) || $0.isASCII && $0.isNumber }) else { throw Invalid(word: word) }
                steps.append(.operations(ops))
            } else if body.hasPrefix("-") {
                guard body.count > 1 else { throw Invalid(word: word) }
                steps.append(.absent(String(body.dropFirst())))
            } else if body.hasPrefix("<") || body.hasPrefix(">") || body.hasPrefix("=") {
                let rest = body.dropFirst()
                guard let split = rest.firstIndex(of: "="), split != rest.startIndex else { throw Invalid(word: word) }
                let name = String(rest[..<split]), value = String(rest[rest.index(after: split)...])
                switch body.first {
                case "<": steps.append(.less(name, value))
                case ">": steps.append(.greater(name, value))
                default: steps.append(.equals(name, value))
                }
            } else if let split = body.firstIndex(of: "=") {
                guard split != body.startIndex else { throw Invalid(word: word) }
                steps.append(.equals(String(body[..<split]), String(body[body.index(after: split)...])))
            } else {
                guard !body.isEmpty else { throw Invalid(word: word) }
                steps.append(.present(String(body)))
            }
        }
    }

    /// Whether `row` (as printed, with `.id`) matches. `normalize` turns a query value into the form
    /// the row holds it in (booleans written either way).
    func matches(_ row: [String: String], normalize: (String, String) -> String) -> Bool {
        var stack: [Bool] = []
        for step in steps {
            switch step {
            case .present(let name): stack.append(row[name] != nil)
            case .absent(let name): stack.append(row[name] == nil)
            case .equals(let name, let value):
                stack.append(Self.equal(row[name] ?? "", normalize(name, value), name: name))
            case .less(let name, let value):
                guard let have = row[name] else { stack.append(false); break }
                stack.append(Self.compare(have, normalize(name, value)) == .less)
            case .greater(let name, let value):
                guard let have = row[name] else { stack.append(false); break }
                stack.append(Self.compare(have, normalize(name, value)) == .greater)
            case .operations(let ops):
                Self.apply(ops, to: &stack)
            }
        }
        return stack.allSatisfy { $0 }
    }

    /// The `?#` operations, left to right: `!` negates the top, `&` and `|` replace the top two by
    /// their AND / OR, `.` pushes a copy of the top; digits are an index from the top (0): followed by
    /// another operation they push a copy of that value, at the end of the word the stack becomes
    /// just that value. A missing operand counts as true, like the empty stack.
    static func apply(_ ops: String, to stack: inout [Bool]) {
        var chars = Array(ops)[...]
        while let char = chars.first {
            if char.isNumber {
                var digits = ""
                while let next = chars.first, next.isNumber { digits.append(next); chars = chars.dropFirst() }
                let index = Int(digits) ?? Int.max
                let value = index < stack.count ? stack[stack.count - 1 - index] : true
                if chars.isEmpty { stack = [value] } else { stack.append(value) }
                continue
            }
            chars = chars.dropFirst()
            switch char {
            case "!": stack.append(!(stack.popLast() ?? true))
            case ".": stack.append(stack.last ?? true)
            case "&", "|":
                let right = stack.popLast() ?? true, left = stack.popLast() ?? true
                stack.append(char == "&" ? left && right : left || right)
            default: break
            }
        }
    }

    static func equal(_ have: String, _ want: String, name: String) -> Bool {
        if name == ".id" { return have.uppercased() == want.uppercased() }
        return have == want
    }

    /// Numbers (and `*1A` ids) compare as numbers, anything else as text.
    static func compare(_ a: String, _ b: String) -> Ordering {
        if let x = number(a), let y = number(b) { return x < y ? .less : x > y ? .greater : .same }
        return a < b ? .less : a > b ? .greater : .same
    }

    enum Ordering { case less, same, greater }

    private static func number(_ text: String) -> Double? {
        if text.hasPrefix("*"), let id = UInt64(text.dropFirst(), radix: 16) { return Double(id) }
        return Double(text)
    }
}
