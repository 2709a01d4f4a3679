// The module grid: function patterns, codeword placement, data masks,
// format/version information and mask penalty scoring.

struct QRMatrix {
    let version: Int
    let size: Int
    /// Row-major module colours, `true` = dark.
    private(set) var modules: [Bool]
    /// Row-major flags marking function modules (never masked, never data).
    private(set) var isFunction: [Bool]

    /// A matrix with every function pattern drawn. Format information is drawn
    /// with placeholder bits so its modules are reserved.
    init(version: Int) {
        precondition((1...40).contains(version), "QR version must be 1...40")
        self.version = version
        self.size = 17 + 4 * version
        self.modules = [Bool](repeating: false, count: size * size)
        self.isFunction = [Bool](repeating: false, count: size * size)

        // Timing patterns first; finders and alignment patterns overwrite them.
        for index in 0..<size {
            setFunction(x: 6, y: index, dark: index % 2 == 0)
            setFunction(x: index, y: 6, dark: index % 2 == 0)
        }

        drawFinderPattern(centerX: 3, centerY: 3)
        drawFinderPattern(centerX: size - 4, centerY: 3)
        drawFinderPattern(centerX: 3, centerY: size - 4)

        let positions = QRTables.alignmentPatternPositions(version: version)
        let last = positions.count - 1
        for (i, x) in positions.enumerated() {
            for (j, y) in positions.enumerated() {
                // Skip the three corners occupied by finder patterns.
                if (i == 0 && j == 0) || (i == 0 && j == last) || (i == last && j == 0) {
                    continue
                }
                drawAlignmentPattern(centerX: x, centerY: y)
            }
        }

        drawFormatInformation(errorCorrection: .medium, mask: 0)
        drawVersionInformation()
    }

    func isDark(x: Int, y: Int) -> Bool {
        modules[y * size + x]
    }

    func isFunctionModule(x: Int, y: Int) -> Bool {
        isFunction[y * size + x]
    }

    private mutating func setFunction(x: Int, y: Int, dark: Bool) {
        modules[y * size + x] = dark
        isFunction[y * size + x] = true
    }

    /// 7×7 finder pattern plus its one-module light separator (clipped at the edges).
    private mutating func drawFinderPattern(centerX: Int, centerY: Int) {
        for dy in -4...4 {
            for dx in -4...4 {
                let x = centerX + dx
                let y = centerY + dy
                guard x >= 0, y >= 0, x < size, y < size else { continue }
                let ring = max(abs(dx), abs(dy))
                setFunction(x: x, y: y, dark: ring != 2 && ring != 4)
            }
        }
    }

    /// 5×5 alignment pattern: dark centre, light ring, dark border.
    private mutating func drawAlignmentPattern(centerX: Int, centerY: Int) {
        for dy in -2...2 {
            for dx in -2...2 {
                setFunction(x: centerX + dx, y: centerY + dy, dark: max(abs(dx), abs(dy)) != 1)
            }
        }
    }

    /// Draws both copies of the 15-bit format information and the dark module.
    mutating func drawFormatInformation(errorCorrection: QRCode.ErrorCorrection, mask: Int) {
        let bits = QRMatrix.formatInformation(errorCorrection: errorCorrection, mask: mask)
        func bit(_ index: Int) -> Bool { (bits >> index) & 1 == 1 }

        // Copy around the top-left finder: bits 0–7 go down column 8 (skipping
        // the timing row), bits 8–14 go left along row 8 (skipping the timing column).
        for index in 0...5 {
            setFunction(x: 8, y: index, dark: bit(index))
        }
        setFunction(x: 8, y: 7, dark: bit(6))
        setFunction(x: 8, y: 8, dark: bit(7))
        setFunction(x: 7, y: 8, dark: bit(8))
        for index in 9..<15 {
            setFunction(x: 14 - index, y: 8, dark: bit(index))
        }

        // Split copy: bits 0–7 along row 8 under the top-right finder (right to
        // left), bits 8–14 down column 8 beside the bottom-left finder.
        for index in 0..<8 {
            setFunction(x: size - 1 - index, y: 8, dark: bit(index))
        }
        for index in 8..<15 {
            setFunction(x: 8, y: size - 15 + index, dark: bit(index))
        }
        setFunction(x: 8, y: size - 8, dark: true)  // the dark module
    }

    /// Draws both 6×3 copies of the 18-bit version information (versions ≥ 7).
    private mutating func drawVersionInformation() {
        guard version >= 7 else { return }
        let bits = QRMatrix.versionInformation(version: version)
        for index in 0..<18 {
            let dark = (bits >> index) & 1 == 1
            let a = size - 11 + index % 3
            let b = index / 3
            setFunction(x: a, y: b, dark: dark)  // left of the top-right finder
            setFunction(x: b, y: a, dark: dark)  // above the bottom-left finder
        }
    }

    /// 5 data bits (EC level, mask) + 10-bit BCH(15,5) code, XOR-masked with 0x5412.
    static func formatInformation(errorCorrection: QRCode.ErrorCorrection, mask: Int) -> Int {
        precondition((0..<8).contains(mask))
        let data = errorCorrection.formatBits << 3 | mask
        return (data << 10 | bchRemainder(data << 10, generator: 0x537)) ^ 0x5412
    }

