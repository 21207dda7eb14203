import ArgumentParser
import DatasetStore

/// `foundry store lineage`: the chains of artifacts built from a dataset's versions (version → label matrix → soft
/// labels → adapter), with stale flags and reasons.
struct StoreLineageCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lineage",
        abstract: "Show what was built from a dataset's versions, as trees (stale artifacts need a rebuild).")

    @OptionGroup var options: StoreOptions

    @Argument(help: "The dataset.") var dataset: String

    @Flag(name: .long, help: "Only stale artifacts (and the chains leading to them).")
    var stale = false

    func run() throws {
        let (store, principal) = try options.session()
        let tree = try store.lineageTree(of: dataset, staleOnly: stale, as: principal)
        try options.emit(tree) { Self.text(of: tree) }
    }

    /// The tree as indented text: one line per version, then one per artifact under its version or parent.
    static func text(of tree: DatasetLineage) -> String {
        var lines: [String] = []
        if tree.versions.isEmpty { lines.append("\(shown(tree.dataset)): nothing recorded") }
        for entry in tree.versions {
            let version = entry.version
            lines.append(
                "\(shown(tree.dataset))@\(shortID(version.id))  \(version.rowCount) rows"
                    + (version.erasedCount > 0 ? " (\(version.erasedCount) erased)" : "")
                    + "  \(isoTime(version.createdAt))  \(shown(version.createdBy))")
            func append(_ node: LineageNode, prefix: String, isLast: Bool) {
                let artifact = node.artifact
                var line = prefix + (isLast ? "└─ " : "├─ ")
                if artifact.isStale { line += "STALE " }
                line += "\(artifact.kind) '\(shown(artifact.name))' #\(artifact.id)"
                if artifact.version != version.id { line += " @\(shortID(artifact.version))" }
                line += "  \(isoTime(artifact.createdAt))  \(shown(artifact.createdBy))"
                if !artifact.files.isEmpty {
                    line += "  files: " + artifact.files.map { shown($0.name) }.joined(separator: ", ")
                }
                lines.append(line)
                let childPrefix = prefix + (isLast ? "   " : "│  ")
                if let reason = artifact.staleReason {
                    lines.append(
                        childPrefix + "stale" + (artifact.staleAt.map { " since \(isoTime($0))" } ?? "")
                            + ": \(shown(reason))")
                }
                for (index, child) in node.derived.enumerated() {
                    append(child, prefix: childPrefix, isLast: index == node.derived.count - 1)
                }
            }
            for (index, node) in entry.artifacts.enumerated() {
                append(node, prefix: "  ", isLast: index == entry.artifacts.count - 1)
            }
        }
        return lines.joined(separator: "\n")
    }
}
