// QR code encoder (ISO/IEC 18004), byte mode, versions 1–40, all four
// error-correction levels. Pure Swift, no dependencies.
//
// Layout of the implementation:
//   QRCode.swift              public API, encoding pipeline, mask selection
//   QRCode+Tables.swift       per-version capacity / block tables
//   QRCode+ReedSolomon.swift  GF(256) arithmetic and Reed–Solomon ECC
//   QRCode+Matrix.swift       function patterns, data placement, masks, penalty
//   QRCode+Output.swift       SVG and PGM rendering

/// A QR code symbol, encoded from text in byte mode (UTF-8).
///
/// The smallest version that fits the text at the requested error-correction
/// level is chosen, and the data mask is picked by the standard penalty rules.
public struct QRCode: Sendable {
    /// Error-correction level; higher levels survive more damage but hold less data.
    public enum ErrorCorrection: Sendable, CaseIterable {
        /// Recovers about 7% of codewords.
        case low
        /// Recovers about 15% of codewords.
        case medium
        /// Recovers about 25% of codewords.
        case quartile
        /// Recovers about 30% of codewords.
        case high
    }

    public enum EncodingError: Error, Sendable, CustomStringConvertible {
        /// The UTF-8 encoding of the text needs `bytes` bytes, but a version 40
        /// symbol at the requested level holds at most `maximum`.
        case tooLong(bytes: Int, maximum: Int)

        public var description: String {
            switch self {
            case let .tooLong(bytes, maximum):
                return "Text is too long for a QR code: \(bytes) bytes of UTF-8, "
                    + "but at most \(maximum) fit at this error-correction level."
            }
        }
    }

    /// Symbol version, 1...40.
    public let version: Int
    /// Modules per side, `17 + 4 * version`.
    public let size: Int
    /// The error-correction level this symbol was encoded with.
    let errorCorrection: ErrorCorrection
    /// The data mask pattern used, 0...7.
    let mask: Int
    /// Row-major module colours, `true` = dark.
    let modules: [Bool]

    /// Encodes `text` as UTF-8 bytes in byte mode.
    public init(text: String, errorCorrection: ErrorCorrection = .medium) throws {
        try self.init(bytes: Array(text.utf8), errorCorrection: errorCorrection)
    }

    /// Encodes raw bytes in byte mode. `forcedMask` (0...7) bypasses penalty-based
    /// mask selection; it exists for tests.
    init(bytes: [UInt8], errorCorrection: ErrorCorrection, forcedMask: Int? = nil) throws {
        guard let version = QRCode.smallestVersion(byteCount: bytes.count, errorCorrection: errorCorrection) else {
            throw EncodingError.tooLong(
                bytes: bytes.count,
                maximum: QRCode.byteCapacity(version: 40, errorCorrection: errorCorrection)
            )
        }
        let data = QRCode.dataCodewords(bytes: bytes, version: version, errorCorrection: errorCorrection)
        let codewords = QRCode.addErrorCorrectionAndInterleave(
            data: data, version: version, errorCorrection: errorCorrection
        )

        var base = QRMatrix(version: version)
        base.placeCodewords(codewords)

        var chosen: (mask: Int, matrix: QRMatrix)?
        var bestPenalty = Int.max
        let candidates = forcedMask.map { [$0] } ?? Array(0..<8)
        for mask in candidates {
            var candidate = base
            candidate.applyMask(mask)
            candidate.drawFormatInformation(errorCorrection: errorCorrection, mask: mask)
            let penalty = candidate.penalty()
            if penalty < bestPenalty {
                bestPenalty = penalty
                chosen = (mask, candidate)
            }
        }
        guard let chosen else { preconditionFailure("no mask candidates") }

        self.version = version
        self.size = chosen.matrix.size
        self.errorCorrection = errorCorrection
        self.mask = chosen.mask
        self.modules = chosen.matrix.modules
    }

    /// Whether the module at column `x`, row `y` is dark. The origin is the
    /// top-left corner; coordinates outside the symbol are light.
    public func isDark(x: Int, y: Int) -> Bool {
        guard x >= 0, y >= 0, x < size, y < size else { return false }
        return modules[y * size + x]
    }

