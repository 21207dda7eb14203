import Foundation
import FoundryTestSupport
import Testing

/// `foundry synthesize constraints` as a user meets it: a spec that `foundry clean` accepts, the review loop through
/// standard input with decisions saved and re-applied, argument mistakes (with usage) versus data problems (without).
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct SynthesizeConstraintsCLITests {
    /// 40 clean rows: id, label, text.
    static let csv: String = {
        var lines = ["id,label,text"]
        for row in 0..<40 {
            let words = String(repeating: " and more", count: row % 9)
            lines.append("\(row),\(row % 4 == 0 ? "spam" : "ham"),message \(row)\(words)")
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    /// Runs `foundry arguments…` in `directory` with `stdin` as standard input.
    func run(_ arguments: [String], stdin: String = "", in directory: URL) throws -> FoundryCLI.Output {
        try FoundryCLI.run(arguments, in: directory, stdin: stdin)
    }

    func fixture() throws -> TemporaryDirectory {
        let directory = TemporaryDirectory(prefix: "synthesize-cli")
        try directory.write("in.csv", Self.csv)
        return directory
    }

    @Test func writesASpecThatCleanAccepts() throws {
        let directory = try fixture()
        let output = try run(
            ["synthesize", "constraints", "--input", "in.csv", "--out", "c.yaml", "--json"], in: directory.url)
        #expect(output.status == 0, "\(output.standardError)")
        let json = try #require(
            try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any])
        let suggestions = try #require(json["suggestions"] as? [[String: Any]])
        let names = suggestions.compactMap { $0["name"] as? String }
        #expect(
            names.contains("unique(id)") && names.contains("allowed_values(label)") && names.contains("length(text)"))
        #expect(json["written"] as? Int == suggestions.count && json["rows"] as? Int == 40)
        let profile = try #require(json["profile"] as? [String: Any])
        let columns = try #require(profile["columns"] as? [[String: Any]])
        #expect(columns.map { $0["inferred_type"] as? String } == ["integer", "text", "text"])
        let spec = try String(contentsOf: directory.url.appendingPathComponent("c.yaml"), encoding: .utf8)
        #expect(spec.contains("# categorical_range: 2 distinct values"))
        // The clean input passes the synthesized spec.
        let clean = try run(
            ["clean", "--input", "in.csv", "--constraints", "c.yaml", "--out", "cleaned.csv", "--fail-on-error"],
            in: directory.url)
        #expect(clean.status == 0, "\(clean.standardOutput)\(clean.standardError)")
    }

    @Test func reviewThroughStandardInputWithDecisions() throws {
        let directory = try fixture()
        let arguments = [
            "synthesize", "constraints", "--input", "in.csv", "--out", "c.yaml", "--review", "--decisions", "d.json",
        ]
        // not_null(id): reject; parses(id): accept; range(id): edit to max 1000; the rest accepted.
        let first = try run(arguments, stdin: "n\ny\ne\nmax=1000\nA\n", in: directory.url)
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.contains("[1/") && first.standardError.contains("accept? [y]es [n]o [e]dit"))
        let spec = try String(contentsOf: directory.url.appendingPathComponent("c.yaml"), encoding: .utf8)
        #expect(!spec.contains("kind: not_null\n    column: \"id\""))
        #expect(spec.contains("kind: range\n    column: \"id\"\n    min: 0\n    max: 1000"))
        #expect(spec.contains("[edited in review]"))
        let decisions = try String(contentsOf: directory.url.appendingPathComponent("d.json"), encoding: .utf8)
        #expect(decisions.contains("\"decision\" : \"reject\"") && decisions.contains("\"decision\" : \"edit\""))

        // A second run re-applies the decisions without asking and writes the same spec.
        try FileManager.default.removeItem(at: directory.url.appendingPathComponent("c.yaml"))
        let second = try run(arguments, stdin: "", in: directory.url)
        #expect(second.status == 0)
        #expect(second.standardError.contains("0 suggested constraints to review."))
        #expect(second.standardError.contains("0 new, 0 gone"))
        #expect(try String(contentsOf: directory.url.appendingPathComponent("c.yaml"), encoding: .utf8) == spec)
    }

    @Test func sampleAndSeedChooseTheRowsProfiled() throws {
        let directory = try fixture()
        let a = try run(
            [
                "synthesize", "constraints", "--input", "in.csv", "--out", "a.yaml", "--sample", "20", "--seed", "3",
                "--json",
            ], in: directory.url)
        let b = try run(
            ["synthesize", "constraints", "--input", "in.csv", "--out", "b.yaml", "--sample", "20", "--seed", "3"],
            in: directory.url)
        #expect(a.status == 0 && b.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(a.standardOutput.utf8)) as? [String: Any])
        #expect(json["sample_rows"] as? Int == 20 && json["seed"] as? Int == 3)
        #expect(b.standardOutput.contains("from 20 of 40 rows"))
        #expect(
            try String(contentsOf: directory.url.appendingPathComponent("a.yaml"), encoding: .utf8)
                == String(contentsOf: directory.url.appendingPathComponent("b.yaml"), encoding: .utf8))
    }

    @Test func badInputsAreClearErrors() throws {
        let directory = try fixture()
        try directory.write("empty.csv", "")
        try directory.write("header.csv", "id,text\n")
        func synthesize(_ extra: [String]) throws -> FoundryCLI.Output {
            try run(["synthesize", "constraints", "--out", "c.yaml"] + extra, in: directory.url)
        }
        let empty = try synthesize(["--input", "empty.csv"])
        #expect(
            empty.status != 0 && empty.standardError.contains("empty.csv") && !empty.standardError.contains("Usage:"))
        let header = try synthesize(["--input", "header.csv"])
        #expect(header.status != 0 && header.standardError.contains("header.csv"))
        let large = try synthesize(["--input", "in.csv", "--sample", "41"])
        #expect(large.status != 0 && large.standardError.contains("41 rows was asked for, but the table has only 40"))
        #expect(!large.standardError.contains("Usage:"))
        let column = try synthesize(["--input", "in.csv", "--columns", "id,txt"])
        #expect(column.status != 0 && column.standardError.contains("no column named 'txt'"))
        #expect(column.standardError.contains("columns: id, label, text"))
        let zero = try synthesize(["--input", "in.csv", "--sample", "0"])
        #expect(zero.status != 0 && zero.standardError.contains("--sample must be at least 1"))
        #expect(zero.standardError.contains("Usage:"))
        let same = try run(
            ["synthesize", "constraints", "--input", "in.csv", "--out", "in.csv"], in: directory.url)
        #expect(same.status != 0 && same.standardError.contains("the input is never modified"))
        let folder = try run(
            ["synthesize", "constraints", "--input", "in.csv", "--out", "nope/c.yaml"], in: directory.url)
        #expect(folder.status != 0 && folder.standardError.contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: directory.url.appendingPathComponent("c.yaml").path))
        let missing = try synthesize(["--input", "missing.csv"])
        #expect(missing.status != 0 && missing.standardError.contains("missing.csv"))
    }
}
