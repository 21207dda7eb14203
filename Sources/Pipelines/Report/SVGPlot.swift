import Foundation

/// The run report's plots, each returned as one inline `<svg>` element drawn with ``SVGCanvas``.
///
/// Every plot copes with the awkward inputs a real run produces: a single labeling function or epoch, empty bins,
/// missing or non-finite values (drawn as "n/a" or left out, never as NaN coordinates), all-zero data and long names
/// (truncated, with the full name in a tooltip).
public enum SVGPlot {
    /// One named series of values; `nil` or non-finite entries are missing.
    public struct Series: Sendable, Equatable {
        /// The legend's name.
        public var name: String
        /// One value per label, category or epoch.
        public var values: [Double?]
        /// Fill or stroke colour (CSS colour text).
        public var color: String

        /// Creates a series.
        public init(name: String, values: [Double?], color: String) {
            self.name = name
            self.values = values
            self.color = color
        }
    }

    /// Colours that stay apart for colour-blind readers (Tableau 10's first five).
    public static let palette = ["#4c78a8", "#f58518", "#54a24b", "#e45756", "#b279a2"]

    static let ink = "#222"
    static let muted = "#777"
    static let grid = "#e3e3e3"
    static let track = "#f2f2f2"
    static let missing = "#d9d9d9"

    // MARK: - Horizontal bars

    /// Horizontal bars in side-by-side panels sharing one label column: one row per label (e.g. per labeling function),
    /// one panel per series (e.g. coverage, overlaps, conflicts, accuracy), each bar with its value written beside it.
    ///
    /// - Parameters:
    ///   - title: the plot's accessible name.
    ///   - labels: one per row.
    ///   - series: one per panel, each with one value per label; a missing value is written "n/a".
    ///   - maximum: the value of a full-width bar (1 for fractions); when nil, the largest value.
    ///   - percent: writes values as percentages.
    public static func horizontalBars(
        title: String, labels: [String], series: [Series], maximum: Double? = 1, percent: Bool = true
    ) -> String {
        let rowHeight = 20.0, top = 28.0, bottom = 22.0, gap = 18.0
        let longest = labels.map { SVGCanvas.estimatedWidth($0, size: 12) }.max() ?? 0
        let labelWidth = max(70, min(280, longest + 16))
        let width = 960.0
        let panels = max(1, series.count)
        let panelWidth = (width - labelWidth - 10 - gap * Double(panels - 1)) / Double(panels)
        let height = top + rowHeight * Double(max(1, labels.count)) + bottom
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let largest = series.flatMap { $0.values.compactMap { $0.flatMap(finite) } }.max() ?? 0
        let full = maximum ?? (largest > 0 ? largest : 1)
        if labels.isEmpty {
            canvas.text("nothing to show", x: width / 2, y: top + 14, anchor: .middle, fill: muted)
        }
        for (row, label) in labels.enumerated() {
            let y = top + rowHeight * Double(row)
            canvas.text(label, x: labelWidth - 8, y: y + 14, anchor: .end, maxWidth: labelWidth - 12)
        }
        for (index, item) in series.enumerated() {
            let x0 = labelWidth + Double(index) * (panelWidth + gap)
            canvas.text(item.name, x: x0, y: 16, bold: true, maxWidth: panelWidth)
            for tick in [0.0, 0.5, 1.0] {
                let x = x0 + tick * (panelWidth - 46)
                canvas.line(x1: x, y1: top - 4, x2: x, y2: height - bottom + 2, stroke: grid)
                canvas.text(
                    format(tick * full, percent: percent, compact: full >= 0.2), x: x, y: height - 6, anchor: .middle,
                    size: 10,
                    fill: muted)
            }
            for row in labels.indices {
                let y = top + rowHeight * Double(row) + 3
                let barRoom = panelWidth - 46
                let value = row < item.values.count ? item.values[row].flatMap(finite) : nil
                guard let value else {
                    canvas.text("n/a", x: x0 + 2, y: y + 11, size: 11, fill: muted)
                    continue
                }
                let length = max(0, min(1, value / full)) * barRoom
                canvas.rect(
                    x: x0, y: y, width: length, height: rowHeight - 6, fill: item.color,
                    tooltip: "\(labels[row]): \(item.name) \(format(value, percent: percent))")
                canvas.text(format(value, percent: percent), x: x0 + length + 4, y: y + 11, size: 11)
            }
        }
        return canvas.svg
    }

