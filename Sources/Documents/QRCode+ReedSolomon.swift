// Reed–Solomon error correction over GF(2^8) with the primitive polynomial
// x^8 + x^4 + x^3 + x^2 + 1 (0x11D) and generator element α = 2.

enum GF256 {
    /// `exp[i] = α^i`, doubled in length so products of logs need no modulo.
    static let exp: [UInt8] = {
        var table = [UInt8](repeating: 0, count: 512)
        var value = 1
        for index in 0..<255 {
            table[index] = UInt8(value)
            value <<= 1
            if value & 0x100 != 0 {
                value ^= 0x11D
            }
        }
        for index in 255..<512 {
            table[index] = table[index - 255]
        }
        return table
    }()

    /// `log[α^i] = i`; `log[0]` is unused.
    static let log: [Int] = {
        var table = [Int](repeating: 0, count: 256)
        for index in 0..<255 {
            table[Int(exp[index])] = index
        }
        return table
    }()

    static func multiply(_ a: UInt8, _ b: UInt8) -> UInt8 {
        if a == 0 || b == 0 { return 0 }
        return exp[log[Int(a)] + log[Int(b)]]
    }
}

enum ReedSolomon {
    /// Coefficients of the generator polynomial ∏_{i<degree} (x − α^i), highest
    /// power first, without the leading (monic) 1.
    static func generator(degree: Int) -> [UInt8] {
        precondition(degree >= 1 && degree <= 255)
        // Start with the polynomial "1" and multiply in one root at a time.
        var coefficients = [UInt8](repeating: 0, count: degree)
        coefficients[degree - 1] = 1
        var root: UInt8 = 1
        for _ in 0..<degree {
            // coefficients · (x − root): shift left, then add root · coefficients.
            for index in 0..<degree {
                coefficients[index] = GF256.multiply(coefficients[index], root)
                if index + 1 < degree {
                    coefficients[index] ^= coefficients[index + 1]
                }
            }
            root = GF256.multiply(root, 2)
        }
        return coefficients
    }

    /// The remainder of `data · x^degree` divided by the generator: the
    /// error-correction codewords for one block.
    static func remainder(of data: [UInt8], generator: [UInt8]) -> [UInt8] {
        let degree = generator.count
        let exp = GF256.exp
        let log = GF256.log
        let generatorLogs = generator.map { $0 == 0 ? -1 : log[Int($0)] }
        // Long division, keeping the running remainder in `result`.
        var result = [UInt8](repeating: 0, count: degree)
        for byte in data {
            let factor = byte ^ result[0]
            for index in 0..<(degree - 1) {
                result[index] = result[index + 1]
            }
            result[degree - 1] = 0
            guard factor != 0 else { continue }
            let factorLog = log[Int(factor)]
            for index in 0..<degree where generatorLogs[index] >= 0 {
                result[index] ^= exp[generatorLogs[index] + factorLog]
            }
        }
        return result
    }
}
