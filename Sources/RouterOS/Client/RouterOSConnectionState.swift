import Foundation

/// Why a connection ended (nil while it is usable), readable from any thread: the pool asks
/// from its actor, the handler answers from the event loop.
///
/// `@unchecked Sendable`: the only stored state is guarded by the lock. The target has no
/// NIOConcurrencyHelpers dependency, and `Synchronization.Mutex` needs macOS 15.
final class RouterOSConnectionState: @unchecked Sendable {
    private let lock = NSLock()
    private var reason: RouterOSError?

    var failure: RouterOSError? {
        lock.lock()
        defer { lock.unlock() }
        return reason
    }

    var isClosed: Bool { failure != nil }

    /// Keeps the first reason only.
    func markClosed(_ error: RouterOSError) {
        lock.lock()
        if reason == nil { reason = error }
        lock.unlock()
    }
}
