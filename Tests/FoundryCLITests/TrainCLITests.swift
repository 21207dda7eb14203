import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// `foundry train --wrench`, run as a user runs it: which training rows it keeps.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct TrainCLITests {
    static var modelDirectory: URL? { TestData.model }
    static var hasModel: Bool { modelDirectory != nil }

    /// A small, fast run: rank 2, one epoch, 8 tokens, no Fisher or Gram files.
    static func train(_ arguments: [String]) throws -> FoundryCLI.Output {
        try FoundryCLI.run(
            [
                "train", "--model", modelDirectory?.path ?? "", "--epochs", "1", "--max-length", "8", "--rank", "2",
                "--fisher-samples", "0", "--gram-samples", "0", "--json",
            ] + arguments)
    }

    @Test(.enabled(if: hasModel, "the encoder is not fetched (make model)"))
    func wrenchTrainsOnCoveredRowsByDefault() throws {
        let directory = TemporaryDirectory()
        let wrench = directory.file("wrench_small")
        try FileManager.default.createDirectory(at: wrench, withIntermediateDirectories: true)
        let task = SyntheticLabelingTask(
            classPrior: [0.5, 0.5],
            labelingFunctions: [.init(coverage: 0.3, accuracy: 0.9), .init(coverage: 0.3, accuracy: 0.8)])
        let samples = try writeSyntheticWrenchFolder(
            task, rows: (40, 10, 10), classNames: ["ham", "spam"], seed: 3, to: wrench)
        let matrix = try #require(samples[.train]).matrix
        var covered = Set<Int>()
        matrix.forEachVote { row, _, _ in covered.insert(row) }
        // The sample must hold both kinds of rows for the test to say anything.
        try #require(!covered.isEmpty && covered.count < 40)

        let out = directory.file("adapter")
        let output = try Self.train(["--wrench", wrench.path, "--out", out.path])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["n_train"] as? Int == covered.count)
        #expect(json["n_uncovered_left_out"] as? Int == 40 - covered.count)
        let saved = try JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("training.json")))
        #expect((saved as? [String: Any])?["n_uncovered_left_out"] as? Int == 40 - covered.count)

        // --no-covered-only trains on every row, as before; --covered-only is the default spelled out.
        let all = try Self.train(["--wrench", wrench.path, "--out", directory.file("all").path, "--no-covered-only"])
        #expect(all.status == 0, "\(all.standardError)")
        #expect(try all.json()["n_train"] as? Int == 40)
        #expect(try all.json()["n_uncovered_left_out"] as? Int == 0)
        let explicit = try Self.train([
            "--wrench", wrench.path, "--out", directory.file("explicit").path, "--covered-only",
        ])
        #expect(try explicit.json()["n_train"] as? Int == covered.count)
    }

    @Test func coveredOnlyNeedsALabelMatrix() throws {
        let directory = TemporaryDirectory()
        let table = try directory.write("texts.csv", "text\nhello\nworld\n")
        let soft = directory.file("soft.npy")
        try NumPyArray(floats: [0.5, 0.5, 0.9, 0.1], shape: [2, 2]).write(to: soft)
        for flag in ["--covered-only", "--no-covered-only"] {
            let output = try FoundryCLI.run([
                "train", "--input", table.path, "--soft-labels", soft.path, "--out", directory.file("a").path, flag,
            ])
            #expect(output.status != 0)
            #expect(output.standardError.contains("need the label matrix"), "\(output.standardError)")
            #expect(output.standardError.contains("Usage"))
        }
        #expect(!FileManager.default.fileExists(atPath: directory.file("a").path))
    }

    @Test(.enabled(if: hasModel, "the encoder is not fetched (make model)"))
    func aTrainSplitNoLabelingFunctionCoversIsRefusedByName() throws {
        let directory = TemporaryDirectory()
        let wrench = directory.file("wrench_silent")
        try FileManager.default.createDirectory(at: wrench, withIntermediateDirectories: true)
        func split(_ rows: [(votes: [Int], label: Int)]) -> String {
            let items = rows.enumerated().map { index, row in
                "\"\(index)\": {\"label\": \(row.label), \"weak_labels\": \(row.votes), \"data\": {\"text\": \"text \(index)\"}}"
            }
            return "{" + items.joined(separator: ", ") + "}"
        }
        _ = try directory.write("wrench_silent/train.json", split((0..<6).map { ([-1, -1], $0 % 2) }))
        _ = try directory.write("wrench_silent/valid.json", split([([0, -1], 0), ([1, 1], 1)]))
        _ = try directory.write("wrench_silent/test.json", split([([0, -1], 0), ([1, 1], 1)]))
        _ = try directory.write("wrench_silent/label.json", "{\"0\": \"ham\", \"1\": \"spam\"}")
        let out = directory.file("adapter")
        let output = try Self.train(["--wrench", wrench.path, "--out", out.path])
        #expect(output.status != 0)
        #expect(output.standardError.contains("wrench_silent"), "\(output.standardError)")
        #expect(output.standardError.contains("no labeling function voted"), "\(output.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
    }
}
