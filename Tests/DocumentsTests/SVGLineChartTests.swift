import Foundation
import Testing
@testable import Documents
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("SVG line charts")
struct SVGLineChartTests {
    final class Collector: NSObject, XMLParserDelegate {
        var elements: [(String, [String: String])] = []
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
            elements.append((name, attributes))
        }
    }

    func parse(_ svg: String) throws -> Collector {
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "the chart is well-formed XML")
        return collector
    }

    @Test func gapsSplitTheLineAndDownSpansAreBands() throws {
        let series = SVGChart.Series(name: "Round trip", unit: "ms", points: [(0, 10), (60, 20), (120, nil), (180, 40), (240, 30), (300, 5)], style: "line-a")
        let svg = SVGChart.lines(series, title: "Round trip <ms>", xRange: 0...300, xLabels: ("10:00", "10:05"), down: [120...120])
        let c = try parse(svg)
        let lines = c.elements.filter { $0.0 == "polyline" }
        #expect(lines.count == 2, "a missing reading breaks the line in two")
        #expect(lines[0].1["points"]?.split(separator: " ").count == 2)
        #expect(lines[1].1["points"]?.split(separator: " ").count == 3)
        #expect(c.elements.contains { $0.0 == "rect" && $0.1["class"] == "down" })
        #expect(svg.contains("50 ms"), "the axis tops at a round number above the highest reading (40)")
        #expect(svg.contains("Round trip &lt;ms&gt;"))
    }

    @Test func theHighestReadingReachesNearTheTopAndZeroTheAxis() throws {
        let series = SVGChart.Series(name: "CPU", unit: "%", points: [(0, 0), (10, 100)], style: "line-b")
        let svg = SVGChart.lines(series, title: "CPU", xRange: 0...10, xLabels: ("a", "b"), width: 200, height: 100)
        let c = try parse(svg)
        let points = try #require(c.elements.first { $0.0 == "polyline" }?.1["points"]).split(separator: " ").map { $0.split(separator: ",").map { Double($0)! } }
        #expect(points[0] == [44, 78])   // left edge, bottom of the plot (100 - 22)
        #expect(points[1] == [196, 16])  // right edge, top of the plot
    }

    @Test func aLoneReadingIsADotAndNoReadingsDrawNoLine() throws {
        let one = SVGChart.lines(.init(name: "x", unit: "ms", points: [(5, 3)], style: "line-a"), title: "t", xRange: 0...10, xLabels: ("", ""))
        #expect(try parse(one).elements.contains { $0.0 == "circle" })
        let none = SVGChart.lines(.init(name: "x", unit: "ms", points: [], style: "line-a"), title: "t", xRange: 0...10, xLabels: ("", ""))
        #expect(try !parse(none).elements.contains { $0.0 == "polyline" || $0.0 == "circle" })
    }
}
