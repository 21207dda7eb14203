import ArgumentParser
import Cleaning
import Foundation
import FoundryCore

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
            (never the input), with a JSON Lines change log next to it; the two are written all or nothing, so a \
            failed run leaves neither behind (decisions are saved first, so review answers survive it). Row numbers \
            in the report, the review prompts and the change log (`row`) are 0-based: row 0 is the first data row. \
            Every constraint kind, key, default and repair of the spec is described in \
            docs/reference/constraints.md.
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

    /// The change log's path: `--change-log`, or the cleaned table's path with `.changes.jsonl` appended.
    var changeLogPath: String { changeLog ?? out + ".changes.jsonl" }

    func validate() throws {
        if review && acceptAll { throw ValidationError("--review and --accept-all exclude each other") }
        if maxFailures < 0 { throw ValidationError("--max-failures must not be negative") }
        // An output must not overwrite an input or another output.
        let outputs =
            [("--out", out), ("--change-log", changeLogPath)] + (decisions.map { [("--decisions", $0)] } ?? [])
        let files = [("--input", input), ("--constraints", constraints)] + outputs
        for (index, (option, path)) in files.enumerated() where index >= 2 {
            for (earlier, earlierPath) in files[..<index] where Self.sameFile(path, earlierPath) {
                throw ValidationError(
                    "\(option) and \(earlier) name the same file (\(path)); "
                        + (index == 3 && changeLog == nil
                            ? "the change log goes to \(path) by default: choose another --out or a --change-log"
                            : "choose a different \(option) (the input and the spec are never modified)"))
            }
        }
    }

    /// Whether two paths name the same file (after resolving `.`, `..` and symbolic links).
    static func sameFile(_ a: String, _ b: String) -> Bool {
        func canonical(_ path: String) -> String {
            URL(fileURLWithPath: path).standardizedFileURL.resolvingSymlinksInPath().path
        }
        return canonical(a) == canonical(b)
    }

    func run() async throws {
        let outURL = URL(fileURLWithPath: out)
        let logURL = URL(fileURLWithPath: changeLogPath)
        let decisionsURL = decisions.map { URL(fileURLWithPath: $0) }
        // Before any work (and any review): every output's folder exists.
        for (option, url) in [("--out", outURL), ("--change-log", logURL)]
            + (decisionsURL.map { [("--decisions", $0)] } ?? [])
        {
            let folder = url.deletingLastPathComponent()
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue
            else { throw CommandFailure("\(option) \(url.path): the folder \(folder.path) does not exist") }
        }

        let table = try CleaningTable.read(URL(fileURLWithPath: input))
        let spec = try ConstraintSpec.load(URL(fileURLWithPath: constraints))
        try spec.checkColumns(table.columnNames, source: constraints)
        let validation = try spec.validate(
            table, options: ValidationOptions(includeSensitiveValues: includeSensitive, maxFailuresListed: maxFailures))
        switch report {
        case .json: print(try FoundryJSON.string(validation, pretty: true))
        case .md: print(validation.markdown(), terminator: "")
        case nil: print(validation.tableText(), terminator: "")
        }

        let plan = try RepairPlanner.plan(for: table, constraints: spec)
        var state = ReviewDecisions(fingerprint: plan.fingerprint)
        if let decisionsURL, FileManager.default.fileExists(atPath: decisionsURL.path) {
            state = try ReviewDecisions.load(decisionsURL, expectedFingerprint: plan.fingerprint)
            let diff = state.diff(plan)
            log(
                "proposals since the last run: \(diff.new.count) new, \(diff.gone.count) gone, \(diff.unchanged.count) unchanged"
            )
        }
        if acceptAll { state.decideAll(in: plan, .accept) }
        if review {
            var session = ReviewSession(plan: plan, decisions: state, table: table)
            session.run(
                readLine: { Swift.readLine(strippingNewline: true) },
                write: { message in
                    FileHandle.standardError.write(Data(message.utf8))
                })
            state = session.decisions
        }
        state.record(plan)
        // Saved first, so that the answers of a review survive a failure below.
        if let decisionsURL { try state.save(to: decisionsURL) }

        let (cleaned, changes) = try plan.apply(to: table, decisions: state)
        var changeLogText = ""
        for entry in changes { changeLogText += try FoundryJSON.string(entry) + "\n" }
        try Self.writeTogether(
            [(outURL, try cleaned.fileData(for: outURL)), (logURL, Data(changeLogText.utf8))])
        let accepted = plan.changes.filter { state.decisions[$0.id] == .accept }.count
        let rejected = plan.changes.filter { state.decisions[$0.id] == .reject }.count
        log(
            "\(plan.changes.count) proposals: \(accepted) accepted, \(rejected) rejected, \(plan.changes.count - accepted - rejected) pending; "
                + "\(changes.filter { $0.status == "applied" }.count) applied")
        log(
            "wrote \(out) (\(cleaned.rowCount) rows) and \(logURL.path) (one JSON line per accepted change; "
                + "its row is the 0-based input row)")
        if failOnError && !validation.passed { throw ExitCode(1) }
    }

    /// Writes several files all or nothing: each goes to a temporary file first (``AtomicFile``), and the files are
    /// renamed into place only when every one was written; if a later rename fails, the files already renamed are
    /// removed.
    ///
    /// - Throws: ``CommandFailure`` naming the file that could not be written.
    static func writeTogether(_ files: [(url: URL, data: Data)]) throws {
        var placed: [URL] = []
        func write(_ index: Int) throws {
            guard index < files.count else { return }
            let (url, data) = files[index]
            do {
                try AtomicFile.write(to: url) { temporary in
                    do { try data.write(to: temporary) } catch {
                        throw CommandFailure("\(url.path): cannot write (\(error.localizedDescription))")
                    }
                    try write(index + 1)
                }
            } catch let failure as CommandFailure {
                throw failure
            } catch {
                throw CommandFailure("\(error)")
            }
            placed.append(url)
        }
        do { try write(0) } catch {
            // A rename failed after an inner file was put in place: take it away again.
            for url in placed { try? FileManager.default.removeItem(at: url) }
            throw error
        }
    }

    private func log(_ message: String) { FileHandle.standardError.write(Data((message + "\n").utf8)) }
}
