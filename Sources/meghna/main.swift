import Foundation
import NIOCore
import NIOPosix
import Vapor
import Web

// Swift concurrency's jobs run on the server's event loops: a handler that awaits the database
// resumes where its connection's answer arrives instead of hopping to a second thread pool.
NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()

do {
    try await Meghna.main()
} catch {
    FileHandle.standardError.write(Data("meghna: \(error)\n".utf8))
    exit(1)
}
