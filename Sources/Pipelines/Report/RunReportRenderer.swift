import Foundation
import FoundryCore

/// Renders a ``RunReport`` as one self-contained HTML page and writes it with its JSON.
///
/// The page holds its CSS inline and draws every plot as inline SVG (``SVGPlot``): no JavaScript, no font, image,
/// stylesheet or link outside the page, so it reads the same offline, attached to a ticket or years later. Links
/// only jump within the page (the table of contents). The markup is well-formed XML (void elements closed, every
/// text escaped), so it can be checked with an XML parser.
///
/// Layout: a summary header (pipeline, spec, start, seconds, classes), the step table (status ran / cached / skipped /
/// failed, reason, seconds, parts reused and computed, figures), then one `<h2>` per section in pipeline order —
/// cleaning, labeling functions, label model, class balance, training, merging, selection, endpoint. A section the
/// pipeline did not have says "Not part of this pipeline." instead of drawing an empty plot.
public enum RunReportRenderer {
    /// One heading of the page, with the anchor the table of contents links to.
    public struct Heading: Sendable, Equatable {
        /// The anchor (`id`) of the section.
        public var id: String
        /// The `<h2>` text.
        public var title: String
    }

    /// The page's `<h2>` headings, in order (every report has all of them; absent sections say so).
    public static let headings: [Heading] = [
        Heading(id: "steps", title: "Steps"),
        Heading(id: "cleaning", title: "Cleaning"),
        Heading(id: "labeling-functions", title: "Labeling functions"),
        Heading(id: "label-model", title: "Label model"),
        Heading(id: "class-balance", title: "Class balance"),
        Heading(id: "training", title: "Training"),
        Heading(id: "merging", title: "Merging"),
        Heading(id: "selection", title: "Selection"),
        Heading(id: "endpoint", title: "Endpoint"),
    ]

    /// The report as one self-contained HTML page.
    ///
    /// - Complexity: O(size of the report), plus O(m²) for the m × m conflict matrix of the labeling functions.
    public static func html(_ report: RunReport) -> String {
        var page = HTMLBuilder()
        page.raw("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\"/>\n")
        page.raw("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n")
        page.element("title", "\(report.pipeline) — Foundry run report")
        page.raw("\n<style>\(stylesheet)</style>\n</head>\n<body>\n<main>\n")
        summary(report, into: &page)
        steps(report, into: &page)
        cleaning(report.cleaning, into: &page)
        labelingFunctions(report.labelingFunctions, into: &page)
        labelModel(report.labelModel, into: &page)
        classBalance(report.classBalance, into: &page)
        training(report.training, into: &page)
        merging(report.merges, into: &page)
        selection(report.selection, into: &page)
        endpoint(report.endpoint, into: &page)
        page.raw("<footer>Written by Foundry \(SVGCanvas.escape(FoundryVersion.current)) · ")
        page.raw("one self-contained file: no script, no network.</footer>\n</main>\n</body>\n</html>\n")
        return page.text
    }

    /// The report as Foundry's JSON (snake_case keys, sorted, ISO-8601 dates), the content of `report.json`.
    ///
    /// - Throws: ``PipelinesError/reportFailed(reason:)`` naming the field that holds a non-finite number (JSON cannot
    ///   represent it).
    public static func json(_ report: RunReport) throws -> String {
        do {
            return try FoundryJSON.string(report, pretty: true) + "\n"
        } catch let EncodingError.invalidValue(value, context) {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            throw PipelinesError.reportFailed(
                reason: "report.json: \(path.isEmpty ? "a value" : "report\(path)") = \(value) cannot be written as "
                    + "JSON (\(context.debugDescription))")
        } catch {
            throw PipelinesError.reportFailed(reason: "report.json: \(error)")
        }
    }

