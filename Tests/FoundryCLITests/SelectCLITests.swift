import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// `foundry select`, run as a user runs it.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct SelectCLITests {
    static var hasModel: Bool { TestData.model != nil }

    @Test func argumentMistakesShowTheUsage() throws {
        let directory = TemporaryDirectory()
        let eval = try directory.write("eval.csv", "text,label\nhello,0\n")
        let cases: [([String], String)] = [
            (["--adapters", "a", "--eval", eval.path, "--exemplars", eval.path], "--exemplars trains the router"),
            (["--adapters", "a", "--eval", eval.path, "--route"], "--route needs at least two adapters"),
            (["--adapters", "a,b", "--eval", eval.path, "--folds", "1"], "--folds must be at least 2"),
            (["--adapters", "a,=b", "--eval", eval.path], "NAME=DIR"),
            (["--adapters", "a", "--eval", eval.path, "--metric", "precision"], "f1_macro"),
            (["--adapters", "a", "--eval", eval.path, "--classes", "only"], "at least two"),
            (["--adapters", "a,b", "--eval", eval.path, "--router-out", "r.json"], "--router-out saves the router"),
        ]
        for (arguments, message) in cases {
            let output = try FoundryCLI.run(["select"] + arguments)
            #expect(output.status != 0)
            #expect(output.standardError.contains(message), "\(arguments): \(output.standardError)")
            #expect(output.standardError.contains("Usage: foundry select"), "\(output.standardError)")
        }
    }

    @Test func aMissingAdapterFolderIsNamedWithoutUsage() throws {
        let directory = TemporaryDirectory()
        let eval = try directory.write("eval.csv", "text,label\nhello,0\n")
        let output = try FoundryCLI.run([
            "select", "--adapters", "gone=\(directory.file("nowhere").path)", "--eval", eval.path,
        ])
        #expect(output.status != 0)
        #expect(output.standardError.contains("'gone'") && output.standardError.contains("nowhere"))
        #expect(!output.standardError.contains("Usage:"))
    }

    /// Two adapters trained by `foundry train` (rank 2, one epoch, 8 tokens) on a synthetic WRENCH folder; select's
    /// scores must equal the accuracy of `foundry predict`'s labels, and routing must cover every row.
    @Test(.enabled(if: hasModel, "the encoder is not fetched (make model)"))
    func selectsAndRoutesTrainedAdapters() throws {
        let directory = TemporaryDirectory()
        let model = try #require(TestData.model).path
        let wrench = directory.file("wrench")
        try FileManager.default.createDirectory(at: wrench, withIntermediateDirectories: true)
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: [.init(coverage: 0.6, accuracy: 0.9), .init(coverage: 0.6, accuracy: 0.8)])
        let samples = try writeSyntheticWrenchFolder(
            task, rows: (40, 10, 24), classNames: ["ham", "spam"], seed: 5, to: wrench)
        let gold = try #require(samples[.test]).labels
        for (name, seed) in [("first", "0"), ("second", "1")] {
            let trained = try FoundryCLI.run([
                "train", "--model", model, "--wrench", wrench.path, "--epochs", "1", "--max-length", "8", "--rank",
                "2", "--fisher-samples", "0", "--gram-samples", "0", "--seed", seed, "--out",
                directory.file(name).path, "--json",
            ])
            try #require(trained.status == 0, "\(trained.standardError)")
        }
        // An evaluation table with a task column (half the rows per adapter) and exemplars for the router.
        let texts = gold.indices.map { "example \($0)" }
        let rows = gold.indices.map { row in
            "{\"text\": \"\(texts[row])\", \"label\": \"\(gold[row] == 1 ? "spam" : "ham")\", "
                + "\"task\": \"\(row < 12 ? "first" : "second")\"}"
        }
        let eval = try directory.write("eval.jsonl", rows.joined(separator: "\n") + "\n")
        let exemplars = try directory.write(
            "exemplars.csv", "text,task\nexample 1,first\nexample 2,first\nexample 20,second\nexample 22,second\n")
        let adapters = "first=\(directory.file("first").path),second=\(directory.file("second").path)"

        let selected = try FoundryCLI.run([
            "select", "--model", model, "--max-length", "8", "--adapters", adapters, "--eval",
            wrench.appendingPathComponent("test.json").path, "--json",
        ])
        #expect(selected.status == 0, "\(selected.standardError)")
        let record = try selected.json()
        #expect(record["classes"] as? [String] == ["ham", "spam"])
        #expect(record["rows"] as? Int == 24)
        let candidates = try #require(record["candidates"] as? [[String: Any]])
        #expect(candidates.compactMap { $0["name"] as? String } == ["first", "second"])
        var accuracies: [Double] = []
        for (candidate, name) in zip(candidates, ["first", "second"]) {
            let predicted = try FoundryCLI.run([
                "predict", "--model", model, "--max-length", "8", "--adapter", directory.file(name).path, "--input",
                eval.path, "--json",
            ])
            try #require(predicted.status == 0, "\(predicted.standardError)")
            let labels = try #require(predicted.json()["predictions"] as? [[String: Any]]).compactMap {
                $0["label"] as? Int
            }
            let expected = Double(zip(labels, gold).filter { $0 == $1 }.count) / Double(gold.count)
            let scores = try #require(candidate["scores"] as? [String: Any])
            let accuracy = try #require(scores["accuracy"] as? Double)
            #expect(abs(accuracy - expected) < 1e-12, "\(name): select \(accuracy), predict \(expected)")
            accuracies.append(accuracy)
        }
        let chosen = try #require(record["chosen"] as? String)
        #expect(chosen == (accuracies[1] > accuracies[0] ? "second" : "first"))

        // A committed adapter of a model repository is a candidate too, by ref; an unknown ref is named.
        let repo = directory.file("repo").path
        let initialized = try FoundryCLI.run(["model", "init", "--repo", repo])
        try #require(initialized.status == 0, "\(initialized.standardError)")
        let committed = try FoundryCLI.run([
            "model", "commit", directory.file("first").path, "-m", "first adapter", "--repo", repo,
        ])
        try #require(committed.status == 0, "\(committed.standardError)")
        let fromRepository = try FoundryCLI.run([
            "select", "--model", model, "--max-length", "8", "--repo", repo, "--adapters",
            "committed=main,second=\(directory.file("second").path)", "--eval",
            wrench.appendingPathComponent("test.json").path, "--json",
        ])
        #expect(fromRepository.status == 0, "\(fromRepository.standardError)")
        let repositoryCandidates = try #require(try fromRepository.json()["candidates"] as? [[String: Any]])
        #expect(repositoryCandidates.first?["name"] as? String == "committed")
        #expect(
            (repositoryCandidates.first?["scores"] as? [String: Any])?["accuracy"] as? Double == accuracies[0])
        let unknownRef = try FoundryCLI.run([
            "select", "--model", model, "--repo", repo, "--adapters", "nosuchbranch,main", "--eval",
            wrench.appendingPathComponent("test.json").path,
        ])
        #expect(unknownRef.status != 0 && unknownRef.standardError.contains("'nosuchbranch'"))

        // The same rows as a table, with the metric spelled out, routing on exemplars and the task column.
        let routed = try FoundryCLI.run([
            "select", "--model", model, "--max-length", "8", "--adapters", adapters, "--eval", eval.path,
            "--classes", "ham,spam", "--metric", "f1_macro", "--route", "--exemplars", exemplars.path, "--json",
            "--router-out", directory.file("router.json").path,
        ])
        #expect(routed.status == 0, "\(routed.standardError)")
        let routing = try #require(try routed.json()["routing"] as? [String: Any])
        #expect(routing["training"] as? String == "exemplars")
        #expect((routing["routed"] as? [String: Int])?.values.reduce(0, +) == 24)
        #expect(routing["exemplars"] as? [String: Int] == ["first": 2, "second": 2])
        let routingAccuracy = try #require(routing["routing_accuracy"] as? Double)
        #expect(routingAccuracy >= 0 && routingAccuracy <= 1)
        #expect(try routed.json()["metric"] as? String == "f1_macro")
        let savedRouter = try JSONSerialization.jsonObject(
            with: Data(contentsOf: directory.file("router.json")))
        #expect((savedRouter as? [String: Any])?["candidates"] as? [String] == ["first", "second"])

        // Cross-fitted routing, and the table output.
        let table = try FoundryCLI.run([
            "select", "--model", model, "--max-length", "8", "--adapters", adapters, "--eval", eval.path, "--route",
            "--classes", "ham,spam",
        ])
        #expect(table.status == 0, "\(table.standardError)")
        #expect(table.standardOutput.contains("chosen: \(chosen)"), "\(table.standardOutput)")
        #expect(table.standardOutput.contains("routed (cross_fitted)"))
        #expect(table.standardOutput.contains("routing accuracy"))

        // Class names that do not fit the adapters' heads, and an exemplar naming no adapter.
        let wrongClasses = try FoundryCLI.run([
            "select", "--model", model, "--adapters", adapters, "--eval", eval.path, "--classes", "ham,spam,eggs",
        ])
        #expect(wrongClasses.status != 0)
        #expect(wrongClasses.standardError.contains("'first'") && wrongClasses.standardError.contains("2 classes"))
        let badExemplars = try directory.write("bad.csv", "text,task\nexample 1,third\n")
        let unknown = try FoundryCLI.run([
            "select", "--model", model, "--max-length", "8", "--adapters", adapters, "--eval", eval.path, "--route",
            "--exemplars", badExemplars.path, "--classes", "ham,spam",
        ])
        #expect(unknown.status != 0)
        #expect(unknown.standardError.contains("'third'") && unknown.standardError.contains("first, second"))
        let badLabel = try directory.write("badlabel.csv", "text,label\nexample 1,eggs\n")
        let label = try FoundryCLI.run([
            "select", "--model", model, "--adapters", adapters, "--eval", badLabel.path, "--classes", "ham,spam",
        ])
        #expect(label.status != 0)
        #expect(label.standardError.contains("eggs") && label.standardError.contains("badlabel.csv:2"))
    }
}
