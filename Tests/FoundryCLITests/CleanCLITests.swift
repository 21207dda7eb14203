import Foundation
import FoundryTestSupport
import Testing

/// `foundry clean` and `foundry bench clean` as a user meets them: what review prompts show, how rows are numbered,
/// the JSON they write, argument mistakes (with the subcommand's usage) versus data problems (without), and outputs
/// written all or nothing.
@Suite(.enabled(if: FoundryCLI.isAvailable, "the foundry binary is not built (swift build --build-tests builds it)"))
struct CleanCLITests {
    static let csv =
        "id,label,text\n1,ham,hello there\n2, SPAM,mail me at a@b.co\n3,ham,hello there\n4,spam,hello there!\n"
    static let spec = """
        constraints:
          - kind: allowed_values
            column: label
            values: [ham, spam]
            repair: {standardize: [trim, lowercase]}
          - kind: no_pii
            column: text
            repair: {redact_pii: redact}
          - kind: unique
            columns: [text]
            repair: keep_first
          - kind: near_duplicates
            column: text
            threshold: 0.5
            repair: keep_first
        """

    /// A folder holding `in.csv` and `spec.yaml`.
    func fixture(csv: String = Self.csv) throws -> TemporaryDirectory {
        let directory = TemporaryDirectory(prefix: "clean-cli")
        try directory.write("in.csv", csv)
        try directory.write("spec.yaml", Self.spec)
        return directory
    }

    /// Runs `foundry arguments…` in `directory` with `stdin` as standard input.
    func run(_ arguments: [String], stdin: String = "", in directory: URL) throws -> FoundryCLI.Output {
        try FoundryCLI.run(arguments, in: directory, stdin: stdin)
    }

    func clean(_ extra: [String], stdin: String = "", in directory: TemporaryDirectory) throws -> FoundryCLI.Output {
        try run(
            ["clean", "--input", "in.csv", "--constraints", "spec.yaml", "--out", "out.csv"] + extra, stdin: stdin,
            in: directory.url)
    }

