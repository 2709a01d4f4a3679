import Foundation

extension Array {
    /// The array in consecutive pieces of at most `size` elements (multi-row statements).
    public func chunked(_ size: Int) -> [[Element]] {
        precondition(size > 0)
        return stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

extension String {
    /// nil for blank text, else trimmed.
    public var nonBlank: String? { Optional(self).nonBlank }
}

extension Optional {
    /// `map` for async transforms.
    public func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let self else { return nil }
        return try await transform(self)
    }
}

extension Optional where Wrapped == String {
    /// nil for nil or blank, else trimmed.
    public var nonBlank: String? {
        guard let self else { return nil }
        let t = self.trimmingCharacters(in: .whitespacesAndNewlines)
        return t.isEmpty ? nil : t
    }
}
