import Foundation
import RouterOS

/// One row of a menu. `since` is when a session row connected (its `uptime` grows from it).
struct SimRow: Sendable {
    var id: UInt64
    var fields: [String: String]
    var since: ContinuousClock.Instant?
}

struct SimMenu: Sendable {
    var schema: MenuSchema
    var nextID: UInt64
    var rows: [SimRow]
}

/// What a command produced: the sentences to send (without `.tag`s; the last is `!done`) and
/// whether it was a print with nothing to show (RouterOS 7.18 then says `!empty`).
struct SimOutcome: Sendable {
    var sentences: [[String]]
    var nothingToReply = false

    static func done(_ attributes: [(String, String)] = []) -> SimOutcome {
        SimOutcome(sentences: [["!done"] + attributes.map { "=\($0.0)=\($0.1)" }])
    }

    static func trap(_ message: String, category: Int? = nil) -> SimOutcome {
        SimOutcome(sentences: [trapWords(message, category: category), ["!done"]])
    }

    static func trapWords(_ message: String, category: Int? = nil) -> [String] {
        ["!trap"] + (category.map { ["=category=\($0)"] } ?? []) + ["=message=\(message)"]
    }
}

/// The router's configuration and state: every menu's rows, the identity and the figures
/// `/system/resource/print` reports. A value type, kept behind the simulator's lock.
struct SimDatabase: Sendable {
    var menus: [String: SimMenu] = [:]
    var identity: String
    let version: String
    let boardName: String
    let started: ContinuousClock.Instant
    var cpuLoad = 2
    private var sessionCounter: UInt64 = 0x81A0_0000

    /// Every directory a known menu lives under, for telling "no such command" from "no such command prefix".
    private var directories: Set<String> = []

    init(identity: String, version: String, boardName: String, started: ContinuousClock.Instant) {
        self.identity = identity
        self.version = version
        self.boardName = boardName
        self.started = started
        for schema in MenuSchema.all { addMenu(schema) }
    }

    private mutating func addMenu(_ schema: MenuSchema) {
        var menu = SimMenu(schema: schema, nextID: 1, rows: [])
        for (offset, row) in schema.initialRows.enumerated() {
            var fields = schema.defaults
            fields.merge(row) { $1 }
            menu.rows.append(SimRow(id: UInt64(offset), fields: fields, since: nil))
        }
        menus[schema.path] = menu
        var path = ""
        for segment in schema.path.split(separator: "/") {
            path += "/" + segment
            directories.insert(path)
        }
    }

    /// RouterOS 6 says yes/no, 7 and later true/false.
    var saysYesNo: Bool {
        let major = Int(version.prefix(while: { $0.isNumber })) ?? 7
        return major < 7
    }

    static func formatID(_ id: UInt64) -> String { "*" + String(id, radix: 16, uppercase: true) }

    static func parseID(_ text: String) -> UInt64? {
        guard text.hasPrefix("*") else { return nil }
        return UInt64(text.dropFirst(), radix: 16)
    }

    /// `1w2d3h4m5s`, leaving out zero parts, as RouterOS prints durations.
    static func formatDuration(_ duration: Duration) -> String {
        var seconds = max(0, duration.components.seconds)
        var text = ""
        for (unit, size) in [("w", Int64(604_800)), ("d", 86_400), ("h", 3_600), ("m", 60)] where seconds >= size {
            text += "\(seconds / size)\(unit)"
            seconds %= size
        }
        if seconds > 0 || text.isEmpty { text += "\(seconds)s" }
        return text
    }

    private var dateText: String {
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = saysYesNo ? "MMM/dd/yyyy HH:mm:ss" : "yyyy-MM-dd HH:mm:ss"
        let text = formatter.string(from: Date())
        return saysYesNo ? text.lowercased() : text
    }

    // MARK: Rows as a router prints them

    func render(_ row: SimRow, in schema: MenuSchema, now: ContinuousClock.Instant) -> [(String, String)] {
        var fields = row.fields
        if let since = row.since { fields["uptime"] = Self.formatDuration(now - since) }
        var out: [(String, String)] = schema.kind == .list || schema.kind == .sessions ? [(".id", Self.formatID(row.id))] : []
        for name in schema.fields {
            if let value = fields.removeValue(forKey: name) { out.append((name, renderValue(value, name: name, schema: schema))) }
        }
        for name in fields.keys.sorted() { out.append((name, renderValue(fields[name]!, name: name, schema: schema))) }
        return out
    }

