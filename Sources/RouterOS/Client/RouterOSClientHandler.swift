import Logging
import NIOCore

/// The client end of one API connection. All its state lives on the channel's event loop: the
/// connection reaches it only through `NIOLoopBound`, and every promise is completed from here,
/// exactly once (reply, trap, timeout, cancellation, `!fatal`, error, close or channel loss).
final class RouterOSClientHandler: ChannelInboundHandler {
    typealias InboundIn = [String]
    typealias OutboundOut = [String]

    private struct Pending {
        var command: RouterOSCommand
        var promise: EventLoopPromise<RouterOSReply>
        var timeout: Duration
        var timer: Scheduled<Void>?
        var isSent = false
        var rows: [[String: String]] = []
        var trap: (message: String, category: Int?)?
        var sawEmpty = false
    }

    private let maximumInFlight: Int
    private let mapper: RouterOSErrorMapper
    private let state: RouterOSConnectionState
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var pending: [String: Pending] = [:]
    /// Tags waiting for an in-flight slot, oldest first; a tag no longer in `pending` timed out.
    private var waiting = CircularBuffer<String>()
    private var inFlight = 0
    private var nextTag = 1
    private var failure: RouterOSError?
    /// Set by the pinned-certificate check, so the handshake failure that follows reads as a pin mismatch.
    var pinMismatch = false

    init(maximumInFlight: Int, mapper: RouterOSErrorMapper, state: RouterOSConnectionState, logger: Logger) {
        self.maximumInFlight = max(1, maximumInFlight)
        self.mapper = mapper
        self.state = state
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        finish(.connectionLost)
        self.context = nil
    }

    func channelInactive(context: ChannelHandlerContext) {
        finish(.connectionLost)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let mapped = mapper.sessionFailure(error, pinMismatch: pinMismatch)
        logger.debug("closing the connection", metadata: ["error": "\(mapped)"])
        finish(mapped)
        context.close(promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let sentence = RouterOSSentence(words: unwrapInboundIn(data))
        if sentence.word == "!fatal" {
            // Either form: `=message=reason` (go-routeros) or the bare reason word (librouteros).
            let reason = sentence["message"] ?? sentence.other.joined(separator: " ")
            logger.warning("the router sent !fatal", metadata: ["reason": "\(reason)"])
            finish(.fatal(reason))
            context.close(promise: nil)
            return
        }
        guard let tag = sentence.tag, let entry = pending[tag], entry.isSent else {
            logger.debug("ignoring a reply", metadata: ["word": "\(sentence.word)", "tag": "\(sentence.tag ?? "none")"])
            return
        }
        switch sentence.word {
        case "!re":
            pending[tag]?.rows.append(sentence.row)
        case "!trap":
            if entry.trap == nil {
                pending[tag]?.trap = (sentence["message"] ?? "", sentence["category"].flatMap { Int($0) })
            }
        case "!empty":
            pending[tag]?.sawEmpty = true
        case "!done":
            if let trap = entry.trap {
                complete(tag, .failure(RouterOSError.trap(message: trap.message, category: trap.category)))
            } else {
                complete(tag, .success(RouterOSReply(rows: entry.rows, done: sentence.row, sawEmpty: entry.sawEmpty)))
            }
        default:
            logger.debug("ignoring an unknown reply word", metadata: ["word": "\(sentence.word)", "tag": "\(tag)"])
        }
    }

    /// Queues `command`; `promise` is completed when its `!done` (or a failure) arrives.
    func submit(_ command: RouterOSCommand, timeout: Duration, promise: EventLoopPromise<RouterOSReply>) {
        if let failure {
            promise.fail(failure)
            return
        }
        guard let context else {
            promise.fail(RouterOSError.connectionLost)
            return
        }
        let tag = makeTag()
        let timer = context.eventLoop.assumeIsolated().scheduleTask(in: timeout.timeAmount) { [self] in
            timedOut(tag)
        }
        pending[tag] = Pending(command: command, promise: promise, timeout: timeout, timer: timer)
        waiting.append(tag)
        sendWaiting()
    }

    /// The caller's task was cancelled: fail its command and ask the router to stop it.
    func cancel(_ future: EventLoopFuture<RouterOSReply>) {
        let id = ObjectIdentifier(future)
        guard let tag = pending.first(where: { ObjectIdentifier($0.value.promise.futureResult) == id })?.key else { return }
        let wasSent = pending[tag]?.isSent == true
        complete(tag, .failure(CancellationError()))
        if wasSent { sendCancel(tag) }
    }

    /// Closing from this side: pending commands fail with `.closed`.
    func close() {
        finish(.closed)
        context?.close(promise: nil)
    }

    private func timedOut(_ tag: String) {
        guard let entry = pending[tag] else { return }
        logger.debug("command timed out", metadata: ["command": "\(entry.command.path)", "tag": "\(tag)"])
        complete(tag, .failure(RouterOSError.timeout(command: entry.command.path, seconds: entry.timeout.secondsValue)))
        // Best effort: the router stops the command; its late replies carry a tag no longer pending.
        if entry.isSent { sendCancel(tag) }
    }

    private func sendCancel(_ tag: String) {
        guard failure == nil, let context else { return }
        context.writeAndFlush(wrapOutboundOut(["/cancel", "=tag=\(tag)", ".tag=\(makeTag())"]), promise: nil)
    }

    private func complete(_ tag: String, _ result: Result<RouterOSReply, any Error>) {
        guard let entry = pending.removeValue(forKey: tag) else { return }
        entry.timer?.cancel()
        if entry.isSent { inFlight -= 1 }
        sendWaiting()
        entry.promise.completeWith(result)
    }

    private func sendWaiting() {
        guard let context else { return }
        var wrote = false
        while inFlight < maximumInFlight, let tag = waiting.popFirst() {
            guard let entry = pending[tag] else { continue }
            pending[tag]?.isSent = true
            inFlight += 1
            logger.debug("sending", metadata: ["command": "\(entry.command)", "tag": "\(tag)"])
            context.write(wrapOutboundOut(entry.command.words + [".tag=\(tag)"]), promise: nil)
            wrote = true
        }
        if wrote { context.flush() }
    }

    /// Fails everything in flight or waiting with the first reason the connection ended.
    private func finish(_ error: RouterOSError) {
        if failure == nil {
            failure = error
            state.markClosed(error)
        }
        let reason = failure ?? error
        let ended = pending
        pending = [:]
        waiting.removeAll()
        inFlight = 0
        for entry in ended.values {
            entry.timer?.cancel()
            entry.promise.fail(reason)
        }
    }

    private func makeTag() -> String {
        defer { nextTag += 1 }
        return String(nextTag)
    }
}

@available(*, unavailable)
extension RouterOSClientHandler: Sendable {}