    /// 6 version bits + 12-bit BCH(18,6) code.
    static func versionInformation(version: Int) -> Int {
        version << 12 | bchRemainder(version << 12, generator: 0x1F25)
    }

    /// Remainder of polynomial division over GF(2).
    static func bchRemainder(_ value: Int, generator: Int) -> Int {
        let generatorDegree = Int.bitWidth - generator.leadingZeroBitCount - 1
        var remainder = value
        while remainder != 0 {
            let degree = Int.bitWidth - remainder.leadingZeroBitCount - 1
            if degree < generatorDegree { break }
            remainder ^= generator << (degree - generatorDegree)
        }
        return remainder
    }

    // MARK: - Data placement

    /// Places codewords in the two-column zigzag from the bottom-right corner,
    /// skipping function modules and the vertical timing column. Leftover
    /// (remainder) modules stay light.
    mutating func placeCodewords(_ codewords: [UInt8]) {
        let totalBits = codewords.count * 8
        var bitIndex = 0
        var right = size - 1
        while right >= 1 {
            if right == 6 { right = 5 }  // the vertical timing pattern
            let upward = (right + 1) & 2 == 0
            for step in 0..<size {
                let y = upward ? size - 1 - step : step
                for x in stride(from: right, through: right - 1, by: -1)
                where !isFunction[y * size + x] && bitIndex < totalBits {
                    let byte = codewords[bitIndex >> 3]
                    modules[y * size + x] = (byte >> UInt8(7 - (bitIndex & 7))) & 1 == 1
                    bitIndex += 1
                }
            }
            right -= 2
        }
        precondition(bitIndex == totalBits, "codewords do not fill the symbol")
    }

    // MARK: - Masking

    static func maskCondition(_ mask: Int, x: Int, y: Int) -> Bool {
        switch mask {
        case 0: return (x + y) % 2 == 0
        case 1: return y % 2 == 0
        case 2: return x % 3 == 0
        case 3: return (x + y) % 3 == 0
        case 4: return (x / 3 + y / 2) % 2 == 0
        case 5: return (x * y) % 2 + (x * y) % 3 == 0
        case 6: return ((x * y) % 2 + (x * y) % 3) % 2 == 0
        case 7: return ((x + y) % 2 + (x * y) % 3) % 2 == 0
        default: preconditionFailure("mask must be 0...7")
        }
    }

    /// XORs the mask pattern into every non-function module.
    mutating func applyMask(_ mask: Int) {
        for y in 0..<size {
            for x in 0..<size where !isFunction[y * size + x] && QRMatrix.maskCondition(mask, x: x, y: y) {
                modules[y * size + x].toggle()
            }
        }
    }

    // MARK: - Penalty

    /// Total penalty score (rules N1–N4); the mask with the lowest score wins.
    func penalty() -> Int {
        QRMatrix.penalty(of: modules, size: size)
    }

    /// Penalty score of a row-major `size`×`size` module grid.
    static func penalty(of modules: [Bool], size: Int) -> Int {
        var total = 0
        var column = [Bool](repeating: false, count: size)
        for index in 0..<size {
            total += linePenalty(modules[(index * size)..<((index + 1) * size)])
            for y in 0..<size {
                column[y] = modules[y * size + index]
            }
            total += linePenalty(column[...])
        }

        // N2: 3 points per 2×2 block of one colour (overlapping blocks count).
        for y in 0..<(size - 1) {
            for x in 0..<(size - 1) {
                let colour = modules[y * size + x]
                if modules[y * size + x + 1] == colour,
                   modules[(y + 1) * size + x] == colour,
                   modules[(y + 1) * size + x + 1] == colour {
                    total += 3
                }
            }
        }

        // N4: 10 points per full 5% the dark proportion deviates from 50%.
        let dark = modules.reduce(0) { $0 + ($1 ? 1 : 0) }
        let cells = size * size
        total += abs(dark * 20 - cells * 10) / cells * 10
        return total
    }

    /// N1 (runs of ≥ 5 same-coloured modules: 3 + excess) and N3 (1:1:3:1:1
    /// dark:light:dark:light:dark with 4 light modules on either side: 40 per
    /// side) for one row or column. Modules beyond the symbol count as light
    /// (the quiet zone).
    static func linePenalty(_ line: ArraySlice<Bool>) -> Int {
        let start = line.startIndex
        let count = line.count
        guard count > 0 else { return 0 }
        var total = 0

        var runColour = line[start]
        var run = 1
        for index in (start + 1)..<(start + count) {
            if line[index] == runColour {
                run += 1
            } else {
                if run >= 5 { total += 3 + run - 5 }
                runColour = line[index]
                run = 1
            }
        }
        if run >= 5 { total += 3 + run - 5 }

        func dark(_ offset: Int) -> Bool {
            offset >= 0 && offset < count && line[start + offset]
        }
        var offset = 0
        while offset + 7 <= count {
            if dark(offset), !dark(offset + 1), dark(offset + 2), dark(offset + 3), dark(offset + 4),
               !dark(offset + 5), dark(offset + 6) {
                if !dark(offset - 1), !dark(offset - 2), !dark(offset - 3), !dark(offset - 4) {
                    total += 40
                }
                if !dark(offset + 7), !dark(offset + 8), !dark(offset + 9), !dark(offset + 10) {
                    total += 40
                }
            }
            offset += 1
        }
        return total
    }
}
