import FluentKit
import Foundation
import MeghnaCore

extension QueryBuilder where Model.IDValue == UUID {
    /// Keyset paging sorted by a text column, then id: stable under inserts, one SQL statement.
    public func paginate(_ page: CursorRequest, by key: KeyPath<Model, FieldProperty<Model, String>>) async throws -> CursorPage<Model> {
        if let cursor = page.cursor {
            group(.or) { or in
                or.filter(key > cursor.key)
                or.group(.and) { $0.filter(key == cursor.key).filter(\._$id > cursor.id) }
            }
        }
        let rows = try await sort(key).sort(\._$id).limit(page.limit + 1).all()
        let items = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit
            ? items.last.map { CursorRequest.Cursor(key: $0[keyPath: key].wrappedValue, id: $0.id!).encoded } : nil
        return CursorPage(items: items, nextCursor: next)
    }
}

/// Lowercase, hyphenated, ASCII: "Dhaka North" → "dhaka-north".
public func slugify(_ text: String) -> String {
    let folded = text.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).lowercased()
    var out = ""
    for ch in folded.unicodeScalars {
        if ch.isASCII, CharacterSet.alphanumerics.contains(ch) { out.unicodeScalars.append(ch) } else if !out.hasSuffix("-") { out += "-" }
    }
    return out.trimmingCharacters(in: CharacterSet(charactersIn: "-"))
}

extension QueryBuilder where Model.IDValue == UUID {
    /// Keyset paging newest first by a timestamp column, then id.
    public func paginateNewestFirst(_ page: CursorRequest, by key: KeyPath<Model, FieldProperty<Model, Date>>) async throws -> CursorPage<Model> {
        if let cursor = page.cursor, let seconds = Double(cursor.key) {
            let at = Date(timeIntervalSince1970: seconds)
            group(.or) { or in
                or.filter(key < at)
                or.group(.and) { $0.filter(key == at).filter(\._$id < cursor.id) }
            }
        }
        let rows = try await sort(key, .descending).sort(\._$id, .descending).limit(page.limit + 1).all()
        let items = Array(rows.prefix(page.limit))
        let next = rows.count > page.limit
            ? items.last.map { CursorRequest.Cursor(key: String($0[keyPath: key].wrappedValue.timeIntervalSince1970), id: $0.id!).encoded } : nil
        return CursorPage(items: items, nextCursor: next)
    }
}
