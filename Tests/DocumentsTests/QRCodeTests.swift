import Foundation
import Testing
@testable import Documents

// These tests check the encoder three ways:
//  1. against literal values from ISO/IEC 18004 (capacities, alignment
//     positions, format/version information, a worked Reed–Solomon example);
//  2. with an independent reader in this file that locates function patterns,
//     unmasks, un-zigzags and de-interleaves a symbol, then verifies every
//     Reed–Solomon block has zero syndromes and the payload parses back;
//  3. with a real decoder, `zbarimg` (apt-get install zbar-tools).

// MARK: - Fixtures

private let otpauthURI =
    "otpauth://totp/Meghna:admin%40demo.test?secret=JBSWY3DPEHPK3PXP&issuer=Meghna&algorithm=SHA1&digits=6&period=30"

/// Deterministic printable-ASCII filler of exactly `count` bytes.
private func filler(count: Int, seed: UInt32 = 0x5EED) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789 .,:;-_/?=&%+".utf8)
    var state = seed
    var bytes: [UInt8] = []
    bytes.reserveCapacity(count)
    for _ in 0..<count {
        state = state &* 1_664_525 &+ 1_013_904_223
        bytes.append(alphabet[Int(state >> 16) % alphabet.count])
    }
    return String(decoding: bytes, as: UTF8.self)
}

private let longText = filler(count: 1000)

private let roundTripInputs: [String] = [
    "Hello, Meghna!",
    otpauthURI,
    "মেঘনা ISP",
    longText,
]

private let allLevels = QRCode.ErrorCorrection.allCases

// MARK: - Independent reader

/// Reads symbols back without using the encoder's matrix code.
private enum Reader {
    /// ISO/IEC 18004 Annex E, Table E.1: alignment pattern centre coordinates.
    static let alignmentTable: [[Int]] = [
        [], [], [6, 18], [6, 22], [6, 26], [6, 30], [6, 34],
        [6, 22, 38], [6, 24, 42], [6, 26, 46], [6, 28, 50], [6, 30, 54], [6, 32, 58], [6, 34, 62],
        [6, 26, 46, 66], [6, 26, 48, 70], [6, 26, 50, 74], [6, 30, 54, 78], [6, 30, 56, 82],
        [6, 30, 58, 86], [6, 34, 62, 90],
        [6, 28, 50, 72, 94], [6, 26, 50, 74, 98], [6, 30, 54, 78, 102], [6, 28, 54, 80, 106],
        [6, 32, 58, 84, 110], [6, 30, 58, 86, 114], [6, 34, 62, 90, 118],
        [6, 26, 50, 74, 98, 122], [6, 30, 54, 78, 102, 126], [6, 26, 52, 78, 104, 130],
        [6, 30, 56, 82, 108, 134], [6, 34, 60, 86, 112, 138], [6, 30, 58, 86, 114, 142],
        [6, 34, 62, 90, 118, 146],
        [6, 30, 54, 78, 102, 126, 150], [6, 24, 50, 76, 102, 128, 154], [6, 28, 54, 80, 106, 132, 158],
        [6, 32, 58, 84, 110, 136, 162], [6, 26, 54, 82, 110, 138, 166], [6, 30, 58, 86, 114, 142, 170],
    ]

    /// Function-module map `[row][column]` built from the standard's layout.
    static func functionModules(version: Int) -> [[Bool]] {
        let size = 17 + 4 * version
        var map = [[Bool]](repeating: [Bool](repeating: false, count: size), count: size)
        func mark(rows: ClosedRange<Int>, columns: ClosedRange<Int>) {
            for row in rows {
                for column in columns {
                    map[row][column] = true
                }
            }
        }
        // Finder + separator + format information (and the dark module).
        mark(rows: 0...8, columns: 0...8)
        mark(rows: 0...8, columns: (size - 8)...(size - 1))
        mark(rows: (size - 8)...(size - 1), columns: 0...8)
        // Timing patterns.
        mark(rows: 6...6, columns: 0...(size - 1))
        mark(rows: 0...(size - 1), columns: 6...6)
        // Alignment patterns, except where they would overlap finders.
        let centres = alignmentTable[version]
        for row in centres {
            for column in centres {
                let nearFinder = (row < 10 && column < 10) || (row < 10 && column > size - 10)
                    || (row > size - 10 && column < 10)
                if !nearFinder {
                    mark(rows: (row - 2)...(row + 2), columns: (column - 2)...(column + 2))
                }
            }
        }
        // Version information.
        if version >= 7 {
            mark(rows: 0...5, columns: (size - 11)...(size - 9))
            mark(rows: (size - 11)...(size - 9), columns: 0...5)
        }
        return map
    }