    func files(in directory: TemporaryDirectory) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: directory.url.path).sorted()
    }

    // MARK: - clean

    @Test func reviewPromptsShowTheRowsTextAndTheRowItDuplicates() throws {
        let directory = try fixture()
        let output = try clean(["--review"], stdin: "s\ns\ns\ns\ns\n", in: directory)
        #expect(output.status == 0)
        let prompts = output.standardError
        #expect(
            prompts.contains(
                "[1/5] allowed_values(label) — row 1 (0-based): set label \" SPAM\" → \"spam\"\n"
                    + "  reason: ' SPAM' is not an allowed value\n"
                    + "  row 1  id: \"2\" · text: \"mail me at a@b.co\"\n"))
        #expect(
            prompts.contains(
                "[3/5] unique(text) — drop row 2 (0-based): a duplicate of row 0\n"
                    + "  row 2  text: \"hello there\"\n"
                    + "         id: \"3\" · label: \"ham\"\n"
                    + "  row 0  text: \"hello there\"  ← the row it repeats\n"))
        #expect(
            prompts.contains(
                "[5/5] near_duplicates(text) — drop row 3 (0-based): a near-duplicate of row 2 (estimated Jaccard 0.88)\n"
                    + "  row 3  text: \"hello there!\"\n"
                    + "         id: \"4\" · label: \"spam\"\n"
                    + "  row 2  text: \"hello there\"  ← the row it repeats\n"))
    }

    @Test func reportsSayRowNumbersAreZeroBased() throws {
        let directory = try fixture()
        let text = try clean([], in: directory)
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("Row numbers are 0-based: row 0 is the first data row.\n"))
        #expect(text.standardOutput.contains("  row 2: duplicate of row 0 — hello there\n"))
        let markdown = try clean(["--report", "md"], in: directory)
        #expect(markdown.standardOutput.contains("| row (0-based) | reason | value |\n|---:|---|---|\n| 2 | duplicate"))
        let help = try run(["clean", "--help"], in: directory.url)
        #expect(help.standardOutput.contains("0-based"))
    }

    @Test func theChangeLogAndTheJSONReportAreInFoundrysEncoding() throws {
        let directory = try fixture()
        let output = try clean(["--accept-all", "--report", "json"], in: directory)
        #expect(output.status == 0)
        let report = try output.json()
        #expect(report["row_count"] as? Int == 4 && (report["results"] as? [Any])?.count == 4)
        let log = try String(contentsOf: directory.file("out.csv.changes.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n").map(String.init)
        #expect(lines.count == 5)
        #expect(
            lines.first
                == #"{"action":{"set_cell":{"column":"label","from":" SPAM","to":"spam"}},"constraint":"allowed_values(label)","id":"c53140e82ea9ea1adbb3ec0db61c3edd","reason":"' SPAM' is not an allowed value","row":1,"status":"applied"}"#
        )
        #expect(
            lines.last
                == #"{"action":{"drop_row":{}},"constraint":"near_duplicates(text)","id":"af28dfdc6a560c272a0b69703f4c5334","reason":"near-duplicate of row 2 (estimated Jaccard 0.88)","row":3,"status":"applied"}"#
        )
        #expect(
            try String(contentsOf: directory.file("out.csv"), encoding: .utf8)
                == "id,label,text\n1,ham,hello there\n2,spam,mail me at [EMAIL]\n")
    }

    @Test func anOutputNamingAnInputOrAnotherOutputIsAnArgumentMistake() throws {
        let directory = try fixture()
        for (extra, message) in [
            (["--change-log", "in.csv"], "--change-log and --input name the same file"),
            (["--decisions", "./spec.yaml"], "--decisions and --constraints name the same file"),
            (["--decisions", "out.csv.changes.jsonl"], "--decisions and --change-log name the same file"),
            (["--change-log", "out.csv"], "--change-log and --out name the same file"),
        ] {
            let output = try clean(extra + ["--accept-all"], in: directory)
            #expect(output.status == 64, "\(extra)")
            #expect(output.standardError.contains(message), "\(extra): \(output.standardError)")
            #expect(output.standardError.contains("Usage: foundry clean"))
        }
        #expect(try String(contentsOf: directory.file("in.csv"), encoding: .utf8) == Self.csv)
        #expect(try files(in: directory) == ["in.csv", "spec.yaml"])
    }

    @Test func aFailedWriteLeavesNeitherTheCleanedFileNorTheChangeLog() throws {
        let directory = try fixture()
        // The change log cannot be put in place (a folder has its name) after the cleaned table was written.
        try FileManager.default.createDirectory(at: directory.file("log.jsonl"), withIntermediateDirectories: false)
        let output = try clean(["--accept-all", "--change-log", "log.jsonl"], in: directory)
        #expect(output.status == 1)
        #expect(output.standardError.contains("log.jsonl") && !output.standardError.contains("Usage:"))
        #expect(try files(in: directory) == ["in.csv", "log.jsonl", "spec.yaml"])
        // An earlier cleaned file is left as it was.
        try directory.write("out.csv", "earlier\n")
        _ = try clean(["--accept-all", "--change-log", "log.jsonl"], in: directory)
        #expect(try String(contentsOf: directory.file("out.csv"), encoding: .utf8) == "earlier\n")
        #expect(try files(in: directory) == ["in.csv", "log.jsonl", "out.csv", "spec.yaml"])
    }

    @Test func aTableTSVCannotHoldIsRefusedAndNothingIsWritten() throws {
        let directory = try fixture(csv: "id,label,text\n1,ham,\"tab\there\"\n2,ham,fine\n")
        let output = try run(
            ["clean", "--input", "in.csv", "--constraints", "spec.yaml", "--out", "out.tsv", "--accept-all"],
            in: directory.url)
        #expect(output.status == 1)
        #expect(output.standardError.contains("out.tsv") && output.standardError.contains("TSV cannot store"))
        #expect(try files(in: directory) == ["in.csv", "spec.yaml"])
    }

    @Test func aMissingOutputFolderFailsBeforeAnyQuestionWithoutUsage() throws {
        let directory = try fixture()
        let output = try clean(["--review", "--out", "nope/out.csv"], stdin: "y\ny\ny\ny\ny\n", in: directory)
        #expect(output.status == 1)
        #expect(output.standardError.contains("--out") && output.standardError.contains("does not exist"))
        #expect(!output.standardError.contains("Usage:") && !output.standardError.contains("proposed changes"))
        #expect(try files(in: directory) == ["in.csv", "spec.yaml"])
    }

    // MARK: - bench clean

    /// Six messages: a duplicate text, a label outside {ham, spam}, an empty text, a control character, an email
    /// address and a phone number.
    static let messages =
        [
            "ham\thello there", "spam\twin cash, mail me at a@b.co", "eggs\thello there", "ham\t", "ham\tbell\u{7}here",
            "spam\tcall +44 (0)20 7946 0958 now",
        ].joined(separator: "\n") + "\n"

    @Test func benchCleanPrintsItsKeysAndCountsOfKnownFailures() throws {
        let directory = TemporaryDirectory(prefix: "bench-clean")
        try directory.write("sms.tsv", Self.messages)
        let output = try run(["bench", "clean", "--rows", "12", "--data", "sms.tsv"], in: directory.url)
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        // The keys `bench clean --rows 1000000` printed before its output became a Codable record, plus the
        // machine every bench JSON names.
        #expect(
            Set(json.keys) == [
                "checks", "failures_per_check", "machine", "rows", "rows_per_second", "seconds",
                "seconds_per_check_sequential",
            ])
        let machine = try #require(json["machine"] as? [String: Any])
        #expect(machine["cpu"] is [String: Any] && machine["blas"] is [String: Any])
        #expect(json["rows"] as? Int == 12 && json["checks"] as? Int == 8)
        // Two cycles of the six messages: not null, length, label, id, control characters, email, phone, and
        // 1 + 6 repeated texts.
        #expect(json["failures_per_check"] as? [Int] == [0, 2, 2, 0, 2, 2, 2, 7])
        #expect((json["seconds_per_check_sequential"] as? [Double])?.count == 8)
    }

    @Test func benchNearDuplicatesPrintsItsKeys() throws {
        let directory = TemporaryDirectory(prefix: "bench-clean")
        try directory.write("sms.tsv", Self.messages)
        let output = try run(
            ["bench", "clean", "--near-duplicates", "--rows", "300", "--data", "sms.tsv"], in: directory.url)
        #expect(output.status == 0, "\(output.standardError)")
        let json = try output.json()
        #expect(
            Set(json.keys) == [
                "bands", "machine", "other_rows_flagged", "other_rows_flagged_with_true_jaccard_at_least_threshold",
                "planted",
                "planted_with_true_jaccard_at_least_threshold", "recall", "recall_true_jaccard_at_least_threshold",
                "rows_per_band", "seconds", "texts", "texts_per_second", "threshold",
            ])
        #expect(json["texts"] as? Int == 300 && json["planted"] as? Int == 15 && json["threshold"] as? Double == 0.8)
        #expect(json["bands"] as? Int == 14 && json["rows_per_band"] as? Int == 9)
    }

    @Test func benchArgumentMistakesShowUsageAndDataProblemsDoNot() throws {
        let directory = TemporaryDirectory(prefix: "bench-clean")
        for threshold in ["1.5", "0", "nan"] {
            let output = try run(
                ["bench", "clean", "--near-duplicates", "--rows", "10", "--threshold", threshold], in: directory.url)
            #expect(output.status == 64, "--threshold \(threshold)")
            #expect(output.standardError.contains("--threshold must be in (0, 1]"))
            #expect(output.standardError.contains("Usage: foundry bench clean"))
        }
        let missing = try run(["bench", "clean", "--rows", "10", "--data", "missing.tsv"], in: directory.url)
        #expect(missing.status == 1)
        #expect(missing.standardError.contains("missing.tsv") && missing.standardError.contains("--data"))
        #expect(!missing.standardError.contains("Usage:"))
        try directory.write("bad.tsv", "ham\tfine\nno tab here\n")
        let bad = try run(["bench", "clean", "--rows", "10", "--data", "bad.tsv"], in: directory.url)
        #expect(bad.status == 1 && bad.standardError.contains("bad.tsv:2: expected label<TAB>text"))
        #expect(!bad.standardError.contains("Usage:"))
        try directory.write("empty.tsv", "\n")
        for extra in [[], ["--near-duplicates"]] {
            let empty = try run(["bench", "clean", "--rows", "10", "--data", "empty.tsv"] + extra, in: directory.url)
            #expect(empty.status == 1 && empty.standardError.contains("empty.tsv"), "\(extra)")
            #expect(!empty.standardError.contains("Usage:"))
        }
    }
}
