import Foundation

extension ValidationReport {
    /// The report as an aligned plain-text table, followed by up to `failuresPerConstraint` failures per failing
    /// constraint, under a line saying that row numbers are 0-based.
    public func tableText(failuresPerConstraint: Int = 5) -> String {
        let header = ["constraint", "kind", "severity", "evaluated", "failed", "pass %", "mostly", "status"]
        let rows = results.map { result -> [String] in
            [
                result.name, result.kind, result.severity.rawValue, String(result.rowsEvaluated),
                String(result.rowsFailed),
                String(format: "%.2f", result.passFraction * 100),
                result.mostly.map { String(format: "%.2f", $0) } ?? "-",
                result.passed ? "pass" : (result.severity == .error ? "FAIL" : "warn"),
            ]
        }
        let widths = header.indices.map { c in ([header] + rows).map { $0[c].count }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            cells.enumerated().map { c, cell in
                let pad = String(repeating: " ", count: widths[c] - cell.count)
                return (3...5).contains(c) ? pad + cell : cell + pad
            }.joined(separator: "  ").trimmingCharacters(in: .whitespaces)
        }
        var out =
            [line(header), widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")] + rows.map(line)
        if results.contains(where: { !$0.failures.isEmpty }) {
            out += ["", Self.rowNumbering]
        }
        for result in results where result.rowsFailed > 0 || result.detail != nil {
            out.append("")
            out.append("\(result.name): \(result.detail ?? "\(result.rowsFailed) failing rows")")
            for failure in result.failures.prefix(failuresPerConstraint) {
                out.append(
                    "  row \(failure.row): \(failure.reason)\(failure.value.map { " — \(Self.clip($0))" } ?? "")")
            }
            if result.rowsFailed > failuresPerConstraint, !result.failures.isEmpty {
                out.append("  … \(result.rowsFailed - min(failuresPerConstraint, result.failures.count)) more")
            }
        }
        out.append("")
        out.append("\(rowCount) rows, \(results.count) constraints: \(passed ? "passed" : "FAILED")")
        return out.joined(separator: "\n") + "\n"
    }

    /// The report as Markdown: a summary table and a failure-case table per failing constraint (its row column is
    /// headed `row (0-based)`).
    public func markdown(failuresPerConstraint: Int = 10) -> String {
        func escape(_ text: String) -> String {
            text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
        }
        var out = [
            "# Validation of `\(source)`", "", "\(rowCount) rows — **\(passed ? "passed" : "failed")**", "",
            "| constraint | kind | severity | evaluated | failed | pass % | mostly | status |",
            "|---|---|---|---:|---:|---:|---:|---|",
        ]
        for r in results {
            out.append(
                "| \(escape(r.name)) | \(r.kind) | \(r.severity.rawValue) | \(r.rowsEvaluated) | \(r.rowsFailed) | "
                    + String(format: "%.2f", r.passFraction * 100)
                    + " | \(r.mostly.map { String(format: "%.2f", $0) } ?? "–") | "
                    + (r.passed ? "✅ pass" : (r.severity == .error ? "❌ fail" : "⚠️ warn")) + " |")
        }
        for r in results where r.rowsFailed > 0 || (r.detail != nil && !r.passed) {
            out += ["", "## \(escape(r.name))", ""]
            if let detail = r.detail { out += [escape(detail), ""] }
            guard !r.failures.isEmpty else { continue }
            out += ["| row (0-based) | reason | value |", "|---:|---|---|"]
            for failure in r.failures.prefix(failuresPerConstraint) {
                out.append(
                    "| \(failure.row) | \(escape(failure.reason)) | \(failure.value.map { escape(Self.clip($0)) } ?? "") |"
                )
            }
            if r.rowsFailed > failuresPerConstraint {
                out += ["", "… and \(r.rowsFailed - failuresPerConstraint) more"]
            }
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The report as pretty-printed JSON (snake_case keys, sorted).
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(self)
    }

    /// How rows are numbered in reports, review prompts and change logs.
    static let rowNumbering = "Row numbers are 0-based: row 0 is the first data row."

    static func clip(_ text: String, _ limit: Int = 60) -> String {
        let flat = text.replacingOccurrences(of: "\n", with: "⏎")
        return flat.count <= limit ? flat : String(flat.prefix(limit - 1)) + "…"
    }
}
