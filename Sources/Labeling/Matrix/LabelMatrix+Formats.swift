import Foundation
import Tabular

extension LabelMatrix {
    // MARK: CSV

    /// Reads a label matrix from CSV: a header of labeling-function names, then one row per example
    /// holding class indices, `-1` or an empty cell for abstain.
    ///
    /// - Parameters:
    ///   - url: the file.
    ///   - classNames: the classes (cardinality k); votes must be in `-1..<k`.
    /// - Throws: the ``CSVReader`` errors, and ``TabularError/malformedRow(path:line:reason:)`` naming the line
    ///   and column of a cell that is not a vote in `-1..<k`.
    public init(csvFile url: URL, classNames: [String]) throws {
        try self.init(csv: try CSVReader.read(url), classNames: classNames)
    }

    /// Converts a ``TextTable`` of votes (see ``init(csvFile:classNames:)``).
    public init(csv table: TextTable, classNames: [String]) throws {
        guard classNames.count >= 2 else {
            throw LabelingError.invalidMatrix(source: table.source, reason: "need at least two class names")
        }
        var builder = Builder(lfNames: table.columnNames, classNames: classNames)
        for (row, cells) in table.rows.enumerated() {
            for (lf, cell) in cells.enumerated() {
                let trimmed = cell.trimmingCharacters(in: .whitespaces)
                if trimmed.isEmpty || trimmed == "-1" { continue }
                guard let vote = Int(trimmed), vote >= 0, vote < classNames.count else {
                    throw TabularError.malformedRow(
                        path: table.source, line: table.lineNumbers[row],
                        reason:
                            "column '\(table.columnNames[lf])': '\(cell)' is not a vote in -1 (abstain) … \(classNames.count - 1)"
                    )
                }
                builder.appendVote(lf: lf, classIndex: vote)
            }
            builder.finishRow()
        }
        self = builder.build()
    }

    /// The matrix as CSV text (header of LF names; class indices, -1 = abstain; LF line ends).
    public func csvText() -> String {
        var out = lfNames.map(Self.csvField).joined(separator: ",") + "\n"
        var row = [String](repeating: "-1", count: lfCount)
        for index in 0..<rowCount {
            for position in row.indices { row[position] = "-1" }
            for vote in votes(inRow: index) { row[vote.lf] = String(vote.classIndex) }
            out += row.joined(separator: ",") + "\n"
        }
        return out
    }

    /// Writes ``csvText()`` to `url` atomically.
    public func writeCSV(to url: URL) throws {
        do {
            try Data(csvText().utf8).write(to: url, options: .atomic)
        } catch {
            throw TabularError.fileUnreadable(
                path: url.path, reason: "cannot write file (\(error.localizedDescription))")
        }
    }

    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: WRENCH JSON

    /// The matrix as a WRENCH split file: `{"0": {"label": …, "weak_labels": […], "data": {"text": …}}, …}`.
    ///
    /// - Parameters:
    ///   - goldLabels: one class per row (-1 = unknown), or nil to write `-1` labels.
    ///   - texts: one text per row for `data.text`, or nil to write empty `data`.
    public func wrenchJSON(goldLabels: [Int]? = nil, texts: [String]? = nil) -> String {
        precondition(goldLabels == nil || goldLabels?.count == rowCount, "one gold label per row")
        precondition(texts == nil || texts?.count == rowCount, "one text per row")
        var out = "{"
        var dense = [Int](repeating: -1, count: lfCount)
        for row in 0..<rowCount {
            for position in dense.indices { dense[position] = -1 }
            for vote in votes(inRow: row) { dense[vote.lf] = vote.classIndex }
            if row > 0 { out += ", " }
            out += "\"\(row)\": {\"label\": \(goldLabels?[row] ?? -1), \"weak_labels\": ["
            out += dense.map(String.init).joined(separator: ", ") + "], \"data\": {"
            if let texts { out += "\"text\": " + JSONText.quoted(texts[row]) }
            out += "}}"
        }
        return out + "}\n"
    }

    /// Writes a WRENCH split file (see ``wrenchJSON(goldLabels:texts:)``) atomically.
    public func writeWrench(to url: URL, goldLabels: [Int]? = nil, texts: [String]? = nil) throws {
        do {
            try Data(wrenchJSON(goldLabels: goldLabels, texts: texts).utf8).write(to: url, options: .atomic)
        } catch {
            throw TabularError.fileUnreadable(
                path: url.path, reason: "cannot write file (\(error.localizedDescription))")
        }
    }

    /// Reads the weak labels of a WRENCH split file (see ``WrenchDataset``), with LF names `lf_0`….
    public init(wrenchFile url: URL, classNames: [String]? = nil) throws {
        self = try WrenchDataset.readSplit(url, classNames: classNames).labelMatrix
    }
}
