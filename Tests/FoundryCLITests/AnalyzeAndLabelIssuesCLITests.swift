import Foundation
import FoundryCore
import FoundryTestSupport
import Labeling
import Testing

/// `foundry analyze` on `.npy` matrices and ±1 LF-matrix CSV folders, and `foundry label-issues`' output, on files the
/// tests write themselves.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct AnalyzeAndLabelIssuesCLITests {
    static let spec = """
        classes: [HAM, SPAM]
        labeling_functions:
          - name: mentions_link
            kind: keyword
            keywords: [http]
            label: SPAM
          - name: says_subscribe
            kind: keyword
            keywords: [subscribe]
            label: SPAM
          - name: mentions_song
            kind: keyword
            keywords: [song]
            label: HAM
        """

    @Test("analyze --matrix names the LFs and classes from --lfs and counts --gold agreements")
    func analyzeANumPyMatrix() throws {
        let directory = TemporaryDirectory()
        try directory.write("lfs.yaml", Self.spec)
        // Four rows × three LFs; gold: SPAM, SPAM, HAM, unknown.
        let votes = [1, 1, -1, 1, -1, 0, -1, -1, 0, 1, -1, -1]
        try NumPyArray(integers: votes, shape: [4, 3], elementType: .int8).write(to: directory.file("L.npy"))
        try NumPyArray(integers: [1, 1, 0, -1], shape: [4], elementType: .int8).write(to: directory.file("y.npy"))
        let output = try FoundryCLI.run([
            "analyze", "--matrix", directory.file("L.npy").path, "--lfs", directory.file("lfs.yaml").path, "--gold",
            directory.file("y.npy").path, "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["class_names"] as? [String] == ["HAM", "SPAM"] && json["rows"] as? Int == 4)
        let lfs = try #require(json["lfs"] as? [[String: Any]])
        #expect(lfs.compactMap { $0["name"] as? String } == ["mentions_link", "says_subscribe", "mentions_song"])
        // mentions_link votes SPAM on rows 0, 1 (gold SPAM) and 3 (unknown): 2 correct, 0 incorrect.
        #expect(lfs[0]["correct"] as? Int == 2 && lfs[0]["incorrect"] as? Int == 0 && lfs[0]["votes"] as? Int == 3)
        // mentions_song votes HAM on row 1 (gold SPAM) and row 2 (gold HAM).
        #expect(lfs[2]["correct"] as? Int == 1 && lfs[2]["incorrect"] as? Int == 1)
        let table = try FoundryCLI.run([
            "analyze", "--matrix", directory.file("L.npy").path, "--cardinality", "2",
        ])
        #expect(table.status == 0 && table.standardOutput.contains("lf_2"), "\(table.standardError)")
    }

    @Test("analyze refuses a spec with another number of LFs, a missing cardinality and bad gold labels")
    func analyzeRefusesMismatches() throws {
        let directory = TemporaryDirectory()
        try directory.write("lfs.yaml", Self.spec)
        try NumPyArray(integers: [0, 1, -1, 1], shape: [2, 2], elementType: .int8).write(to: directory.file("L.npy"))
        let wide = try FoundryCLI.run([
            "analyze", "--matrix", directory.file("L.npy").path, "--lfs", directory.file("lfs.yaml").path,
        ])
        #expect(wide.status != 0 && wide.standardError.contains("has 3 labeling functions"), "\(wide.standardError)")
        let noK = try FoundryCLI.run(["analyze", "--matrix", directory.file("L.npy").path])
        #expect(noK.status != 0 && noK.standardError.contains("--cardinality"))
        try NumPyArray(doubles: [0, 1], shape: [2]).write(to: directory.file("y.npy"))
        let gold = try FoundryCLI.run([
            "analyze", "--matrix", directory.file("L.npy").path, "--cardinality", "2", "--gold",
            directory.file("y.npy").path,
        ])
        #expect(gold.status != 0 && gold.standardError.contains("y.npy"), "\(gold.standardError)")
        let both = try FoundryCLI.run([
            "analyze", "--matrix", directory.file("L.npy").path, "--wrench", directory.url.path,
        ])
        #expect(both.status != 0)
    }

    @Test("analyze reads the splits of a ±1 LF-matrix CSV folder, as evaluate does")
    func analyzeASignedCSVFolder() throws {
        let directory = TemporaryDirectory()
        try directory.write("Demo_lf_matrix_test.csv", "lf_a,lf_b,Label\n1,0,1\n-1,-1,-1\n0,1,1\n")
        let output = try FoundryCLI.run([
            "analyze", "--wrench", directory.url.path, "--split", "test", "--json",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(json["rows"] as? Int == 3)
        let lfs = try #require(json["lfs"] as? [[String: Any]])
        #expect(lfs.compactMap { $0["name"] as? String } == ["lf_a", "lf_b"])
        #expect(lfs.map { $0["correct"] as? Int } == [2, 2])
        let missing = try FoundryCLI.run(["analyze", "--wrench", directory.url.path, "--split", "train"])
        #expect(missing.status != 0 && missing.standardError.contains("_lf_matrix_train.csv"))
    }

    /// Ten rows, two classes: rows 4 and 9 are labelled against confident predictions.
    private func issueFiles() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory()
        let labels = [0, 0, 0, 0, 0, 1, 1, 1, 1, 1]
        let spam: [Float] = [0.1, 0.1, 0.2, 0.1, 0.9, 0.8, 0.9, 0.7, 0.8, 0.2]
        try NumPyArray(integers: labels, shape: [10], elementType: .int64).write(to: directory.file("labels.npy"))
        try NumPyArray(floats: spam.flatMap { [1 - $0, $0] }, shape: [10, 2]).write(to: directory.file("probs.npy"))
        return directory
    }

    @Test("label-issues prints a table with a header: 0-based row, given and suggested class, score")
    func labelIssuesPrintsATable() throws {
        let directory = try issueFiles()
        let output = try FoundryCLI.run([
            "label-issues", "--labels", directory.file("labels.npy").path, "--probs", directory.file("probs.npy").path,
            "--filter", "predicted_neq_given", "--class-names", "ham,spam",
        ])
        #expect(output.status == 0, "\(output.standardError)")
        let lines = output.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.count == 4, "\(output.standardOutput)")
        #expect(lines[0].hasPrefix("2 likely label issues among 10 rows"))
        #expect(
            lines[1].split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
                == "row (0-based) given label suggested label self_confidence")
        #expect(lines[2].split(separator: " ") == ["4", "ham", "spam", "0.100000"])
        #expect(lines[3].split(separator: " ") == ["9", "spam", "ham", "0.200000"])
        let json = try FoundryCLI.run([
            "label-issues", "--labels", directory.file("labels.npy").path, "--probs", directory.file("probs.npy").path,
            "--filter", "predicted_neq_given", "--json",
        ]).json()
        #expect(json["count"] as? Int == 2 && json["rank_by"] as? String == "self_confidence")
        let issues = try #require(json["issues"] as? [[String: Any]])
        #expect(issues.first?["row"] as? Int == 4 && issues.first?["given_label"] as? Int == 0)
        #expect(issues.first?["suggested_label"] as? Int == 1 && issues.first?["suggested_class"] as? String == "1")
        #expect(abs((issues.first?["score"] as? Double ?? 0) - 0.1) < 1e-6)
        #expect(json["confident_joint"] is [[Int]])
    }

    @Test("label-issues refuses float labels and probabilities that are not distributions, naming the file")
    func labelIssuesRefusesBadFiles() throws {
        let directory = try issueFiles()
        try NumPyArray(doubles: [Double](repeating: 0.5, count: 20), shape: [10, 2]).write(
            to: directory.file("soft.npy"))
        let float = try FoundryCLI.run([
            "label-issues", "--labels", directory.file("soft.npy").path, "--probs", directory.file("probs.npy").path,
        ])
        #expect(float.status != 0)
        #expect(
            float.standardError.contains("soft.npy") && float.standardError.contains("1-D integer .npy"),
            "\(float.standardError)")
        try NumPyArray(floats: [Float](repeating: 0.7, count: 20), shape: [10, 2]).write(to: directory.file("bad.npy"))
        let probabilities = try FoundryCLI.run([
            "label-issues", "--labels", directory.file("labels.npy").path, "--probs", directory.file("bad.npy").path,
        ])
        #expect(probabilities.status != 0)
        #expect(
            probabilities.standardError.contains("bad.npy: row 0"), "\(probabilities.standardError)")
        try NumPyArray(integers: [0, 1, 2], shape: [3], elementType: .int8).write(to: directory.file("short.npy"))
        let short = try FoundryCLI.run([
            "label-issues", "--labels", directory.file("short.npy").path, "--probs", directory.file("probs.npy").path,
        ])
        #expect(short.status != 0 && short.standardError.contains("3 labels, but"), "\(short.standardError)")
    }
}