    /// Data mask conditions as written in ISO/IEC 18004 Table 10 (i = row, j = column).
    static func maskCondition(_ mask: Int, row i: Int, column j: Int) -> Bool {
        switch mask {
        case 0b000: return (i + j) % 2 == 0
        case 0b001: return i % 2 == 0
        case 0b010: return j % 3 == 0
        case 0b011: return (i + j) % 3 == 0
        case 0b100: return (i / 2 + j / 3) % 2 == 0
        case 0b101: return (i * j) % 2 + (i * j) % 3 == 0
        case 0b110: return ((i * j) % 2 + (i * j) % 3) % 2 == 0
        default: return ((i + j) % 2 + (i * j) % 3) % 2 == 0
        }
    }

    /// GF(2) polynomial remainder, written independently of the encoder.
    static func bch(_ value: Int, _ generator: Int, generatorBits: Int) -> Int {
        var remainder = value
        for bit in stride(from: 30, through: generatorBits - 1, by: -1) where remainder & (1 << bit) != 0 {
            remainder ^= generator << (bit - (generatorBits - 1))
        }
        return remainder
    }

    /// The 15 format bits (still XOR-masked) from the copy around the top-left finder.
    static func formatBitsPrimary(_ qr: QRCode) -> Int {
        var bits = 0
        // Bits 14...9 along row 8, columns 0...5; bit 8 at column 7; bit 7 at (8, 8);
        // bit 6 at row 7; bits 5...0 up column 8, rows 5...0.
        let positions: [(x: Int, y: Int)] =
            (0...5).map { (x: $0, y: 8) } + [(x: 7, y: 8), (x: 8, y: 8), (x: 8, y: 7)]
            + (0...5).reversed().map { (x: 8, y: $0) }
        for position in positions {
            bits = bits << 1 | (qr.isDark(x: position.x, y: position.y) ? 1 : 0)
        }
        return bits
    }

    /// The 15 format bits (still XOR-masked) from the split copy.
    static func formatBitsSecondary(_ qr: QRCode) -> Int {
        var bits = 0
        // Bits 14...8 up column 8 from row size-1 to size-7; bits 7...0 along
        // row 8 from column size-8 to size-1.
        let size = qr.size
        let positions: [(x: Int, y: Int)] =
            (0...6).map { (x: 8, y: size - 1 - $0) } + (0...7).map { (x: size - 8 + $0, y: 8) }
        for position in positions {
            bits = bits << 1 | (qr.isDark(x: position.x, y: position.y) ? 1 : 0)
        }
        return bits
    }

    /// Decodes format bits to (EC level bits, mask), verifying the BCH code.
    static func decodeFormat(_ masked: Int) -> (levelBits: Int, mask: Int)? {
        let bits = masked ^ 0x5412
        let data = bits >> 10
        guard bch(data << 10, 0x537, generatorBits: 11) == bits & 0x3FF else { return nil }
        return (data >> 3, data & 7)
    }

    static func levelBits(_ level: QRCode.ErrorCorrection) -> Int {
        switch level {
        case .low: return 0b01
        case .medium: return 0b00
        case .quartile: return 0b11
        case .high: return 0b10
        }
    }

