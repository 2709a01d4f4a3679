#if canImport(Glibc)
import Glibc
import RouterOS
import Testing

/// A listening socket that is never accepted, with the smallest backlog: the first connections
/// finish TCP and then hear nothing, later ones never finish TCP. Both must be `.noAnswer`,
/// within the connect timeout, without the outside network.
@Suite(.onRouterOSLoop) struct ConnectTimeoutTests {
    @Test func aFullBacklogIsNoAnswer() async throws {
        let socket = try NeverAcceptingSocket()
        defer { socket.close() }
        for _ in 0..<4 {
            let endpoint = RouterOSEndpoint(host: "127.0.0.1", port: socket.port, username: "admin", password: "", connectTimeout: .milliseconds(250))
            let started = ContinuousClock.now
            await #expect(throws: RouterOSError.noAnswer(host: "127.0.0.1", port: socket.port, seconds: 1)) {
                try await RouterOSConnection.connect(to: endpoint)
            }
            // 250 ms alone; a full parallel test run on two cores has delayed the answer by 9 s
            // (every thread busy). The point is that it ends: a hang would never end.
            #expect(ContinuousClock.now - started < .seconds(30))
        }
    }
}

private struct NeverAcceptingSocket {
    let descriptor: Int32
    let port: Int

    init() throws {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard descriptor >= 0 else { throw RouterOSError.protocolError("socket() failed") }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, Glibc.listen(descriptor, 0) == 0 else { throw RouterOSError.protocolError("bind/listen failed") }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(descriptor, $0, &length) }
        }
        self.descriptor = descriptor
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    func close() {
        _ = Glibc.close(descriptor)
    }
}
#endif
