// Per-version tables from ISO/IEC 18004 (Table 9: error correction
// characteristics), plus derived capacities.

extension QRCode.ErrorCorrection {
    /// Row index into the per-level tables below.
    var tableIndex: Int {
        switch self {
        case .low: return 0
        case .medium: return 1
        case .quartile: return 2
        case .high: return 3
        }
    }

    /// The two error-correction bits of the format information.
    var formatBits: Int {
        switch self {
        case .low: return 0b01
        case .medium: return 0b00
        case .quartile: return 0b11
        case .high: return 0b10
        }
    }
}

enum QRTables {
    /// Error-correction codewords per block, indexed `[level][version]` (index 0 unused).
    static let ecCodewordsPerBlock: [[Int]] = [
        // 0,  1,  2,  3,  4,  5,  6,  7,  8,  9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20,
        //    21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 40
        [0, 7, 10, 15, 20, 26, 18, 20, 24, 30, 18, 20, 24, 26, 30, 22, 24, 28, 30, 28, 28,
         28, 28, 30, 30, 26, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // L
        [0, 10, 16, 26, 18, 24, 16, 18, 22, 22, 26, 30, 22, 22, 24, 24, 28, 28, 26, 26, 26,
         26, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28, 28],  // M
        [0, 13, 22, 18, 26, 18, 24, 18, 22, 20, 24, 28, 26, 24, 20, 30, 24, 28, 28, 26, 30,
         28, 30, 30, 30, 30, 28, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // Q
        [0, 17, 28, 22, 16, 22, 28, 26, 26, 24, 28, 24, 28, 22, 24, 24, 30, 28, 28, 26, 28,
         30, 24, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30, 30],  // H
    ]

    /// Number of error-correction blocks, indexed `[level][version]` (index 0 unused).
    static let blockCount: [[Int]] = [
        [0, 1, 1, 1, 1, 1, 2, 2, 2, 2, 4, 4, 4, 4, 4, 6, 6, 6, 6, 7, 8,
         8, 9, 9, 10, 12, 12, 12, 13, 14, 15, 16, 17, 18, 19, 19, 20, 21, 22, 24, 25],  // L
        [0, 1, 1, 1, 2, 2, 4, 4, 4, 5, 5, 5, 8, 9, 9, 10, 10, 11, 13, 14, 16,
         17, 17, 18, 20, 21, 23, 25, 26, 28, 29, 31, 33, 35, 37, 38, 40, 43, 45, 47, 49],  // M
        [0, 1, 1, 2, 2, 4, 4, 6, 6, 8, 8, 8, 10, 12, 16, 12, 17, 16, 18, 21, 20,
         23, 23, 25, 27, 29, 34, 34, 35, 38, 40, 43, 45, 48, 51, 53, 56, 59, 62, 65, 68],  // Q
        [0, 1, 1, 2, 4, 4, 4, 5, 6, 8, 8, 11, 11, 16, 16, 18, 16, 19, 21, 25, 25,
         25, 34, 30, 32, 35, 37, 40, 42, 45, 48, 51, 54, 57, 60, 63, 66, 70, 74, 77, 81],  // H
    ]

    /// Row/column centre coordinates of the alignment patterns for `version`.
    static func alignmentPatternPositions(version: Int) -> [Int] {
        guard version >= 2 else { return [] }
        let count = version / 7 + 2
        let size = 17 + 4 * version
        // Spacing between all but the first pattern: even, evenly spread from the
        // far edge back towards column 6 (the first gap absorbs the remainder).
        let step = (version * 8 + count * 3 + 5) / (count * 4 - 4) * 2
        var positions = [6]
        for index in stride(from: count - 2, through: 0, by: -1) {
            positions.append(size - 7 - index * step)
        }
        return positions
    }

    /// Modules available for data and error-correction codewords (including
    /// remainder bits) once all function patterns are placed.
    static func rawDataModules(version: Int) -> Int {
        let size = 17 + 4 * version
        var result = size * size
        result -= 3 * 64  // finder patterns with separators
        result -= 2 * (size - 16)  // timing patterns
        result -= 31  // format information (2 × 15) and the dark module
        if version >= 2 {
            let count = version / 7 + 2
            // count² patterns minus the three under finders; those on the timing
            // lines overlap it by 5 modules each.
            result -= (count * count - 3) * 25
            result += 2 * (count - 2) * 5
        }
        if version >= 7 {
            result -= 2 * 18  // version information
        }
        return result
    }
}

extension QRCode {
    /// Data codewords (before error correction) for a version and level.
    static func dataCodewordCount(version: Int, errorCorrection: ErrorCorrection) -> Int {
        BlockLayout(version: version, errorCorrection: errorCorrection).dataCodewords
    }
}

/// How the codewords of one version/level split into Reed–Solomon blocks.
struct BlockLayout {
    let totalCodewords: Int
    let ecCodewordsPerBlock: Int
    /// Data codewords in each block, in order (short blocks come first).
    let dataLengths: [Int]

    var blockCount: Int { dataLengths.count }
    var dataCodewords: Int { dataLengths.reduce(0, +) }

    init(version: Int, errorCorrection: QRCode.ErrorCorrection) {
        precondition((1...40).contains(version), "QR version must be 1...40")
        let level = errorCorrection.tableIndex
        let blocks = QRTables.blockCount[level][version]
        let ecPerBlock = QRTables.ecCodewordsPerBlock[level][version]
        let total = QRTables.rawDataModules(version: version) / 8
        let shortBlockLength = total / blocks
        let shortBlocks = blocks - total % blocks
        self.totalCodewords = total
        self.ecCodewordsPerBlock = ecPerBlock
        self.dataLengths = (0..<blocks).map { index in
            shortBlockLength - ecPerBlock + (index < shortBlocks ? 0 : 1)
        }
    }
}