    // MARK: - Heat map

    /// A heat map of `values[row][column]` on a white-to-red scale with a legend; missing cells are grey.
    ///
    /// - Parameters:
    ///   - rowLabels: one per row (left).
    ///   - columnLabels: one per column (top; turned when they do not fit a cell).
    ///   - maximum: the value of the darkest colour; when nil, the largest value (1 when every value is 0).
    ///   - percent: writes values (in cells and the legend) as percentages.
    ///   - legendTitle: what the colour means.
    public static func heatMap(
        title: String, rowLabels: [String], columnLabels: [String], values: [[Double?]], maximum: Double? = nil,
        percent: Bool = true, legendTitle: String
    ) -> String {
        let rows = rowLabels.count, columns = columnLabels.count
        let labelWidth = min(220, max(40, (rowLabels.map { SVGCanvas.estimatedWidth($0, size: 11) }.max() ?? 0) + 12))
        let cell = max(12, min(44, (900 - labelWidth) / Double(max(1, columns))))
        let columnLabelsFit = columnLabels.allSatisfy { SVGCanvas.estimatedWidth($0, size: 11) <= cell - 4 }
        let header =
            columnLabelsFit
            ? 22.0 : min(130, (columnLabels.map { SVGCanvas.estimatedWidth($0, size: 11) }.max() ?? 0) * 0.72 + 16)
        let gridWidth = cell * Double(max(1, columns))
        let legendHeight = 52.0
        let width = max(labelWidth + gridWidth + 20, labelWidth + 330)
        let height = header + cell * Double(max(1, rows)) + legendHeight
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let largest = values.flatMap { $0.compactMap { $0.flatMap(finite) } }.max() ?? 0
        let top = maximum ?? (largest > 0 ? largest : 1)
        if rows == 0 || columns == 0 {
            canvas.text("nothing to show", x: width / 2, y: header + 14, anchor: .middle, fill: muted)
        }
        for (column, label) in columnLabels.enumerated() {
            let x = labelWidth + cell * (Double(column) + 0.5)
            if columnLabelsFit {
                canvas.text(label, x: x, y: header - 8, anchor: .middle, size: 11)
            } else {
                canvas.text(label, x: x - 2, y: header - 6, size: 11, maxWidth: 170, rotation: -40)
            }
        }
        for (row, label) in rowLabels.enumerated() {
            let y = header + cell * Double(row)
            canvas.text(label, x: labelWidth - 6, y: y + cell / 2 + 4, anchor: .end, size: 11, maxWidth: labelWidth - 8)
            for column in 0..<columns {
                let x = labelWidth + cell * Double(column)
                let value = row < values.count && column < values[row].count ? values[row][column].flatMap(finite) : nil
                guard let value else {
                    canvas.rect(
                        x: x + 0.5, y: y + 0.5, width: cell - 1, height: cell - 1, fill: track,
                        tooltip: "\(label) × \(columnLabels[column]): n/a")
                    continue
                }
                let share = max(0, min(1, value / top))
                canvas.rect(
                    x: x + 0.5, y: y + 0.5, width: cell - 1, height: cell - 1, fill: heatColor(share),
                    tooltip: "\(label) × \(columnLabels[column]): \(format(value, percent: percent))")
                if cell >= 30 {
                    canvas.text(
                        format(value, percent: percent, compact: top >= 0.1), x: x + cell / 2, y: y + cell / 2 + 4,
                        anchor: .middle, size: 10, fill: share > 0.55 ? "#fff" : ink)
                }
            }
        }
        let legendY = header + cell * Double(max(1, rows)) + 16
        canvas.text(legendTitle, x: labelWidth, y: legendY + 8, size: 11, fill: muted, maxWidth: 150)
        let swatch = 26.0, swatches = 6
        let legendX = labelWidth + 150
        for step in 0..<swatches {
            let share = Double(step) / Double(swatches - 1)
            canvas.rect(
                x: legendX + swatch * Double(step), y: legendY, width: swatch, height: 12, fill: heatColor(share))
            canvas.text(
                format(share * top, percent: percent, compact: top >= 0.1), x: legendX + swatch * (Double(step) + 0.5),
                y: legendY + 26, anchor: .middle, size: 10, fill: muted)
        }
        return canvas.svg
    }

