import NIOCore

/// Reads sentences (lists of words) from a byte stream, for both the client and the simulator.
/// It never traps on what a peer sends: a control byte or an over-long word is a
/// `RouterOSProtocolError`, and empty sentences are skipped as RouterOS skips them.
public struct RouterOSSentenceDecoder: ByteToMessageDecoder, Sendable {
    public typealias InboundOut = [String]

    public let maximumWordLength: Int
    public let maximumWordsPerSentence: Int
    private var words: [String] = []

    public init(maximumWordLength: Int = RouterOSWire.defaultMaximumWordLength, maximumWordsPerSentence: Int = 100_000) {
        self.maximumWordLength = maximumWordLength
        self.maximumWordsPerSentence = maximumWordsPerSentence
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let sentence = try next(from: &buffer) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(sentence))
        return .continue
    }

    public mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while let sentence = try next(from: &buffer) {
            context.fireChannelRead(wrapInboundOut(sentence))
        }
        return .needMoreData
    }

    /// The next whole, non-empty sentence in `buffer`, consuming it; nil when more bytes are needed
    /// (what was read of an unfinished sentence is kept for the next call).
    public mutating func next(from buffer: inout ByteBuffer) throws -> [String]? {
        while true {
            let view = buffer.readableBytesView
            switch RouterOSWire.decodeLength(view) {
            case .incomplete:
                return nil
            case .controlByte(let byte):
                throw RouterOSProtocolError.controlByte(byte)
            case .length(let length, let prefixBytes):
                if length == 0 {
                    buffer.moveReaderIndex(forwardBy: prefixBytes)
                    let sentence = words
                    words = []
                    if sentence.isEmpty { continue }
                    return sentence
                }
                guard length <= maximumWordLength else {
                    throw RouterOSProtocolError.wordTooLong(length, limit: maximumWordLength)
                }
                guard view.count - prefixBytes >= length else { return nil }
                let start = view.startIndex + prefixBytes
                let word = RouterOSWire.text(view[start..<(start + length)])
                buffer.moveReaderIndex(forwardBy: prefixBytes + length)
                words.append(word)
                guard words.count <= maximumWordsPerSentence else {
                    throw RouterOSProtocolError.sentenceTooLong(limit: maximumWordsPerSentence)
                }
            }
        }
    }
}

/// Bytes that cannot be read as RouterOS API sentences.
public enum RouterOSProtocolError: Error, Equatable, Sendable, CustomStringConvertible {
    case controlByte(UInt8)
    case wordTooLong(Int, limit: Int)
    case sentenceTooLong(limit: Int)

    public var description: String {
        switch self {
        case .controlByte(let byte):
            return "the router sent a reserved control byte (0x\(String(byte, radix: 16, uppercase: true))) where a word length belongs"
        case .wordTooLong(let length, let limit):
            return "the router announced a word of \(length) bytes, more than the \(limit) this client accepts"
        case .sentenceTooLong(let limit):
            return "the router sent a sentence of more than \(limit) words"
        }
    }
}

/// Writes sentences given as lists of words.
public struct RouterOSSentenceEncoder: MessageToByteEncoder, Sendable {
    public typealias OutboundIn = [String]
    public init() {}
    public func encode(data: [String], out: inout ByteBuffer) throws {
        RouterOSWire.write(sentence: data, into: &out)
    }
}