    /// The 18 version bits from (lower-left copy, upper-right copy).
    static func versionBits(_ qr: QRCode) -> (Int, Int) {
        var lowerLeft = 0
        var upperRight = 0
        for index in (0..<18).reversed() {
            let a = qr.size - 11 + index % 3
            let b = index / 3
            lowerLeft = lowerLeft << 1 | (qr.isDark(x: b, y: a) ? 1 : 0)
            upperRight = upperRight << 1 | (qr.isDark(x: a, y: b) ? 1 : 0)
        }
        return (lowerLeft, upperRight)
    }

    /// Bits of every non-function module in placement order, unmasked.
    static func dataBits(_ qr: QRCode, mask: Int) -> [Bool] {
        let size = qr.size
        let function = functionModules(version: qr.version)
        var bits: [Bool] = []
        var upward = true
        var column = size - 1
        while column > 0 {
            if column == 6 { column -= 1 }
            let rows = upward ? Array((0..<size).reversed()) : Array(0..<size)
            for row in rows {
                for x in [column, column - 1] where !function[row][x] {
                    bits.append(qr.isDark(x: x, y: row) != maskCondition(mask, row: row, column: x))
                }
            }
            upward.toggle()
            column -= 2
        }
        return bits
    }

    static func gfMultiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        // Russian-peasant multiplication modulo x^8 + x^4 + x^3 + x^2 + 1.
        var a = Int(a)
        var b = Int(b)
        var product = 0
        while b != 0 {
            if b & 1 != 0 { product ^= a }
            a <<= 1
            if a & 0x100 != 0 { a ^= 0x11D }
            b >>= 1
        }
        return UInt8(product)
    }

    /// Multiplication tables for α^0, α^1, …, α^(count-1).
    static func powerTables(count: Int) -> [[UInt8]] {
        var point: UInt8 = 1
        var tables: [[UInt8]] = []
        for _ in 0..<count {
            let current = point
            tables.append((0...255).map { gfMultiply(UInt8($0), current) })
            point = gfMultiply(point, 2)
        }
        return tables
    }

    /// Evaluates a codeword block (highest degree first) at the point whose
    /// multiplication table is `timesPoint`.
    static func syndrome(_ block: [UInt8], timesPoint: [UInt8]) -> UInt8 {
        var value: UInt8 = 0
        for coefficient in block {
            value = timesPoint[Int(value)] ^ coefficient
        }
        return value
    }

    struct Decoded {
        var payload: [UInt8]
        var levelBits: Int
        var mask: Int
    }

    /// Fully decodes a symbol produced by the encoder, recording an issue for
    /// every inconsistency it finds.
    static func decode(_ qr: QRCode, sourceLocation: SourceLocation = #_sourceLocation) -> Decoded? {
        guard let format = decodeFormat(formatBitsPrimary(qr)) else {
            Issue.record("format information fails its BCH check", sourceLocation: sourceLocation)
            return nil
        }
        #expect(formatBitsPrimary(qr) == formatBitsSecondary(qr), "format copies differ", sourceLocation: sourceLocation)
        guard let level = allLevels.first(where: { levelBits($0) == format.levelBits }) else { return nil }

        let bits = dataBits(qr, mask: format.mask)
        let layout = BlockLayout(version: qr.version, errorCorrection: level)
        let codewordCount = bits.count / 8
        #expect(layout.totalCodewords == codewordCount, sourceLocation: sourceLocation)
        #expect(
            layout.dataCodewords + layout.blockCount * layout.ecCodewordsPerBlock == codewordCount,
            sourceLocation: sourceLocation
        )
        #expect(bits[(codewordCount * 8)...].allSatisfy { !$0 }, "remainder bits must be 0", sourceLocation: sourceLocation)

        var codewords = [UInt8](repeating: 0, count: codewordCount)
        for (index, bit) in bits.prefix(codewordCount * 8).enumerated() where bit {
            codewords[index / 8] |= 0x80 >> UInt8(index % 8)
        }

        // De-interleave: data column by column (short blocks end one early), then EC.
        var blocks = layout.dataLengths.map { _ in [UInt8]() }
        var cursor = 0
        for column in 0..<(layout.dataLengths.max() ?? 0) {
            for block in blocks.indices where column < layout.dataLengths[block] {
                blocks[block].append(codewords[cursor])
                cursor += 1
            }
        }
        let payloadCodewords = blocks.flatMap { $0 }
        for _ in 0..<layout.ecCodewordsPerBlock {
            for block in blocks.indices {
                blocks[block].append(codewords[cursor])
                cursor += 1
            }
        }
        let tables = powerTables(count: layout.ecCodewordsPerBlock)
        for (index, block) in blocks.enumerated() {
            for power in tables.indices where syndrome(block, timesPoint: tables[power]) != 0 {
                Issue.record("block \(index) has a non-zero syndrome S\(power)", sourceLocation: sourceLocation)
                return nil
            }
        }

        // Parse the bit stream: byte mode, count, data, terminator, pad codewords.
        var stream: [Bool] = []
        for byte in payloadCodewords {
            for shift in (0..<8).reversed() { stream.append((byte >> UInt8(shift)) & 1 == 1) }
        }
        var position = 0
        func read(_ count: Int) -> Int {
            var value = 0
            for _ in 0..<count {
                value = value << 1 | (stream[position] ? 1 : 0)
                position += 1
            }
            return value
        }
        #expect(read(4) == 0b0100, "mode indicator must be byte mode", sourceLocation: sourceLocation)
        let length = read(qr.version <= 9 ? 8 : 16)
        let payload = (0..<length).map { _ in UInt8(read(8)) }
        let terminator = min(4, stream.count - position)
        #expect(read(terminator) == 0, sourceLocation: sourceLocation)
        var paddingBits = 0
        while position % 8 != 0 {
            paddingBits |= read(1)
        }
        #expect(paddingBits == 0, "bits padding to a codeword boundary must be 0", sourceLocation: sourceLocation)
        var pads: [Int] = []
        while position < stream.count {
            pads.append(read(8))
        }
        let expectedPads = pads.indices.map { $0 % 2 == 0 ? 0xEC : 0x11 }
        #expect(pads == expectedPads, "pad codewords alternate 0xEC, 0x11", sourceLocation: sourceLocation)
        return Decoded(payload: payload, levelBits: format.levelBits, mask: format.mask)
    }
}

