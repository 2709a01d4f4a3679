import Crypto
import NIOCore
import RouterOS

/// Sent to every connection's pipeline when the simulator stops hanging: commands held back
/// while it hung are answered now.
enum SimEvent: Sendable {
    case resume
}

/// One client connection to the simulator. Lives on its channel's event loop; what all
/// connections share (menus, faults) is in `SimulatorCore`, behind its lock.
///
/// Every command waits in the queue of its `.tag` (untagged ones share one): the injected latency
/// runs for each command on its own, so tagged commands overlap, while replies for one tag leave
/// in the order the commands came. A command is carried out when its reply is due, so one
/// cancelled in time changes nothing.
final class SimConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = [String]
    typealias OutboundOut = [String]

    private final class Pending {
        let sentence: RouterOSSentence
        var ready = false
        var parked = false
        var timer: Scheduled<Void>?
        init(_ sentence: RouterOSSentence) { self.sentence = sentence }
    }

    private let core: SimulatorCore
    private var context: ChannelHandlerContext?
    private var loggedIn = false
    private var challenge: [UInt8]?
    private var closing = false
    /// Commands not answered yet, by tag (nil: untagged), oldest first.
    private var queues: [String?: [Pending]] = [:]

    init(core: SimulatorCore) {
        self.core = core
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        dropPending()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        core.register(context.channel)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        core.unregister(context.channel)
        dropPending()
        context.fireChannelInactive()
    }

    /// Unreadable bytes (a control byte, an over-long word) or a failed TLS handshake: RouterOS
    /// drops such a client, and so does the simulator.
    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        closing = true
        dropPending()
        context.close(promise: nil)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        guard let event = event as? SimEvent else {
            context.fireUserInboundEventTriggered(event)
            return
        }
        switch event {
        case .resume:
            for pending in queues.values.joined() where pending.parked {
                pending.parked = false
                start(pending)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard !closing else { return }
        let sentence = RouterOSSentence(words: unwrapInboundIn(data))
        core.countCommand()
        if sentence.word == "/cancel" && loggedIn {
            cancel(sentence)
            return
        }
        let pending = Pending(sentence)
        queues[sentence.tag, default: []].append(pending)
        if loggedIn && core.isHung {
            pending.parked = true
        } else {
            start(pending)
        }
    }

    // MARK: Waiting for the reply to be due

    private func start(_ pending: Pending) {
        guard let context else { return }
        let latency = core.latency
        if latency <= .zero {
            pending.ready = true
            flush(pending.sentence.tag)
            return
        }
        let delay = min(latency, .seconds(86_400)).timeAmount
        pending.timer = context.eventLoop.assumeIsolated().scheduleTask(in: delay) { [self] in
            pending.timer = nil
            if loggedIn && core.isHung {
                pending.parked = true
            } else {
                pending.ready = true
                flush(pending.sentence.tag)
            }
        }
    }

    /// Answers the commands at the front of `tag`'s queue whose replies are due.
    private func flush(_ tag: String?) {
        while !closing, let head = queues[tag]?.first, head.ready {
            queues[tag]?.removeFirst()
            answer(head.sentence)
        }
        if queues[tag]?.isEmpty == true { queues[tag] = nil }
    }

    private func dropPending() {
        for pending in queues.values.joined() { pending.timer?.cancel() }
        queues = [:]
    }

    // MARK: Answers

    private func answer(_ sentence: RouterOSSentence) {
        if sentence.word == "/login" {
            send(login(sentence), tag: sentence.tag)
        } else if !loggedIn {
            fatal("not logged in")
        } else if sentence.word == "/cancel" {
            cancel(sentence)
        } else {
            let outcome = core.execute(sentence)
            var sentences = outcome.sentences
            if outcome.nothingToReply && core.configuration.emptyReplies {
                sentences.insert(["!empty"], at: sentences.count - 1)
            }
            send(sentences, tag: sentence.tag)
        }
    }

    /// Writes sentences with the command's tag; the injected unknown reply word goes before each `!done`.
    private func send(_ sentences: [[String]], tag: String?) {
        guard let context, !closing else { return }
        let unknown = core.unknownReplyWord
        for words in sentences {
            if words.first == "!done", let unknown {
                context.write(wrapOutboundOut(tagged([unknown], tag)), promise: nil)
            }
            context.write(wrapOutboundOut(tagged(words, tag)), promise: nil)
        }
        context.flush()
    }

    private func tagged(_ words: [String], _ tag: String?) -> [String] {
        guard let tag else { return words }
        return words + [".tag=\(tag)"]
    }

    /// `!fatal` and its reason (no tag), then the connection closes.
    private func fatal(_ reason: String) {
        guard let context, !closing else { return }
        closing = true
        dropPending()
        context.writeAndFlush(wrapOutboundOut(["!fatal", reason])).assumeIsolated().whenComplete { _ in
            context.close(promise: nil)
        }
    }

    /// `/cancel =tag=X` stops the command tagged X, without `=tag=` every command waiting:
    /// each gets `!trap =category=2 =message=interrupted`, the cancel its `!done`, then each its
    /// `!done` (the order of the manual's example). Answered at once: neither latency nor a hang
    /// holds up a cancel.
    private func cancel(_ sentence: RouterOSSentence) {
        let target = sentence["tag"]
        var stopped: [Pending] = []
        for (tag, queue) in queues where target == nil || tag == target {
            stopped.append(contentsOf: queue)
            queues[tag] = nil
        }
        for pending in stopped {
            pending.timer?.cancel()
            send([SimOutcome.trapWords("interrupted", category: 2)], tag: pending.sentence.tag)
        }
        send([["!done"]], tag: sentence.tag)
        for pending in stopped { send([["!done"]], tag: pending.sentence.tag) }
    }

    private static let invalidLogin: [[String]] = [SimOutcome.trapWords("invalid user name or password (6)"), ["!done"]]

    /// Both login methods (reference A3), as the configured RouterOS version offers them.
    private func login(_ sentence: RouterOSSentence) -> [[String]] {
        let configuration = core.configuration
        let name = sentence["name"], password = sentence["password"], response = sentence["response"]
        if let response {
            guard configuration.login != .plain, let challenge else { return Self.invalidLogin }
            self.challenge = nil
            let expected = Self.challengeResponse(password: configuration.password, challenge: challenge)
            guard name == configuration.username, response.lowercased() == expected else { return Self.invalidLogin }
            loggedIn = true
            return [["!done"]]
        }
        if configuration.login == .challenge || (configuration.login == .both && password == nil) {
            var bytes: [UInt8] = []
            var generator = SystemRandomNumberGenerator()
            for _ in 0..<16 { bytes.append(UInt8.random(in: .min ... .max, using: &generator)) }
            challenge = bytes
            return [["!done", "=ret=\(Self.hex(bytes))"]]
        }
        // Plain login (6.43 and later). A bare /login gets a plain !done and logs nobody in,
        // which is how a client that tries the challenge first finds out.
        if name == nil && password == nil { return [["!done"]] }
        guard name == configuration.username, (password ?? "") == configuration.password else { return Self.invalidLogin }
        loggedIn = true
        return [["!done"]]
    }

    /// `00` + hex(MD5(0x00 ‖ password ‖ challenge)).
    static func challengeResponse(password: String, challenge: [UInt8]) -> String {
        var md5 = Insecure.MD5()
        md5.update(data: [0] + Array(password.utf8) + challenge)
        return "00" + hex(Array(md5.finalize()))
    }

    static func hex(_ bytes: [UInt8]) -> String {
        let digits = Array("0123456789abcdef")
        var text = ""
        for byte in bytes {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0F)])
        }
        return text
    }
}
