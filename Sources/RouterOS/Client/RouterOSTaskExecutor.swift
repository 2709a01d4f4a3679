import NIOCore
import NIOPosix

/// Runs a task's jobs on the RouterOS sessions' event loop instead of Swift's shared pool.
///
/// A task that waits on routers with tight timings (a heartbeat, a timing test) can prefer it
/// (`withTaskExecutorPreference(RouterOSTaskExecutor.shared)`): its steps then run on the same
/// thread as the router I/O, so they are not queued behind whatever else keeps the shared pool
/// busy (on two cores a full test run once kept a task waiting 9 s for a thread). Keep such work
/// light: it shares the thread with every router session.
public final class RouterOSTaskExecutor: TaskExecutor {
    public static let shared = RouterOSTaskExecutor(eventLoop: RouterOSConnection.eventLoopGroup.next())

    let eventLoop: any EventLoop

    public init(eventLoop: any EventLoop) {
        self.eventLoop = eventLoop
    }

    public func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        eventLoop.execute { job.runSynchronously(on: self.asUnownedTaskExecutor()) }
    }
}
