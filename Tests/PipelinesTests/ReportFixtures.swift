import Foundation
import FoundryCore
import FoundryTestSupport
import LabelModels
import Labeling
import Merging

@testable import Pipelines

/// Run reports filled the way part A's executor fills them, from real values where the data is available.
enum ReportFixtures {
    /// A report of the WRENCH YouTube task with real figures only: the ten labeling functions' votes on the train split
    /// with its gold labels, the `auto` label model fitted on train (valid split as dev set, fit timed here) and
    /// calibrated on the test split, the class balance of its train labels, the training curves of a real 3-epoch
    /// adapter run on the same task, and the endpoint a deploy step would print. Nil when the dataset is not available.
    static func youtube() throws -> RunReport? {
        guard let folder = TestData.dataset("wrench_youtube") else { return nil }
        let clock = ContinuousClock()
        let readStart = clock.now
        let dataset = try WrenchDataset(directory: folder)
        let train = try dataset.split(.train), valid = try dataset.split(.valid), test = try dataset.split(.test)
        let readSeconds = seconds(clock.now - readStart)
        var model = AutoLabelModel()
        let fitStart = clock.now
        try model.fit(
            train.labelMatrix, options: FitOptions(devMatrix: valid.labelMatrix, devLabels: valid.goldLabels))
        let fitSeconds = seconds(clock.now - fitStart)
        let classes = train.labelMatrix.classNames
        let probabilities = try model.predictProbabilities(test.labelMatrix)
        let predicted = try model.predict(test.labelMatrix).map(\.rawValue)
        let labelModel = try LabelModelSection.build(
            method: "auto", choice: model.choice?.rawValue, reason: model.reason, probabilities: probabilities,
            gold: test.goldLabels, predicted: predicted)
        // The adapter's figures come from a real `foundry train` run on this task (3 epochs, rank 8 on query and
        // value, auto labels; its training.json: train_seconds, epoch_losses, validation_accuracies, test scores).
        let training = TrainingSection(
            step: "adapter", epochLosses: [0.6316, 0.4991, 0.4821], validationAccuracies: [0.875, 0.8583, 0.8667],
            testAccuracy: 0.94, testF1: 0.9372)
        var report = RunReport(
            pipeline: "youtube-spam", spec: "Examples/pipelines/youtube/pipeline.yaml",
            startedAt: Date(timeIntervalSince1970: 1_796_000_000), seconds: readSeconds + fitSeconds + 535.22,
            classes: classes,
            steps: [
                StepRecord(
                    name: "youtube", kind: "data", status: .ran, reason: "not in the cache", key: "9f2c0d",
                    seconds: readSeconds, outputs: ["table": "steps/youtube/table.jsonl"],
                    figures: [
                        "train_rows": Double(train.count), "valid_rows": Double(valid.count),
                        "test_rows": Double(test.count),
                    ]),
                StepRecord(
                    name: "labels", kind: "label_model", status: .ran, reason: "input 'youtube' changed",
                    key: "c3e1a7", seconds: fitSeconds,
                    figures: ["test_accuracy": labelModel.accuracy ?? 0, "test_f1": labelModel.f1 ?? 0]),
                StepRecord(
                    name: "adapter", kind: "train", status: .ran, reason: "input 'labels' changed", key: "0b6f44",
                    seconds: 535.22, figures: ["test_accuracy": 0.94, "test_f1": 0.9372]),
                StepRecord(
                    name: "serve", kind: "deploy", status: .skipped, reason: "after --until adapter", key: ""),
            ])
        report.labelingFunctions = try LabelingFunctionSection.build(
            matrix: train.labelMatrix, gold: train.goldLabels)
        report.labelModel = labelModel
        report.classBalance = try ClassBalanceSection.build(
            hardLabels: try model.predict(train.labelMatrix).map(\.rawValue), gold: train.goldLabels, classes: classes)
        report.training = [training]
        report.endpoint = EndpointSection(
            adapter: "youtube", url: "http://127.0.0.1:8080/v1/classify",
            command: "foundry serve --model .models/all-MiniLM-L6-v2 --adapters runs/youtube/steps/adapter --port 8080",
            smokeRequests: 0,
            curl:
                "curl -s localhost:8080/v1/classify -H 'Content-Type: application/json' "
                + "-d '{\"model\": \"youtube\", \"input\": [\"Check out my channel!!!\"]}'")
        return report
    }

