import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import Pipelines

@Suite("Run report page")
struct ReportRendererTests {
    /// Whether Debian's `chromium` (or another Chromium) is on PATH; the screenshot test needs it.
    static let chromium: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let candidate = "\(folder)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }()

    /// Checks what every rendered page must satisfy: well-formed, the fixed headings, the expected number of plots,
    /// nothing executable and no reference that leaves the page.
    static func checkPage(_ html: String, plots: Int, sourceLocation: SourceLocation = #_sourceLocation) {
        let page = ReportPageStructure(html)
        #expect(page.parseError == nil, "\(page.parseError ?? "")", sourceLocation: sourceLocation)
        #expect(page.headings == RunReportRenderer.headings.map(\.title), sourceLocation: sourceLocation)
        #expect(page.svgCount == plots, sourceLocation: sourceLocation)
        let forbidden: Set<String> = [
            "script", "img", "link", "iframe", "object", "embed", "image", "use", "foreignobject",
        ]
        #expect(
            page.elements.isDisjoint(with: forbidden), "\(page.elements.intersection(forbidden))",
            sourceLocation: sourceLocation)
        for reference in page.references {
            #expect(reference.hasPrefix("#"), "\(reference) leaves the page", sourceLocation: sourceLocation)
            #expect(
                page.ids.contains(String(reference.dropFirst())), "\(reference) is broken",
                sourceLocation: sourceLocation)
        }
        #expect(
            !page.attributeValues.contains { $0.contains("://") || $0.lowercased().contains("javascript:") },
            sourceLocation: sourceLocation)
        #expect(!page.attributeValues.contains { $0.lowercased().contains("url(") }, sourceLocation: sourceLocation)
        #expect(!page.styleText.contains("url(") && !page.styleText.contains("@import"), sourceLocation: sourceLocation)
        #expect(
            !page.proseText.contains("http://") && !page.proseText.contains("https://"),
            sourceLocation: sourceLocation)
        #expect(!html.contains("NaN") && !html.contains(">nan<"), sourceLocation: sourceLocation)
        #expect(!html.lowercased().contains("<script"), sourceLocation: sourceLocation)
    }

    @Test(
        "the YouTube report has every heading, one SVG per plot and no outside reference",
        .enabled(if: TestData.has("wrench_youtube")))
    func youtubeReportStructure() throws {
        let report = try #require(try ReportFixtures.allSections())
        let html = RunReportRenderer.html(report)
        // Cleaning, LF bars, LF conflicts, reliability, class balance, training, merge, selection.
        #expect(ReportFixtures.expectedPlots(report) == 8)
        Self.checkPage(html, plots: 8)
        #expect(!html.contains("Not part of this pipeline"))
        let page = ReportPageStructure(html)
        // Steps, cleaning findings, 10 LFs, 10 calibration bins, 2 classes, 3 epochs, merge layers, retained, selection.
        #expect(page.tableBodyRows == [4, 3, 10, 10, 2, 3, 7, 3, 3])
        let firstFunction = try #require(report.labelingFunctions?.analysis.lfs.first?.name)
        #expect(html.contains("<td>\(firstFunction)</td>"))
        // The endpoint's commands are shown verbatim (escaped) in code blocks.
        #expect(html.contains("<pre>foundry serve --model .models/all-MiniLM-L6-v2"))
        #expect(html.contains("<pre>curl -s localhost:8080/v1/classify"))
        #expect(html.contains("&quot;model&quot;: &quot;youtube&quot;"))
        // The real label model's figures are in the page.
        let accuracy = try #require(report.labelModel?.accuracy)
        #expect(html.contains(String(format: "%.1f%%", accuracy * 100)))
        #expect(accuracy > 0.8)
        // Hostile text in the findings is escaped, not markup.
        #expect(html.contains("&lt;b&gt;with markup&lt;/b&gt;"))
    }

    @Test("a report without sections says each is not part of the pipeline and draws no plot")
    func emptyReport() {
        let report = RunReport(
            pipeline: "nothing", spec: "nothing.yaml", startedAt: Date(timeIntervalSince1970: 0), seconds: 0,
            classes: [], steps: [])
        let html = RunReportRenderer.html(report)
        Self.checkPage(html, plots: 0)
        #expect(html.components(separatedBy: "Not part of this pipeline.").count - 1 == 8)
        #expect(html.contains("The run recorded no steps."))
    }

    @Test("edge cases: one labeling function, no gold, a failed step, hostile names")
    func edgeCases() throws {
        let matrix = try LabelMatrix(
            denseVotes: [1, -1, 0], rowCount: 3, lfNames: ["<script>alert(\"x\")</script>"], classNames: ["A&B", "C"])
        var report = RunReport(
            pipeline: "p <b>\"&'", spec: "a&b.yaml", startedAt: Date(timeIntervalSince1970: 0), seconds: .nan,
            classes: ["A&B", "C"],
            steps: [
                StepRecord(
                    name: "votes", kind: "apply", status: .failed, reason: "lfs.yaml:3: unknown key 'lable'", key: "",
                    seconds: 0.2),
                StepRecord(
                    name: "labels", kind: "label_model", status: .skipped, reason: "after a failed step", key: ""),
            ])
        report.labelingFunctions = try LabelingFunctionSection.build(matrix: matrix, gold: nil)
        report.labelModel = try LabelModelSection.build(
            method: "mv", probabilities: Matrix([[0.5, 0.5], [0, 1], [1, 0]]), gold: nil)
        report.classBalance = try ClassBalanceSection.build(hardLabels: [1, -1, 0], gold: nil, classes: ["A&B", "C"])
        report.training = [TrainingSection(step: "adapter", epochLosses: [0.69], validationAccuracies: [])]
        let html = RunReportRenderer.html(report)
        // LF bars (no conflict map for one function), class balance, one-epoch training curve.
        Self.checkPage(html, plots: 3)
        #expect(html.contains("One labeling function: there is no pair to compare."))
        #expect(html.contains("No gold labels: calibration was not measured."))
        #expect(html.contains("<span class=\"status failed\">failed</span>"))
        #expect(html.contains("33.3% of the rows have no predicted label."))
        #expect(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"))
        #expect(html.contains("p &lt;b&gt;&quot;&amp;&#39;"))
    }

    @Test("with many labeling functions the plots show the busiest forty and the table lists all")
    func manyFunctions() throws {
        let matrix = randomLabelMatrix(rows: 300, lfs: 120, cardinality: 2, coverage: 0.05, seed: 4)
        var report = RunReport(
            pipeline: "many", spec: "many.yaml", startedAt: Date(timeIntervalSince1970: 0), seconds: 1,
            classes: ["a", "b"], steps: [])
        let section = try LabelingFunctionSection.build(matrix: matrix, gold: nil)
        report.labelingFunctions = section
        let html = RunReportRenderer.html(report)
        Self.checkPage(html, plots: 2)
        let shown = RunReportRenderer.plottedFunctions(section)
        #expect(shown.count == 40 && shown == shown.sorted())
        let leastShown = shown.map { section.analysis.lfs[$0].votes }.min() ?? 0
        let mostHidden = Set(0..<120).subtracting(shown).map { section.analysis.lfs[$0].votes }.max() ?? 0
        #expect(leastShown >= mostHidden)
        #expect(html.contains("The plots show the 40 functions with the most votes (of 120)"))
        #expect(ReportPageStructure(html).tableBodyRows == [120])
    }

    @Test(
        "write puts report.html and report.json in a new folder, the JSON in Foundry's snake_case",
        .enabled(if: TestData.has("wrench_youtube")))
    func writesBothFiles() throws {
        let report = try #require(try ReportFixtures.youtube())
        let folder = TemporaryDirectory()
        let target = folder.url.appendingPathComponent("runs/youtube")
        let (htmlURL, jsonURL) = try RunReportRenderer.write(report, to: target)
        #expect(htmlURL.lastPathComponent == "report.html" && jsonURL.lastPathComponent == "report.json")
        let html = try String(contentsOf: htmlURL, encoding: .utf8)
        #expect(html == RunReportRenderer.html(report))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: jsonURL)) as? [String: Any])
        #expect(object["pipeline"] as? String == "youtube-spam")
        #expect(object["started_at"] as? String == "2026-11-30T00:53:20.000Z")
        let lfs = try #require(object["labeling_functions"] as? [String: Any])
        #expect((lfs["conflicts"] as? [[Double]])?.count == 10)
        let model = try #require(object["label_model"] as? [String: Any])
        #expect((model["calibration"] as? [[String: Any]])?.first?["mean_confidence"] != nil)
        #expect(model["expected_calibration_error"] is Double)
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: target.path).filter { $0.hasPrefix(".") }
        #expect(leftovers.isEmpty)
    }

    @Test("a non-finite figure is refused naming the field, and the files already there are kept")
    func nonFiniteFigure() throws {
        let folder = TemporaryDirectory()
        var report = RunReport(
            pipeline: "p", spec: "p.yaml", startedAt: Date(timeIntervalSince1970: 0), seconds: 1, classes: ["a", "b"],
            steps: [StepRecord(name: "labels", kind: "label_model", status: .ran, reason: "forced", key: "k")])
        try RunReportRenderer.write(report, to: folder.url)
        let before = try Data(contentsOf: folder.file("report.html"))
        report.steps[0].figures["accuracy"] = .nan
        report.pipeline = "changed"
        do {
            try RunReportRenderer.write(report, to: folder.url)
            Issue.record("a NaN figure was written")
        } catch let error as PipelinesError {
            #expect(error.description.contains("steps"))
            #expect(error.description.contains("accuracy"))
        }
        #expect(try Data(contentsOf: folder.file("report.html")) == before)
        let json = try String(contentsOf: folder.file("report.json"), encoding: .utf8)
        #expect(json.contains("\"pipeline\" : \"p\""))
    }

    @Test("a folder that cannot be created is reported")
    func unwritableFolder() throws {
        let folder = TemporaryDirectory()
        let file = try folder.write("occupied", "a file, not a folder")
        let report = RunReport(
            pipeline: "p", spec: "p.yaml", startedAt: Date(timeIntervalSince1970: 0), seconds: 1, classes: [], steps: []
        )
        #expect(throws: PipelinesError.self) {
            try RunReportRenderer.write(report, to: file.appendingPathComponent("inside"))
        }
    }

    // Needs Debian's `chromium` (`make bootstrap` installs it when it can, or `apt-get install chromium`); without it this test is
    // skipped and only the page's structure above is checked.
    @Test(
        "headless Chromium renders the YouTube report to a non-blank PNG",
        .enabled(if: chromium != nil && TestData.has("wrench_youtube")))
    func screenshot() throws {
        let report = try #require(try ReportFixtures.allSections())
        let folder = TemporaryDirectory()
        let (htmlURL, _) = try RunReportRenderer.write(report, to: folder.url)
        let png = folder.file("report.png")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [
            TestData.packageFile("scripts/render-report.sh").path, htmlURL.path, png.path, "900,1200",
        ]
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        let bytes = [UInt8](try Data(contentsOf: png))
        #expect(Array(bytes.prefix(8)) == ReportPNG.signature)
        let image = try ReportPNG(bytes)
        #expect(image.width == 900 && image.height == 1200)
        let (distinct, dominant) = image.colourStatistics()
        // A blank page is one colour; text, bars and the heat map give hundreds, and the background is not all.
        #expect(distinct > 50)
        #expect(dominant < 0.95)
        if let keep = ProcessInfo.processInfo.environment["FOUNDRY_REPORT_KEEP"], !keep.isEmpty {
            // The README's sample: real figures only; `all/` holds the page with every section.
            let target = URL(fileURLWithPath: keep)
            try RunReportRenderer.write(try #require(try ReportFixtures.youtube()), to: target)
            try RunReportRenderer.write(report, to: target.appendingPathComponent("all"))
        }
    }
}