    /// The heat map's colour for a share in [0, 1]: white through orange to dark red.
    static func heatColor(_ share: Double) -> String {
        let stops: [(Double, Double, Double)] = [(255, 247, 236), (253, 187, 132), (239, 101, 72), (153, 0, 13)]
        let position = max(0, min(1, share)) * Double(stops.count - 1)
        let index = min(stops.count - 2, Int(position))
        let t = position - Double(index)
        let a = stops[index], b = stops[index + 1]
        func channel(_ x: Double, _ y: Double) -> Int { Int((x + (y - x) * t).rounded()) }
        return "#" + FixedDecimal.hexByte(channel(a.0, b.0)) + FixedDecimal.hexByte(channel(a.1, b.1))
            + FixedDecimal.hexByte(channel(a.2, b.2))
    }

    // MARK: - Reliability diagram

    /// A reliability diagram: per confidence bin, a bar of the accuracy, a dark mark at the bin's mean confidence (the
    /// gap between the two is the miscalibration), the diagonal of perfect calibration dashed, and the bin's row count
    /// above it (empty bins show "0" and no bar). The confidence axis starts at the lowest bin holding rows (0.5 for
    /// two classes, whose top probability is never below ½), so the bins that can hold rows get the room.
    public static func reliabilityDiagram(title: String, bins: [CalibrationBin]) -> String {
        let left = 56.0, right = 200.0, top = 20.0, bottom = 46.0, side = 300.0
        let width = left + side + right, height = top + side + bottom
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let used = bins.filter { $0.count > 0 }
        let start = max(0, min(0.9, ((used.map(\.lower).min() ?? 0) * 10).rounded(.down) / 10))
        func px(_ value: Double) -> Double { left + max(0, min(1, (value - start) / (1 - start))) * side }
        func py(_ value: Double) -> Double { top + side - max(0, min(1, value)) * side }
        for tick in stride(from: 0.0, through: 1.0001, by: 0.2) {
            canvas.line(x1: px(start), y1: py(tick), x2: px(1), y2: py(tick), stroke: grid)
            canvas.text(format(tick, percent: false), x: left - 6, y: py(tick) + 4, anchor: .end, size: 10, fill: muted)
        }
        let step = 1 - start > 0.5 ? 0.2 : 0.1
        for index in 0...Int(((1 - start) / step).rounded()) {
            let tick = start + Double(index) * step
            canvas.text(
                format(tick, percent: false), x: px(tick), y: top + side + 16, anchor: .middle, size: 10, fill: muted)
        }
        canvas.text("confidence (top-class probability)", x: left + side / 2, y: height - 8, anchor: .middle, size: 11)
        canvas.text("accuracy", x: 16, y: top + side / 2, anchor: .middle, size: 11, rotation: -90)
        for bin in bins where bin.upper > start + 1e-9 {
            let x0 = px(bin.lower), x1 = px(bin.upper)
            let barWidth = max(1, x1 - x0 - 2)
            let center = (x0 + x1) / 2
            guard bin.count > 0, let accuracy = finite(bin.accuracy) else {
                canvas.text("0", x: center, y: py(0) - 4, anchor: .middle, size: 9, fill: muted)
                continue
            }
            let range = "\(format(bin.lower, percent: false))–\(format(bin.upper, percent: false))"
            canvas.rect(
                x: x0 + 1, y: py(accuracy), width: barWidth, height: py(0) - py(accuracy), fill: palette[0],
                tooltip:
                    "confidence \(range): \(bin.count) rows, accuracy \(format(accuracy, percent: true)), "
                    + "mean confidence \(format(bin.meanConfidence, percent: true))")
            var labelHeight = accuracy
            if let confidence = finite(bin.meanConfidence) {
                canvas.rect(x: x0 + 1, y: py(confidence) - 1.5, width: barWidth, height: 3, fill: ink)
                labelHeight = max(accuracy, confidence)
            }
            canvas.text(
                String(bin.count), x: center, y: py(labelHeight) - 7, anchor: .middle, size: 10, fill: muted)
        }
        canvas.line(x1: px(start), y1: py(start), x2: px(1), y2: py(1), stroke: "#555", width: 1.2, dashed: true)
        canvas.line(x1: px(start), y1: py(0), x2: px(1), y2: py(0), stroke: ink)
        canvas.line(x1: px(start), y1: py(0), x2: px(start), y2: py(1), stroke: ink)
        if used.isEmpty {
            canvas.text("no rows with gold labels", x: left + side / 2, y: top + side / 2, anchor: .middle, fill: muted)
        }
        let legendX = left + side + 24
        canvas.rect(x: legendX, y: top + 6, width: 14, height: 12, fill: palette[0])
        canvas.text("accuracy in the bin", x: legendX + 20, y: top + 16, size: 11)
        canvas.rect(x: legendX, y: top + 32, width: 14, height: 3, fill: ink)
        canvas.text("mean confidence in the bin", x: legendX + 20, y: top + 38, size: 11)
        canvas.line(x1: legendX, y1: top + 56, x2: legendX + 14, y2: top + 56, stroke: "#555", width: 1.2, dashed: true)
        canvas.text("perfect calibration", x: legendX + 20, y: top + 60, size: 11)
        canvas.text("numbers: rows per bin", x: legendX, y: top + 82, size: 11, fill: muted)
        return canvas.svg
    }

