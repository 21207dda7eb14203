import Foundation

extension RunReportRenderer {
    // MARK: - Cleaning

    static func cleaning(_ section: CleaningSection?, into page: inout HTMLBuilder) {
        page.open(headings[1])
        defer { page.close() }
        guard let section else { return page.absent() }
        let kept = section.rows - section.droppedRows
        page.paragraph(
            "\(section.rows) rows read, \(section.droppedRows) dropped, \(kept) kept; "
                + "\(section.findings.count) constraint\(section.findings.count == 1 ? "" : "s") checked.",
            className: "note")
        guard !section.findings.isEmpty else { return }
        let ordered = section.findings.sorted { ($0.failures, $1.constraint) > ($1.failures, $0.constraint) }
        page.plot(
            SVGPlot.horizontalBars(
                title: "Rows failing each constraint (share of the rows read)",
                labels: ordered.map { "\($0.constraint) (\($0.severity))" },
                series: [
                    SVGPlot.Series(
                        name: "failing rows",
                        values: ordered.map { section.rows > 0 ? Double($0.failures) / Double(section.rows) : nil },
                        color: SVGPlot.palette[3])
                ], maximum: nil))
        page.table(
            header: ["constraint", "severity", "failing rows", "examples"], numeric: [2],
            rows: ordered.map { finding in
                let examples = finding.examples.prefix(3).map {
                    "“" + SVGCanvas.truncate($0, width: 480, size: 10) + "”"
                }
                return [
                    .text(finding.constraint), .text(finding.severity), .text(String(finding.failures)),
                    .text(examples.joined(separator: " · ")),
                ]
            })
    }

    // MARK: - Labeling functions

    static func labelingFunctions(_ section: LabelingFunctionSection?, into page: inout HTMLBuilder) {
        page.open(headings[2])
        defer { page.close() }
        guard let section else { return page.absent() }
        let analysis = section.analysis
        let functions = analysis.lfs
        page.paragraph(
            "\(analysis.rowCount) rows, \(functions.count) labeling function\(functions.count == 1 ? "" : "s"), "
                + "\(analysis.totalVotes) votes. Rows with at least one vote: \(percent(analysis.coverage)); with two "
                + "or more: \(percent(analysis.overlap)); with disagreeing votes: \(percent(analysis.conflict)).",
            className: "note")
        guard !functions.isEmpty else {
            page.paragraph("The label matrix has no labeling functions.", className: "absent")
            return
        }
        // Plots stay readable with many functions: they show the most active ones, the table lists all.
        let shown = plottedFunctions(section)
        let plotted = shown.map { functions[$0] }
        if shown.count < functions.count {
            page.paragraph(
                "The plots show the \(shown.count) functions with the most votes (of \(functions.count)); the table "
                    + "lists every function.", className: "note")
        }
        let labels = plotted.map { "\($0.index) · \($0.name)" }
        var series = [
            SVGPlot.Series(name: "coverage", values: plotted.map(\.coverage), color: SVGPlot.palette[0]),
            SVGPlot.Series(name: "overlaps", values: plotted.map(\.overlaps), color: SVGPlot.palette[4]),
            SVGPlot.Series(name: "conflicts", values: plotted.map(\.conflicts), color: SVGPlot.palette[3]),
        ]
        if analysis.hasGoldLabels {
            series.append(
                SVGPlot.Series(
                    name: "empirical accuracy", values: plotted.map(\.empiricalAccuracy), color: SVGPlot.palette[2]))
        }
        page.plot(
            SVGPlot.horizontalBars(
                title: "Coverage, overlaps, conflicts and empirical accuracy per labeling function", labels: labels,
                series: series))
        if shown.count < 2 {
            page.paragraph("One labeling function: there is no pair to compare.", className: "absent")
        } else {
            let values: [[Double?]] = shown.map { i in
                shown.map { j in
                    i == j || i >= section.conflicts.count || j >= section.conflicts[i].count
                        ? nil : section.conflicts[i][j]
                }
            }
            page.raw("<h3>Pairwise conflicts</h3>\n")
            page.paragraph(
                "Share of all rows on which the two functions both vote and disagree (columns are the functions' "
                    + "numbers).", className: "note")
            page.plot(
                SVGPlot.heatMap(
                    title: "Labeling-function conflict matrix", rowLabels: labels,
                    columnLabels: plotted.map { String($0.index) }, values: values,
                    legendTitle: "rows in conflict"))
        }
        var header = ["j", "name", "polarity", "coverage", "overlaps", "conflicts", "votes"]
        if analysis.hasGoldLabels { header += ["correct", "incorrect", "emp. accuracy"] }
        page.table(
            header: header, numeric: [0, 3, 4, 5, 6, 7, 8, 9],
            rows: functions.map { lf in
                let polarity = lf.polarity.map { $0 < analysis.classNames.count ? analysis.classNames[$0] : "\($0)" }
                var row: [HTMLBuilder.Cell] = [
                    .text(String(lf.index)), .text(lf.name), .text(polarity.joined(separator: ", ")),
                    .text(percent(lf.coverage)), .text(percent(lf.overlaps)), .text(percent(lf.conflicts)),
                    .text(String(lf.votes)),
                ]
                if analysis.hasGoldLabels {
                    row += [
                        .text(lf.correct.map(String.init) ?? "n/a"), .text(lf.incorrect.map(String.init) ?? "n/a"),
                        .text(percent(lf.empiricalAccuracy)),
                    ]
                }
                return row
            })
    }

