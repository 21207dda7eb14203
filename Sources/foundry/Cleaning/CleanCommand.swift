import ArgumentParser
import Cleaning
import Foundation

/// `foundry clean`: validate a table against a constraint spec, review the proposed repairs, write a cleaned copy.
struct CleanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clean",
        abstract:
            "Validate a CSV/TSV/JSONL file against constraints, review proposed repairs and write a cleaned copy.",
        discussion: """
            The validation report goes to standard output (an aligned table, or --report json|md). Repairs declared \
            by the constraints become proposals with stable ids. --review asks accept/reject for each pending \
            proposal on the terminal (answers read from standard input; prompts go to standard error). --decisions \
            FILE loads earlier decisions (they must be for the same data), shows which proposals are new, gone or \
            unchanged since the last run, and saves the decisions back; it combines with --review or --accept-all. \
            --accept-all accepts every pending proposal. Accepted changes are applied to a copy written to --out \
            (never the input), with a JSON Lines change log next to it. Every constraint kind, key, default and \
            repair of the spec is described in docs/reference/constraints.md.
            """)

    @Option(help: "The input table (.csv, .tsv or .jsonl). It is never modified.")
    var input: String

    @Option(help: "The constraint spec (.yaml, .yml or .json).")
    var constraints: String

    @Option(help: "Report format on standard output: json or md (default: an aligned table).")
    var report: ReportFormat?

    @Flag(help: "Review pending proposals interactively (answers from standard input).")
    var review = false

    @Option(help: "A decisions file: loaded if it exists (same data only), updated and saved.")
    var decisions: String?

    @Flag(help: "Accept every pending proposal.")
    var acceptAll = false

    @Option(help: "Where to write the cleaned table (.csv, .tsv or .jsonl).")
    var out: String

    @Option(help: "Where to write the change log (default: OUT.changes.jsonl).")
    var changeLog: String?

    @Flag(help: "Show values of sensitive constraints (PII) in the report.")
    var includeSensitive = false

    @Option(help: "Failing rows listed per constraint in the report (all are counted).")
    var maxFailures = 1000

    @Flag(help: "Exit with status 1 when an error-severity constraint fails (after writing the outputs).")
    var failOnError = false

    enum ReportFormat: String, ExpressibleByArgument, CaseIterable {
        case json
        case md
    }

    func validate() throws {
        if review && acceptAll { throw ValidationError("--review and --accept-all exclude each other") }
        if maxFailures < 0 { throw ValidationError("--max-failures must not be negative") }
        if URL(fileURLWithPath: input).standardizedFileURL == URL(fileURLWithPath: out).standardizedFileURL {
            throw ValidationError("--out must differ from --input: the input file is never modified")
        }
    }

    func run() async throws {
        let table = try CleaningTable.read(URL(fileURLWithPath: input))
        let spec = try ConstraintSpec.load(URL(fileURLWithPath: constraints))
        try spec.checkColumns(table.columnNames, source: constraints)
        let validation = try spec.validate(
            table, options: ValidationOptions(includeSensitiveValues: includeSensitive, maxFailuresListed: maxFailures))
        switch report {
        case .json: print(String(decoding: try validation.jsonData(), as: UTF8.self))
        case .md: print(validation.markdown(), terminator: "")
        case nil: print(validation.tableText(), terminator: "")
        }

        let plan = try RepairPlanner.plan(for: table, constraints: spec)
        var state = ReviewDecisions(fingerprint: plan.fingerprint)
        if let decisions, FileManager.default.fileExists(atPath: decisions) {
            state = try ReviewDecisions.load(URL(fileURLWithPath: decisions), expectedFingerprint: plan.fingerprint)
            let diff = state.diff(plan)
            log(
                "proposals since the last run: \(diff.new.count) new, \(diff.gone.count) gone, \(diff.unchanged.count) unchanged"
            )
        }
        if acceptAll { state.decideAll(in: plan, .accept) }
        if review {
            var session = ReviewSession(plan: plan, decisions: state)
            session.run(
                readLine: { Swift.readLine(strippingNewline: true) },
                write: { message in
                    FileHandle.standardError.write(Data(message.utf8))
                })
            state = session.decisions
        }
        state.record(plan)
        if let decisions { try state.save(to: URL(fileURLWithPath: decisions)) }

        let (cleaned, changes) = try plan.apply(to: table, decisions: state)
        let outURL = URL(fileURLWithPath: out)
        try cleaned.write(to: outURL)
        let logURL = URL(fileURLWithPath: changeLog ?? out + ".changes.jsonl")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var lines = Data()
        for entry in changes {
            lines.append(try encoder.encode(entry))
            lines.append(0x0A)
        }
        try lines.write(to: logURL, options: .atomic)
        let accepted = plan.changes.filter { state.decisions[$0.id] == .accept }.count
        let rejected = plan.changes.filter { state.decisions[$0.id] == .reject }.count
        log(
            "\(plan.changes.count) proposals: \(accepted) accepted, \(rejected) rejected, \(plan.changes.count - accepted - rejected) pending; "
                + "\(changes.filter { $0.status == "applied" }.count) applied")
        log("wrote \(out) (\(cleaned.rowCount) rows) and \(logURL.path)")
        if failOnError && !validation.passed { throw ExitCode(1) }
    }

    private func log(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}