// MARK: - External decoder

private let zbarPath = "/usr/bin/zbarimg"

/// Writes the symbol as PGM and decodes it with zbarimg; returns the text.
private func zbarDecode(_ qr: QRCode) throws -> String {
    try #require(
        FileManager.default.isExecutableFile(atPath: zbarPath),
        "zbarimg not found at \(zbarPath); install it with `apt-get install zbar-tools`"
    )
    let file = FileManager.default.temporaryDirectory
        .appendingPathComponent("meghna-qr-\(UUID().uuidString).pgm")
    try Data(qr.pgm()).write(to: file)
    defer { try? FileManager.default.removeItem(at: file) }

    let process = Process()
    process.executableURL = URL(fileURLWithPath: zbarPath)
    process.arguments = ["--raw", "-q", "--nodbus", file.path]
    let output = Pipe()
    let errors = Pipe()
    process.standardOutput = output
    process.standardError = errors
    try process.run()
    let stdout = output.fileHandleForReading.readDataToEndOfFile()
    let stderr = errors.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()

    let stderrText = String(decoding: stderr, as: UTF8.self)
    try #require(
        process.terminationStatus == 0,
        "zbarimg exited with \(process.terminationStatus) for version \(qr.version): \(stderrText)"
    )
    var text = String(decoding: stdout, as: UTF8.self)
    if text.hasSuffix("\n") { text.removeLast() }
    return text
}

// MARK: - Tests

@Suite("QR code")
struct QRCodeTests {
    // MARK: Literal values from the standard

