import ArgumentParser
import Foundation
import Labeling

/// The train and test splits `labelmodel evaluate` scores, from a WRENCH folder (`train.json`, `test.json`, …) or a
/// folder of ±1 LF-matrix CSVs (`*_lf_matrix_{train,val,test}.csv`, as regularized data programming releases them).
struct EvaluationSplits {
    let train: WrenchSplit
    let test: WrenchSplit
    /// Where the fitted weak labels came from (reported as `train_source`).
    let trainSource: String
    /// The validation split, read only when asked for (`--class-balance valid`, `--dev`).
    let valid: () throws -> WrenchSplit

    /// - Parameter transductive: with no train split, fit on the test split's weak labels (never its gold labels).
    static func load(_ directory: URL, transductive: Bool) throws -> EvaluationSplits {
        let wrench = try WrenchDataset(directory: directory)
        let exists = { (url: URL) in FileManager.default.fileExists(atPath: url.path) }
        if exists(wrench.url(of: .test)) {
            let test = try wrench.split(.test)
            let hasTrain = exists(wrench.url(of: .train))
            guard hasTrain || transductive else {
                throw ValidationError(
                    "\(wrench.url(of: .train).path) is missing; pass --transductive to fit on the test split's weak labels instead"
                )
            }
            return EvaluationSplits(
                train: hasTrain ? try wrench.split(.train) : test, test: test,
                trainSource: hasTrain ? "train.json" : "test.json (transductive)",
                valid: { try wrench.split(.valid) })
        }
        let files = SignedLFMatrixCSV.splitFiles(in: directory)
        guard let testFile = files[.test] else {
            throw ValidationError(
                "\(directory.path) holds neither a WRENCH test.json nor a ±1 LF-matrix CSV named *_lf_matrix_test.csv")
        }
        let test = try SignedLFMatrixCSV.read(testFile, split: "test")
        guard files[.train] != nil || transductive else {
            throw ValidationError(
                "\(directory.path) has no *_lf_matrix_train.csv; pass --transductive to fit on the test split's weak labels instead"
            )
        }
        let train = try files[.train].map { try SignedLFMatrixCSV.read($0, split: "train") } ?? test
        return EvaluationSplits(
            train: train, test: test,
            trainSource: files[.train].map { "\($0.lastPathComponent) (±1 LF-matrix CSV)" }
                ?? "\(testFile.lastPathComponent) (transductive)",
            valid: {
                guard let valid = files[.valid] else {
                    throw ValidationError(
                        "\(directory.path) has no *_lf_matrix_val.csv (needed by --class-balance valid and --dev)")
                }
                return try SignedLFMatrixCSV.read(valid, split: "valid")
            })
    }
}
