import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// What `labelmodel predict`, `fit` and `evaluate` print and write, and the option combinations they refuse, on data
/// the tests write themselves.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct LabelModelCLIOutputTests {
    static let problem = SyntheticLabelingProblem(
        rows: 300, coverages: [0.6, 0.5, 0.7, 0.4], accuracies: [0.9, 0.8, 0.75, 0.85], seed: 17)

    /// A folder with `L.npy` (the problem's matrix), `y.npy` (its labels) and a majority-vote model `mv.json`.
    private func fitted() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        try Self.problem.matrix.writeNumPy(to: directory.file("L.npy"))
        try NumPyArray(integers: Self.problem.trueLabels, shape: [300], elementType: .int8).write(
            to: directory.file("y.npy"))
        let fit = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2", "--method", "mv",
            "--out", directory.file("mv.json").path,
        ])
        #expect(fit.status == 0, "\(fit.standardError)")
        return directory
    }

    /// CSV text split into rows of cells (the files here have no quoted fields).
    private func csvRows(_ text: String) -> [[String]] {
        text.split(separator: "\n").map { $0.split(separator: ",", omittingEmptySubsequences: false).map(String.init) }
    }

    @Test("predict without --out writes the predictions to stdout as CSV, 0-based rows, and the summary to stderr")
    func predictWritesCSVToStandardOutput() throws {
        let directory = try fitted()
        let output = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--class-names", "ham,spam",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let rows = csvRows(output.standardOutput)
        #expect(rows.first == ["row", "label", "class_name", "confidence"])
        #expect(rows.count == 301)
        #expect(output.standardError.contains("predicted 300 rows") && output.standardError.contains("from 0"))
        // The same model's probabilities: each row's label is its most probable class, its confidence that probability.
        let npy = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--out", directory.file("p.npy").path,
        ])
        #expect(npy.status == 0 && npy.standardOutput.contains("→ \(directory.file("p.npy").path)"))
        let probabilities = try SoftLabels(numPyFile: directory.file("p.npy"))
        #expect(probabilities.rowCount == 300 && probabilities.classCount == 2)
        for (index, cells) in rows.dropFirst().enumerated() {
            #expect(cells[0] == String(index))
            let p = Array(probabilities.row(index))
            let label = try #require(Int(cells[1]))
            if p[0] != p[1] { #expect(label == (p[0] > p[1] ? 0 : 1), "row \(index)") }
            #expect(cells[2] == ["ham", "spam"][label])
            #expect(Float(cells[3]) == p.max())
        }
    }

    @Test("predict --input --out labeled.csv|.jsonl adds label, class_name and confidence to the input's columns")
    func predictLabelsTheInputTable() throws {
        let directory = try fitted()
        let input =
            "id,text\n" + (0..<300).map { "\($0),\"comment, number \($0)\"" }.joined(separator: "\n") + "\n"
        try directory.write("comments.csv", input)
        let csv = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--input", directory.file("comments.csv").path,
            "--out", directory.file("labeled.csv").path, "--gold", directory.file("y.npy").path, "--json",
        ])
        #expect(csv.status == 0, "\(csv.standardError)")
        #expect(try csv.json()["accuracy"] is Double)
        let table = try String(contentsOf: directory.file("labeled.csv"), encoding: .utf8)
        let lines = table.split(separator: "\n")
        #expect(lines.count == 301 && lines[0] == "id,text,label,class_name,confidence")
        #expect(lines[1].hasPrefix("0,\"comment, number 0\","))
        let jsonl = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--input", directory.file("comments.csv").path,
            "--out", directory.file("labeled.jsonl").path,
        ])
        #expect(jsonl.status == 0, "\(jsonl.standardError)")
        let objects = try String(contentsOf: directory.file("labeled.jsonl"), encoding: .utf8)
            .split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(objects.count == 300)
        #expect(Set(objects[0]?.keys.map { $0 } ?? []) == ["id", "text", "label", "class_name", "confidence"])
        #expect(objects[299]?["id"] == "299")
        // Without --input the table holds the row index instead.
        let plain = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--out", directory.file("plain.csv").path,
        ])
        #expect(plain.status == 0)
        #expect(try String(contentsOf: directory.file("plain.csv"), encoding: .utf8).hasPrefix("row,label,class_name"))
    }

    @Test("predict refuses an input table that does not match the matrix, and leaves no output file")
    func predictRefusesAMismatchedInput() throws {
        let directory = try fitted()
        try directory.write("short.csv", "id\n1\n2\n")
        try directory.write("labelled.csv", "id,label\n" + (0..<300).map { "\($0),x" }.joined(separator: "\n") + "\n")
        for (input, message) in [("short.csv", "short.csv: 2 rows"), ("labelled.csv", "already has a column 'label'")] {
            let output = try FoundryCLI.run([
                "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
                directory.file("L.npy").path, "--input", directory.file(input).path,
                "--out", directory.file("out.csv").path,
            ])
            #expect(output.status != 0)
            #expect(output.standardError.contains(message), "\(output.standardError)")
            #expect(!FileManager.default.fileExists(atPath: directory.file("out.csv").path))
        }
        let names = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--class-names", "a,b,c",
        ])
        #expect(names.status != 0 && names.standardError.contains("3 names for 2 classes"))
        // A matrix of other LFs than the model's, and --input with a .npy --out.
        try NumPyArray(integers: [0, 1, -1], shape: [1, 3], elementType: .int8).write(to: directory.file("three.npy"))
        let ds = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2", "--method", "ds",
            "--out", directory.file("ds.json").path,
        ])
        #expect(ds.status == 0, "\(ds.standardError)")
        let narrow = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("ds.json").path, "--matrix",
            directory.file("three.npy").path,
        ])
        #expect(narrow.status != 0 && narrow.standardError.contains("three.npy: "), "\(narrow.standardError)")
        let npyWithInput = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--input", directory.file("short.csv").path,
            "--out", directory.file("p.npy").path,
        ])
        #expect(npyWithInput.status != 0 && npyWithInput.standardError.contains("a .npy --out holds only"))
        // A folder that does not exist: nothing is written, and the message names the file.
        let missing = try FoundryCLI.run([
            "labelmodel", "predict", "--model", directory.file("mv.json").path, "--matrix",
            directory.file("L.npy").path, "--out", directory.file("nowhere/p.csv").path,
        ])
        #expect(missing.status != 0 && missing.standardError.contains("nowhere/p.csv"))
    }

    @Test("fit's text output names auto's choice and, with a dev set, its dev score")
    func fitShowsAutosChoice() throws {
        let directory = try fitted()
        try Self.problem.matrix.rows(0..<100).writeNumPy(to: directory.file("dev.npy"))
        try NumPyArray(integers: Array(Self.problem.trueLabels[0..<100]), shape: [100], elementType: .int8).write(
            to: directory.file("dev_y.npy"))
        let plain = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
            "--out", directory.file("auto.json").path,
        ])
        #expect(plain.status == 0, "\(plain.standardError)")
        let model = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.file("auto.json")))
        let choice = try #require(((model as? [String: Any])?["model"] as? [String: Any])?["choice"] as? String)
        #expect(plain.standardOutput.contains("auto chose \(choice)"), "\(plain.standardOutput)")
        let dev = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
            "--dev-matrix", directory.file("dev.npy").path, "--dev-labels", directory.file("dev_y.npy").path,
            "--dev-metric", "accuracy", "--out", directory.file("auto-dev.json").path,
        ])
        #expect(dev.status == 0, "\(dev.standardError)")
        #expect(dev.standardOutput.contains("dev set: 100 rows, chosen model's dev accuracy "), "\(dev.standardOutput)")
        let json = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
            "--dev-matrix", directory.file("dev.npy").path, "--dev-labels", directory.file("dev_y.npy").path,
            "--out", directory.file("auto-dev.json").path, "--json",
        ]).json()
        #expect(json["dev_rows"] as? Int == 100 && json["dev_metric"] as? String == "macro-f1")
        #expect(json["choice"] is String && json["dev_score"] is Double && json["fit_seconds"] is Double)
    }

    @Test("--dev-metric without a dev set is an error in fit, evaluate and bench labelmodels")
    func devMetricNeedsADevSet() throws {
        let directory = try fitted()
        let fit = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
            "--dev-metric", "accuracy", "--out", directory.file("m.json").path,
        ])
        #expect(fit.status != 0 && fit.standardError.contains("add --dev-matrix"), "\(fit.standardError)")
        #expect(!FileManager.default.fileExists(atPath: directory.file("m.json").path))
        let folder = directory.file("wrench_synthetic")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        try writeSyntheticWrenchFolder(
            Self.problem.task, rows: (400, 100, 200), classNames: ["ham", "spam"], seed: 2, to: folder)
        let evaluate = try FoundryCLI.run([
            "labelmodel", "evaluate", "--wrench", folder.path, "--dev-metric", "accuracy",
        ])
        #expect(evaluate.status != 0 && evaluate.standardError.contains("add --dev"), "\(evaluate.standardError)")
        let bench = try FoundryCLI.run([
            "bench", "labelmodels", "--data", directory.url.path, "--dev-metric", "accuracy", "--repeat", "1",
        ])
        #expect(bench.status != 0 && bench.standardError.contains("add --dev"), "\(bench.standardError)")
        // With the dev set, the metric is used and reported.
        let withDev = try FoundryCLI.run([
            "labelmodel", "evaluate", "--wrench", folder.path, "--dev", "--dev-metric", "accuracy", "--json",
        ])
        #expect(withDev.status == 0, "\(withDev.standardError)")
        #expect(try withDev.json()["dev_metric"] as? String == "accuracy")
        let benchWithDev = try FoundryCLI.run([
            "bench", "labelmodels", "--data", directory.url.path, "--dev", "--dev-metric", "accuracy", "--repeat", "1",
            "--json",
        ])
        #expect(benchWithDev.status == 0, "\(benchWithDev.standardError)")
        let results = try #require(try benchWithDev.json()["results"] as? [[String: Any]])
        #expect(results.map { $0["dev_metric"] as? String } == [nil, nil, nil, nil, nil, "accuracy"])
    }

    @Test("fit neither lists nor accepts --class-balance valid; evaluate does")
    func fitHasNoValidClassBalance() throws {
        let help = try FoundryCLI.run(["labelmodel", "fit", "--help"])
        #expect(help.standardOutput.contains("--class-balance"))
        #expect(!help.standardOutput.contains("valid"), "\(help.standardOutput)")
        let directory = try fitted()
        let refused = try FoundryCLI.run([
            "labelmodel", "fit", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
            "--class-balance", "valid", "--out", directory.file("m.json").path,
        ])
        #expect(refused.status != 0 && refused.standardError.contains("'valid' is invalid"), "\(refused.standardError)")
        let evaluateHelp = try FoundryCLI.run(["labelmodel", "evaluate", "--help"]).standardOutput
        #expect(evaluateHelp.contains("(values: uniform, valid,"), "\(evaluateHelp)")
    }

    @Test("an empty WRENCH split is refused naming its file, by evaluate and by analyze")
    func emptySplitsNameTheirFile() throws {
        let directory = TemporaryDirectory()
        try writeSyntheticWrenchFolder(
            Self.problem.task, rows: (0, 0, 50), classNames: ["ham", "spam"], seed: 3, to: directory.url)
        let evaluate = try FoundryCLI.run(["labelmodel", "evaluate", "--wrench", directory.url.path])
        #expect(evaluate.status != 0)
        #expect(
            evaluate.standardError.contains(directory.file("train.json").path)
                && evaluate.standardError.contains("has no examples"), "\(evaluate.standardError)")
        let analyze = try FoundryCLI.run(["analyze", "--wrench", directory.url.path, "--split", "valid"])
        #expect(analyze.status != 0)
        #expect(analyze.standardError.contains(directory.file("valid.json").path), "\(analyze.standardError)")
        let test = try FoundryCLI.run(["analyze", "--wrench", directory.url.path, "--split", "test"])
        #expect(test.status == 0 && test.standardOutput.contains("50 examples"), "\(test.standardError)")
    }
}