    @Test("byte-mode capacities match ISO/IEC 18004 Table 7")
    func capacities() {
        let expected: [Int: [Int]] = [
            1: [17, 14, 11, 7], 2: [32, 26, 20, 14], 5: [106, 84, 60, 44], 10: [271, 213, 151, 119],
            20: [858, 666, 482, 382], 27: [1465, 1125, 805, 625], 40: [2953, 2331, 1663, 1273],
        ]
        for (version, capacities) in expected {
            for (level, capacity) in zip(allLevels, capacities) {
                #expect(QRCode.byteCapacity(version: version, errorCorrection: level) == capacity, "v\(version) \(level)")
            }
        }
    }

    @Test("codeword totals and remainder bits match the standard")
    func codewordTotals() {
        // (version, total codewords, remainder bits)
        let expected: [(Int, Int, Int)] = [
            (1, 26, 0), (2, 44, 7), (6, 172, 7), (7, 196, 0), (14, 581, 3), (21, 1156, 4),
            (28, 1921, 3), (35, 2876, 0), (40, 3706, 0),
        ]
        for (version, total, remainder) in expected {
            let raw = QRTables.rawDataModules(version: version)
            #expect(raw / 8 == total, "v\(version)")
            #expect(raw % 8 == remainder, "v\(version)")
        }
        for version in 1...40 {
            let open = Reader.functionModules(version: version).joined().filter { !$0 }.count
            #expect(open == QRTables.rawDataModules(version: version), "v\(version)")
            for level in allLevels {
                let layout = BlockLayout(version: version, errorCorrection: level)
                #expect(layout.dataCodewords + layout.blockCount * layout.ecCodewordsPerBlock == layout.totalCodewords)
                #expect(layout.dataLengths.allSatisfy { $0 > 0 })
            }
        }
    }

    @Test("alignment pattern positions match Annex E", arguments: 1...40)
    func alignmentPositions(version: Int) {
        #expect(QRTables.alignmentPatternPositions(version: version) == Reader.alignmentTable[version])
    }

    @Test("Reed–Solomon matches the worked example (1-M HELLO WORLD)")
    func reedSolomonExample() {
        let data: [UInt8] = [32, 91, 11, 120, 209, 114, 220, 77, 67, 64, 236, 17, 236, 17, 236, 17]
        let ecc = ReedSolomon.remainder(of: data, generator: ReedSolomon.generator(degree: 10))
        #expect(ecc == [196, 35, 39, 119, 235, 215, 231, 226, 93, 23])
    }

    @Test("format information matches the standard's table")
    func formatInformationTable() {
        let table: [QRCode.ErrorCorrection: [Int]] = [
            .low: [0b111011111000100, 0b111001011110011, 0b111110110101010, 0b111100010011101,
                   0b110011000101111, 0b110001100011000, 0b110110001000001, 0b110100101110110],
            .medium: [0b101010000010010, 0b101000100100101, 0b101111001111100, 0b101101101001011,
                      0b100010111111001, 0b100000011001110, 0b100111110010111, 0b100101010100000],
            .quartile: [0b011010101011111, 0b011000001101000, 0b011111100110001, 0b011101000000110,
                        0b010010010110100, 0b010000110000011, 0b010111011011010, 0b010101111101101],
            .high: [0b001011010001001, 0b001001110111110, 0b001110011100111, 0b001100111010000,
                    0b000011101100010, 0b000001001010101, 0b000110100001100, 0b000100000111011],
        ]
        for (level, row) in table {
            for (mask, bits) in row.enumerated() {
                #expect(QRMatrix.formatInformation(errorCorrection: level, mask: mask) == bits, "\(level) mask \(mask)")
                let decoded = Reader.decodeFormat(bits)
                #expect(decoded?.levelBits == Reader.levelBits(level))
                #expect(decoded?.mask == mask)
            }
        }
    }

    @Test("version information matches the standard")
    func versionInformationTable() {
        #expect(QRMatrix.versionInformation(version: 7) == 0x07C94)
        #expect(QRMatrix.versionInformation(version: 8) == 0x085BC)
        #expect(QRMatrix.versionInformation(version: 21) == 0x15683)
        #expect(QRMatrix.versionInformation(version: 40) == 0x28C69)
        for version in 7...40 {
            #expect(Reader.bch(version << 12, 0x1F25, generatorBits: 13) == QRMatrix.versionInformation(version: version) & 0xFFF)
        }
    }

