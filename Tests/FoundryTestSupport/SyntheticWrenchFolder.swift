import Foundation
import Labeling

/// Writes a WRENCH dataset folder (`train.json`, `valid.json`, `test.json`, `label.json`) sampled from a
/// ``Labeling/SyntheticLabelingTask``, for tests that evaluate on folders without the real benchmark data.
///
/// - Parameters:
///   - task: the generating task.
///   - rows: rows of the train, valid and test splits (0 writes an empty split, `nil` leaves the file out).
///   - classNames: the names written to `label.json`.
///   - seed: the train split is sampled with `seed`, valid with `seed + 1`, test with `seed + 2`.
///   - folder: an existing directory.
/// - Returns: the samples written, by split.
@discardableResult
public func writeSyntheticWrenchFolder(
    _ task: SyntheticLabelingTask, rows: (train: Int?, valid: Int?, test: Int?), classNames: [String], seed: UInt64,
    to folder: URL
) throws -> [WrenchDataset.Split: SyntheticLabelingTask.Sample] {
    precondition(classNames.count == task.cardinality, "one name per class")
    var samples: [WrenchDataset.Split: SyntheticLabelingTask.Sample] = [:]
    for (split, count, offset) in [
        (WrenchDataset.Split.train, rows.train, UInt64(0)), (.valid, rows.valid, 1), (.test, rows.test, 2),
    ] {
        guard let count else { continue }
        let sample = task.sample(rows: count, seed: seed &+ offset)
        try sample.matrix.writeWrench(
            to: folder.appendingPathComponent("\(split.rawValue).json"), goldLabels: sample.labels,
            texts: sample.labels.indices.map { "example \($0)" })
        samples[split] = sample
    }
    let labels = classNames.enumerated().map { "\"\($0.offset)\": \"\($0.element)\"" }.joined(separator: ", ")
    try Data("{\(labels)}\n".utf8).write(to: folder.appendingPathComponent("label.json"))
    return samples
}
