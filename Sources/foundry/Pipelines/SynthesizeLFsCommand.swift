import ArgumentParser
import Foundation
import FoundryCore
import Labeling
import Pipelines
import Tabular

/// `foundry synthesize lfs`: propose labeling functions from a few labeled exemplars per class and an unlabeled pool,
/// optionally review them, and write the LF spec.
struct SynthesizeLFsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lfs",
        abstract: "Propose labeling functions (keywords, shape regexes, embedding similarity) from labeled exemplars.",
        discussion: """
            Reads the unlabeled pool (--input, the text in --text-field) and the exemplars (--exemplars: the same \
            text field and --label-field holding a class name or index). Candidates: words and two-word phrases \
            ranked by class-conditional lift on the exemplars, regexes of a fixed catalogue of shapes (links, \
            e-mails, long numbers, phone numbers, money, percentages, capitals, '!!', repeated letters, digit-letter \
            tokens) and, with --model, one embedding-similarity function per class (cosine to the class's exemplar \
            centroid, threshold tuned leave-one-out) and, for two classes, the few-shot classifier's confident votes \
            (written as similarity functions on its weight direction). With --model the pool's class prior is \
            estimated first (the share of pool rows a logistic regression on the exemplars' embeddings predicts \
            each class) and written as the spec's class_balance. Each is scored by precision under that prior on \
            the exemplars and the pool, coverage of the pool and overlap with those chosen before it; the greedy \
            choice (classes in turn) is written to --out as an LF spec (docs/reference/lf-spec.md) that `foundry apply --lfs` reads (add --model there for \
            similarity functions). --review asks keep / leave out / edit threshold for each candidate (answers from \
            standard input, prompts on standard error); --decisions FILE loads earlier answers, reapplies them and \
            saves the new ones. A failed run writes nothing.
            """)

    @Option(help: "The unlabeled pool (.csv, .tsv or .jsonl).")
    var input: String

    @Option(help: "The column holding the text (in the pool and the exemplars).")
    var textField: String

    @Option(help: "The labeled exemplars (.csv, .tsv or .jsonl) with the text field and the label field.")
    var exemplars: String

    @Option(help: "The exemplars' column holding the class (a name or an index).")
    var labelField: String = "label"

    @Option(help: "Class names, comma-separated, in index order (default: the exemplars' labels, sorted).")
    var classes: String?

    @Option(help: "Where to write the LF spec (.yaml).")
    var out: String

    @Option(help: "The encoder folder for similarity functions (all-MiniLM-L6-v2); without it none are proposed.")
    var model: String?

    @Flag(help: "Review the candidates interactively (answers from standard input).")
    var review = false

    @Option(help: "A decisions file: loaded if it exists, reapplied, updated by --review and saved.")
    var decisions: String?

    @Option(help: "The most labeling functions chosen.")
    var maxLfs: Int = 20

    @Option(help: "Seed of the pool sample (pools beyond 20,000 rows).")
    var seed: UInt64 = 0

    @Flag(help: "Print one JSON object with every candidate's figures.")
    var json = false

    func validate() throws {
        guard maxLfs >= 1 else { throw ValidationError("--max-lfs must be at least 1") }
        guard !textField.isEmpty, !labelField.isEmpty else {
            throw ValidationError("--text-field and --label-field must not be empty")
        }
        if let classes, splitList(classes).count < 2 {
            throw ValidationError("--classes needs at least two names, comma-separated")
        }
        if review && json { throw ValidationError("--review asks questions; it cannot be combined with --json") }
    }

    /// What `--json` prints.
    struct Output: Encodable {
        var input: String
        var poolRows: Int
        var exemplars: Int
        var classes: [String]
        var out: String
        var written: Int
        var classBalance: [Double]?
        var decisions: String?
        var candidates: [LFCandidate]
    }

    func run() async throws {
        let poolTable = try TableFormat.read(URL(fileURLWithPath: input))
        let pool = try poolTable.column(textField)
        guard !pool.isEmpty else { throw CommandFailure("\(input): the pool has no rows") }
        let exemplarTable = try TableFormat.read(URL(fileURLWithPath: exemplars))
        let exemplarTexts = try exemplarTable.column(textField)
        let labelCells = try exemplarTable.column(labelField)
        let classNames = classes.map(splitList) ?? Self.classNames(from: labelCells)
        guard classNames.count >= 2 else {
            throw CommandFailure(
                "\(exemplars): the exemplars' '\(labelField)' column holds \(classNames.count) class(es) "
                    + "(\(classNames.joined(separator: ", "))); give exemplars of at least two classes")
        }
        let labels = try exemplarTable.classIndices(column: labelField, classNames: classNames)
        if let row = labels.firstIndex(of: TextTable.unknownClass) {
            throw CommandFailure(
                "\(exemplars):\(exemplarTable.lineNumbers[row]): column '\(labelField)' is empty; every exemplar needs "
                    + "a class (\(classNames.joined(separator: ", ")))")
        }
        if model != nil { try requireBLAS() }
        let embedder = try model.map { try SentenceEmbedder(directory: URL(fileURLWithPath: $0)) }
        var configuration = LFSynthesizer.Configuration()
        configuration.maxLFs = maxLfs
        configuration.seed = seed
        configuration.encoder = model.map { Self.relativePath(of: $0, from: URL(fileURLWithPath: out)) }
        let synthesizer = LFSynthesizer(configuration: configuration)
        let proposal = try synthesizer.synthesize(
            pool: pool, exemplars: zip(exemplarTexts, labels).map { (text: $0, label: $1) }, classes: classNames,
            embedder: embedder)
        var candidates = proposal.candidates
        guard !candidates.isEmpty else {
            throw CommandFailure(
                "no labeling function could be proposed from \(exemplars) (no term or shape qualifies)")
        }

        let decisionsURL = decisions.map { URL(fileURLWithPath: $0) }
        var state = LFReviewDecisions()
        if let decisionsURL, FileManager.default.fileExists(atPath: decisionsURL.path) {
            state = try LFReviewDecisions.load(decisionsURL)
        }
        candidates = state.applied(to: candidates)
        if review {
            var session = LFReviewSession(candidates: candidates, decisions: state) { candidate in
                try synthesizer.rescore(candidate, pool: pool, classes: classNames, embedder: embedder)
            }
            session.run(
                readLine: { Swift.readLine(strippingNewline: true) },
                write: { FileHandle.standardError.write(Data($0.utf8)) })
            candidates = session.candidates
            state = session.decisions
        }
        // Saved first, so that the answers of a review survive a failure below.
        if let decisionsURL { try state.save(to: decisionsURL) }
        let spec = LFSynthesizer.spec(of: candidates, classes: classNames, classBalance: proposal.classBalance)
        guard !spec.labelingFunctions.isEmpty else {
            throw CommandFailure("every candidate was left out; nothing to write to \(out)")
        }
        let text = LFSpecWriter.yaml(
            spec,
            header: [
                "Labeling functions synthesized by `foundry synthesize lfs` from \(exemplarTexts.count) exemplars "
                    + "(\(URL(fileURLWithPath: exemplars).lastPathComponent)) and \(pool.count) pool rows "
                    + "(\(URL(fileURLWithPath: input).lastPathComponent))."
            ])
        try AtomicFile.write(Data(text.utf8), to: URL(fileURLWithPath: out))
        if json {
            try printJSON(
                Output(
                    input: input, poolRows: pool.count, exemplars: exemplarTexts.count, classes: classNames, out: out,
                    written: spec.labelingFunctions.count, classBalance: spec.classBalance, decisions: decisions,
                    candidates: candidates))
            return
        }
        print(
            "\(spec.labelingFunctions.count) labeling functions from \(exemplarTexts.count) exemplars and "
                + "\(pool.count) pool rows → \(out)")
        for candidate in candidates where candidate.accepted {
            print(
                "  \(candidate.name): \(candidate.spec.label) when it \(candidate.rule) — precision "
                    + String(format: "%.2f", candidate.precision) + ", coverage "
                    + String(format: "%.1f%%", candidate.coverage * 100))
        }
    }

    /// The distinct labels, sorted (numerically when all are integers); empty cells are left out.
    static func classNames(from labels: [String]) -> [String] {
        let distinct = Set(labels.filter { !$0.isEmpty })
        if distinct.allSatisfy({ Int($0) != nil }) {
            return distinct.sorted { (Int($0) ?? 0) < (Int($1) ?? 0) }
        }
        return distinct.sorted()
    }

    /// `path` relative to the folder of `file` when both are under a common folder, else absolute.
    static func relativePath(of path: String, from file: URL) -> String {
        let target = URL(fileURLWithPath: path).standardizedFileURL.pathComponents
        let base = file.standardizedFileURL.deletingLastPathComponent().pathComponents
        var common = 0
        while common < min(target.count, base.count), target[common] == base[common] { common += 1 }
        guard common > 1 else { return URL(fileURLWithPath: path).standardizedFileURL.path }
        let ups = [String](repeating: "..", count: base.count - common)
        return (ups + target[common...]).joined(separator: "/")
    }
}