    // MARK: Structure

    @Test("every version and level: size, patterns, format and version info, full read-back")
    func everyVersionAndLevel() throws {
        for level in allLevels {
            for version in 1...40 {
                // Exactly the capacity of `version` selects it; one more byte moves up.
                let capacity = QRCode.byteCapacity(version: version, errorCorrection: level)
                let text = filler(count: capacity, seed: UInt32(version * 4 + level.tableIndex))
                // Mask selection is covered elsewhere; cycling a forced mask keeps
                // this sweep fast and exercises every mask at many sizes.
                let mask = (version + level.tableIndex) % 8
                let qr = try QRCode(bytes: Array(text.utf8), errorCorrection: level, forcedMask: mask)
                #expect(qr.mask == mask)
                #expect(qr.version == version, "\(level)")
                #expect(qr.size == 17 + 4 * version)
                if version < 40 {
                    #expect(QRCode.smallestVersion(byteCount: capacity + 1, errorCorrection: level) == version + 1)
                } else {
                    #expect(QRCode.smallestVersion(byteCount: capacity + 1, errorCorrection: level) == nil)
                }
                checkStructure(qr, level: level)
                let decoded = Reader.decode(qr)
                #expect(decoded?.payload == Array(text.utf8), "v\(version) \(level)")
            }
        }
    }

    private func checkStructure(_ qr: QRCode, level: QRCode.ErrorCorrection, sourceLocation: SourceLocation = #_sourceLocation) {
        let size = qr.size
        // Finder patterns (7×7 rings) and their light separators.
        for (left, top) in [(0, 0), (size - 7, 0), (0, size - 7)] {
            for dy in -1...7 {
                for dx in -1...7 {
                    let x = left + dx
                    let y = top + dy
                    guard x >= 0, y >= 0, x < size, y < size else { continue }
                    let ring = max(abs(dx - 3), abs(dy - 3))
                    let expected = ring == 0 || ring == 1 || ring == 3
                    if qr.isDark(x: x, y: y) != expected {
                        Issue.record("finder module (\(x), \(y)) wrong in v\(qr.version)", sourceLocation: sourceLocation)
                        return
                    }
                }
            }
        }
        // Timing patterns between the finders.
        let badTiming = (8..<(size - 8)).filter { index in
            qr.isDark(x: index, y: 6) != (index % 2 == 0) || qr.isDark(x: 6, y: index) != (index % 2 == 0)
        }
        #expect(badTiming.isEmpty, "timing pattern wrong at \(badTiming)", sourceLocation: sourceLocation)
        // Alignment patterns.
        let centres = Reader.alignmentTable[qr.version]
        var badAlignment: [String] = []
        for cy in centres {
            for cx in centres where !((cx < 10 && cy < 10) || (cx < 10 && cy > size - 10) || (cx > size - 10 && cy < 10)) {
                for dy in -2...2 {
                    for dx in -2...2 where qr.isDark(x: cx + dx, y: cy + dy) != (max(abs(dx), abs(dy)) != 1) {
                        badAlignment.append("(\(cx + dx), \(cy + dy))")
                    }
                }
            }
        }
        #expect(badAlignment.isEmpty, "alignment modules wrong: \(badAlignment)", sourceLocation: sourceLocation)
        // Dark module.
        #expect(qr.isDark(x: 8, y: size - 8), sourceLocation: sourceLocation)
        // Format information: both copies, BCH-valid, naming the level and mask used.
        let primary = Reader.formatBitsPrimary(qr)
        #expect(primary == Reader.formatBitsSecondary(qr), sourceLocation: sourceLocation)
        let format = Reader.decodeFormat(primary)
        #expect(format?.levelBits == Reader.levelBits(level), sourceLocation: sourceLocation)
        #expect(format?.mask == qr.mask, sourceLocation: sourceLocation)
        #expect(qr.errorCorrection == level, sourceLocation: sourceLocation)
        // Version information (v7+): both copies, BCH-valid, naming the version.
        if qr.version >= 7 {
            let (lowerLeft, upperRight) = Reader.versionBits(qr)
            #expect(lowerLeft == upperRight, sourceLocation: sourceLocation)
            #expect(lowerLeft >> 12 == qr.version, sourceLocation: sourceLocation)
            #expect(Reader.bch(lowerLeft & ~0xFFF, 0x1F25, generatorBits: 13) == lowerLeft & 0xFFF, sourceLocation: sourceLocation)
        }
        // Outside the symbol is light.
        #expect(!qr.isDark(x: -1, y: 0) && !qr.isDark(x: 0, y: size) && !qr.isDark(x: size, y: size - 1))
    }