    /// ``youtube()`` with every other section filled from made-up values (cleaning findings with hostile text, a
    /// merge of seeded task vectors, a selection), to exercise the whole page.
    static func allSections() throws -> RunReport? {
        guard var report = try youtube() else { return nil }
        report.cleaning = CleaningSection(
            rows: 1968, droppedRows: 12,
            findings: [
                .init(constraint: "CONTENT not empty", severity: "error", failures: 3, examples: ["", " ", "\u{1}"]),
                .init(
                    constraint: "exact duplicates", severity: "error", failures: 9, examples: ["Check out my channel"]),
                .init(
                    constraint: "CONTENT length <= 1200", severity: "warning", failures: 4,
                    examples: [String(repeating: "very long comment <b>with markup</b> & \"quotes\" ", count: 40)]),
            ])
        report.merges = [mergeSection()]
        report.selection = SelectionSection(
            mode: "best", metric: "accuracy", scores: ["task-a": 0.91, "merged": 0.88, "task-b": 0.55],
            chosen: "task-a", routedScore: 0.9)
        report.endpoint?.smokeRequests = 32
        report.endpoint?.smokeAccuracy = 0.9375
        return report
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    /// A merge section whose conflict report compares seeded task vectors of three tasks over six encoder layers (query
    /// and value each) and the classifier, with the sign-conflict rate rising with depth.
    static func mergeSection() -> MergeSection {
        var generator = SeededGenerator(seed: 21)
        var tensors: [ConflictReport.TensorConflict] = []
        let names = ["task-a", "task-b", "task-c"]
        for layer in 0..<6 {
            for module in ["query", "value"] {
                let base = (0..<64).map { _ in Float.random(in: -1...1, using: &generator) }
                let vectors = names.indices.map { task in
                    base.map { value in
                        Float.random(in: 0...1, using: &generator) < Float(layer) * 0.08 + Float(task) * 0.05
                            ? -value : value
                    }
                }
                tensors.append(
                    ConflictReport.compare(
                        name: "encoder.layer.\(layer).attention.self.\(module).weight", vectors: vectors, tasks: names,
                        top: 0.2))
            }
        }
        let head = names.indices.map { task in (0..<16).map { Float(($0 + task) % 3) - 1 } }
        tensors.append(ConflictReport.compare(name: "classifier.weight", vectors: head, tasks: names, top: 0.2))
        return MergeSection(
            step: "merged", method: "ties", tasks: names,
            conflicts: ConflictReport(tasks: names, top: 0.2, tensors: tensors),
            retained: ["task-a": 0.97, "task-b": 0.95, "task-c": 0.88])
    }

    /// The number of `<svg>` plots ``RunReportRenderer`` draws for `report`.
    static func expectedPlots(_ report: RunReport) -> Int {
        var count = 0
        if let cleaning = report.cleaning, !cleaning.findings.isEmpty { count += 1 }
        if let lfs = report.labelingFunctions, !lfs.analysis.lfs.isEmpty {
            count += lfs.analysis.lfs.count >= 2 ? 2 : 1
        }
        if let model = report.labelModel, model.calibration.contains(where: { $0.count > 0 }) { count += 1 }
        if report.classBalance != nil { count += 1 }
        count += report.training.filter { !$0.epochLosses.isEmpty || !$0.validationAccuracies.isEmpty }.count
        count += report.merges.filter { !$0.conflicts.tensors.isEmpty }.count
        if let selection = report.selection, !selection.scores.isEmpty { count += 1 }
        return count
    }
}
