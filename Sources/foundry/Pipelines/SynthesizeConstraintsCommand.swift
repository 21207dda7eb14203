import ArgumentParser
import Cleaning
import Foundation
import FoundryCore

/// `foundry synthesize constraints`: profile a clean table (or a seeded sample of it), suggest constraints, review
/// them, and write a constraint spec that `foundry clean --constraints` reads.
struct SynthesizeConstraintsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "constraints",
        abstract: "Suggest a constraint spec from a clean CSV/TSV/JSONL table (as Deequ's constraint suggestion does).",
        discussion: """
            Profiles every column (or --columns) of the input — or of a seeded random sample of --sample rows — \
            and suggests constraints: not_null, parses (type), allowed_values for categorical columns, range with a \
            margin, length (min: Tukey's fence on the log-length; max: --max-length-factor × the longest text \
            seen), valid_text, a regex when every value has one shape, unique. Each suggestion is written with its \
            rule and reason as a comment. --review asks accept / reject / edit for each suggestion without a \
            decision (answers from standard input, prompts on standard error; an edit is a line such as \
            `min=5 max=2000`). --decisions FILE loads earlier decisions (by constraint name), shows which \
            suggestions are new or gone since the last run, and saves the decisions back; without --review, \
            undecided suggestions are written and rejected ones left out. The spec is written all or nothing. The \
            rules and their defaults are described in docs/reference/constraint-synthesis.md.
            """)

    @Option(help: "The clean input table (.csv, .tsv or .jsonl). It is never modified.")
    var input: String

    @Option(help: "Where to write the constraint spec (.yaml).")
    var out: String

    @Option(help: "Profile a seeded random sample of this many rows instead of the whole table.")
    var sample: Int?

    @Option(help: "The seed of the sample.")
    var seed: UInt64 = 0

    @Option(help: "Profile only these columns (comma-separated).")
    var columns: String?

    @Flag(help: "Review the suggestions interactively (answers from standard input).")
    var review = false

    @Option(help: "A decisions file: loaded if it exists, updated and saved.")
    var decisions: String?

    @Option(help: "Share of a numeric column's span added on each side of its range.")
    var rangeMargin = 0.1

    @Option(help: "Tukey's k of the log-length fence that sets a text column's minimum length.")
    var lengthFence = 1.5

    @Option(help: "A text column's maximum length is this multiple of the longest value seen.")
    var maxLengthFactor = 2.0

    @Option(help: "A categorical column has at most this many distinct values (and at most 10 % of its cells).")
    var maxCategoricalValues = 20

    @Flag(help: "Print the profile and the suggestions as JSON.")
    var json = false

    func validate() throws {
        if let sample, sample < 1 { throw ValidationError("--sample must be at least 1") }
        if rangeMargin < 0 { throw ValidationError("--range-margin must not be negative") }
        if lengthFence < 0 { throw ValidationError("--length-fence must not be negative") }
        if maxLengthFactor < 1 { throw ValidationError("--max-length-factor must be at least 1") }
        if maxCategoricalValues < 1 { throw ValidationError("--max-categorical-values must be at least 1") }
        if let columns, columns.split(separator: ",").isEmpty {
            throw ValidationError("--columns needs at least one column name")
        }
        if CleanCommand.sameFile(out, input) {
            throw ValidationError("--out and --input name the same file (\(out)); the input is never modified")
        }
        if let decisions {
            for (option, path) in [("--input", input), ("--out", out)] where CleanCommand.sameFile(decisions, path) {
                throw ValidationError("--decisions and \(option) name the same file (\(decisions))")
            }
        }
    }

    /// One suggestion as printed by `--json`.
    struct SuggestionRecord: Encodable {
        var name: String
        var kind: String
        var rule: String
        var column: String?
        var reason: String
        var figures: [SuggestionFigure]
        /// `accept`, `reject`, `edit`, or `undecided`.
        var decision: String
        var written: Bool
        /// The constraint as a spec list item (the edited one for an edit).
        var spec: String
    }

    /// What `--json` prints.
    struct Output: Encodable {
        var input: String
        var rows: Int
        var sampleRows: Int
        var seed: UInt64?
        var out: String
        var decisions: String?
        var profile: TableProfile
        var suggestions: [SuggestionRecord]
        var written: Int
    }

    func run() async throws {
        let outURL = URL(fileURLWithPath: out)
        let decisionsURL = decisions.map { URL(fileURLWithPath: $0) }
        for (option, url) in [("--out", outURL)] + (decisionsURL.map { [("--decisions", $0)] } ?? []) {
            let folder = url.deletingLastPathComponent()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw CommandFailure("\(option) \(url.path): the folder \(folder.path) does not exist") }
        }

        var table = try CleaningTable.read(URL(fileURLWithPath: input))
        if let columns {
            let names = columns.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
            let indices = try names.map { name -> Int in
                guard let index = table.columnIndex(name) else {
                    throw CommandFailure(
                        "--columns: \(input) has no column named '\(name)' (columns: "
                            + "\(table.columnNames.joined(separator: ", ")))")
                }
                return index
            }
            table = CleaningTable(
                source: table.source, columnNames: indices.map { table.columnNames[$0] },
                columns: indices.map { table.columns[$0] }, rowIDs: table.rowIDs)
        }
        let rows = table.rowCount
        let profiled = try sample.map { try table.sample(rows: $0, seed: seed) } ?? table
        let profile = TableProfile.profile(
            profiled, configuration: TableProfile.Configuration(maxCategoricalValues: maxCategoricalValues),
            populationRows: rows)
        let suggester = ConstraintSuggester(
            configuration: ConstraintSuggester.Configuration(
                rangeMargin: rangeMargin, lengthFence: lengthFence, maxLengthFactor: maxLengthFactor))
        let suggestions = suggester.suggest(profile: profile)

        let fingerprint = profiled.fingerprint
        var state = SuggestionDecisions(fingerprint: fingerprint)
        if let decisionsURL, FileManager.default.fileExists(atPath: decisionsURL.path) {
            state = try SuggestionDecisions.load(decisionsURL)
            let diff = state.diff(suggestions)
            log(
                "suggestions since the last run: \(diff.new.count) new, \(diff.gone.count) gone, "
                    + "\(diff.kept.count) kept; \(state.pending(in: suggestions).count) without a decision"
                    + (state.fingerprint == fingerprint
                        ? "" : " (the profiled data changed; decisions re-apply by name)"))
        }
        if review {
            var session = SuggestionReview(suggestions: suggestions, decisions: state)
            session.run(
                readLine: { Swift.readLine(strippingNewline: true) },
                write: { message in FileHandle.standardError.write(Data(message.utf8)) })
            state = session.decisions
        }
        state.record(suggestions, fingerprint: fingerprint)
        // Saved first, so that the answers of a review survive a failure below.
        if let decisionsURL { try state.save(to: decisionsURL) }

        let resolved = try state.resolve(suggestions, source: decisions ?? "<decisions>")
        let chosen = resolved.map(\.0)
        try ConstraintSet(chosen.map(\.constraint)).validateDefinitions(source: out)
        let header = [
            "Constraints suggested by `foundry synthesize constraints` from \(input)",
            "(\(profiled.rowCount) of \(rows) rows profiled" + (sample == nil ? ")" : ", seed \(seed))")
                + ". Each comment names the rule and the figures it came from; edit freely.",
        ]
        let text = ConstraintSpecWriter.yaml(chosen, header: header)
        do { try AtomicFile.write(Data(text.utf8), to: outURL) } catch {
            throw CommandFailure("\(out): cannot write the spec (\(error))")
        }

        let written = Dictionary(resolved.map { ($0.0.id, $0) }, uniquingKeysWith: { first, _ in first })
        let records = suggestions.map { suggestion -> SuggestionRecord in
            let entry = written[suggestion.id]
            let decision = state.entry(suggestion.id).map(\.decision.rawValue) ?? "undecided"
            let pending = state.pending(in: [suggestion]).isEmpty == false
            return SuggestionRecord(
                name: suggestion.id, kind: suggestion.constraint.kind.keyword, rule: suggestion.rule.rawValue,
                column: suggestion.column, reason: suggestion.reason, figures: suggestion.figures,
                decision: pending ? "undecided" : decision, written: entry != nil,
                spec: ConstraintSpecWriter.item(entry?.0.constraint ?? suggestion.constraint))
        }
        if json {
            try printJSON(
                Output(
                    input: input, rows: rows, sampleRows: profiled.rowCount, seed: sample == nil ? nil : seed, out: out,
                    decisions: decisions, profile: profile, suggestions: records, written: chosen.count))
        } else {
            print("\(suggestions.count) constraints suggested from \(profiled.rowCount) of \(rows) rows:")
            let width = records.map(\.name.count).max() ?? 0
            for record in records {
                let mark = record.written ? (record.decision == "edit" ? "edited " : "written") : "left out"
                print(
                    "  \(mark.padding(toLength: 8, withPad: " ", startingAt: 0)) "
                        + "\(record.name.padding(toLength: width, withPad: " ", startingAt: 0))  \(record.reason)")
            }
            print("wrote \(chosen.count) constraints to \(out)")
        }
    }

    private func log(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}