    @Test("every mask pattern reads back correctly", arguments: 0..<8)
    func forcedMasks(mask: Int) throws {
        for level in allLevels {
            let qr = try QRCode(bytes: Array(otpauthURI.utf8), errorCorrection: level, forcedMask: mask)
            #expect(qr.mask == mask)
            checkStructure(qr, level: level)
            let decoded = Reader.decode(qr)
            #expect(decoded?.mask == mask)
            #expect(decoded?.payload == Array(otpauthURI.utf8))
        }
    }

    @Test("the chosen mask has the lowest penalty", arguments: roundTripInputs)
    func chosenMaskIsBest(text: String) throws {
        for level in allLevels {
            let chosen = try QRCode(text: text, errorCorrection: level)
            let penalties = try (0..<8).map { mask in
                try penalty(of: QRCode(bytes: Array(text.utf8), errorCorrection: level, forcedMask: mask))
            }
            #expect(penalties[chosen.mask] == penalties.min())
            // Ties go to the lowest-numbered mask.
            #expect(penalties.firstIndex(of: penalties.min() ?? 0) == chosen.mask)
        }
    }

    private func penalty(of qr: QRCode) -> Int {
        QRMatrix.penalty(of: qr.modules, size: qr.size)
    }

    @Test("penalty rules N1 and N3 on single lines")
    func linePenalties() {
        let light = [Bool](repeating: false, count: 21)
        #expect(QRMatrix.linePenalty(light[...]) == 3 + 16)  // one run of 21

        // 1011101 then 14 light: N3 on both sides (quiet zone counts as light),
        // N1 for the run of 14 light.
        let finderRow = [true, false, true, true, true, false, true] + [Bool](repeating: false, count: 14)
        #expect(QRMatrix.linePenalty(finderRow[...]) == 40 + 40 + 3 + 9)

        // Alternating modules: nothing.
        let alternating = (0..<21).map { $0 % 2 == 0 }
        #expect(QRMatrix.linePenalty(alternating[...]) == 0)

        // Runs of exactly 5 dark and 6 light among alternation: 3 + 4.
        let runs = [true, true, true, true, true, false, true, false, false, false, false, false, false, true]
        #expect(QRMatrix.linePenalty(runs[...]) == 3 + 4)
    }

    // MARK: Edge cases

    @Test("empty text encodes as version 1")
    func emptyText() throws {
        let qr = try QRCode(text: "")
        #expect(qr.version == 1)
        #expect(qr.size == 21)
        #expect(Reader.decode(qr)?.payload == [])
    }

    @Test("text beyond version 40 throws tooLong", arguments: allLevels)
    func tooLong(level: QRCode.ErrorCorrection) throws {
        let maximum = QRCode.byteCapacity(version: 40, errorCorrection: level)
        _ = try QRCode(text: filler(count: maximum), errorCorrection: level)
        do {
            _ = try QRCode(text: filler(count: maximum + 1), errorCorrection: level)
            Issue.record("expected tooLong")
        } catch let error as QRCode.EncodingError {
            guard case let .tooLong(bytes, reportedMaximum) = error else { return }
            #expect(bytes == maximum + 1)
            #expect(reportedMaximum == maximum)
            #expect(error.description.contains("\(maximum + 1)"))
            #expect(error.description.contains("\(maximum)"))
        }
    }

