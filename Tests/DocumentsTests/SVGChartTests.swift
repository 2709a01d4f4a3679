import Foundation
import Testing
@testable import Documents
#if canImport(FoundationXML)
import FoundationXML
#endif

@Suite("SVG charts")
struct SVGChartTests {
    final class Collector: NSObject, XMLParserDelegate {
        var rects: [[String: String]] = []
        var texts: [String] = []
        var current: String?
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String]) {
            if name == "rect" { rects.append(attributes) }
            if name == "text" { current = "" }
        }
        func parser(_ parser: XMLParser, foundCharacters string: String) { current? += string }
        func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
            if name == "text", let text = current { texts.append(text) }
            current = nil
        }
    }

    @Test func barsAreProportionalAndTheDocumentIsWellFormed() throws {
        let svg = SVGChart.bars([.init(label: "10:00", value: 2), .init(label: "10:01", value: 8), .init(label: "10:02 <now>", value: 4)],
                                title: "Jobs \"completed\" per minute", width: 340, height: 160)
        let collector = Collector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "not well-formed: \(String(describing: parser.parserError))")
        let heights = collector.rects.compactMap { $0["height"].flatMap(Double.init) }
        #expect(heights.count == 3)
        #expect(abs(heights[1] - 122) < 0.1)  // the maximum fills the plot (160 - 16 - 22)
        #expect(abs(heights[0] - heights[1] / 4) < 0.1)
        #expect(abs(heights[2] - heights[1] / 2) < 0.1)
        #expect(collector.texts.contains("10:02 <now>"))
        #expect(collector.texts.contains("8"))
    }

    @Test func anEmptyOrAllZeroSeriesStillDraws() {
        #expect(SVGChart.bars([], title: "Nothing").hasSuffix("</svg>"))
        let zeros = SVGChart.bars([.init(label: "a", value: 0)], title: "Zero")
        #expect(zeros.contains("height=\"0.0\""))
    }
}