    private func renderValue(_ value: String, name: String, schema: MenuSchema) -> String {
        guard schema.booleans.contains(name), let flag = RouterOSBool.parse(value) else { return value }
        return saysYesNo ? (flag ? "yes" : "no") : (flag ? "true" : "false")
    }

    private func resourceRow(now: ContinuousClock.Instant) -> [(String, String)] {
        let v6 = saysYesNo
        return [
            ("uptime", Self.formatDuration(now - started)),
            ("version", version),
            ("build-time", v6 ? "feb/24/2025 11:49:05" : "2025-02-24 11:49:05"),
            ("factory-software", "7.1"),
            ("free-memory", "3724541952"),
            ("total-memory", "4294967296"),
            ("cpu", "ARM64"),
            ("cpu-count", "4"),
            ("cpu-frequency", "1700"),
            ("cpu-load", String(cpuLoad)),
            ("free-hdd-space", "96206848"),
            ("total-hdd-space", "134217728"),
            ("write-sect-since-reboot", "3408"),
            ("write-sect-total", "1046221"),
            ("architecture-name", "arm64"),
            ("board-name", boardName),
            ("platform", "MikroTik"),
        ]
    }

    /// The rows of `path` as print shows them (nil: no such menu).
    func printedRows(_ path: String, now: ContinuousClock.Instant) -> [[(String, String)]]? {
        guard let menu = menus[path] else { return nil }
        switch menu.schema.kind {
        case .resource: return [resourceRow(now: now)]
        case .identity: return [[("name", identity)]]
        case .list, .sessions: return menu.rows.map { render($0, in: menu.schema, now: now) }
        }
    }

    // MARK: Commands

    mutating func execute(_ sentence: RouterOSSentence, now: ContinuousClock.Instant) -> SimOutcome {
        let word = sentence.word
        guard word.hasPrefix("/"), let slash = word.lastIndex(of: "/") else { return unknownPrefix(word) }
        let path = String(word[..<slash]), action = String(word[word.index(after: slash)...])
        guard let menu = menus[path] else {
            if directories.contains(path) || directories.contains(word) { return .trap("no such command", category: 0) }
            return unknownPrefix(word)
        }
        guard menu.schema.actions.contains(action) else { return .trap("no such command", category: 0) }
        switch action {
        case "print", "getall": return print(path, sentence, now: now)
        case "add": return add(path, sentence, now: now)
        case "set": return set(path, sentence)
        case "enable", "disable":
            var changed = sentence
            changed.attributes.append(("disabled", action == "disable" ? "true" : "false"))
            return set(path, changed)
        case "remove": return remove(path, sentence)
        case "unset":
            // `unset numbers=*1 value-name=remote-address`: back to the default (or absent).
            guard let name = sentence["value-name"] else { return .trap("missing value(s) of argument(s) value-name", category: 1) }
            var changed = sentence
            changed.attributes = changed.attributes.filter { $0.0 != "value-name" } + [(name, "")]
            return set(path, changed)
        default: return .trap("no such command", category: 0)
        }
    }

