import Foundation
import FoundryTestSupport
import Testing

@testable import Pipelines

@Suite("Run report SVG plots")
struct ReportSVGTests {
    /// Checks that `svg` is one well-formed `<svg>` element with no NaN and no reference outside itself.
    static func checkStandalone(_ svg: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let structure = ReportPageStructure(svg)
        #expect(structure.parseError == nil, "\(structure.parseError ?? "")", sourceLocation: sourceLocation)
        #expect(structure.svgCount == 1, sourceLocation: sourceLocation)
        #expect(structure.references.isEmpty, sourceLocation: sourceLocation)
        #expect(!svg.lowercased().contains("nan"), sourceLocation: sourceLocation)
        #expect(!svg.contains("inf"), sourceLocation: sourceLocation)
        #expect(!svg.contains("<script"), sourceLocation: sourceLocation)
    }

    @Test("text is escaped, including characters XML does not allow")
    func escaping() {
        #expect(SVGCanvas.escape("<a href=\"x\">&'\u{1}ok\n") == "&lt;a href=&quot;x&quot;&gt;&amp;&#39;\u{FFFD}ok\n")
        var canvas = SVGCanvas(width: 100, height: 20, title: "t <b>")
        canvas.text("</text><script>alert(1)</script>", x: 0, y: 10)
        Self.checkStandalone(canvas.svg)
        #expect(canvas.svg.contains("&lt;/text&gt;&lt;script&gt;"))
    }

    @Test("numbers are written finite with at most two decimals")
    func numbers() {
        #expect(SVGCanvas.number(2) == "2")
        #expect(SVGCanvas.number(0.125) == "0.13")
        #expect(SVGCanvas.number(-0.5) == "-0.5")
        #expect(SVGCanvas.number(.nan) == "0")
        #expect(SVGCanvas.number(-.infinity) == "0")
    }

    @Test("long text is cut with an ellipsis and kept whole in a tooltip")
    func truncation() {
        var canvas = SVGCanvas(width: 200, height: 20, title: "names")
        let name = "keyword_subscribe_to_my_channel_please_and_thanks"
        canvas.text(name, x: 0, y: 10, size: 10, maxWidth: 60)
        #expect(canvas.svg.contains("<title>\(name)</title>keyword_s…"))
        var short = SVGCanvas(width: 200, height: 20, title: "names")
        short.text("short", x: 0, y: 10, maxWidth: 100)
        #expect(!short.svg.contains("<title>short</title>"))
    }

    @Test("nice ticks cover the range in round steps")
    func ticks() {
        #expect(approximatelyEqual(SVGPlot.niceTicks(lower: 0, upper: 0.63, count: 5), [0, 0.2, 0.4, 0.6, 0.8]))
        #expect(approximatelyEqual(SVGPlot.niceTicks(lower: 0, upper: 1, count: 5), [0, 0.2, 0.4, 0.6, 0.8, 1]))
        #expect(approximatelyEqual(SVGPlot.niceTicks(lower: 0, upper: 2.4, count: 5), [0, 0.5, 1, 1.5, 2, 2.5]))
        #expect(SVGPlot.niceTicks(lower: 0, upper: .nan, count: 5) == [0, 1])
        #expect(SVGPlot.niceTicks(lower: 1, upper: 1, count: 5) == [0, 1])
    }

    @Test("the heat scale runs from near-white to dark red")
    func heatColours() {
        #expect(SVGPlot.heatColor(0) == "#fff7ec")
        #expect(SVGPlot.heatColor(1) == "#99000d")
        #expect(SVGPlot.heatColor(-3) == "#fff7ec")
        #expect(SVGPlot.heatColor(.infinity) == "#99000d")
    }

    @Test("bars: one labeling function, a missing value and a NaN draw n/a, not NaN")
    func barsEdgeCases() {
        let svg = SVGPlot.horizontalBars(
            title: "one LF", labels: ["only_one"],
            series: [
                .init(name: "coverage", values: [0.25], color: "#000"),
                .init(name: "accuracy", values: [nil], color: "#000"),
                .init(name: "odd", values: [.nan], color: "#000"),
            ])
        Self.checkStandalone(svg)
        #expect(svg.components(separatedBy: ">n/a<").count - 1 == 2)
        #expect(svg.contains(">25.0%<"))
        let empty = SVGPlot.horizontalBars(title: "none", labels: [], series: [])
        Self.checkStandalone(empty)
        #expect(empty.contains("nothing to show"))
    }