    /// The most functions a plot shows (a 40 × 40 heat map still reads; the table lists every function).
    static let maximumPlottedFunctions = 40

    /// Indices of the functions the plots show: all of them up to ``maximumPlottedFunctions``, else those with the most
    /// votes, in column order.
    static func plottedFunctions(_ section: LabelingFunctionSection) -> [Int] {
        let functions = section.analysis.lfs
        guard functions.count > maximumPlottedFunctions else { return Array(functions.indices) }
        let busiest = functions.indices.sorted { (functions[$0].votes, $1) > (functions[$1].votes, $0) }
        return Array(busiest.prefix(maximumPlottedFunctions)).sorted()
    }

    // MARK: - Label model

    static func labelModel(_ section: LabelModelSection?, into page: inout HTMLBuilder) {
        page.open(headings[3])
        defer { page.close() }
        guard let section else { return page.absent() }
        page.raw("<dl class=\"facts\">")
        page.fact("method", section.method)
        if let choice = section.choice { page.fact("auto chose", choice) }
        if let reason = section.reason { page.fact("because", reason) }
        page.fact("accuracy", percent(section.accuracy))
        if let f1 = section.f1 { page.fact("F1 (class 1)", percent(f1)) }
        if let ece = section.expectedCalibrationError {
            page.fact("expected calibration error", percent(ece))
        }
        page.raw("</dl>\n")
        guard section.calibration.contains(where: { $0.count > 0 }) else {
            page.paragraph("No gold labels: calibration was not measured.", className: "absent")
            return
        }
        page.raw("<h3>Calibration</h3>\n")
        page.paragraph(
            "Rows with gold labels grouped by the probability of their top class; a calibrated model's bars reach "
                + "the diagonal.", className: "note")
        page.plot(
            SVGPlot.reliabilityDiagram(
                title: "Reliability diagram of the label model", bins: section.calibration))
        page.table(
            header: ["confidence", "rows", "mean confidence", "accuracy", "accuracy − confidence"],
            numeric: [1, 2, 3, 4],
            rows: section.calibration.map { bin in
                let empty = bin.count == 0
                return [
                    .text("\(SVGPlot.format(bin.lower, percent: false))–\(SVGPlot.format(bin.upper, percent: false))"),
                    .text(String(bin.count)),
                    .text(empty ? "—" : percent(bin.meanConfidence)), .text(empty ? "—" : percent(bin.accuracy)),
                    .text(empty ? "—" : percent(bin.accuracy - bin.meanConfidence)),
                ]
            })
    }

    // MARK: - Class balance

    static func classBalance(_ section: ClassBalanceSection?, into page: inout HTMLBuilder) {
        page.open(headings[4])
        defer { page.close() }
        guard let section else { return page.absent() }
        var series = [
            SVGPlot.Series(name: "predicted", values: section.predicted.map { $0 }, color: SVGPlot.palette[0])
        ]
        if let gold = section.gold {
            series.append(SVGPlot.Series(name: "gold", values: gold.map { $0 }, color: SVGPlot.palette[1]))
        }
        page.plot(
            SVGPlot.groupedBars(
                title: "Share of each class: predicted labels against gold", categories: section.classes,
                series: series))
        let unlabeled = 1 - section.predicted.reduce(0, +)
        if unlabeled > 1e-9 {
            page.paragraph("\(percent(unlabeled)) of the rows have no predicted label.", className: "note")
        }
        page.table(
            header: section.gold == nil ? ["class", "predicted"] : ["class", "predicted", "gold", "difference"],
            numeric: [1, 2, 3],
            rows: section.classes.enumerated().map { index, name in
                let predicted = index < section.predicted.count ? section.predicted[index] : nil
                var row: [HTMLBuilder.Cell] = [.text(name), .text(percent(predicted))]
                if let gold = section.gold {
                    let share = index < gold.count ? gold[index] : nil
                    let difference = predicted.flatMap { p in share.map { p - $0 } }
                    row += [.text(percent(share)), .text(percent(difference))]
                }
                return row
            })
    }

    // MARK: - Training

