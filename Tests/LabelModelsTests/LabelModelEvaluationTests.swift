import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

@testable import LabelModels

/// The evaluation flow on dataset folders written from synthetic tasks: its scores against a fit done by hand, its
/// JSON contract, and every bad folder or option.
@Suite struct LabelModelEvaluationTests {
    static let task = SyntheticLabelingTask(
        classPrior: [0.6, 0.4],
        labelingFunctions: [
            .init(coverage: 0.6, accuracy: 0.85), .init(coverage: 0.5, accuracy: 0.75),
            .init(coverage: 0.4, accuracy: 0.9), .init(coverage: 0.3, accuracy: 0.7, votedClass: 1),
        ])

    /// A folder with train/valid/test splits of the given sizes.
    static func folder(
        in directory: TemporaryDirectory, name: String = "wrench_synthetic",
        rows: (train: Int?, valid: Int?, test: Int?) = (1_500, 200, 500)
    ) throws -> (URL, [WrenchDataset.Split: SyntheticLabelingTask.Sample]) {
        let folder = directory.file(name)
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let samples = try writeSyntheticWrenchFolder(
            task, rows: rows, classNames: ["ham", "spam"], seed: 40, to: folder)
        return (folder, samples)
    }

    @Test("scores equal a fit and score done by hand on the same splits")
    func scoresMatchAFitByHand() throws {
        let directory = TemporaryDirectory()
        let (folder, samples) = try Self.folder(in: directory)
        let train = try #require(samples[.train]), test = try #require(samples[.test])
        for method in [LabelModelMethod.mv, .ds, .auto] {
            let result = try LabelModelEvaluation.evaluate(
                folder: folder, options: .init(model: LabelModelConfiguration(method: method)))
            var model = try LabelModelConfiguration(method: method).makeModel()
            try model.fit(train.matrix, options: FitOptions(seed: 123))
            let score = try model.score(test.matrix, gold: test.labels)
            #expect(result.testAccuracy == score.accuracy, "\(method)")
            #expect(result.testF1 == score.f1 && result.testMacroF1 == score.macroF1, "\(method)")
            #expect(result.coverage == score.coverage)
            #expect(
                result.testAccuracyExpected
                    == ClassificationScore.expectedAccuracy(
                        probabilities: try model.predictProbabilities(test.matrix), gold: test.labels))
            #expect(
                result.trainRows == 1_500 && result.testRows == 500 && result.lfCount == 4 && result.cardinality == 2)
            #expect(result.dataset == "wrench_synthetic" && result.trainSource == "train.json")
            #expect(result.tieBreak == "hash" && result.classBalance == "uniform" && result.devRows == nil)
            #expect((result.choice != nil) == (method == .auto))
        }
    }

    @Test("the result's JSON has every contract key, missing values as null")
    func resultJSONKeepsTheContract() throws {
        let directory = TemporaryDirectory()
        let (folder, _) = try Self.folder(in: directory)
        let result = try LabelModelEvaluation.evaluate(
            folder: folder, options: .init(model: LabelModelConfiguration(method: .mv)))
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(FoundryJSON.string(result).utf8)) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "dataset", "method", "n_train", "n_test", "m", "k", "fit_seconds", "predict_seconds", "test_accuracy",
                "test_f1", "test_f1_macro", "coverage", "class_balance", "choice", "reason", "test_accuracy_expected",
                "tie_break", "train_source", "dev_rows", "dev_score", "dev_metric",
            ])
        #expect(object["choice"] is NSNull && object["dev_rows"] is NSNull && object["dev_metric"] is NSNull)
        #expect(object["method"] as? String == "mv" && object["n_train"] as? Int == 1_500)
        let decoded = try JSONDecoder().decode(
            LabelModelEvaluation.Result.self, from: Data(FoundryJSON.string(result).utf8))
        #expect(decoded == result)
    }

    @Test("a dev set and the valid split's class balance come from valid.json")
    func devSetAndValidClassBalance() throws {
        let directory = TemporaryDirectory()
        let (folder, samples) = try Self.folder(in: directory)
        let valid = try #require(samples[.valid])
        var options = LabelModelEvaluation.Options(
            model: LabelModelConfiguration(method: .auto, devMetric: .accuracy), classBalance: .valid, useDevSet: true)
        let result = try LabelModelEvaluation.evaluate(folder: folder, options: options)
        #expect(result.devRows == 200 && result.devMetric == .accuracy && result.devScore != nil)
        #expect(result.classBalance == "valid")
        // wmv learns its weights on the same dev set: the same as fitting it by hand.
        options.model = LabelModelConfiguration(method: .wmv)
        options.classBalance = .uniform
        let splits = try EvaluationSplits.load(folder)
        let evaluated = try LabelModelEvaluation.evaluate(splits, options: options)
        var model = WeightedMajorityVote()
        try model.fit(splits.train.labelMatrix, options: FitOptions(devMatrix: valid.matrix, devLabels: valid.labels))
        #expect(try #require(evaluated.model as? WeightedMajorityVote) == model)
        #expect(evaluated.result.devMetric == nil && evaluated.result.devRows == 200)
    }

    @Test("a folder without a train split needs transductive evaluation, which fits on the test split's votes")
    func transductiveEvaluation() throws {
        let directory = TemporaryDirectory()
        let (folder, samples) = try Self.folder(in: directory, rows: (nil, nil, 800))
        let options = LabelModelEvaluation.Options(model: LabelModelConfiguration(method: .mv))
        #expect(
            throws: LabelModelsError.missingSplit(path: folder.appendingPathComponent("train.json").path, split: .train)
        ) {
            try LabelModelEvaluation.evaluate(folder: folder, options: options)
        }
        var transductive = options
        transductive.transductive = true
        let result = try LabelModelEvaluation.evaluate(folder: folder, options: transductive)
        #expect(result.trainSource == "test.json (transductive)" && result.trainRows == 800)
        var model = MajorityVote()
        let test = try #require(samples[.test])
        try model.fit(test.matrix)
        #expect(result.testAccuracy == (try model.score(test.matrix, gold: test.labels).accuracy))
        // No valid split: the class balance from it is refused, naming the file.
        transductive.classBalance = .valid
        #expect(
            throws: LabelModelsError.missingSplit(path: folder.appendingPathComponent("valid.json").path, split: .valid)
        ) {
            try LabelModelEvaluation.evaluate(folder: folder, options: transductive)
        }
    }

    @Test("an empty split is refused, naming its file")
    func emptySplitsNameTheirFile() throws {
        let directory = TemporaryDirectory()
        for (rows, file) in [((0, 10, 10), "train.json"), ((10, 10, 0), "test.json"), ((10, 0, 10), "valid.json")] {
            let (folder, _) = try Self.folder(in: directory, name: "empty-\(file)", rows: (rows.0, rows.1, rows.2))
            let options = LabelModelEvaluation.Options(
                model: LabelModelConfiguration(method: .auto), useDevSet: file == "valid.json")
            #expect {
                try LabelModelEvaluation.evaluate(folder: folder, options: options)
            } throws: { error in
                guard case let .invalidWrench(path, reason) = error as? LabelingError else { return false }
                return path == folder.appendingPathComponent(file).path && reason.contains("has no examples")
            }
        }
    }

    @Test("options that cannot go together are refused before anything is fitted")
    func invalidOptionsAreRefused() throws {
        let directory = TemporaryDirectory()
        let (folder, _) = try Self.folder(in: directory)
        let cases: [(LabelModelEvaluation.Options, String)] = [
            (.init(model: LabelModelConfiguration(method: .moments), useDevSet: true), "applies to auto and wmv only"),
            (.init(model: LabelModelConfiguration(method: .auto, devMetric: .macroF1)), "no dev set was asked for"),
            (.init(model: LabelModelConfiguration(method: .ds, l2: 1)), "not ds"),
        ]
        for (options, message) in cases {
            #expect {
                try LabelModelEvaluation.evaluate(folder: folder, options: options)
            } throws: { error in
                guard case let .invalidConfiguration(text) = error as? LabelModelsError else { return false }
                return text.contains(message)
            }
        }
        let missing = directory.file("nowhere")
        #expect(throws: (any Error).self) {
            try LabelModelEvaluation.evaluate(folder: missing, options: .init())
        }
    }

    @Test("a model that cannot be fitted on the train split says which file it was")
    func failedFitsNameTheTrainFile() throws {
        let directory = TemporaryDirectory()
        let folder = directory.file("two_lfs")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let narrow = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: [.init(coverage: 0.5, accuracy: 0.8), .init(coverage: 0.5, accuracy: 0.7)])
        try writeSyntheticWrenchFolder(narrow, rows: (100, nil, 50), classNames: ["a", "b"], seed: 1, to: folder)
        #expect(
            throws: LabelModelsError.invalidInput(
                "\(folder.appendingPathComponent("train.json").path): moments needs at least 3 labeling functions, the matrix has 2"
            )
        ) {
            try LabelModelEvaluation.evaluate(
                folder: folder, options: .init(model: LabelModelConfiguration(method: .moments)))
        }
    }

    @Test("a valid split with other LFs than the train split is refused, naming both files")
    func devSetWithOtherLFsIsRefused() throws {
        let directory = TemporaryDirectory()
        let (folder, _) = try Self.folder(in: directory)
        let narrow = SyntheticLabelingTask(
            classPrior: [0.5, 0.5], labelingFunctions: [.init(coverage: 0.5, accuracy: 0.8)])
        try narrow.sample(rows: 20, seed: 1).matrix.writeWrench(
            to: folder.appendingPathComponent("valid.json"), goldLabels: [Int](repeating: 0, count: 20))
        #expect {
            try LabelModelEvaluation.evaluate(
                folder: folder, options: .init(model: LabelModelConfiguration(method: .wmv), useDevSet: true))
        } throws: { error in
            guard case let .shapeMismatch(text) = error as? LabelModelsError else { return false }
            return text.contains("valid.json has 1 LFs") && text.contains("train.json has 4")
        }
    }

    @Test("±1 LF-matrix CSV folders are read as the same splits")
    func signedCSVFolders() throws {
        let directory = TemporaryDirectory()
        let header = "lf_a,lf_b,lf_c,Label\n"
        let train = header + "1,1,0,1\n-1,0,-1,-1\n1,-1,1,1\n0,0,0,-1\n"
        let test = header + "1,0,1,1\n-1,-1,0,-1\n0,1,-1,1\n"
        try directory.write("csv/Demo_lf_matrix_train.csv", train)
        try directory.write("csv/Demo_lf_matrix_test.csv", test)
        let folder = directory.file("csv")
        let result = try LabelModelEvaluation.evaluate(
            folder: folder, options: .init(model: LabelModelConfiguration(method: .mv)))
        // Majority vote on the test rows: spam (2 votes), ham (2 votes), a 1–1 tie whose row hash picks class 0.
        #expect(result.trainRows == 4 && result.testRows == 3 && result.lfCount == 3)
        #expect(result.trainSource == "Demo_lf_matrix_train.csv (±1 LF-matrix CSV)")
        #expect(result.testAccuracyExpected == (1 + 1 + 0.5) / 3)
        #expect(throws: LabelModelsError.self) {
            try LabelModelEvaluation.evaluate(
                folder: folder, options: .init(model: LabelModelConfiguration(method: .wmv), useDevSet: true))
        }
        try directory.write("csv/Demo_lf_matrix_val.csv", header)
        #expect {
            try LabelModelEvaluation.evaluate(
                folder: folder, options: .init(model: LabelModelConfiguration(method: .wmv), useDevSet: true))
        } throws: { error in
            guard case let .invalidWrench(path, _) = error as? LabelingError else { return false }
            return path.hasSuffix("Demo_lf_matrix_val.csv")
        }
    }

    @Test("evaluateAll runs every method on every folder in name order; means are the benchmark scores' means")
    func evaluateAllRunsEveryFolder() throws {
        let directory = TemporaryDirectory()
        _ = try Self.folder(in: directory, name: "b_folder")
        _ = try Self.folder(in: directory, name: "a_sms_folder")
        try directory.write("not_a_dataset/readme.txt", "nothing here")
        var seen: [String] = []
        let report = try LabelModelEvaluation.evaluateAll(
            root: directory.url, options: .init(model: LabelModelConfiguration(l2: 0.2)), methods: [.mv, .moments],
            repeats: 2
        ) { seen.append("\($0.dataset)/\($0.method.rawValue)") }
        #expect(seen == ["a_sms_folder/mv", "a_sms_folder/moments", "b_folder/mv", "b_folder/moments"])
        #expect(report.results.count == 4)
        for method in ["mv", "moments"] {
            let scores = report.results.filter { $0.method.rawValue == method }.map(LabelModelEvaluation.benchmarkScore)
            #expect(report.meanScoreByMethod[method] == scores.reduce(0, +) / 2)
        }
        // The sms folder is scored by F1, the other by accuracy.
        let sms = report.results[0]
        #expect(LabelModelEvaluation.benchmarkScore(sms) == sms.testF1)
        #expect(LabelModelEvaluation.benchmarkScore(report.results[2]) == report.results[2].testAccuracy)
        #expect(!report.scoreNote.contains("dev set"))
        let empty = TemporaryDirectory()
        #expect(throws: LabelModelsError.self) {
            try LabelModelEvaluation.evaluateAll(root: empty.url, options: .init())
        }
        #expect(throws: LabelModelsError.self) {
            try LabelModelEvaluation.evaluateAll(
                root: directory.url, options: .init(model: LabelModelConfiguration(devMetric: .accuracy)))
        }
    }
}
