import Foundation

/// Small server-rendered SVG charts: no JavaScript, prints well, testable as text.
public enum SVGChart {
    public struct Bar: Sendable, Equatable {
        public var label: String
        public var value: Int

        public init(label: String, value: Int) {
            self.label = label
            self.value = value
        }
    }

    /// A bar chart with a baseline, the maximum marked on the axis, and every bar titled for
    /// screen readers and hover. Labels are shown under the first, middle and last bars.
    public static func bars(_ bars: [Bar], title: String, width: Int = 640, height: Int = 160) -> String {
        let top = 16, bottom = 22, left = 36
        let plotHeight = height - top - bottom
        let plotWidth = width - left - 4
        let maximum = max(bars.map(\.value).max() ?? 0, 1)
        let step = bars.isEmpty ? 0 : Double(plotWidth) / Double(bars.count)
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(escape(title))">\
        <title>\(escape(title))</title>\
        <line x1="\(left)" y1="\(top + plotHeight)" x2="\(width - 4)" y2="\(top + plotHeight)" class="axis"/>\
        <text x="\(left - 4)" y="\(top + 4)" text-anchor="end" class="tick">\(maximum)</text>\
        <text x="\(left - 4)" y="\(top + plotHeight)" text-anchor="end" class="tick">0</text>
        """
        for (index, bar) in bars.enumerated() {
            let h = Double(plotHeight) * Double(max(bar.value, 0)) / Double(maximum)
            let x = Double(left) + Double(index) * step + step * 0.1
            let y = Double(top + plotHeight) - h
            out += "<rect x=\"\(fmt(x))\" y=\"\(fmt(y))\" width=\"\(fmt(step * 0.8))\" height=\"\(fmt(h))\" class=\"bar\">"
            out += "<title>\(escape(bar.label)): \(bar.value)</title></rect>"
        }
        let labelled = bars.isEmpty ? [] : Array(Set([0, bars.count / 2, bars.count - 1])).sorted()
        for index in labelled {
            let x = Double(left) + (Double(index) + 0.5) * step
            out += "<text x=\"\(fmt(x))\" y=\"\(height - 6)\" text-anchor=\"middle\" class=\"tick\">\(escape(bars[index].label))</text>"
        }
        return out + "</svg>"
    }

    static func fmt(_ value: Double) -> String {
        String(format: "%.1f", value)
    }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;").replacingOccurrences(of: "\"", with: "&quot;")
    }
}