    /// RouterOS answers a path it does not know with two traps, e.g. for `/ip/adress/print`:
    /// `no such command or directory (adress)` (category 0), then `no such command prefix`.
    private func unknownPrefix(_ word: String) -> SimOutcome {
        var path = "", unknown = word
        for segment in word.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            path += "/" + segment
            if !directories.contains(path) { unknown = String(segment); break }
        }
        return SimOutcome(sentences: [
            SimOutcome.trapWords("no such command or directory (\(unknown))", category: 0),
            SimOutcome.trapWords("no such command prefix"),
            ["!done"],
        ])
    }

    private func print(_ path: String, _ sentence: RouterOSSentence, now: ContinuousClock.Instant) -> SimOutcome {
        let schema = menus[path]!.schema
        let query: SimQuery
        do { query = try SimQuery(sentence.queries) } catch {
            return .trap("invalid query: \(error.word)", category: 1)
        }
        let proplist = sentence[".proplist"].map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }
        let rows = (printedRows(path, now: now) ?? []).filter { row in
            query.matches(Dictionary(row, uniquingKeysWith: { $1 })) { name, value in
                guard schema.booleans.contains(name), let flag = RouterOSBool.parse(value) else { return value }
                return saysYesNo ? (flag ? "yes" : "no") : (flag ? "true" : "false")
            }
        }
        if sentence["count-only"] != nil { return .done([("ret", String(rows.count))]) }
        var sentences: [[String]] = []
        for row in rows {
            var words = ["!re"]
            if let proplist {
                let values = Dictionary(row, uniquingKeysWith: { $1 })
                for name in proplist { if let value = values[name] { words.append("=\(name)=\(value)") } }
            } else {
                for (name, value) in row { words.append("=\(name)=\(value)") }
            }
            sentences.append(words)
        }
        sentences.append(["!done"])
        return SimOutcome(sentences: sentences, nothingToReply: rows.isEmpty)
    }

    /// The attributes a command writes, checked: known names, booleans stored as true/false.
    private func writes(_ sentence: RouterOSSentence, schema: MenuSchema) -> Result<[(String, String)], SimTrap> {
        var out: [(String, String)] = []
        for (name, value) in sentence.attributes where !name.hasPrefix(".") && name != "numbers" {
            if let writable = schema.writable, !writable.contains(name) {
                return .failure(SimTrap("unknown parameter \(name)"))
            }
            if schema.booleans.contains(name) {
                guard let flag = RouterOSBool.parse(value) else {
                    return .failure(SimTrap("invalid value for argument \(name)", category: 1))
                }
                out.append((name, flag ? "true" : "false"))
            } else {
                out.append((name, value))
            }
        }
        return .success(out)
    }

    private func duplicate(_ fields: [String: String], in menu: SimMenu, except: Set<UInt64>) -> Bool {
        guard !menu.schema.unique.isEmpty else { return false }
        let key = menu.schema.unique.map { fields[$0] ?? "" }
        guard key.contains(where: { !$0.isEmpty }) else { return false }
        return menu.rows.contains { row in !except.contains(row.id) && menu.schema.unique.map { row.fields[$0] ?? "" } == key }
    }

    private mutating func add(_ path: String, _ sentence: RouterOSSentence, now: ContinuousClock.Instant) -> SimOutcome {
        var menu = menus[path]!
        let schema = menu.schema
        let given: [(String, String)]
        switch writes(sentence, schema: schema) {
        case .failure(let trap): return .trap(trap.message, category: trap.category)
        case .success(let values): given = values
        }
        var fields = schema.defaults
        for (name, value) in given {
            if value.isEmpty && schema.defaults[name] == nil { fields.removeValue(forKey: name) } else { fields[name] = value }
        }
        if let prefix = schema.autoNamePrefix, (fields["name"] ?? "").isEmpty {
            let taken = Set(menu.rows.compactMap { $0.fields["name"] })
            var number = 1
            while taken.contains("\(prefix)\(number)") { number += 1 }
            fields["name"] = "\(prefix)\(number)"
        }
        let missing = schema.required.filter { (fields[$0] ?? "").isEmpty }
        if !missing.isEmpty { return .trap("missing value(s) of argument(s) \(missing.joined(separator: " "))", category: 1) }
        if duplicate(fields, in: menu, except: []) { return .trap(schema.duplicateMessage) }
        if schema.fields.contains("creation-time") { fields["creation-time"] = dateText }
        let id = menu.nextID
        menu.nextID += 1
        menu.rows.append(SimRow(id: id, fields: fields, since: schema.kind == .sessions ? now : nil))
        menus[path] = menu
        return .done([("ret", Self.formatID(id))])
    }

    /// The rows `=.id=` or `=numbers=` name: `.id`s or names, comma separated.
    private func resolve(_ sentence: RouterOSSentence, in menu: SimMenu) -> Result<[UInt64], SimTrap> {
        guard let list = sentence[".id"] ?? sentence["numbers"] else {
            return .failure(SimTrap("missing value(s) of argument(s) numbers", category: 1))
        }
        var ids: [UInt64] = []
        for item in list.split(separator: ",", omittingEmptySubsequences: true) {
            let text = item.trimmingCharacters(in: .whitespaces)
            if let id = Self.parseID(text), menu.rows.contains(where: { $0.id == id }) {
                ids.append(id)
            } else if !text.hasPrefix("*"), let field = menu.schema.nameField,
                      let row = menu.rows.first(where: { $0.fields[field] == text }) {
                ids.append(row.id)
            } else {
                return .failure(SimTrap("no such item"))
            }
        }
        if ids.isEmpty { return .failure(SimTrap("no such item")) }
        return .success(ids)
    }

    private mutating func set(_ path: String, _ sentence: RouterOSSentence) -> SimOutcome {
        var menu = menus[path]!
        let schema = menu.schema
        let given: [(String, String)]
        switch writes(sentence, schema: schema) {
        case .failure(let trap): return .trap(trap.message, category: trap.category)
        case .success(let values): given = values
        }
        if schema.kind == .identity {
            if let name = given.last(where: { $0.0 == "name" })?.1 { identity = name }
            return .done()
        }
        let ids: [UInt64]
        switch resolve(sentence, in: menu) {
        case .failure(let trap): return .trap(trap.message, category: trap.category)
        case .success(let found): ids = found
        }
        var updated = menu.rows
        for index in updated.indices where ids.contains(updated[index].id) {
            for (name, value) in given {
                if value.isEmpty && schema.defaults[name] == nil && !schema.required.contains(name) {
                    updated[index].fields.removeValue(forKey: name)
                } else {
                    updated[index].fields[name] = value
                }
            }
            if let missing = schema.required.first(where: { (updated[index].fields[$0] ?? "").isEmpty }) {
                return .trap("missing value(s) of argument(s) \(missing)", category: 1)
            }
        }
        for row in updated where ids.contains(row.id) {
            var others = menu
            others.rows = updated.filter { $0.id != row.id }
            if duplicate(row.fields, in: others, except: []) { return .trap(schema.duplicateMessage) }
        }
        menu.rows = updated
        menus[path] = menu
        return .done()
    }

    private mutating func remove(_ path: String, _ sentence: RouterOSSentence) -> SimOutcome {
        var menu = menus[path]!
        let ids: [UInt64]
        switch resolve(sentence, in: menu) {
        case .failure(let trap): return .trap(trap.message, category: trap.category)
        case .success(let found): ids = found
        }
        if menu.rows.contains(where: { ids.contains($0.id) && RouterOSBool.parse($0.fields["default"]) == true }) {
            return .trap("failure: can not remove default profile")
        }
        menu.rows.removeAll { ids.contains($0.id) }
        menus[path] = menu
        return .done()
    }

    // MARK: Direct access for tests and demos

    /// Adds a row as given (defaults filled in, no checks), making up the menu when the simulator does not model it.
    mutating func insert(_ path: String, _ row: [String: String], now: ContinuousClock.Instant, connected: Bool) -> String {
        if menus[path] == nil { addMenu(.adHoc(path)) }
        var menu = menus[path]!
        var fields = menu.schema.defaults
        for (name, value) in row where name != ".id" {
            if menu.schema.booleans.contains(name), let flag = RouterOSBool.parse(value) {
                fields[name] = flag ? "true" : "false"
            } else {
                fields[name] = value
            }
        }
        if menu.schema.fields.contains("creation-time") && fields["creation-time"] == nil { fields["creation-time"] = dateText }
        let id = menu.nextID
        menu.nextID += 1
        menu.rows.append(SimRow(id: id, fields: fields, since: connected || menu.schema.kind == .sessions ? now : nil))
        menus[path] = menu
        return Self.formatID(id)
    }

    mutating func nextSessionID() -> String {
        sessionCounter += 1
        return "0x" + String(sessionCounter, radix: 16, uppercase: true)
    }
}

struct SimTrap: Error {
    var message: String
    var category: Int?
    init(_ message: String, category: Int? = nil) {
        self.message = message
        self.category = category
    }
}