    static func training(_ sections: [TrainingSection], into page: inout HTMLBuilder) {
        page.open(headings[5])
        defer { page.close() }
        guard !sections.isEmpty else { return page.absent() }
        for section in sections {
            page.element("h3", "Step \(section.step)")
            page.raw("\n")
            var scores: [String] = []
            if let accuracy = section.testAccuracy { scores.append("test accuracy \(percent(accuracy))") }
            if let f1 = section.testF1 { scores.append("test F1 \(percent(f1))") }
            let epochs = max(section.epochLosses.count, section.validationAccuracies.count)
            page.paragraph(
                "\(epochs) epoch\(epochs == 1 ? "" : "s")"
                    + (scores.isEmpty
                        ? "."
                        : "; " + scores.joined(separator: ", ")
                            + "."),
                className: "note")
            guard epochs > 0 else { continue }
            page.plot(
                SVGPlot.lineChart(
                    title: "Training loss and validation accuracy per epoch (\(section.step))", xTitle: "epoch",
                    left: [
                        SVGPlot.Series(
                            name: "training loss", values: section.epochLosses.map { $0 }, color: SVGPlot.palette[0])
                    ], leftTitle: "mean training loss",
                    right: section.validationAccuracies.isEmpty
                        ? []
                        : [
                            SVGPlot.Series(
                                name: "validation accuracy", values: section.validationAccuracies.map { $0 },
                                color: SVGPlot.palette[1])
                        ], rightTitle: "validation accuracy"))
            page.table(
                header: ["epoch", "training loss", "validation accuracy"], numeric: [0, 1, 2],
                rows: (0..<epochs).map { epoch in
                    [
                        .text(String(epoch + 1)),
                        .text(epoch < section.epochLosses.count ? number(section.epochLosses[epoch]) : "—"),
                        .text(
                            epoch < section.validationAccuracies.count
                                ? percent(section.validationAccuracies[epoch]) : "—"),
                    ]
                })
        }
    }

    // MARK: - Merging

    static func merging(_ sections: [MergeSection], into page: inout HTMLBuilder) {
        page.open(headings[6])
        defer { page.close() }
        guard !sections.isEmpty else { return page.absent() }
        for section in sections {
            page.element("h3", "Step \(section.step)")
            page.raw("\n")
            page.paragraph(
                "Method \(section.method); tasks \(section.tasks.joined(separator: ", ")); supports are the top "
                    + "\(percent(section.conflicts.top)) of each task vector's magnitudes.", className: "note")
            let grid = MergeConflictGrid(section.conflicts)
            if grid.layers.isEmpty || grid.pairs.isEmpty {
                page.paragraph("The conflict report compares no tensors.", className: "absent")
            } else {
                page.plot(
                    SVGPlot.heatMap(
                        title: "Sign conflicts per layer and task pair (\(section.step))", rowLabels: grid.layers,
                        columnLabels: grid.pairs, values: grid.values, legendTitle: "sign conflicts"))
            }
            if !section.conflicts.layers.isEmpty {
                page.table(
                    header: ["layer (most conflicting first)", "sign conflicts", "cosine", "tensors"],
                    numeric: [1, 2, 3],
                    rows: section.conflicts.layers.prefix(8).map { layer in
                        [
                            .text(layer.layer), .text(percent(layer.score)), .text(number(layer.cosine)),
                            .text(String(layer.tensors)),
                        ]
                    })
            }
            if !section.retained.isEmpty {
                page.table(
                    header: ["task", "retained"], numeric: [1],
                    rows: section.retained.keys.sorted().map { task in
                        [.text(task), .text(section.retained[task].map(number) ?? "n/a")]
                    })
            }
        }
    }

    // MARK: - Selection

    static func selection(_ section: SelectionSection?, into page: inout HTMLBuilder) {
        page.open(headings[7])
        defer { page.close() }
        guard let section else { return page.absent() }
        let names = section.scores.keys.sorted { (section.scores[$0] ?? 0, $1) > (section.scores[$1] ?? 0, $0) }
        var outcome = "Mode \(section.mode), metric \(section.metric)"
        if let chosen = section.chosen { outcome += "; chosen: \(chosen)" }
        if let routed = section.routedScore { outcome += "; routed per input: \(number(routed))" }
        page.paragraph(outcome + ".", className: "note")
        guard !names.isEmpty else { return }
        var labels = names
        var values = names.map { section.scores[$0] }
        if let routed = section.routedScore {
            labels.append("router (per input)")
            values.append(routed)
        }
        page.plot(
            SVGPlot.horizontalBars(
                title: "Candidates' \(section.metric) on the evaluation rows", labels: labels,
                series: [SVGPlot.Series(name: section.metric, values: values, color: SVGPlot.palette[0])]))
        page.table(
            header: ["candidate", section.metric, ""], numeric: [1],
            rows: names.map { name in
                [
                    .text(name), .text(section.scores[name].map(number) ?? "n/a"),
                    .text(name == section.chosen ? "chosen" : ""),
                ]
            })
    }

    // MARK: - Endpoint

    static func endpoint(_ section: EndpointSection?, into page: inout HTMLBuilder) {
        page.open(headings[8])
        defer { page.close() }
        guard let section else { return page.absent() }
        page.raw("<dl class=\"facts\">")
        page.fact("adapter", section.adapter)
        page.fact("URL", code: section.url)
        page.fact(
            "smoke test",
            section.smokeRequests == 0
                ? "not run"
                : "\(section.smokeRequests) text\(section.smokeRequests == 1 ? "" : "s") classified"
                    + (section.smokeAccuracy.map { ", accuracy \(percent($0))" } ?? ""))
        page.raw("</dl>\n")
        page.raw("<h3>Serve it</h3>\n")
        page.preformatted(section.command)
        page.raw("<h3>Ask it</h3>\n")
        page.preformatted(section.curl)
    }
}
