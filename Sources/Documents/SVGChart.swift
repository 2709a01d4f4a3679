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

extension SVGChart {
    /// One line of a line chart: values in time order, nil where there is no reading (a gap).
    public struct Series: Sendable, Equatable {
        public var name: String
        /// "ms", "%": shown on the axis and in each point's title.
        public var unit: String
        public var points: [(x: Double, y: Double?)]
        /// A class for the stroke colour (`line-a`, `line-b`).
        public var style: String

        public init(name: String, unit: String, points: [(x: Double, y: Double?)], style: String) {
            self.name = name
            self.unit = unit
            self.points = points
            self.style = style
        }

        public static func == (lhs: Series, rhs: Series) -> Bool {
            lhs.name == rhs.name && lhs.unit == rhs.unit && lhs.style == rhs.style && lhs.points.count == rhs.points.count
                && zip(lhs.points, rhs.points).allSatisfy { $0.x == $1.x && $0.y == $1.y }
        }
    }

    /// A line chart of one series over an x range (seconds since 1970, say), its maximum on the
    /// axis, the x labels given at its two ends, a gap wherever a value is missing, and a red
    /// band (`down`) for spans where there was no answer at all.
    public static func lines(_ series: Series, title: String, xRange: ClosedRange<Double>, xLabels: (String, String),
                             down: [ClosedRange<Double>] = [], width: Int = 640, height: Int = 160) -> String {
        let top = 16, bottom = 22, left = 44
        let plotHeight = Double(height - top - bottom)
        let plotWidth = Double(width - left - 4)
        let values = series.points.compactMap(\.y)
        let maximum = niceCeiling(values.max() ?? 1)
        let span = max(xRange.upperBound - xRange.lowerBound, 1)
        func px(_ x: Double) -> Double { Double(left) + (x - xRange.lowerBound) / span * plotWidth }
        func py(_ y: Double) -> Double { Double(top) + plotHeight - min(max(y, 0), maximum) / maximum * plotHeight }
        var out = """
        <svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 \(width) \(height)" role="img" aria-label="\(escape(title))">\
        <title>\(escape(title))</title>
        """
        for band in down where band.upperBound >= xRange.lowerBound && band.lowerBound <= xRange.upperBound {
            let x0 = px(max(band.lowerBound, xRange.lowerBound)), x1 = px(min(band.upperBound, xRange.upperBound))
            out += "<rect x=\"\(fmt(x0))\" y=\"\(top)\" width=\"\(fmt(max(x1 - x0, 1.5)))\" height=\"\(fmt(plotHeight))\" class=\"down\"><title>no answer</title></rect>"
        }
        out += """
        <line x1="\(left)" y1="\(fmt(Double(top) + plotHeight))" x2="\(width - 4)" y2="\(fmt(Double(top) + plotHeight))" class="axis"/>\
        <text x="\(left - 4)" y="\(top + 4)" text-anchor="end" class="tick">\(escape(number(maximum))) \(escape(series.unit))</text>\
        <text x="\(left - 4)" y="\(fmt(Double(top) + plotHeight))" text-anchor="end" class="tick">0</text>
        """
        // Runs of consecutive readings become one polyline each; a lone reading is a dot.
        var run: [(Double, Double)] = []
        func flush() {
            if run.count == 1 {
                out += "<circle cx=\"\(fmt(run[0].0))\" cy=\"\(fmt(run[0].1))\" r=\"2\" class=\"\(escape(series.style))\"/>"
            } else if run.count > 1 {
                out += "<polyline fill=\"none\" class=\"\(escape(series.style))\" points=\"" + run.map { "\(fmt($0.0)),\(fmt($0.1))" }.joined(separator: " ") + "\"/>"
            }
            run = []
        }
        for point in series.points.sorted(by: { $0.x < $1.x }) where xRange.contains(point.x) {
            if let y = point.y { run.append((px(point.x), py(y))) } else { flush() }
        }
        flush()
        out += "<text x=\"\(left)\" y=\"\(height - 6)\" class=\"tick\">\(escape(xLabels.0))</text>"
        out += "<text x=\"\(width - 4)\" y=\"\(height - 6)\" text-anchor=\"end\" class=\"tick\">\(escape(xLabels.1))</text>"
        return out + "</svg>"
    }

    /// 1, 2 or 5 times a power of ten, at least `value`.
    static func niceCeiling(_ value: Double) -> Double {
        guard value > 0 else { return 1 }
        var magnitude = 1.0
        while magnitude * 10 <= value { magnitude *= 10 }
        while magnitude > value { magnitude /= 10 }
        for factor in [1.0, 2.0, 5.0, 10.0] where factor * magnitude >= value { return factor * magnitude }
        return 10 * magnitude
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(format: "%.1f", value)
    }
}