    @Test("default error correction is medium")
    func defaultLevel() throws {
        #expect(try QRCode(text: "Meghna").errorCorrection == .medium)
    }

    // MARK: Rendering

    @Test("SVG output: background, one path covering exactly the dark modules")
    func svgOutput() throws {
        let qr = try QRCode(text: otpauthURI, errorCorrection: .quartile)
        let svg = qr.svg(moduleSize: 3, quietZone: 2)
        let dimension = qr.size + 4
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\""))
        #expect(svg.contains("viewBox=\"0 0 \(dimension) \(dimension)\""))
        #expect(svg.contains("width=\"\(dimension * 3)\" height=\"\(dimension * 3)\""))
        #expect(svg.contains("<rect x=\"0\" y=\"0\" width=\"\(dimension)\" height=\"\(dimension)\" fill=\"#FFFFFF\"/>"))
        #expect(svg.components(separatedBy: "<path ").count == 2)
        #expect(svg.hasSuffix("</svg>\n"))

        // Rebuild the module grid from the path's "Mx,yhNv1h-Nz" runs.
        let start = try #require(svg.range(of: "d=\""))
        let end = try #require(svg.range(of: "\"", range: start.upperBound..<svg.endIndex))
        var painted = Set<Int>()
        for command in svg[start.upperBound..<end.lowerBound].split(separator: "M") {
            let parts = command.split(whereSeparator: { ",hvz".contains($0) })
            let x = try #require(Int(parts[0])) - 2
            let y = try #require(Int(parts[1])) - 2
            let run = try #require(Int(parts[2]))
            for dx in 0..<run { painted.insert(y * qr.size + x + dx) }
        }
        var dark = Set<Int>()
        for y in 0..<qr.size {
            for x in 0..<qr.size where qr.isDark(x: x, y: y) { dark.insert(y * qr.size + x) }
        }
        #expect(painted == dark)
    }

    @Test("PGM output: header, dimensions, pixels")
    func pgmOutput() throws {
        let qr = try QRCode(text: "Meghna", errorCorrection: .low)
        let image = qr.pgm(moduleSize: 2, quietZone: 3)
        let pixels = (qr.size + 6) * 2
        let header = Array("P5\n\(pixels) \(pixels)\n255\n".utf8)
        #expect(Array(image.prefix(header.count)) == header)
        #expect(image.count == header.count + pixels * pixels)
        func pixel(_ x: Int, _ y: Int) -> UInt8 { image[header.count + y * pixels + x] }
        #expect(pixel(0, 0) == 255)  // quiet zone
        #expect(pixel(6, 6) == 0 && pixel(7, 7) == 0)  // module (0, 0): finder corner
        #expect(pixel(8, 10) == 255)  // module (1, 2): the finder's light ring
        for y in 0..<qr.size {
            for x in 0..<qr.size {
                #expect(pixel((x + 3) * 2 + 1, (y + 3) * 2 + 1) == (qr.isDark(x: x, y: y) ? 0 : 255))
            }
        }
    }

    // MARK: Real decoder

    @Test("zbarimg decodes the symbol", arguments: roundTripInputs, allLevels)
    func zbarRoundTrip(text: String, level: QRCode.ErrorCorrection) throws {
        let qr = try QRCode(text: text, errorCorrection: level)
        let decoded = try zbarDecode(qr)
        #expect(decoded == text, "version \(qr.version) \(level) mask \(qr.mask)")
    }

    @Test("zbarimg decodes every version", arguments: 1...40)
    func zbarEveryVersion(version: Int) throws {
        let level = allLevels[version % 4]
        let text = filler(count: QRCode.byteCapacity(version: version, errorCorrection: level), seed: UInt32(version))
        let qr = try QRCode(text: text, errorCorrection: level)
        #expect(qr.version == version)
        let decoded = try zbarDecode(qr)
        #expect(decoded == text, "version \(version) \(level) mask \(qr.mask)")
    }
}
