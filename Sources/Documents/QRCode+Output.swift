// Rendering: SVG (vector) and binary PGM (raster).

extension QRCode {
    /// An SVG document (one <path> of dark modules, white background rect, viewBox sized with the quiet zone), `moduleSize` px per module.
    ///
    /// The viewBox is in module units (symbol plus `quietZone` modules on each
    /// side); `width`/`height` are `moduleSize` pixels per module. No XML
    /// prolog is emitted, so the result can be embedded inline in HTML.
    public func svg(moduleSize: Int = 4, quietZone: Int = 4) -> String {
        let moduleSize = max(1, moduleSize)
        let quietZone = max(0, quietZone)
        let dimension = size + 2 * quietZone
        let pixels = dimension * moduleSize

        // One subpath per horizontal run of dark modules.
        var path = ""
        for y in 0..<size {
            var x = 0
            while x < size {
                guard isDark(x: x, y: y) else {
                    x += 1
                    continue
                }
                let start = x
                while x < size, isDark(x: x, y: y) {
                    x += 1
                }
                let run = x - start
                path += "M\(start + quietZone),\(y + quietZone)h\(run)v1h-\(run)z"
            }
        }

        return """
            <svg xmlns="http://www.w3.org/2000/svg" version="1.1" \
            width="\(pixels)" height="\(pixels)" viewBox="0 0 \(dimension) \(dimension)" \
            shape-rendering="crispEdges">\
            <rect x="0" y="0" width="\(dimension)" height="\(dimension)" fill="#FFFFFF"/>\
            <path d="\(path)" fill="#000000"/>\
            </svg>

            """
    }

    /// A binary PGM (P5) image, for external decoders in tests and for raster use.
    ///
    /// 8-bit greyscale: dark modules are 0, light modules and the quiet zone 255.
    public func pgm(moduleSize: Int = 4, quietZone: Int = 4) -> [UInt8] {
        let moduleSize = max(1, moduleSize)
        let quietZone = max(0, quietZone)
        let pixels = (size + 2 * quietZone) * moduleSize

        var image = Array("P5\n\(pixels) \(pixels)\n255\n".utf8)
        let headerLength = image.count
        image.append(contentsOf: repeatElement(255, count: pixels * pixels))
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                let left = (x + quietZone) * moduleSize
                let top = (y + quietZone) * moduleSize
                for row in top..<(top + moduleSize) {
                    let rowStart = headerLength + row * pixels + left
                    for offset in rowStart..<(rowStart + moduleSize) {
                        image[offset] = 0
                    }
                }
            }
        }
        return image
    }
}