    @Test("heat map: all-zero values, a missing diagonal and long labels")
    func heatMapEdgeCases() {
        let long = String(repeating: "very_long_task_name_", count: 4)
        let svg = SVGPlot.heatMap(
            title: "zeros", rowLabels: [long, "b"], columnLabels: [long, "b"], values: [[nil, 0], [0, nil]],
            legendTitle: "conflicts")
        Self.checkStandalone(svg)
        #expect(svg.contains("<title>\(long)</title>"))
        #expect(svg.contains(": n/a</title>"))
        let single = SVGPlot.heatMap(
            title: "one", rowLabels: ["a"], columnLabels: ["b"], values: [[0.3]], legendTitle: "x")
        Self.checkStandalone(single)
    }

    @Test("reliability diagram: empty bins show 0 and no bar; no gold at all says so")
    func reliabilityEdgeCases() throws {
        let (bins, _) = try LabelModelSection.calibration(
            probabilities: ReportSectionTests.probabilities, gold: ReportSectionTests.gold, bins: 4)
        let svg = SVGPlot.reliabilityDiagram(title: "calibration", bins: bins)
        Self.checkStandalone(svg)
        #expect(svg.contains("confidence 0.5–0.75: 2 rows, accuracy 50.0%"))
        // Two classes: the axis starts at 0.5, so the bins below it are not drawn.
        #expect(!svg.contains("confidence 0–0.25"))
        #expect(svg.contains(">0.5</text>"))
        // Ten bins: bin 0.7–0.8 is empty inside the axis and shows a 0 count (beside the y axis's 0).
        let (tenBins, _) = try LabelModelSection.calibration(
            probabilities: ReportSectionTests.probabilities, gold: ReportSectionTests.gold)
        let ten = SVGPlot.reliabilityDiagram(title: "ten", bins: tenBins)
        Self.checkStandalone(ten)
        #expect(ten.components(separatedBy: ">0</text>").count - 1 == 2)
        let none = SVGPlot.reliabilityDiagram(
            title: "none",
            bins: (0..<10).map {
                CalibrationBin(
                    lower: Double($0) / 10, upper: Double($0 + 1) / 10, count: 0, meanConfidence: 0, accuracy: 0)
            })
        Self.checkStandalone(none)
        #expect(none.contains("no rows with gold labels"))
    }

    @Test("line chart: one epoch draws markers only; a missing value breaks the line")
    func lineChartEdgeCases() {
        let single = SVGPlot.lineChart(
            title: "one epoch", xTitle: "epoch", left: [.init(name: "loss", values: [0.7], color: "#000")],
            leftTitle: "loss", right: [.init(name: "accuracy", values: [0.8], color: "#111")], rightTitle: "acc")
        Self.checkStandalone(single)
        #expect(!single.contains("<polyline"))
        #expect(single.components(separatedBy: "<circle").count - 1 == 2)
        let broken = SVGPlot.lineChart(
            title: "gap", xTitle: "epoch", left: [.init(name: "loss", values: [1, .nan, 2, 3], color: "#000")],
            leftTitle: "loss")
        Self.checkStandalone(broken)
        #expect(broken.components(separatedBy: "<polyline").count - 1 == 1)
        #expect(broken.components(separatedBy: "<circle").count - 1 == 3)
        let empty = SVGPlot.lineChart(
            title: "none", xTitle: "epoch", left: [.init(name: "loss", values: [nil, nil], color: "#000")],
            leftTitle: "loss")
        Self.checkStandalone(empty)
        #expect(empty.contains("no values"))
    }

    @Test("grouped bars: many classes, a missing gold share")
    func groupedBarsEdgeCases() {
        let svg = SVGPlot.groupedBars(
            title: "balance", categories: ["ABBR", "DESC", "ENTY", "HUM", "LOC", "NUM"],
            series: [
                .init(name: "predicted", values: [0.02, 0.2, 0.25, 0.2, 0.15, 0.18], color: "#000"),
                .init(name: "gold", values: [0.01, 0.21, nil, 0.2, 0.16, 0.18], color: "#111"),
            ])
        Self.checkStandalone(svg)
        #expect(svg.contains(">n/a<"))
        #expect(svg.contains("ENTY: predicted 25.0%"))
    }
}
