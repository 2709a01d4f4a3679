import Foundation

/// The source of "now". Production uses the system clock; tests fix or advance it.
public struct Clock: Sendable {
    public let now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let system = Clock { Date() }

    public static func fixed(_ date: Date) -> Clock { Clock { date } }
}

/// A clock tests can move forward.
public final class ManualClock: @unchecked Sendable {
    private let lock = NSLock()
    private var current: Date

    public init(_ start: Date = Date(timeIntervalSince1970: 1_790_000_000)) { current = start }

    public var date: Date { lock.withLock { current } }

    public func advance(by seconds: TimeInterval) { lock.withLock { current += seconds } }

    /// Sets the time (a test that walks a billing month from its first day).
    public func set(_ date: Date) { lock.withLock { current = date } }

    public var clock: Clock { Clock { [self] in date } }
}