    /// Writes `report.html` and `report.json` into `directory` (created when missing), each all or nothing through
    /// ``FoundryCore/AtomicFile``. Both are rendered before either is written, so a report that cannot be encoded
    /// leaves the folder as it was.
    ///
    /// - Returns: the URLs of the page and of the JSON.
    /// - Throws: ``PipelinesError/reportFailed(reason:)`` when the report cannot be encoded or the folder cannot be
    ///   created; ``FoundryCore/FoundryCoreError/fileUnreadable(path:reason:)`` when a file cannot be written.
    @discardableResult
    public static func write(_ report: RunReport, to directory: URL) throws -> (html: URL, json: URL) {
        // The two renderings are independent: one per core.
        var jsonText: Result<String, any Error> = .success("")
        var htmlText = ""
        ParallelChunks.forEach(count: 2, chunkSize: 1) { index, _ in
            if index == 0 {
                jsonText = Result { try json(report) }
            } else {
                htmlText = html(report)
            }
        }
        do {
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        } catch {
            throw PipelinesError.reportFailed(
                reason: "cannot create the report folder \(directory.path): \(error.localizedDescription)")
        }
        let jsonURL = directory.appendingPathComponent("report.json")
        let htmlURL = directory.appendingPathComponent("report.html")
        try AtomicFile.write(Data(try jsonText.get().utf8), to: jsonURL)
        try AtomicFile.write(Data(htmlText.utf8), to: htmlURL)
        return (htmlURL, jsonURL)
    }

    // MARK: - Summary and steps

    private static func summary(_ report: RunReport, into page: inout HTMLBuilder) {
        page.raw("<header>\n")
        page.raw("<h1>\(SVGCanvas.escape(report.pipeline)) <span class=\"muted\">run report</span></h1>\n")
        let counts = Dictionary(grouping: report.steps, by: \.status).mapValues(\.count)
        let statusLine = StepRecord.Status.allCases.compactMap { status in
            counts[status].map { "\($0) \(status.rawValue)" }
        }.joined(separator: ", ")
        page.raw("<dl class=\"facts\">")
        page.fact("spec", code: report.spec)
        page.fact("started", FoundryJSON.isoTimestamp(report.startedAt))
        page.fact("took", seconds(report.seconds))
        page.fact("classes", report.classes.isEmpty ? "—" : report.classes.joined(separator: ", "))
        page.fact("steps", report.steps.isEmpty ? "none" : "\(report.steps.count) (\(statusLine))")
        page.raw("</dl>\n<nav><ul>")
        for heading in headings {
            page.raw("<li><a href=\"#\(heading.id)\">\(SVGCanvas.escape(heading.title))</a></li>")
        }
        page.raw("</ul></nav>\n</header>\n")
    }

    private static func steps(_ report: RunReport, into page: inout HTMLBuilder) {
        page.open(headings[0])
        guard !report.steps.isEmpty else {
            page.paragraph("The run recorded no steps.", className: "absent")
            page.close()
            return
        }
        page.table(
            header: ["step", "kind", "status", "reason", "seconds", "parts reused / computed", "figures"],
            numeric: [4],
            rows: report.steps.map { step in
                let parts =
                    step.partsCached + step.partsComputed == 0 ? "" : "\(step.partsCached) / \(step.partsComputed)"
                let figures = step.figures.keys.sorted().compactMap { key in
                    step.figures[key].map { "\(key) \(number($0))" }
                }.joined(separator: " · ")
                return [
                    .text(step.name), .text(step.kind),
                    .raw("<span class=\"status \(step.status.rawValue)\">\(step.status.rawValue)</span>"),
                    .text(step.reason), .text(seconds(step.seconds)), .text(parts), .text(figures),
                ]
            })
        page.close()
    }

    // MARK: - Formatting

    /// Seconds for people: milliseconds under one second, minutes past two.
    static func seconds(_ value: Double) -> String {
        guard value.isFinite, value >= 0 else { return "n/a" }
        if value < 1 { return FixedDecimal.string(value * 1000, digits: 0) + " ms" }
        if value < 120 { return FixedDecimal.string(value, digits: 1) + " s" }
        return String(format: "%.0f min %.0f s", (value / 60).rounded(.down), value.truncatingRemainder(dividingBy: 60))
    }

