import ArgumentParser
import Foundation
import FoundryCore
import ModelRepository

struct ModelRemoteCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remote", abstract: "List remotes, or add one (a repository folder).")

    @Argument(help: "The remote's name (omit to list).")
    var name: String?

    @Argument(help: "The remote repository's folder.")
    var path: String?

    @OptionGroup var options: ModelRepositoryOptions

    func validate() throws {
        if name != nil && path == nil { throw ValidationError("adding a remote needs NAME and PATH") }
    }

    func run() throws {
        let repository = try options.open()
        if let name, let path {
            try withRepositoryErrors {
                _ = try ModelRepository(root: URL(fileURLWithPath: path))
                try repository.addRemote(name, path: URL(fileURLWithPath: path).standardizedFileURL.path)
            }
        }
        let remotes = try withRepositoryErrors { try repository.remotes() }
        if options.json {
            try printJSON(["remotes": remotes])
        } else {
            for name in remotes.keys.sorted() { print("\(name)  \(remotes[name] ?? "")") }
        }
    }
}

struct ModelPushCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send a branch to a remote: only missing objects, verified on receipt; the remote's ref moves last.")

    @Argument(help: "The remote (a name or a repository folder).")
    var remote: String

    @Argument(help: "The branch (default: HEAD's branch).")
    var branch: String?

    @Flag(help: "Move the remote's branch even when it is not an ancestor.")
    var force = false

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let result = try withRepositoryErrors {
            try repository.push(
                to: repository.remoteURL(remote), branch: branch ?? repository.currentBranch(), force: force)
        }
        if options.json {
            try printJSON(result)
        } else {
            print(
                "sent \(result.objects) objects (\(result.bytes) bytes); \(result.refs.map { "\($0.key) → \($0.value.prefix(12))" }.joined(separator: ", "))"
            )
        }
    }
}

struct ModelFetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch", abstract: "Receive a remote branch as refs/remotes/REMOTE/BRANCH (missing objects only).")

    @OptionGroup var source: RemoteBranchArguments
    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let result = try withRepositoryErrors {
            try repository.fetch(
                from: repository.remoteURL(source.remote), name: remoteName(source.remote), branch: source.branch)
        }
        if options.json {
            try printJSON(result)
        } else {
            print("received \(result.objects) objects (\(result.bytes) bytes)")
        }
    }
}

/// The remote and branch that `fetch` and `pull` receive.
struct RemoteBranchArguments: ParsableArguments {
    @Argument(help: "The remote (a name or a repository folder).")
    var remote: String

    @Argument(help: "The branch.")
    var branch = "main"
}

/// A remote's name for `refs/remotes/NAME/…`: the name itself, or a folder's last component.
func remoteName(_ remote: String) -> String {
    remote.contains("/") ? URL(fileURLWithPath: remote).lastPathComponent : remote
}

/// What `pull --json` prints: what was fetched and the merge commit, when the branch did not fast-forward.
struct PullOutput: Encodable {
    var fetched: TransferResult
    var merge: CommitResult?
}

struct ModelPullCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull", abstract: "Fetch a remote branch, then fast-forward or merge HEAD's branch.")

    @OptionGroup var source: RemoteBranchArguments
    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        try requireBLAS()
        let repository = try options.open()
        let (fetched, merged) = try withRepositoryErrors {
            try repository.pull(
                from: repository.remoteURL(source.remote), name: remoteName(source.remote), branch: source.branch)
        }
        if options.json {
            try printJSON(PullOutput(fetched: fetched, merge: merged))
        } else {
            print(
                "received \(fetched.objects) objects; \(merged.map { "merged as \($0.commit.prefix(12))" } ?? "fast-forward")"
            )
        }
    }
}

struct ModelBundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bundle", abstract: "Carry commits in one file: create, verify, unbundle.",
        subcommands: [ModelBundleCreateCommand.self, ModelBundleVerifyCommand.self, ModelBundleUnbundleCommand.self])
}

struct ModelBundleCreateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create", abstract: "Write the commits reachable from REFS but not from --since to FILE.")

    @Argument(help: "The bundle file.")
    var file: String

    @Argument(help: "Branches or tags to carry (default: HEAD's branch).")
    var refs: [String] = []

    @Option(parsing: .singleValue, help: "A ref the receiver has already (repeatable): the start of the range.")
    var since: [String] = []

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let summary = try withRepositoryErrors {
            try repository.createBundle(
                at: URL(fileURLWithPath: file), refs: refs.isEmpty ? [repository.currentBranch()] : refs,
                since: since)
        }
        if options.json {
            try printJSON(summary)
        } else {
            print("wrote \(file): \(summary.objects) objects, \(summary.bytes) bytes")
        }
    }
}

struct ModelBundleVerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify", abstract: "Check a bundle's objects and checksum, and that this repository can take it.")

    @Argument(help: "The bundle file.")
    var file: String

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let summary = try withRepositoryErrors { try repository.verifyBundle(URL(fileURLWithPath: file)) }
        if options.json {
            try printJSON(summary)
        } else {
            print(
                "\(file) is valid: \(summary.objects) objects; refs \(summary.refs.keys.sorted().joined(separator: ", "))"
            )
        }
    }
}

struct ModelBundleUnbundleCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unbundle", abstract: "Verify a bundle and receive its commits; its branches move forward.")

    @Argument(help: "The bundle file.")
    var file: String

    @Flag(help: "Move branches even when they do not move forward.")
    var force = false

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let result = try withRepositoryErrors { try repository.unbundle(URL(fileURLWithPath: file), force: force) }
        if options.json {
            try printJSON(result)
        } else {
            print(
                "received \(result.objects) objects; \(result.refs.map { "\($0.key) → \($0.value.prefix(12))" }.joined(separator: ", "))"
            )
        }
    }
}
