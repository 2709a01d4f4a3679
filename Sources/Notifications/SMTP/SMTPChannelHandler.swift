import Foundation
import NIOCore
import NIOSSL

/// What the async client writes into the channel: bytes to send (nil = only wait, used for the
/// greeting) and the promise that receives the next reply.
struct SMTPRequest: Sendable {
    var bytes: ByteBuffer?
    var reply: EventLoopPromise<SMTPResponse>
}

/// The first transport-level failure of a connection (TLS handshake, timeout, peer closing…),
/// kept outside the pipeline: once a channel closes its handlers are gone and later writes only
/// report "I/O on closed channel", so the session asks this for the real cause.
final class SMTPConnectionFailure: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: SMTPError?

    func record(_ error: SMTPError) {
        lock.lock()
        defer { lock.unlock() }
        if stored == nil { stored = error }
    }

    var error: SMTPError? {
        lock.lock()
        defer { lock.unlock() }
        return stored
    }
}

/// Request/response handler: sends each request's bytes and fulfils its promise with the next
/// complete reply, enforcing a per-reply timeout. All state lives on the channel's event loop.
final class SMTPChannelHandler: ChannelDuplexHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundIn = SMTPRequest
    typealias OutboundOut = ByteBuffer

    /// Longest reply line we accept (RFC 5321 allows 512; be lenient but bounded).
    static let maximumLineLength = 16 * 1024

    private struct Waiter {
        var promise: EventLoopPromise<SMTPResponse>
        var timeout: Scheduled<Void>?
    }

    private let replyTimeout: TimeAmount
    private let failure: SMTPConnectionFailure
    private var input: ByteBuffer?
    private var parser = SMTPResponseParser()
    private var unclaimed: CircularBuffer<SMTPResponse> = []
    private var waiters: CircularBuffer<Waiter> = []
    private var terminalError: SMTPError?

    init(replyTimeout: TimeAmount, failure: SMTPConnectionFailure) {
        self.replyTimeout = replyTimeout
        self.failure = failure
    }

    /// True when bytes or replies arrived that nobody asked for yet. Checked right after the
    /// STARTTLS reply: anything already buffered then was sent in clear text and must not be
    /// trusted (STARTTLS command injection).
    var hasUnconsumedInput: Bool {
        (input?.readableBytes ?? 0) > 0 || !unclaimed.isEmpty || parser.inProgress
    }

    // MARK: Outbound

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let request = unwrapOutboundIn(data)
        if let terminalError {
            request.reply.fail(terminalError)
            promise?.fail(terminalError)
            return
        }
        let timeout = context.eventLoop.assumeIsolated().scheduleTask(in: replyTimeout) { [weak self] in
            guard let self else { return }
            self.fail(with: .timeout, context: context)
        }
        waiters.append(Waiter(promise: request.reply, timeout: timeout))
        if let bytes = request.bytes {
            context.write(wrapOutboundOut(bytes), promise: promise)
        } else {
            promise?.succeed(())
        }
        deliverUnclaimed()
    }

    // MARK: Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var bytes = unwrapInboundIn(data)
        if input == nil {
            input = bytes
        } else {
            input!.writeBuffer(&bytes)
        }
        do {
            try parseAvailableLines()
        } catch {
            fail(with: SMTPError.wrapping(error), context: context)
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(with: SMTPError.wrapping(error), context: context)
    }

    func channelInactive(context: ChannelHandlerContext) {
        let error = terminalError ?? .connectionFailed("connection closed by the server")
        terminalError = error
        failure.record(error)
        failWaiters(error)
        context.fireChannelInactive()
    }

    // MARK: Internals

    private func parseAvailableLines() throws {
        guard var buffer = input else { return }
        defer {
            buffer.discardReadBytes()
            input = buffer.readableBytes == 0 ? nil : buffer
        }
        while let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) {
            let length = newline - buffer.readerIndex
            guard var line = buffer.readString(length: length) else { break }
            buffer.moveReaderIndex(forwardBy: 1)
            if line.hasSuffix("\r") { line.removeLast() }
            if let reply = try parser.feed(line[...]) {
                deliver(reply)
            }
        }
        if buffer.readableBytes > Self.maximumLineLength {
            throw SMTPError.connectionFailed("SMTP reply line longer than \(Self.maximumLineLength) bytes")
        }
    }

    private func deliver(_ reply: SMTPResponse) {
        if waiters.isEmpty {
            unclaimed.append(reply)
        } else {
            let waiter = waiters.removeFirst()
            waiter.timeout?.cancel()
            waiter.promise.succeed(reply)
        }
    }

    private func deliverUnclaimed() {
        while !waiters.isEmpty, !unclaimed.isEmpty {
            deliver(unclaimed.removeFirst())
        }
    }

    private func failWaiters(_ error: SMTPError) {
        while !waiters.isEmpty {
            let waiter = waiters.removeFirst()
            waiter.timeout?.cancel()
            waiter.promise.fail(error)
        }
    }

    private func fail(with error: SMTPError, context: ChannelHandlerContext) {
        if terminalError == nil { terminalError = error }
        failure.record(error)
        failWaiters(terminalError ?? error)
        context.close(promise: nil)
    }
}

@available(*, unavailable)
extension SMTPChannelHandler: Sendable {}

extension SMTPError {
    /// Maps NIO/TLS/socket errors into `SMTPError` (SMTP errors pass through).
    static func wrapping(_ error: any Error) -> SMTPError {
        switch error {
        case let error as SMTPError:
            return error
        case let error as ChannelError:
            if case .connectTimeout = error { return .timeout }
            return .connectionFailed(String(describing: error))
        case let error as NIOSSLError:
            return .connectionFailed("TLS failure: \(error)")
        case let error as BoringSSLError:
            return .connectionFailed("TLS failure: \(error)")
        case let error as NIOSSLExtraError:
            return .connectionFailed("TLS failure: \(error)")
        default:
            return .connectionFailed(String(describing: error))
        }
    }
}
