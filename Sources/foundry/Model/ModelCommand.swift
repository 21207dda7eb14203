import ArgumentParser
import Foundation
import FoundryCore
import ModelRepository

/// `foundry model …`: git for models — a content-addressed repository of checkpoints and adapters.
struct ModelCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "model",
        abstract: "Git for models: commits, branches, diffs, three-way merges of weights, remotes.",
        discussion: """
            A repository is a folder (--repo PATH, else $FOUNDRY_MODEL_REPO, else the current folder) holding \
            repository.sqlite and objects/. Tensors are stored once by the SHA-256 of (dtype, shape, bytes), dense or \
            sparse against the parent's tensor; an adapter commit keeps its LoRA factors and names its base model. \
            A ref is a branch, a tag, HEAD, a commit address or a unique prefix of at least 4 hex digits, with an \
            optional ~N suffix. --json prints one object with snake_case keys.
            """,
        subcommands: [
            ModelInitCommand.self, ModelCommitCommand.self, ModelLogCommand.self, ModelShowCommand.self,
            ModelDiffCommand.self, ModelBranchCommand.self, ModelTagCommand.self, ModelCheckoutCommand.self,
            ModelMergeCommand.self, ModelRemoteCommand.self, ModelPushCommand.self, ModelFetchCommand.self,
            ModelPullCommand.self, ModelCheckCommand.self, ModelFsckCommand.self, ModelGCCommand.self,
            ModelReflogCommand.self, ModelBundleCommand.self,
        ]
    )
}

/// Options shared by every `foundry model` subcommand.
struct ModelRepositoryOptions: ParsableArguments {
    @Option(name: .long, help: "The repository folder (default: $FOUNDRY_MODEL_REPO or the current folder).")
    var repo: String?

    @Flag(name: .long, help: "Print one JSON object on stdout (snake_case keys).")
    var json = false

    /// The repository folder after defaults.
    var url: URL {
        URL(fileURLWithPath: repo ?? ProcessInfo.processInfo.environment["FOUNDRY_MODEL_REPO"] ?? ".")
    }

    /// Opens the repository, turning its errors into command failures.
    func open() throws -> ModelRepository {
        try withRepositoryErrors { try ModelRepository(root: url) }
    }
}

/// Runs `body`, turning the repository's errors into ``CommandFailure``s.
func withRepositoryErrors<T>(_ body: () throws -> T) throws -> T {
    do { return try body() } catch let error as ModelRepositoryError { throw CommandFailure(error.description) }
}

struct ModelInitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init", abstract: "Create an empty repository (branch main, no commit yet).")

    @Argument(help: "The folder to create the repository in (default: --repo or the current folder).")
    var path: String?

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let url = path.map { URL(fileURLWithPath: $0) } ?? options.url
        let repository = try withRepositoryErrors { try ModelRepository.create(at: url) }
        if options.json {
            try printJSON(["repository": repository.root.path, "branch": "main"])
        } else {
            print("Initialized an empty model repository in \(repository.root.path) (branch main)")
        }
    }
}

struct ModelCommitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "commit",
        abstract: "Commit a model folder (HF layout, a PEFT adapter, any safetensors and config files) to a branch.")

    @Argument(help: "The model or adapter folder.")
    var folder: String

    @Option(name: [.short, .long], help: "The commit message.")
    var message: String

    @Option(name: .long, help: "The branch (default: HEAD's branch).")
    var branch: String?

    @OptionGroup var author: ModelAuthorOptions

    @Option(name: .long, help: "For an adapter: the commit holding its base model (default: the parent's base).")
    var base: String?

    @Option(name: .long, parsing: .singleValue, help: "A metric NAME=VALUE (repeatable).")
    var metric: [String] = []

    @Option(name: .long, parsing: .singleValue, help: "A dataset version or folder it was trained on (repeatable).")
    var dataset: [String] = []

    @Flag(name: .long, help: "Commit even when nothing changed.")
    var allowEmpty = false

    @OptionGroup var options: ModelRepositoryOptions

    func validate() throws {
        for entry in metric {
            let parts = entry.split(separator: "=", maxSplits: 1)
            guard parts.count == 2, Double(parts[1]) != nil else {
                throw ValidationError("--metric expects NAME=NUMBER, got \"\(entry)\"")
            }
        }
    }

    func run() throws {
        let repository = try options.open()
        var commitOptions = CommitOptions(message: message)
        commitOptions.branch = branch
        if let name = try author.resolved() { commitOptions.author = name }
        commitOptions.base = base
        commitOptions.allowEmpty = allowEmpty
        for entry in metric {
            let parts = entry.split(separator: "=", maxSplits: 1)
            commitOptions.metrics[String(parts[0])] = Double(parts[1])
        }
        commitOptions.provenance.datasets = dataset
        let result = try withRepositoryErrors {
            try repository.commit(directory: URL(fileURLWithPath: folder), options: commitOptions)
        }
        if options.json {
            try printJSON(result)
        } else {
            let encodings = result.encodings.keys.sorted().map { "\(result.encodings[$0] ?? 0) \($0)" }
            print(
                "[\(result.branch ?? "?") \(result.commit.prefix(12))] \(message)\n"
                    + "  tensors: \(encodings.joined(separator: ", ")); \(result.objectsWritten) objects, \(result.bytesWritten) bytes written"
            )
        }
    }
}

