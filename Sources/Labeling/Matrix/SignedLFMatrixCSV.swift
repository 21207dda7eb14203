import Foundation
import Tabular

/// Binary label-matrix CSV files in the ±1 coding used by regularized data programming and several paper releases:
/// a header of LF column names followed by `Label` (gold, ±1) and optionally `Snorkel` (a label model's output,
/// ignored); votes `0` = abstain, `+1` = positive (class 1), `-1` = negative (class 0).
///
/// A dataset folder holds `<name>_lf_matrix_train.csv`, `…_val.csv` and `…_test.csv` (see ``splitFiles(in:)``).
public enum SignedLFMatrixCSV {
    /// Columns that are not labeling functions.
    public static let nonLFColumns: Set<String> = ["Label", "Snorkel"]

    /// Reads one split file.
    ///
    /// - Parameters:
    ///   - url: the CSV file.
    ///   - split: the split's name, recorded in the result.
    ///   - classNames: names of class 0 (the `-1` votes) and class 1 (the `+1` votes).
    /// - Throws: ``TabularError/fileUnreadable(path:reason:)`` for a missing file; ``LabelingError/invalidWrench(path:reason:)``
    ///   when the `Label` column or every LF column is missing; ``TabularError/malformedRow(path:line:reason:)`` naming the
    ///   line and column of a value that is not -1, 0 or +1.
    public static func read(_ url: URL, split: String, classNames: [String] = ["negative", "positive"]) throws
        -> WrenchSplit
    {
        // An empty split reads as zero rows; callers that need rows say so naming the split (`requiringExamples`).
        let table = try CSVReader.read(url, allowEmpty: true)
        let path = url.path
        guard let labelColumn = table.columnNames.firstIndex(of: "Label") else {
            throw LabelingError.invalidWrench(path: path, reason: "no 'Label' column (gold labels, ±1)")
        }
        let lfColumns = table.columnNames.indices.filter { !nonLFColumns.contains(table.columnNames[$0]) }
        guard !lfColumns.isEmpty else {
            throw LabelingError.invalidWrench(path: path, reason: "no labeling-function columns")
        }
        func signed(_ text: String, row: Int, column: Int) throws -> Int {
            let trimmed = text.trimmingCharacters(in: .whitespaces)
            guard let value = Double(trimmed), value == -1 || value == 0 || value == 1 else {
                throw TabularError.malformedRow(
                    path: path, line: table.lineNumbers[row],
                    reason: "column '\(table.columnNames[column])': expected -1, 0 or 1, found '\(text)'")
            }
            return Int(value)
        }
        var dense: [Int] = []
        dense.reserveCapacity(table.rowCount * lfColumns.count)
        var gold: [Int] = []
        gold.reserveCapacity(table.rowCount)
        for (row, fields) in table.rows.enumerated() {
            for column in lfColumns {
                let vote = try signed(fields[column], row: row, column: column)
                dense.append(vote == 0 ? -1 : (vote > 0 ? 1 : 0))
            }
            let label = try signed(fields[labelColumn], row: row, column: labelColumn)
            gold.append(label > 0 ? 1 : (label < 0 ? 0 : -1))
        }
        let matrix = try LabelMatrix(
            denseVotes: dense, rowCount: table.rowCount, lfNames: lfColumns.map { table.columnNames[$0] },
            classNames: classNames,
            source: path)
        return WrenchSplit(
            split: split, file: url, ids: (0..<table.rowCount).map(String.init), labelMatrix: matrix, goldLabels: gold,
            texts: [String](repeating: "", count: table.rowCount))
    }

    /// The split files of a folder: `*_lf_matrix_train.csv` → `.train`, `*_val.csv` → `.valid`, `*_test.csv` → `.test`
    /// (empty when the folder has none; the first match in name order when several do).
    public static func splitFiles(in directory: URL) -> [WrenchDataset.Split: URL] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        var files: [WrenchDataset.Split: URL] = [:]
        for (split, suffix) in [(WrenchDataset.Split.train, "train"), (.valid, "val"), (.test, "test")] {
            if let name = names.first(where: { $0.hasSuffix("_lf_matrix_\(suffix).csv") }) {
                files[split] = directory.appendingPathComponent(name)
            }
        }
        return files
    }
}