    // MARK: - Grouped bars

    /// Vertical bars grouped by category (e.g. per class: predicted share beside gold share), with a legend.
    ///
    /// - Parameters:
    ///   - categories: one group per category.
    ///   - series: one bar per series in each group; a missing value draws no bar and writes "n/a".
    ///   - percent: writes values as percentages (and starts the axis at 0 %).
    public static func groupedBars(title: String, categories: [String], series: [Series], percent: Bool = true)
        -> String
    {
        let left = 56.0, top = 34.0, bottom = 40.0, plotHeight = 220.0
        let groupWidth = max(70, min(150, 760 / Double(max(1, categories.count))))
        let width = max(420, left + groupWidth * Double(max(1, categories.count)) + 20)
        let height = top + plotHeight + bottom
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let largest = series.flatMap { $0.values.compactMap { $0.flatMap(finite) } }.max() ?? 0
        let ticks = niceTicks(lower: 0, upper: largest > 0 ? largest : 1, count: 5)
        let axisTop = ticks.last ?? 1
        func py(_ value: Double) -> Double { top + plotHeight - max(0, min(1, value / axisTop)) * plotHeight }
        for tick in ticks {
            canvas.line(x1: left, y1: py(tick), x2: width - 10, y2: py(tick), stroke: grid)
            canvas.text(
                format(tick, percent: percent, compact: true), x: left - 6, y: py(tick) + 4, anchor: .end, size: 10,
                fill: muted)
        }
        let bars = max(1, series.count)
        let barWidth = min(36, (groupWidth - 20) / Double(bars))
        for (index, category) in categories.enumerated() {
            let groupX = left + groupWidth * Double(index)
            let firstBar = groupX + (groupWidth - barWidth * Double(bars)) / 2
            canvas.text(
                category, x: groupX + groupWidth / 2, y: top + plotHeight + 18, anchor: .middle,
                maxWidth: groupWidth - 6)
            for (seriesIndex, item) in series.enumerated() {
                let x = firstBar + barWidth * Double(seriesIndex)
                let value = index < item.values.count ? item.values[index].flatMap(finite) : nil
                guard let value else {
                    canvas.text("n/a", x: x + barWidth / 2, y: py(0) - 4, anchor: .middle, size: 9, fill: muted)
                    continue
                }
                canvas.rect(
                    x: x + 1, y: py(value), width: barWidth - 2, height: py(0) - py(value), fill: item.color,
                    tooltip: "\(category): \(item.name) \(format(value, percent: percent))")
                canvas.text(
                    format(value, percent: percent, compact: true), x: x + barWidth / 2, y: py(value) - 4,
                    anchor: .middle, size: 10)
            }
        }
        canvas.line(x1: left, y1: py(0), x2: width - 10, y2: py(0), stroke: ink)
        drawLegend(&canvas, series: series, x: left + 4, y: 12)
        return canvas.svg
    }