struct ModelLogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "log", abstract: "Show the history of a ref.")

    @Argument(help: "The ref (default: HEAD).")
    var ref = "HEAD"

    @Option(name: [.short, .long], help: "At most this many commits.")
    var limit = 50

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let records = try withRepositoryErrors { try repository.log(from: repository.resolve(ref), limit: limit) }
        if options.json {
            try printJSON(["commits": records])
            return
        }
        for record in records {
            let merge = record.commit.parents.count > 1 ? " (merge)" : ""
            print("commit \(record.id)\(merge)\nAuthor: \(record.commit.author)\nDate:   \(record.commit.time)")
            if !record.commit.metrics.isEmpty {
                print(
                    "Metrics: "
                        + record.commit.metrics.keys.sorted().map { "\($0)=\(record.commit.metrics[$0] ?? 0)" }.joined(
                            separator: " "))
            }
            print("\n    \(record.commit.message)\n")
        }
    }
}

struct ModelShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show", abstract: "Show a commit: parents, author, metrics, provenance and its files and tensors.")

    @Argument(help: "The ref (default: HEAD).")
    var ref = "HEAD"

    @OptionGroup var options: ModelRepositoryOptions

    struct Shown: Encodable {
        var id: String
        var commit: Commit
        var files: [Tree.File]
        var encodings: [String: String]
    }

    func run() throws {
        let repository = try options.open()
        let shown = try withRepositoryErrors { () -> Shown in
            let id = try repository.resolve(ref)
            let commit = try repository.commit(id)
            let files = try repository.tree(commit.tree).files
            var encodings: [String: String] = [:]
            for file in files {
                for tensor in file.tensors ?? [] {
                    encodings["\(file.path):\(tensor.name)"] =
                        try repository.objects.header(tensor.object).encoding?.rawValue ?? "dense"
                }
            }
            return Shown(id: id, commit: commit, files: files, encodings: encodings)
        }
        if options.json {
            try printJSON(shown)
            return
        }
        print("commit \(shown.id)")
        if !shown.commit.parents.isEmpty { print("Parents: \(shown.commit.parents.joined(separator: " "))") }
        print("Author: \(shown.commit.author)\nDate:   \(shown.commit.time)")
        if let base = shown.commit.base { print("Base model: \(base)") }
        if let source = shown.commit.provenance.source { print("Source: \(source)") }
        if !shown.commit.provenance.datasets.isEmpty {
            print("Datasets: \(shown.commit.provenance.datasets.joined(separator: ", "))")
        }
        print("\n    \(shown.commit.message)\n")
        for file in shown.files {
            print("\(file.path)  \(file.size) bytes\(file.tensors.map { ", \($0.count) tensors" } ?? "")")
        }
        var counts: [String: Int] = [:]
        for encoding in shown.encodings.values { counts[encoding, default: 0] += 1 }
        if !counts.isEmpty {
            print(
                "tensor encodings: " + counts.keys.sorted().map { "\(counts[$0] ?? 0) \($0)" }.joined(separator: ", "))
        }
    }
}

struct ModelDiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff",
        abstract: "Compare two commits tensor by tensor: L2 and relative change, fraction changed, effective rank.")

    @Argument(help: "The first ref.")
    var from: String

    @Argument(help: "The second ref (default: HEAD).")
    var to = "HEAD"

    @Flag(name: .long, help: "Print only the summary (counts and the largest changes).")
    var stat = false

    @Flag(name: .long, help: "Skip the effective ranks (faster on large models).")
    var noRank = false

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        try requireBLAS()
        let repository = try options.open()
        let diff = try withRepositoryErrors { try repository.diff(from, to, ranks: !noRank) }
        if options.json {
            try printJSON(diff)
            return
        }
        func number(_ value: Double?) -> String { value.map { String(format: "%.4g", $0) } ?? "-" }
        if !stat {
            for path in diff.files.keys.sorted() { print("file \(path): \(diff.files[path] ?? "")") }
            for entry in diff.tensors {
                print(
                    "\(entry.status.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0)) \(entry.key)  \(entry.shape) "
                        + "l2=\(number(entry.l2)) rel=\(number(entry.relativeChange)) changed=\(number(entry.fractionChanged)) "
                        + "rank=\(entry.effectiveRank.map(String.init) ?? "-") [\(entry.encoding ?? "-")]")
            }
        }
        let summary = diff.summary.keys.sorted().map { "\(diff.summary[$0] ?? 0) \($0)" }.joined(separator: ", ")
        print("\(diff.tensors.count) tensors differ (\(summary)); \(diff.files.count) files differ")
        if stat {
            for entry in diff.tensors.sorted(by: { ($0.l2 ?? 0) > ($1.l2 ?? 0) }).prefix(10) {
                print("  \(entry.key): l2=\(number(entry.l2)) rel=\(number(entry.relativeChange))")
            }
        }
    }
}