    /// A figure: integers as integers, other values with four significant decimals; non-finite values as "n/a".
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return "n/a" }
        if value == value.rounded() && abs(value) < 1e12 { return String(Int(value)) }
        return FixedDecimal.string(value, digits: abs(value) >= 100 ? 1 : 4)
    }

    /// A fraction as a percentage with one decimal, or "n/a".
    static func percent(_ value: Double?) -> String {
        guard let value, value.isFinite else { return "n/a" }
        return FixedDecimal.string(value * 100, digits: 1) + "%"
    }

    static let stylesheet = """
        :root{color-scheme:light}
        body{margin:0;background:#f6f7f9;color:#222;font:14px/1.45 system-ui,-apple-system,"Segoe UI","DejaVu Sans",\
        "Liberation Sans",Arial,sans-serif}
        main{max-width:1040px;margin:0 auto;padding:24px 28px 40px;background:#fff;min-height:100vh;\
        box-shadow:0 0 0 1px #e6e8eb}
        h1{font-size:26px;margin:4px 0 10px}
        h2{font-size:19px;margin:34px 0 10px;padding-top:10px;border-top:2px solid #e6e8eb}
        h3{font-size:15px;margin:20px 0 8px}
        .muted{color:#777;font-weight:400}
        dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 14px;margin:0 0 12px}
        dl.facts dt{color:#666}
        dl.facts dd{margin:0}
        nav ul{list-style:none;padding:0;margin:8px 0 0;display:flex;flex-wrap:wrap;gap:6px}
        nav a{display:inline-block;padding:2px 10px;border:1px solid #d7dbe0;border-radius:12px;color:#35587a;\
        text-decoration:none;font-size:13px}
        table{border-collapse:collapse;margin:10px 0 6px;font-size:13px;min-width:60%}
        th,td{padding:4px 8px;border-bottom:1px solid #eceef1;text-align:left;vertical-align:top}
        th{background:#f3f5f7;font-weight:600;color:#444}
        td.num,th.num{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
        tr:nth-child(even) td{background:#fafbfc}
        code,pre{font-family:"DejaVu Sans Mono","Liberation Mono",Menlo,monospace;font-size:12.5px}
        pre{background:#f3f5f7;border:1px solid #e3e6ea;border-radius:4px;padding:8px 10px;overflow-x:auto;\
        white-space:pre-wrap;word-break:break-all}
        .status{display:inline-block;padding:0 7px;border-radius:9px;font-size:12px;font-weight:600}
        .status.ran{background:#e3f3e1;color:#2d6a27}
        .status.cached{background:#e2ecf6;color:#2f5783}
        .status.skipped{background:#eeeeee;color:#666}
        .status.failed{background:#fbe3e2;color:#a12a27}
        .absent{color:#777;font-style:italic}
        .note{color:#555}
        svg.plot{display:block;max-width:100%;height:auto;margin:8px 0;font-family:system-ui,"DejaVu Sans",sans-serif}
        footer{margin-top:36px;color:#888;font-size:12px}
        """
}

/// Appends escaped HTML to a page.
struct HTMLBuilder {
    /// A table cell: escaped text, or markup the renderer wrote itself.
    enum Cell {
        case text(String)
        case raw(String)
    }

    private(set) var text = ""

    mutating func raw(_ markup: String) { text += markup }

    mutating func element(_ name: String, _ content: String, className: String? = nil) {
        let attribute = className.map { " class=\"\($0)\"" } ?? ""
        text += "<\(name)\(attribute)>\(SVGCanvas.escape(content))</\(name)>"
    }

    mutating func open(_ heading: RunReportRenderer.Heading) {
        text += "<section id=\"\(heading.id)\">\n<h2>\(SVGCanvas.escape(heading.title))</h2>\n"
    }

    mutating func close() { text += "</section>\n" }

    mutating func paragraph(_ content: String, className: String? = nil) {
        element("p", content, className: className)
        text += "\n"
    }

    mutating func absent() { paragraph("Not part of this pipeline.", className: "absent") }

    mutating func fact(_ term: String, _ value: String) {
        text += "<dt>\(SVGCanvas.escape(term))</dt><dd>\(SVGCanvas.escape(value))</dd>"
    }

    mutating func fact(_ term: String, code: String) {
        text += "<dt>\(SVGCanvas.escape(term))</dt><dd><code>\(SVGCanvas.escape(code))</code></dd>"
    }

    mutating func table(header: [String], numeric: Set<Int>, rows: [[Cell]]) {
        text += "<table>\n<thead><tr>"
        for (column, title) in header.enumerated() {
            text += numeric.contains(column) ? "<th class=\"num\">" : "<th>"
            text += "\(SVGCanvas.escape(title))</th>"
        }
        text += "</tr></thead>\n<tbody>\n"
        for row in rows {
            text += "<tr>"
            for (column, cell) in row.enumerated() {
                text += numeric.contains(column) ? "<td class=\"num\">" : "<td>"
                switch cell {
                case .text(let value): text += SVGCanvas.escape(value)
                case .raw(let markup): text += markup
                }
                text += "</td>"
            }
            text += "</tr>\n"
        }
        text += "</tbody>\n</table>\n"
    }

    mutating func plot(_ svg: String) { text += svg + "\n" }

    mutating func preformatted(_ content: String) { text += "<pre>\(SVGCanvas.escape(content))</pre>\n" }
}
