import RouterOS
import Testing

/// A suite trait: each test runs on the RouterOS event loop (`RouterOSTaskExecutor`), so what it
/// times is the router and the client, not how long a busy parallel test run kept its task
/// waiting for one of the shared threads.
struct OnRouterOSLoop: SuiteTrait, TestTrait, TestScoping {
    var isRecursive: Bool { true }

    func provideScope(for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void) async throws {
        try await withTaskExecutorPreference(RouterOSTaskExecutor.shared) { try await function() }
    }
}

extension Trait where Self == OnRouterOSLoop {
    static var onRouterOSLoop: Self { Self() }
}