    // MARK: - Line chart

    /// A line chart per epoch with up to two y axes: `left` series (e.g. training loss) on the left axis starting at
    /// 0, `right` series (e.g. validation accuracy) on a right axis from 0 to 1 when `rightIsFraction`.
    ///
    /// A single epoch draws markers only; missing values break the line.
    public static func lineChart(
        title: String, xTitle: String, left: [Series], leftTitle: String, right: [Series] = [],
        rightTitle: String = "", rightIsFraction: Bool = true
    ) -> String {
        let marginLeft = 60.0, marginRight = right.isEmpty ? 24.0 : 64.0, top = 36.0, bottom = 44.0
        let plotWidth = 560.0, plotHeight = 240.0
        let width = marginLeft + plotWidth + marginRight, height = top + plotHeight + bottom
        var canvas = SVGCanvas(width: width, height: height, title: title)
        let points = max(1, (left + right).map(\.values.count).max() ?? 1)
        func px(_ index: Int) -> Double {
            points == 1 ? marginLeft + plotWidth / 2 : marginLeft + plotWidth * Double(index) / Double(points - 1)
        }
        let leftLargest = left.flatMap { $0.values.compactMap { $0.flatMap(finite) } }.max() ?? 0
        let leftTicks = niceTicks(lower: 0, upper: leftLargest > 0 ? leftLargest : 1, count: 5)
        let rightValues = right.flatMap { $0.values.compactMap { $0.flatMap(finite) } }
        let rightTicks =
            rightIsFraction
            ? [0, 0.2, 0.4, 0.6, 0.8, 1.0]
            : niceTicks(lower: min(0, rightValues.min() ?? 0), upper: max(1e-9, rightValues.max() ?? 1), count: 5)
        func scale(_ value: Double, _ ticks: [Double]) -> Double {
            let low = ticks.first ?? 0, high = ticks.last ?? 1
            let share = high > low ? (value - low) / (high - low) : 0
            return top + plotHeight - max(0, min(1, share)) * plotHeight
        }
        for tick in leftTicks {
            let y = scale(tick, leftTicks)
            canvas.line(x1: marginLeft, y1: y, x2: marginLeft + plotWidth, y2: y, stroke: grid)
            canvas.text(format(tick, percent: false), x: marginLeft - 6, y: y + 4, anchor: .end, size: 10, fill: muted)
        }
        if !right.isEmpty {
            for tick in rightTicks {
                canvas.text(
                    format(tick, percent: false), x: marginLeft + plotWidth + 6, y: scale(tick, rightTicks) + 4,
                    size: 10, fill: muted)
            }
            canvas.text(
                rightTitle, x: width - 12, y: top + plotHeight / 2, anchor: .middle, size: 11, rotation: 90)
        }
        for index in 0..<points {
            canvas.line(
                x1: px(index), y1: top + plotHeight, x2: px(index), y2: top + plotHeight + 4, stroke: ink)
            canvas.text(
                String(index + 1), x: px(index), y: top + plotHeight + 16, anchor: .middle, size: 10, fill: muted)
        }
        canvas.text(xTitle, x: marginLeft + plotWidth / 2, y: height - 8, anchor: .middle, size: 11)
        canvas.text(leftTitle, x: 16, y: top + plotHeight / 2, anchor: .middle, size: 11, rotation: -90)
        canvas.line(x1: marginLeft, y1: top + plotHeight, x2: marginLeft + plotWidth, y2: top + plotHeight, stroke: ink)
        canvas.line(x1: marginLeft, y1: top, x2: marginLeft, y2: top + plotHeight, stroke: ink)
        let drawn = left.map { ($0, leftTicks) } + right.map { ($0, rightTicks) }
        for (item, ticks) in drawn {
            var segment: [(x: Double, y: Double)] = []
            for (index, value) in item.values.enumerated() {
                guard let value = value.flatMap(finite) else {
                    canvas.polyline(points: segment, stroke: item.color)
                    segment = []
                    continue
                }
                segment.append((px(index), scale(value, ticks)))
            }
            canvas.polyline(points: segment, stroke: item.color)
            for (index, value) in item.values.enumerated() {
                guard let value = value.flatMap(finite) else { continue }
                canvas.circle(
                    x: px(index), y: scale(value, ticks), radius: 3.5, fill: item.color,
                    tooltip: "epoch \(index + 1): \(item.name) \(format(value, percent: false))")
            }
        }
        if drawn.allSatisfy({ $0.0.values.allSatisfy { $0.flatMap(finite) == nil } }) {
            canvas.text(
                "no values", x: marginLeft + plotWidth / 2, y: top + plotHeight / 2, anchor: .middle, fill: muted)
        }
        drawLegend(&canvas, series: left + right, x: marginLeft + 4, y: 14)
        return canvas.svg
    }