    // MARK: - Encoding pipeline

    /// Bits used by the character count indicator in byte mode.
    static func characterCountBits(version: Int) -> Int {
        version <= 9 ? 8 : 16
    }

    /// The most bytes a symbol of `version` holds in byte mode at `errorCorrection`.
    static func byteCapacity(version: Int, errorCorrection: ErrorCorrection) -> Int {
        let dataBits = dataCodewordCount(version: version, errorCorrection: errorCorrection) * 8
        let usable = dataBits - 4 - characterCountBits(version: version)
        return max(0, usable / 8)
    }

    static func smallestVersion(byteCount: Int, errorCorrection: ErrorCorrection) -> Int? {
        (1...40).first { byteCapacity(version: $0, errorCorrection: errorCorrection) >= byteCount }
    }

    /// Mode indicator, character count, data, terminator and pad codewords.
    static func dataCodewords(bytes: [UInt8], version: Int, errorCorrection: ErrorCorrection) -> [UInt8] {
        let capacity = dataCodewordCount(version: version, errorCorrection: errorCorrection)
        var bits = BitBuffer()
        bits.append(0b0100, count: 4)  // byte mode
        bits.append(UInt32(bytes.count), count: characterCountBits(version: version))
        for byte in bytes {
            bits.append(UInt32(byte), count: 8)
        }
        precondition(bits.count <= capacity * 8, "data does not fit the chosen version")
        bits.append(0, count: min(4, capacity * 8 - bits.count))  // terminator
        bits.append(0, count: (8 - bits.count % 8) % 8)  // pad to a byte boundary

        var codewords = bits.bytes()
        var pad: UInt8 = 0xEC
        while codewords.count < capacity {
            codewords.append(pad)
            pad = pad == 0xEC ? 0x11 : 0xEC
        }
        return codewords
    }

    /// Splits data codewords into blocks, appends Reed–Solomon codewords to each
    /// and interleaves them into the final codeword sequence.
    static func addErrorCorrectionAndInterleave(
        data: [UInt8], version: Int, errorCorrection: ErrorCorrection
    ) -> [UInt8] {
        let layout = BlockLayout(version: version, errorCorrection: errorCorrection)
        precondition(data.count == layout.dataCodewords)
        let generator = ReedSolomon.generator(degree: layout.ecCodewordsPerBlock)

        var dataBlocks: [[UInt8]] = []
        var ecBlocks: [[UInt8]] = []
        var offset = 0
        for length in layout.dataLengths {
            let block = Array(data[offset..<(offset + length)])
            offset += length
            dataBlocks.append(block)
            ecBlocks.append(ReedSolomon.remainder(of: block, generator: generator))
        }

        var result: [UInt8] = []
        result.reserveCapacity(layout.totalCodewords)
        let longest = layout.dataLengths.max() ?? 0
        for index in 0..<longest {
            for block in dataBlocks where index < block.count {
                result.append(block[index])
            }
        }
        for index in 0..<layout.ecCodewordsPerBlock {
            for block in ecBlocks {
                result.append(block[index])
            }
        }
        return result
    }
}

/// Accumulates bits most-significant first.
struct BitBuffer {
    private(set) var bits: [Bool] = []

    var count: Int { bits.count }

    mutating func append(_ value: UInt32, count: Int) {
        precondition(count >= 0 && count <= 32 && (count == 32 || value >> UInt32(count) == 0))
        for shift in stride(from: count - 1, through: 0, by: -1) {
            bits.append((value >> UInt32(shift)) & 1 == 1)
        }
    }

    /// Packs the bits into bytes; the count must be a multiple of 8.
    func bytes() -> [UInt8] {
        precondition(bits.count % 8 == 0)
        var result = [UInt8](repeating: 0, count: bits.count / 8)
        for (index, bit) in bits.enumerated() where bit {
            result[index / 8] |= 0x80 >> UInt8(index % 8)
        }
        return result
    }
}
