import ArgumentParser
import Foundation
import FoundryCore
import ModelRepository

struct ModelBranchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "branch", abstract: "List branches, create one at a ref, or delete one.")

    @Argument(help: "The branch to create (omit to list).")
    var name: String?

    @Argument(help: "Where it starts (default: HEAD).")
    var start: String?

    @Flag(name: .shortAndLong, help: "Delete the branch.")
    var delete = false

    @OptionGroup var options: ModelRepositoryOptions

    func validate() throws {
        if delete && name == nil { throw ValidationError("--delete needs a branch name") }
    }

    func run() throws {
        let repository = try options.open()
        try withRepositoryErrors {
            if let name {
                if delete { try repository.deleteBranch(name) } else { try repository.createBranch(name, at: start) }
            }
        }
        let branches = try withRepositoryErrors { try repository.branches() }
        let head = try withRepositoryErrors { try repository.head() }
        if options.json {
            try printJSON(["branches": branches])
            return
        }
        for branch in branches {
            print("\(head == .branch(branch.name) ? "*" : " ") \(branch.name)  \(branch.commit.prefix(12))")
        }
    }
}

struct ModelTagCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "tag", abstract: "List tags or tag a commit.")

    @Argument(help: "The tag to create (omit to list).")
    var name: String?

    @Argument(help: "The commit (default: HEAD).")
    var target: String?

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        if let name { try withRepositoryErrors { try repository.createTag(name, at: target) } }
        let tags = try withRepositoryErrors { try repository.tags() }
        if options.json {
            try printJSON(["tags": tags])
            return
        }
        for tag in tags { print("\(tag.name)  \(tag.commit.prefix(12))") }
    }
}

struct ModelCheckoutCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checkout",
        abstract: "Switch HEAD to a branch or commit, and/or write a commit's model to a folder.",
        discussion: """
            With --output, the commit's files are written to a new folder, every object re-hashed on the way: \
            --format files (as committed), peft (an adapter folder) or hf (a full model; an adapter commit is \
            materialized on its base as W + scaling·B·A). Without --output, HEAD moves to REF.
            """)

    @Argument(help: "The branch, tag or commit.")
    var ref: String

    @Option(name: .shortAndLong, help: "Write the model to this new folder (HEAD does not move).")
    var output: String?

    @Option(name: .long, help: "files, peft or hf.")
    var format: CheckoutFormat = .files

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        guard let output else {
            try withRepositoryErrors { try repository.setHead(ref) }
            let head = try withRepositoryErrors { try repository.headCommit() }
            if options.json {
                try printJSON(["head": ref, "commit": head ?? ""])
            } else {
                print("HEAD is now at \(ref)")
            }
            return
        }
        let result = try withRepositoryErrors {
            try repository.checkout(ref, to: URL(fileURLWithPath: output), format: format)
        }
        if options.json {
            try printJSON(result)
        } else {
            print(
                "wrote \(result.files) files (\(result.bytes) bytes) of \(result.commit.prefix(12)) to \(result.output)"
            )
        }
    }
}

extension CheckoutFormat: ExpressibleByArgument {}

struct ModelReflogCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "reflog", abstract: "Show where refs moved.")

    @Argument(help: "The ref (a branch, HEAD; default: every ref).")
    var ref: String?

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let entries = try withRepositoryErrors { try repository.reflog(ref) }
        if options.json {
            try printJSON(["entries": entries])
            return
        }
        for entry in entries {
            print(
                "\(entry.time) \(entry.ref) \(entry.old?.prefix(12) ?? "-") → \(entry.new?.prefix(12) ?? "-")  \(entry.action)"
            )
        }
    }
}

struct ModelFsckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fsck", abstract: "Verify every object's hash and that every ref reaches complete commits.")

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let report = try withRepositoryErrors { try repository.fsck() }
        if options.json {
            try printJSON(report)
        } else {
            for problem in report.problems { print(problem) }
            print(
                "\(report.objectsChecked) objects, \(report.commitsChecked) commits checked; \(report.problems.count) problems"
            )
        }
        if !report.isClean { throw ExitCode(1) }
    }
}

struct ModelGCCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "gc", abstract: "Remove objects no ref reaches and files left by interrupted commits.")

    @OptionGroup var options: ModelRepositoryOptions

    func run() throws {
        let repository = try options.open()
        let report = try withRepositoryErrors { try repository.gc() }
        if options.json {
            try printJSON(report)
        } else {
            print(
                "removed \(report.objectsRemoved) unreachable objects and \(report.filesRemoved) stray files (\(report.bytesFreed) bytes)"
            )
        }
    }
}