    // MARK: - Helpers

    private static func drawLegend(_ canvas: inout SVGCanvas, series: [Series], x: Double, y: Double) {
        var position = x
        for item in series {
            canvas.rect(x: position, y: y - 9, width: 12, height: 10, fill: item.color)
            canvas.text(item.name, x: position + 16, y: y, size: 11, maxWidth: 200)
            position += 16 + min(200, SVGCanvas.estimatedWidth(item.name, size: 11)) + 18
        }
    }

    static func finite(_ value: Double) -> Double? { value.isFinite ? value : nil }

    /// A value as plot text: a percentage with one decimal (none when `compact`, for ticks), or a number with up to three
    /// decimals (trailing zeros dropped).
    static func format(_ value: Double, percent: Bool, compact: Bool = false) -> String {
        guard value.isFinite else { return "n/a" }
        if percent {
            return FixedDecimal.string(value * 100, digits: compact ? 0 : 1) + "%"
        }
        if value == value.rounded() && abs(value) < 1e6 { return String(Int(value)) }
        let magnitude = abs(value)
        var text = FixedDecimal.string(value, digits: magnitude >= 10 ? 1 : magnitude >= 1 ? 2 : 3)
        while text.hasSuffix("0") { text.removeLast() }
        return text
    }

    /// About `count` evenly spaced round tick values (steps of 1, 2, 2.5 or 5 × 10ⁿ) covering [lower, upper].
    static func niceTicks(lower: Double, upper: Double, count: Int) -> [Double] {
        guard lower.isFinite, upper.isFinite, upper > lower, count > 0 else { return [0, 1] }
        let raw = (upper - lower) / Double(count)
        let power = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 2.5, 5, 10].map { $0 * power }.first { $0 >= raw } ?? 10 * power
        let first = floor(lower / step)
        var ticks: [Double] = []
        for index in 0..<50 {
            let value = (first + Double(index)) * step
            ticks.append(value)
            if value >= upper - step * 1e-9 { break }
        }
        return ticks
    }
}
