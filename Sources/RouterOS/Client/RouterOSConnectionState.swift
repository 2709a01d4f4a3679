import Foundation

/// Whether a connection is still usable, readable from any thread (the pool asks from its actor,
/// the handler answers from the event loop).
///
/// `@unchecked Sendable`: the only stored state is guarded by the lock. The target has no
/// NIOConcurrencyHelpers dependency, and `Synchronization.Mutex` needs macOS 15.
final class RouterOSConnectionState: @unchecked Sendable {
    private let lock = NSLock()
    private var closed = false

    var isClosed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return closed
    }

    func markClosed() {
        lock.lock()
        closed = true
        lock.unlock()
    }
}
