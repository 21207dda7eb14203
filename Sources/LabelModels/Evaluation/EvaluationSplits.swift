import Foundation
import Labeling

/// The splits a label model is evaluated on, read from a WRENCH folder (`train.json`, `valid.json`, `test.json`,
/// `label.json`) or a folder of ±1 LF-matrix CSVs (`*_lf_matrix_{train,val,test}.csv`, as regularized data
/// programming and several paper releases ship them; see ``Labeling/SignedLFMatrixCSV``).
///
/// The train and test splits are read when the folder is loaded; the valid split only when asked for
/// (``valid()``), since only a class balance from it or a dev set needs it. Every split must have examples.
public struct EvaluationSplits: Sendable {
    /// The dataset folder.
    public let folder: URL
    /// The split the model is fitted on: the train split, or the test split's weak labels when transductive.
    public let train: WrenchSplit
    /// The split the model is scored on.
    public let test: WrenchSplit
    /// Where the fitted weak labels came from, as reported (`train.json`, `test.json (transductive)`, …).
    public let trainSource: String
    private let validSource: ValidSource

    /// Where the valid split is read from.
    private enum ValidSource: Sendable {
        case wrench(WrenchDataset)
        case signedCSV(URL?)
    }

    /// Loads a folder's train and test splits.
    ///
    /// - Parameters:
    ///   - folder: a WRENCH folder or a folder of ±1 LF-matrix CSVs.
    ///   - transductive: when the folder has no train split, fit on the test split's weak labels (never its gold
    ///     labels) instead of failing.
    /// - Throws: ``LabelModelsError/missingSplit(path:split:)`` for a missing test split, or a missing train split
    ///   without `transductive`; ``Labeling/LabelingError/invalidWrench(path:reason:)`` naming the file of an empty
    ///   or malformed split; the readers' errors for unreadable files.
    public static func load(_ folder: URL, transductive: Bool = false) throws -> EvaluationSplits {
        let wrench = try WrenchDataset(directory: folder)
        let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
        if exists(wrench.url(of: .test)) {
            let test = try wrench.split(.test).requiringExamples()
            let hasTrain = exists(wrench.url(of: .train))
            guard hasTrain || transductive else {
                throw LabelModelsError.missingSplit(path: wrench.url(of: .train).path, split: .train)
            }
            return EvaluationSplits(
                folder: folder, train: hasTrain ? try wrench.split(.train).requiringExamples() : test, test: test,
                trainSource: hasTrain ? "train.json" : "test.json (transductive)", validSource: .wrench(wrench))
        }
        let files = SignedLFMatrixCSV.splitFiles(in: folder)
        guard let testFile = files[.test] else {
            throw LabelModelsError.missingSplit(
                path: folder.appendingPathComponent("test.json").path
                    + " (or a ±1 LF-matrix CSV named *_lf_matrix_test.csv)",
                split: .test)
        }
        let test = try SignedLFMatrixCSV.read(testFile, split: "test").requiringExamples()
        guard files[.train] != nil || transductive else {
            throw LabelModelsError.missingSplit(
                path: folder.appendingPathComponent("*_lf_matrix_train.csv").path, split: .train)
        }
        let train = try files[.train].map { try SignedLFMatrixCSV.read($0, split: "train").requiringExamples() } ?? test
        return EvaluationSplits(
            folder: folder, train: train, test: test,
            trainSource: files[.train].map { "\($0.lastPathComponent) (±1 LF-matrix CSV)" }
                ?? "\(testFile.lastPathComponent) (transductive)",
            validSource: .signedCSV(files[.valid]))
    }

    /// The dataset's name: the folder's last path component.
    public var datasetName: String { folder.lastPathComponent }

    /// Reads the valid split (weak and gold labels).
    ///
    /// - Throws: ``LabelModelsError/missingSplit(path:split:)`` when the folder has none;
    ///   ``Labeling/LabelingError/invalidWrench(path:reason:)`` naming the file of an empty or malformed split.
    public func valid() throws -> WrenchSplit {
        switch validSource {
        case let .wrench(wrench):
            guard FileManager.default.fileExists(atPath: wrench.url(of: .valid).path) else {
                throw LabelModelsError.missingSplit(path: wrench.url(of: .valid).path, split: .valid)
            }
            return try wrench.split(.valid).requiringExamples()
        case let .signedCSV(file):
            guard let file else {
                throw LabelModelsError.missingSplit(
                    path: folder.appendingPathComponent("*_lf_matrix_val.csv").path, split: .valid)
            }
            return try SignedLFMatrixCSV.read(file, split: "valid").requiringExamples()
        }
    }
}
